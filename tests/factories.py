"""Builders of real files with real producer libraries, with chosen metadata."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import sys
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from make_sample_dump import period_app_xml  # the sample dump generator's helper


def make_docx(
    *,
    author: str = "Alice Martin",
    last_modified_by: str | None = None,
    created: dt.datetime | None = None,
    modified: dt.datetime | None = None,
    text: str = "Note de synthese budget avril.",
) -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(text)
    props = document.core_properties
    props.author = author
    props.last_modified_by = last_modified_by or author
    props.created = created or dt.datetime(2017, 3, 1, 9, 0)
    props.modified = modified or dt.datetime(2017, 3, 2, 17, 30)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def make_xlsx(
    *,
    creator: str = "Julien Moreau",
    last_modified_by: str | None = None,
    created: dt.datetime | None = None,
    modified: dt.datetime | None = None,
) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["poste", "montant"])
    ws.append(["tracts", 1200])
    wb.properties.creator = creator
    wb.properties.lastModifiedBy = last_modified_by or creator
    wb.properties.created = created or dt.datetime(2017, 3, 1, 9, 0)
    wb.properties.modified = modified or dt.datetime(2017, 3, 5, 9, 0)
    # Workbook.save() stamps "modified" with the current time; the writer itself keeps ours.
    import zipfile

    from openpyxl.writer.excel import ExcelWriter

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    # The app.xml the openpyxl of 2017 wrote (today's names a 2023 version, which the
    # release timeline rightly holds against a workbook dated 2017).
    return period_app_xml(buf.getvalue())


def make_pdf(*, author: str = "Alice Martin", title: str = "Compte rendu") -> bytes:
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.setAuthor(author)
    c.setTitle(title)
    c.drawString(72, 720, "Compte rendu de reunion")
    c.showPage()
    c.save()
    return buf.getvalue()


def make_jpeg(
    *,
    make: str = "Canon",
    model: str = "Canon EOS 5D Mark III",
    original: str = "2017:04:02 10:11:12",
) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (64, 48), (120, 30, 200))
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0132] = original
    exif.get_ifd(0x8769)[0x9003] = original
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes(), quality=85)
    return buf.getvalue()


def make_email(
    *,
    date: dt.datetime,
    attachments: list[tuple[str, bytes, str]] = (),  # type: ignore[assignment]
    subject: str = "Budget",
    sender: str = "alice@campagne.example",
    message_id: str | None = None,
    in_reply_to: str | None = None,
    body: str = "Voir la piece jointe.",
) -> bytes:
    """A stdlib-made email; ``in_reply_to`` makes it a reply (In-Reply-To and References)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "julien@campagne.example"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    digest = hashlib.sha256(f"{subject}{date}".encode()).hexdigest()[:16]
    msg["Message-ID"] = message_id or f"<{digest}@campagne.example>"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = f"<root@campagne.example> {in_reply_to}"
    msg.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    return msg.as_bytes()


def dump_findings_of(files: dict[str, bytes], *codes: str) -> dict[str, list]:
    """Each path's dump-wide findings with one of ``codes``, the files analysed in this
    process as a scan would (the dump-wide pass over them all at once)."""
    from authenticity.analyse import analyse_document
    from authenticity.config import Settings
    from authenticity.dumpwide import dump_findings
    from authenticity.model import Document

    items = []
    for path, data in files.items():
        doc = Document(path, hashlib.sha256(data).hexdigest(), len(data), data=data)
        items.append((doc, analyse_document(doc, Settings(workers=0))))
    out = dump_findings(items)
    return {p: [f for f in out.get(p, []) if f.code in codes] for p in files}
