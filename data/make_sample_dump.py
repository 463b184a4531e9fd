#!/usr/bin/env python3
"""Generate the small sample leak used by the README demo, deterministically.

Scenario: the mailbox and shared folder of a fictional campaign ("Campagne Example",
domain ``campagne.example``) leaked on 2017-05-05. Most files are authentic; five forged
inserts are mixed in, each with one or two clear signs. ``data/README.md`` lists them.

Every file is written by a real producer library (python-docx, openpyxl, reportlab,
pikepdf, Pillow, stdlib email/mailbox/zipfile). Everything that would normally take the
wall clock or a random source is pinned, so two runs give byte-identical output::

    python data/make_sample_dump.py                 # writes data/sample_dump/
    python data/make_sample_dump.py --out /tmp/x    # somewhere else
    python data/make_sample_dump.py --check         # exit 1 if data/sample_dump/ is stale

Needs the ``producers`` extra: ``pip install -e '.[producers]'``.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import functools
import hashlib
import io
import mailbox
import os
import random
import sys
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import openpyxl
import pikepdf
import reportlab
from docx import Document
from docx.shared import Pt
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter
from PIL import Image, ImageDraw, ImageFilter, ImageFont
from PIL.TiffImagePlugin import IFDRational
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas as rl_canvas

HERE = Path(__file__).resolve().parent
DEFAULT_OUT = HERE / "sample_dump"

LEAK_DATE = dt.date(2017, 5, 5)
DOMAIN = "campagne.example"
COMPANY = "Campagne Example"
SEED = 20170505

MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# --------------------------------------------------------------------------- time

CET = dt.timezone(dt.timedelta(hours=1), "CET")
CEST = dt.timezone(dt.timedelta(hours=2), "CEST")
#: Paris switched to summer time on 2017-03-26 at 02:00 CET.
_DST_START_2017 = dt.datetime(2017, 3, 26, 2, 0)


def paris(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> dt.datetime:
    """An aware Europe/Paris datetime for 2017 (offsets hard-coded: no tzdata needed)."""
    naive = dt.datetime(y, mo, d, h, mi, s)
    return naive.replace(tzinfo=CEST if naive >= _DST_START_2017 else CET)


def utc(when: dt.datetime) -> dt.datetime:
    return when.astimezone(dt.UTC)


def pdf_date(when: dt.datetime) -> str:
    off = when.utcoffset() or dt.timedelta(0)
    minutes = int(off.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"D:{when:%Y%m%d%H%M%S}{sign}{hh:02d}'{mm:02d}'"


def exif_date(when: dt.datetime) -> str:
    return f"{when:%Y:%m:%d %H:%M:%S}"


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class Person:
    name: str
    login: str

    @property
    def email(self) -> str:
        return f"{self.login}@{DOMAIN}"

    @property
    def mailbox(self) -> str:
        return f"{self.name} <{self.email}>"


ALICE = Person("Alice Martin", "alice.martin")  # directrice adjointe de campagne
JULIEN = Person("Julien Moreau", "julien.moreau")  # trésorier
CAMILLE = Person("Camille Bernard", "camille.bernard")  # communication
THOMAS = Person("Thomas Petit", "thomas.petit")  # logistique / déplacements
SOPHIE = Person("Sophie Laurent", "sophie.laurent")  # presse
MARK = Person("Mark Ellis", "mark.ellis")  # conseiller international (anglophone)
EQUIPE = Person("Équipe campagne", "equipe")

#: The editor name planted in the forged spreadsheet (insert a).
FORGER = "Рошка Георгий"

# --------------------------------------------------------------------------- zip helpers


def restamp_zip(data: bytes, when: dt.datetime) -> bytes:
    """Rewrite a zip with every entry dated ``when`` (local wall time, like a real save).

    python-docx and openpyxl stamp zip entries with the current time; this keeps the
    entries, their order, compression and content, and pins only the timestamp.
    """
    stamp = when.timetuple()[:6]
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            new = zipfile.ZipInfo(info.filename, date_time=stamp)
            new.compress_type = info.compress_type
            new.create_system = 3
            new.external_attr = info.external_attr
            dst.writestr(new, src.read(info))
    return out.getvalue()


#: What openpyxl wrote in docProps/app.xml before 3.1 (2023): Excel's name and its own
#: major.minor as AppVersion. The campaign's spreadsheets (2016-2017) were written by the
#: openpyxl of the day, 2.4; today's states "Microsoft Excel Compatible / Openpyxl 3.1.x",
#: a version released years after the dates these files carry.
OPENPYXL_2017_APP = b"<Application>Microsoft Excel</Application><AppVersion>2.4</AppVersion>"


def period_app_xml(data: bytes) -> bytes:
    """An openpyxl workbook with the app.xml the openpyxl of spring 2017 wrote."""
    import re

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/app.xml":
                body = re.sub(
                    rb"<Application>[^<]*</Application>\s*<AppVersion>[^<]*</AppVersion>",
                    OPENPYXL_2017_APP,
                    body,
                )
            dst.writestr(info, body)
    return out.getvalue()


# --------------------------------------------------------------------------- producers


@dataclass(frozen=True)
class Props:
    """Authoring metadata for one office document or PDF."""

    author: str
    created: dt.datetime
    modified: dt.datetime
    last_modified_by: str | None = None
    title: str = ""
    subject: str = ""
    revision: int = 1


def make_docx(props: Props, build: Callable[[Document], None]) -> bytes:
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Calibri"
    style.font.size = Pt(11)
    build(doc)
    cp = doc.core_properties
    cp.author = props.author
    cp.last_modified_by = props.last_modified_by or props.author
    cp.created = utc(props.created)  # python-docx formats the value as-is with a "Z"
    cp.modified = utc(props.modified)
    cp.revision = props.revision
    cp.title = props.title
    cp.subject = props.subject
    cp.comments = ""  # the template says "generated by python-docx"
    cp.keywords = ""
    cp.category = ""
    buf = io.BytesIO()
    doc.save(buf)
    return restamp_zip(buf.getvalue(), props.modified)


def make_xlsx(props: Props, build: Callable[[openpyxl.Workbook], None]) -> bytes:
    wb = openpyxl.Workbook()
    build(wb)
    wp = wb.properties
    wp.creator = props.author
    wp.lastModifiedBy = props.last_modified_by or props.author
    wp.created = utc(props.created).replace(tzinfo=None)  # openpyxl: naive means UTC
    wp.modified = utc(props.modified).replace(tzinfo=None)
    wp.title = props.title or None
    wp.subject = props.subject or None
    # openpyxl.save_workbook() overwrites `modified` with now(); the writer it calls
    # does not, so call the writer directly to keep the date we set.
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        ExcelWriter(wb, archive).write_data()
    return restamp_zip(period_app_xml(buf.getvalue()), props.modified)


def make_pdf(props: Props, lines: list[str]) -> bytes:
    """A one- or two-page text PDF with reportlab, invariant mode, dates pinned."""
    buf = io.BytesIO()
    # In invariant mode reportlab seeds the /ID digest from $SOURCE_DATE_EPOCH when set;
    # hide it so the output does not depend on the caller's environment.
    sde = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        c = rl_canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    finally:
        if sde is not None:
            os.environ["SOURCE_DATE_EPOCH"] = sde
    c.setAuthor(props.author)
    c.setTitle(props.title)
    c.setSubject(props.subject)
    # reportlab writes one date for both /CreationDate and /ModDate; in invariant mode it
    # would be 2000-01-01, so format the date we want instead.
    stamp = pdf_date(props.modified)
    c.setDateFormatter(lambda *_: stamp)
    height = A4[1]
    y = height - 72
    for i, line in enumerate(lines):
        if y < 72:
            c.showPage()
            y = height - 72
        if i == 0:
            c.setFont("Helvetica-Bold", 15)
        elif line.startswith("# "):
            c.setFont("Helvetica-Bold", 12)
            line = line[2:]
        else:
            c.setFont("Helvetica", 10.5)
        c.drawString(64, y, line)
        y -= 22 if i == 0 else 15
    c.setFont("Helvetica", 8)
    c.drawString(64, 40, f"{COMPANY} - document interne")
    c.showPage()
    c.save()
    return buf.getvalue()


#: Bitstream Vera ships with reportlab: a pinned TrueType font with French accents.
_VERA = Path(reportlab.__file__).resolve().parent / "fonts"


@functools.cache
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(_VERA / ("VeraBd.ttf" if bold else "Vera.ttf")), size)


def make_jpeg(
    seed: int,
    lines: list[str],
    *,
    make: str,
    model: str,
    taken: dt.datetime,
    size: tuple[int, int] = (960, 640),
    paper: bool = True,
) -> bytes:
    """A photographed sheet (or whiteboard) with camera EXIF, via Pillow."""
    rng = random.Random(seed)
    w, h = size
    bg = (rng.randint(70, 110), rng.randint(70, 100), rng.randint(60, 90))
    img = Image.new("RGB", size, bg)
    draw = ImageDraw.Draw(img)
    margin = 60 + rng.randint(0, 20)
    sheet = (margin, 30, w - margin, h - 20) if paper else (20, 20, w - 20, h - 20)
    draw.rectangle(sheet, fill=(236, 234, 226))
    y = sheet[1] + 30
    for i, line in enumerate(lines):
        fnt = _font(28, bold=True) if i == 0 else _font(20)
        draw.text((sheet[0] + 36, y), line, fill=(35, 35, 45), font=fnt)
        y += 52 if i == 0 else 34
    img = img.rotate(rng.uniform(-1.5, 1.5), resample=Image.Resampling.BICUBIC, fillcolor=bg)
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    grain = Image.frombytes("L", size, rng.randbytes(w * h)).filter(ImageFilter.BoxBlur(1))
    img = Image.blend(img, Image.merge("RGB", (grain, grain, grain)), 0.06)

    exif = Image.Exif()
    exif[0x010F] = make  # Make
    exif[0x0110] = model  # Model
    exif[0x0112] = 1  # Orientation
    exif[0x011A] = IFDRational(72, 1)  # XResolution
    exif[0x011B] = IFDRational(72, 1)  # YResolution
    exif[0x0128] = 2  # ResolutionUnit: inch
    exif[0x0132] = exif_date(taken)  # DateTime
    sub = exif.get_ifd(0x8769)  # Exif IFD
    sub[0x829A] = IFDRational(1, 125)  # ExposureTime
    sub[0x829D] = IFDRational(40, 10)  # FNumber
    sub[0x8827] = 800  # ISOSpeedRatings
    sub[0x9003] = exif_date(taken)  # DateTimeOriginal
    sub[0x9004] = exif_date(taken)  # DateTimeDigitized
    sub[0x920A] = IFDRational(50, 1)  # FocalLength
    sub[0xA002] = w  # PixelXDimension
    sub[0xA003] = h  # PixelYDimension
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=72, exif=exif.tobytes())
    return buf.getvalue()


# --------------------------------------------------------------------------- email


@dataclass(frozen=True)
class Attachment:
    filename: str
    data: bytes
    mime: str  # the declared Content-Type


def _hex(seed: str, n: int) -> str:
    return hashlib.sha256(seed.encode()).hexdigest()[:n].upper()


def thread_index(key: str, created: dt.datetime) -> str:
    """Outlook 2016's Thread-Index of a conversation's first message: a 0x01 byte, the top
    five bytes of the creation time as a FILETIME (100 ns since 1601, UTC), a GUID."""
    ticks = int((utc(created) - dt.datetime(1601, 1, 1, tzinfo=dt.UTC)).total_seconds() * 10**7)
    guid = hashlib.sha256((key + "g").encode()).digest()[:16]
    return base64.b64encode(b"\x01" + ticks.to_bytes(8, "big")[:5] + guid).decode("ascii")


def message_id(key: str, mailer: str) -> str:
    """Outlook/Exchange-like hex ids, or Apple Mail's upper-case UUIDs."""
    if mailer == "outlook":
        return f"<{_hex(key, 24)}@{DOMAIN}>"
    mid = uuid.UUID(bytes=hashlib.sha256(key.encode()).digest()[:16], version=4)
    return f"<{str(mid).upper()}@{DOMAIN}>"


def make_email(
    *,
    key: str,
    sender: Person,
    to: list[Person],
    subject: str,
    date: dt.datetime,
    body: str,
    mailer: str,  # "outlook" or "apple"
    attachments: tuple[Attachment, ...] = (),
    cc: tuple[Person, ...] = (),
    client_ip: str = "10.0.3.17",
    in_reply_to: str | None = None,
) -> EmailMessage:
    msg = EmailMessage()
    # Received: newest hop on top. Submission to the campaign's relay, then the mailbox host.
    t_relay = date + dt.timedelta(seconds=2)
    t_store = date + dt.timedelta(seconds=3)
    queue = _hex(key + "q", 10)
    msg["Received"] = (
        f"from relay1.{DOMAIN} (relay1.{DOMAIN} [192.0.2.25]) by mbox2.{DOMAIN} "
        f"(Postfix) with ESMTPS id {queue} for <{to[0].email}>; {format_datetime(t_store)}"
    )
    msg["Received"] = (
        f"from [{client_ip}] (unknown [{client_ip}]) (Authenticated sender: {sender.email}) "
        f"by relay1.{DOMAIN} (Postfix) with ESMTPSA id {_hex(key + 'r', 10)}; "
        f"{format_datetime(t_relay)}"
    )
    msg["From"] = sender.mailbox
    msg["To"] = ", ".join(p.mailbox for p in to)
    if cc:
        msg["Cc"] = ", ".join(p.mailbox for p in cc)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(date)
    if mailer == "outlook":
        msg["Message-ID"] = message_id(key, mailer)
        msg["X-Mailer"] = "Microsoft Outlook 16.0"
        msg["Thread-Index"] = thread_index(key, date)
        msg["Content-Language"] = "fr"
        boundary = (
            f"----=_NextPart_000_{_hex(key + 'b', 4)}_01D2{_hex(key + 'c', 4)}.{_hex(key, 8)}"
        )
    else:
        msg["Message-Id"] = message_id(key, mailer)
        msg["X-Mailer"] = "Apple Mail (2.3273)"
        boundary = f"Apple-Mail={_hex(key + 'b', 8)}-{_hex(key + 'c', 4)}-{_hex(key + 'd', 12)}"
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    msg.set_content(body)
    for att in attachments:
        maintype, subtype = att.mime.split("/", 1)
        msg.add_attachment(att.data, maintype=maintype, subtype=subtype, filename=att.filename)
    if attachments:
        msg.set_boundary(boundary)
    client_layout(msg, mailer)
    return msg


def client_layout(msg: EmailMessage, mailer: str) -> None:
    """Put the MIME headers the way the named client ("outlook" or "apple") writes them:
    the stdlib appends MIME-Version after the content headers and repeats it in every part,
    a layout no mail client has (and one the scan reports as a script's)."""
    if msg.is_multipart():
        for part in msg.iter_parts():
            del part["MIME-Version"]
    ctype, cte = msg["Content-Type"], msg["Content-Transfer-Encoding"]
    for name in ("MIME-Version", "Content-Type", "Content-Transfer-Encoding"):
        del msg[name]
    if mailer == "outlook":
        msg["MIME-Version"] = "1.0"
    msg["Content-Type"] = str(ctype)
    if cte is not None:
        msg["Content-Transfer-Encoding"] = str(cte)
    if mailer != "outlook":
        msg["Mime-Version"] = "1.0 (Mac OS X Mail 10.3 \\(3273\\))"


# --------------------------------------------------------------------------- content


def _doc_memo(title: str, paragraphs: list[str], table: list[list[str]] | None = None):
    def build(doc: Document) -> None:
        doc.add_heading(title, level=1)
        for p in paragraphs:
            if p.startswith("- "):
                doc.add_paragraph(p[2:], style="List Bullet")
            elif p.startswith("## "):
                doc.add_heading(p[3:], level=2)
            else:
                doc.add_paragraph(p)
        if table:
            t = doc.add_table(rows=0, cols=len(table[0]))
            t.style = "Table Grid"
            for row in table:
                cells = t.add_row().cells
                for cell, value in zip(cells, row, strict=True):
                    cell.text = value

    return build


def _sheet(title: str, header: list[str], rows: list[list[object]], total_cols: str = ""):
    """A one-sheet budget: header, rows, and a SUM row over the columns in total_cols."""

    def build(wb: openpyxl.Workbook) -> None:
        ws = wb.active
        ws.title = title
        ws.append(header)
        for cell in ws[1]:
            cell.font = Font(bold=True)
        for row in rows:
            ws.append(row)
        if total_cols:
            last = len(rows) + 1
            total: list[object] = ["Total"] + [""] * (len(header) - 1)
            for col in total_cols:
                idx = ord(col) - ord("A")
                total[idx] = f"=SUM({col}2:{col}{last})"
            ws.append(total)
            for cell in ws[last + 1]:
                cell.font = Font(bold=True)
        ws.column_dimensions["A"].width = 38
        for col in "BCDE":
            ws.column_dimensions[col].width = 16

    return build


def build_dump() -> dict[str, bytes]:
    """Return {relative path: bytes} for the whole sample dump."""
    files: dict[str, bytes] = {}

    # ---- attachments ---------------------------------------------------------------

    note_cadrage = make_docx(
        Props(
            ALICE.name,
            paris(2017, 2, 27, 9, 12),
            paris(2017, 3, 2, 18, 40),
            title="Note de cadrage - meeting de Lyon",
            revision=6,
        ),
        _doc_memo(
            "Note de cadrage - meeting de Lyon (18 mars)",
            [
                "Objet : organisation du meeting régional du samedi 18 mars 2017.",
                "## Objectifs",
                "- Réunir 4 000 personnes au Palais des congrès.",
                "- Mobiliser les comités locaux de la région Auvergne-Rhône-Alpes.",
                "- Tester le nouveau format de discours (35 minutes, questions du public).",
                "## Calendrier",
                "- 6 mars : réservation de la salle confirmée (Thomas).",
                "- 10 mars : plan presse validé (Sophie).",
                "- 15 mars : liste des bénévoles arrêtée (Camille).",
                "Merci de me faire remonter vos remarques avant vendredi.",
                "Alice",
            ],
        ),
    )

    budget_mars = make_xlsx(
        Props(
            JULIEN.name,
            paris(2017, 3, 6, 10, 5),
            paris(2017, 3, 13, 19, 22),
            title="Budget prévisionnel - mars 2017",
        ),
        _sheet(
            "Mars 2017",
            ["Poste", "Prévu (EUR)", "Engagé (EUR)", "Responsable"],
            [
                ["Location salles (Lyon, Lille)", 48000, 45500, "T. Petit"],
                ["Sonorisation et scène", 22000, 21350, "T. Petit"],
                ["Impression tracts et affiches", 31000, 28740, "C. Bernard"],
                ["Déplacements équipe", 12500, 9820, "T. Petit"],
                ["Prestataire vidéo", 9000, 9000, "C. Bernard"],
                ["Frais de bouche bénévoles", 3500, 2915, "A. Martin"],
            ],
            total_cols="BC",
        ),
    )

    photo_lyon = make_jpeg(
        SEED + 1,
        [
            "MEETING LYON - 18/03",
            "Entrée A : accréditations presse",
            "Entrée B : public / bénévoles",
            "Régie : 2e étage, badge bleu",
            "Fin prévue 17h30",
        ],
        make="Apple",
        model="iPhone 6s",
        taken=paris(2017, 3, 21, 16, 48, 31),
        size=(900, 600),
        paper=False,
    )

    cr_comite = make_pdf(
        Props(
            ALICE.name,
            paris(2017, 4, 3, 18, 30),
            paris(2017, 4, 3, 18, 30),
            title="Compte rendu - comité de campagne du 3 avril 2017",
            subject="Comité de campagne",
        ),
        [
            "Compte rendu - comité de campagne du 3 avril 2017",
            "Présents : A. Martin, J. Moreau, C. Bernard, T. Petit, S. Laurent.",
            "",
            "# 1. Point sondages",
            "Tendance stable sur quinze jours ; progression chez les 25-34 ans.",
            "# 2. Budget",
            "J. Moreau présente l'exécution de mars : 117 325 EUR engagés sur 126 000 prévus.",
            "Les dépenses de déplacement d'avril seront arbitrées au prochain comité.",
            "# 3. Presse",
            "S. Laurent propose deux entretiens longs dans la presse régionale.",
            "# 4. Divers",
            "Prochain comité : lundi 10 avril, 18h, salle 3.",
        ],
    )

    memo_volunteers = make_docx(
        Props(
            MARK.name,
            paris(2017, 4, 14, 11, 3),
            paris(2017, 4, 18, 22, 15),
            last_modified_by=CAMILLE.name,
            title="Memo - volunteer outreach, last two weeks",
            revision=4,
        ),
        _doc_memo(
            "Memo: volunteer outreach for the last two weeks",
            [
                "To: campaign committee. From: Mark Ellis. Date: 18 April 2017.",
                "## Summary",
                "Door-to-door coverage reached 61% of the target districts. We recommend "
                "moving 300 volunteers from Paris to the Hauts-de-France teams.",
                "## Actions",
                "- Weekly call with local committee leads (Tuesdays, 7 pm).",
                "- New phone-bank script in French and English for expatriate voters.",
                "- Camille to update the volunteer handbook by 21 April.",
            ],
            table=[
                ["Region", "Volunteers", "Doors / week"],
                ["Île-de-France", "2 150", "38 000"],
                ["Hauts-de-France", "640", "9 500"],
                ["Auvergne-Rhône-Alpes", "1 020", "17 200"],
            ],
        ),
    )

    # (a) FORGED: Cyrillic last editor, modified 2017-05-06 (after the leak, and after
    # the 2017-04-27 email that carries it).
    budget_deplacements = make_xlsx(
        Props(
            JULIEN.name,
            paris(2017, 4, 20, 9, 40),
            paris(2017, 5, 6, 23, 17),
            last_modified_by=FORGER,
            title="Budget déplacements - version finale",
        ),
        _sheet(
            "Déplacements",
            ["Poste", "Montant (EUR)", "Payé par", "Commentaire"],
            [
                ["Vols Paris - Marseille (équipe)", 6400, "Campagne", ""],
                ["Hôtels Marseille", 8900, "Campagne", ""],
                ["Location véhicules", 3150, "Campagne", ""],
                [
                    "Déplacement Londres (réunion privée)",
                    27500,
                    "Compte externe",
                    "à ne pas déclarer",
                ],
                ["Sécurité rapprochée", 12000, "Campagne", ""],
            ],
            total_cols="B",
        ),
    )

    # (e) FORGED: declared application/pdf (and named .pdf) but the content is an xlsx.
    releve_dons = make_xlsx(
        Props(
            JULIEN.name,
            paris(2017, 4, 28, 14, 2),
            paris(2017, 4, 28, 17, 55),
            title="Relevé des dons - avril 2017",
        ),
        _sheet(
            "Dons avril",
            ["Semaine", "Nombre de dons", "Montant (EUR)", "Don moyen (EUR)"],
            [
                ["03/04 - 09/04", 1840, 96300, 52.3],
                ["10/04 - 16/04", 2215, 118450, 53.5],
                ["17/04 - 23/04", 2980, 171900, 57.7],
                ["24/04 - 28/04", 1675, 90120, 53.8],
            ],
            total_cols="BC",
        ),
    )

    planning = make_xlsx(
        Props(
            THOMAS.name,
            paris(2017, 4, 29, 10, 0),
            paris(2017, 5, 3, 8, 41),
            last_modified_by=ALICE.name,
            title="Planning de la dernière semaine",
        ),
        _sheet(
            "Semaine 1-7 mai",
            ["Jour", "Lieu", "Événement", "Référent"],
            [
                ["Lundi 1er mai", "Paris", "Meeting de clôture régional", "T. Petit"],
                ["Mardi 2 mai", "Paris", "Préparation débat télévisé", "S. Laurent"],
                ["Mercredi 3 mai", "Paris", "Débat télévisé", "S. Laurent"],
                ["Jeudi 4 mai", "Albi", "Déplacement de terrain", "T. Petit"],
                ["Vendredi 5 mai", "Rodez", "Dernier meeting", "A. Martin"],
            ],
        ),
    )

    ordre_du_jour = make_docx(
        Props(
            ALICE.name,
            paris(2017, 5, 2, 20, 5),
            paris(2017, 5, 3, 8, 30),
            title="Ordre du jour - comité du 4 mai",
            revision=3,
        ),
        _doc_memo(
            "Ordre du jour - comité de campagne du jeudi 4 mai",
            [
                "- Retour sur le débat télévisé (S. Laurent).",
                "- Dispositif du vendredi 5 mai, fin de campagne officielle à minuit.",
                "- Point trésorerie et comptes de campagne (J. Moreau).",
                "- Consignes pour le week-end (réserve électorale).",
            ],
        ),
    )

    sondage_pdf = make_pdf(
        Props(
            SOPHIE.name,
            paris(2017, 4, 12, 17, 10),
            paris(2017, 4, 12, 17, 10),
            title="Synthèse des sondages - semaine 15",
            subject="Veille opinion",
        ),
        [
            "Synthèse des sondages - semaine 15 (10-14 avril 2017)",
            "Sources : six instituts, enquêtes publiées entre le 7 et le 12 avril.",
            "",
            "# Intentions de vote (moyenne)",
            "Notre candidat : 24,5 % (stable). Écart avec le troisième : 5 points.",
            "# Notoriété et image",
            "Image positive en hausse chez les 18-24 ans (+3 points).",
            "# Recommandations",
            "Renforcer la présence sur les sujets emploi et pouvoir d'achat.",
            "Maintenir le rythme de deux déplacements de terrain par semaine.",
        ],
    )

    # ---- mail/*.eml ------------------------------------------------------------------

    emails: list[tuple[str, EmailMessage]] = [
        (
            "0012",
            make_email(
                key="0012",
                sender=ALICE,
                to=[EQUIPE],
                subject="Note de cadrage meeting Lyon",
                date=paris(2017, 3, 3, 9, 14, 7),
                mailer="outlook",
                body=(
                    "Bonjour à tous,\n\nVous trouverez ci-joint la note de cadrage pour le "
                    "meeting de Lyon du 18 mars.\nMerci de la relire avant la réunion de lundi.\n"
                    "\nBonne journée,\nAlice\n"
                ),
                attachments=(Attachment("note-cadrage-lyon.docx", note_cadrage, MIME_DOCX),),
            ),
        ),
        (
            "0017",
            make_email(
                key="0017",
                sender=JULIEN,
                to=[ALICE],
                cc=(THOMAS,),
                subject="Budget prévisionnel mars - version du 13",
                date=paris(2017, 3, 14, 8, 52, 40),
                mailer="outlook",
                client_ip="10.0.3.42",
                body=(
                    "Alice,\n\nCi-joint le budget de mars mis à jour hier soir. Les salles de "
                    "Lille sont un peu en dessous du prévu.\nThomas, peux-tu confirmer le "
                    "montant des déplacements ?\n\nJulien\n"
                ),
                attachments=(Attachment("budget-previsionnel-mars.xlsx", budget_mars, MIME_XLSX),),
            ),
        ),
        (
            "0023",
            make_email(
                key="0023",
                sender=CAMILLE,
                to=[THOMAS],
                subject="Photo plan des entrées - Lyon",
                date=paris(2017, 3, 22, 10, 3, 55),
                mailer="apple",
                client_ip="10.0.5.8",
                body=(
                    "Thomas,\n\nLa photo du tableau avec le plan des entrées, pour le retour "
                    "d'expérience.\nOn garde le même principe pour Lille ?\n\nCamille\n"
                ),
                attachments=(Attachment("plan-entrees-lyon.jpg", photo_lyon, "image/jpeg"),),
            ),
        ),
        (
            "0031",
            make_email(
                key="0031",
                sender=ALICE,
                to=[EQUIPE],
                subject="CR comité de campagne du 3 avril",
                date=paris(2017, 4, 4, 9, 1, 12),
                mailer="outlook",
                body=(
                    "Bonjour,\n\nLe compte rendu du comité d'hier est en pièce jointe.\n"
                    "Prochain comité lundi 10 avril à 18h.\n\nAlice\n"
                ),
                attachments=(Attachment("cr-comite-2017-04-03.pdf", cr_comite, "application/pdf"),),
            ),
        ),
        (
            "0038",
            make_email(
                key="0038",
                sender=MARK,
                to=[SOPHIE],
                cc=(ALICE,),
                subject="Re: Press schedule for foreign media",
                date=paris(2017, 4, 12, 15, 27, 3),
                mailer="apple",
                client_ip="10.0.5.31",
                in_reply_to=message_id("0037", "outlook"),
                body=(
                    "Hi Sophie,\n\nThanks, the schedule works for me. Two requests from the "
                    "London papers:\na 20-minute interview on Thursday 20 April, and a short "
                    "background call with\nthe economics team the week after.\n\nI can brief "
                    "the candidate in English beforehand.\n\nBest,\nMark\n"
                ),
            ),
        ),
        (
            "0040",
            make_email(
                key="0040",
                sender=CAMILLE,
                to=[EQUIPE],
                subject="Memo volunteers (EN) - final",
                date=paris(2017, 4, 19, 9, 45, 18),
                mailer="apple",
                client_ip="10.0.5.8",
                body=(
                    "Bonjour à tous,\n\nVoici le mémo de Mark sur la mobilisation des "
                    "bénévoles, avec mes corrections.\nIl est en anglais pour les équipes "
                    "à l'étranger.\n\nCamille\n"
                ),
                attachments=(Attachment("memo-volunteers.docx", memo_volunteers, MIME_DOCX),),
            ),
        ),
        (
            "0042",
            make_email(
                key="0042",
                sender=JULIEN,
                to=[ALICE],
                subject="Budget déplacements - version finale",
                date=paris(2017, 4, 27, 18, 36, 2),
                mailer="outlook",
                client_ip="10.0.3.42",
                body=(
                    "Alice,\n\nVersion finale du budget déplacements pour la dernière "
                    "quinzaine.\nÀ valider avant le comité de lundi.\n\nJulien\n"
                ),
                attachments=(
                    Attachment("budget-deplacements.xlsx", budget_deplacements, MIME_XLSX),
                ),
            ),
        ),
        (
            "0053",
            make_email(
                key="0053",
                sender=JULIEN,
                to=[ALICE],
                cc=(SOPHIE,),
                subject="Relevé des dons - avril",
                date=paris(2017, 4, 29, 11, 20, 44),
                mailer="outlook",
                client_ip="10.0.3.42",
                body=(
                    "Bonjour,\n\nLe relevé des dons d'avril arrêté au 28.\nBonne progression "
                    "la semaine du 17.\n\nJulien\n"
                ),
                attachments=(Attachment("releve-dons-avril.pdf", releve_dons, "application/pdf"),),
            ),
        ),
        (
            "0058",
            make_email(
                key="0058",
                sender=ALICE,
                to=[EQUIPE],
                subject="Planning dernière semaine + ODJ comité du 4 mai",
                date=paris(2017, 5, 3, 9, 2, 31),
                mailer="outlook",
                body=(
                    "Bonjour à tous,\n\nCi-joint le planning de la dernière semaine et "
                    "l'ordre du jour du comité de demain.\nOn tient bon jusqu'à vendredi "
                    "minuit !\n\nAlice\n"
                ),
                attachments=(
                    Attachment("planning-derniere-semaine.xlsx", planning, MIME_XLSX),
                    Attachment("odj-comite-2017-05-04.docx", ordre_du_jour, MIME_DOCX),
                ),
            ),
        ),
    ]
    # Forged insert (f): Sophie's approval of a quote, sent on 27 April; the forger moved its
    # Date back to 20 March in a text editor, leaving the relay's stamp and the Thread-Index.
    approval = make_email(
        key="0061",
        sender=SOPHIE,
        to=[ALICE],
        cc=(JULIEN,),
        subject="Validation devis agence Horizon",
        date=paris(2017, 4, 27, 16, 40, 12),
        mailer="outlook",
        client_ip="10.0.3.77",
        body=(
            "Bonjour Alice,\n\nJe confirme la validation du devis de l'agence Horizon pour "
            "la campagne d'affichage : 38 500 EUR TTC, signé ce jour.\n\nSophie\n"
        ),
    )
    approval.replace_header("Date", format_datetime(paris(2017, 3, 20, 10, 5, 33)))
    emails.append(("0061", approval))
    # Forged insert (g): Julien's message as sent said 4 800 EUR, and Alice's reply (0066,
    # authentic) quotes it so; the forger changed the figure in his copy to 48 000 EUR.
    deposit = (
        "Alice,\n\nComme convenu hier, l'acompte pour le prestataire vidéo (tournage des "
        "trois clips de fin de campagne) est de {amount} EUR. Le virement part vendredi "
        "depuis le compte de campagne, la facture suit.\n\nJulien\n"
    )
    sent = paris(2017, 4, 19, 10, 12, 40)
    emails.append(
        (
            "0064",
            make_email(
                key="0064",
                sender=JULIEN,
                to=[ALICE],
                subject="Acompte prestataire vidéo",
                date=sent,
                mailer="outlook",
                client_ip="10.0.4.21",
                body=deposit.format(amount="48 000"),
            ),
        )
    )
    as_sent = deposit.format(amount="4 800")
    quoted = "\n".join(("> " + line).rstrip() for line in as_sent.splitlines())
    emails.append(
        (
            "0066",
            make_email(
                key="0066",
                sender=ALICE,
                to=[JULIEN],
                subject="Re: Acompte prestataire vidéo",
                date=paris(2017, 4, 19, 11, 3, 5),
                mailer="apple",
                client_ip="10.0.3.17",
                in_reply_to=message_id("0064", "outlook"),
                body=(
                    "Julien,\n\nParfait, merci. Garde bien la facture pour le compte de "
                    "campagne.\n\nAlice\n\nLe 19 avr. 2017 à 10:12, Julien Moreau "
                    f"<{JULIEN.email}> a écrit :\n\n{quoted}\n"
                ),
            ),
        )
    )
    for num, msg in emails:
        files[f"mail/{num}.eml"] = bytes(msg)

    # ---- mail/archive-2017-04.mbox -------------------------------------------------

    mbox_msgs = [
        make_email(
            key="mbox-1",
            sender=THOMAS,
            to=[ALICE],
            subject="Réservation Marseille",
            date=paris(2017, 4, 6, 16, 11, 9),
            mailer="apple",
            client_ip="10.0.5.54",
            body=(
                "Alice,\n\nLa salle de Marseille est confirmée pour le 1er avril... pardon, "
                "pour le 19 avril.\nDevis signé, acompte versé ce matin.\n\nThomas\n"
            ),
        ),
        make_email(
            key="mbox-2",
            sender=SOPHIE,
            to=[ALICE],
            cc=(CAMILLE,),
            subject="Synthèse sondages S15",
            date=paris(2017, 4, 13, 8, 30, 26),
            mailer="outlook",
            client_ip="10.0.3.77",
            body=(
                "Bonjour Alice,\n\nLa synthèse des sondages de la semaine en PJ.\n"
                "Rien d'alarmant, détails page 1.\n\nSophie\n"
            ),
            attachments=(Attachment("synthese-sondages-s15.pdf", sondage_pdf, "application/pdf"),),
        ),
        make_email(
            key="mbox-3",
            sender=ALICE,
            to=[THOMAS],
            subject="Re: Réservation Marseille",
            date=paris(2017, 4, 24, 19, 2, 50),
            mailer="outlook",
            in_reply_to=message_id("mbox-1", "apple"),
            body="Merci Thomas, bien reçu. Bravo pour Marseille, la salle était pleine.\n\nAlice\n",
        ),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "archive.mbox"
        box = mailbox.mbox(path, create=True)
        for msg, sender in zip(mbox_msgs, (THOMAS, SOPHIE, ALICE), strict=True):
            m = mailbox.mboxMessage(msg)
            # The "From " line carries the delivery time (UTC, asctime format).
            delivered = utc(msg_date(msg) + dt.timedelta(seconds=3))
            m.set_from(sender.email, delivered.timetuple())
            box.add(m)
        box.flush()
        box.close()
        files["mail/archive-2017-04.mbox"] = path.read_bytes()

    # ---- documents/ ------------------------------------------------------------------

    files["documents/note-strategie-numerique.docx"] = make_docx(
        Props(
            CAMILLE.name,
            paris(2017, 3, 8, 14, 20),
            paris(2017, 3, 20, 11, 5),
            last_modified_by=ALICE.name,
            title="Note stratégie numérique",
            revision=9,
        ),
        _doc_memo(
            "Note - stratégie numérique, phase 2",
            [
                "## Constat",
                "Les vidéos courtes (moins de 90 secondes) font trois fois plus de partages "
                "que les formats longs.",
                "## Propositions",
                "- Une vidéo quotidienne sur un engagement du programme.",
                "- Des sessions de questions en direct chaque jeudi soir.",
                "- Une cellule de réponse rapide aux fausses informations.",
                "## Moyens",
                "Deux monteurs supplémentaires jusqu'au 7 mai (budget : 14 000 EUR).",
            ],
        ),
    )

    files["documents/programme-deplacements-avril.xlsx"] = make_xlsx(
        Props(
            THOMAS.name,
            paris(2017, 3, 28, 9, 30),
            paris(2017, 4, 10, 17, 48),
            title="Programme des déplacements - avril",
        ),
        _sheet(
            "Avril",
            ["Date", "Ville", "Type", "Coût estimé (EUR)"],
            [
                ["05/04/2017", "Lille", "Meeting", 18000],
                ["11/04/2017", "Bordeaux", "Visite entreprise", 4200],
                ["19/04/2017", "Marseille", "Meeting", 26000],
                ["24/04/2017", "Strasbourg", "Rencontre militants", 3800],
                ["27/04/2017", "Nantes", "Débat public", 6500],
            ],
            total_cols="D",
        ),
    )

    files["documents/communique-presse-2017-04-18.pdf"] = make_pdf(
        Props(
            SOPHIE.name,
            paris(2017, 4, 18, 7, 55),
            paris(2017, 4, 18, 7, 55),
            title="Communiqué de presse - 18 avril 2017",
            subject="Presse",
        ),
        [
            "Communiqué de presse - Paris, le 18 avril 2017",
            "",
            "Le candidat tiendra un grand meeting à Marseille le mercredi 19 avril à 18h.",
            "Plus de 10 000 personnes sont attendues. Accréditations presse auprès du",
            "service de presse jusqu'au 18 avril à 20h.",
            "",
            f"Contact presse : {SOPHIE.name} - {SOPHIE.email}",
        ],
    )

    # (b) FORGED: created 2017-04-20 but modified 2017-03-02 (created after modified).
    files["documents/note-interne-financement.docx"] = make_docx(
        Props(
            JULIEN.name,
            paris(2017, 4, 20, 10, 12),
            paris(2017, 3, 2, 16, 45),
            title="Note interne - financement",
            revision=2,
        ),
        _doc_memo(
            "Note interne - financement de la campagne (confidentiel)",
            [
                "Destinataires : comité restreint.",
                "## Situation",
                "Les dons enregistrés couvrent 82 % des dépenses engagées à ce jour.",
                "## Point d'attention",
                "Un apport complémentaire est envisagé via une structure tierce, "
                "hors comptes de campagne. Ne pas diffuser.",
                "Julien",
            ],
        ),
    )

    # (c) FORGED: reportlab PDF re-saved by another tool; /ModDate 2017-05-09 is after the
    # leak date. /CreationDate (2017-04-28) stays as reportlab wrote it.
    tresorerie = make_pdf(
        Props(
            JULIEN.name,
            paris(2017, 4, 28, 16, 5),
            paris(2017, 4, 28, 16, 5),
            title="Rapport de trésorerie - avril 2017",
            subject="Trésorerie",
        ),
        [
            "Rapport de trésorerie - avril 2017",
            "Établi par J. Moreau, trésorier.",
            "",
            "# Recettes",
            "Dons de personnes physiques : 476 770 EUR.",
            "# Dépenses",
            "Meetings et salles : 214 300 EUR. Communication : 131 900 EUR.",
            "# Mouvements exceptionnels",
            "Virement reçu d'un compte à l'étranger : 250 000 EUR (voir confirmation).",
            "# Solde au 28 avril",
            "Solde disponible : 389 410 EUR.",
        ],
    )
    with pikepdf.open(io.BytesIO(tresorerie)) as pdf:
        pdf.docinfo["/ModDate"] = pdf_date(paris(2017, 5, 9, 21, 34, 12))
        out = io.BytesIO()
        pdf.save(out, deterministic_id=True)
    files["documents/rapport-tresorerie-avril.pdf"] = out.getvalue()

    # (d) FORGED: named .pdf, but it is a JPEG (a photo of a "transfer confirmation").
    files["documents/virement-confirmation.pdf"] = make_jpeg(
        SEED + 4,
        [
            "CONFIRMATION DE VIREMENT",
            "Date d'exécution : 26/04/2017",
            "Donneur d'ordre : ****  (compte étranger)",
            f"Bénéficiaire : {COMPANY}",
            "Montant : 250 000,00 EUR",
            "Référence : TRF-2017-0426-7731",
        ],
        make="Apple",
        model="iPhone 6s",
        taken=paris(2017, 4, 26, 19, 2, 44),
    )

    # documents/scans.zip: two camera shots of paper notes from a meeting.
    scans = [
        (
            "IMG_4821.JPG",
            make_jpeg(
                SEED + 2,
                [
                    "Réunion logistique - 11 avril",
                    "- Marseille : 2 cars depuis Aix",
                    "- Sécurité : renfort 40 agents",
                    "- Presse : tribune côté jardin",
                ],
                make="Canon",
                model="Canon EOS 5D Mark III",
                taken=paris(2017, 4, 11, 14, 22, 5),
            ),
            paris(2017, 4, 11, 14, 22, 5),
        ),
        (
            "IMG_4822.JPG",
            make_jpeg(
                SEED + 3,
                [
                    "Réunion logistique - 11 avril (suite)",
                    "- Badges : couleur par zone",
                    "- Bénévoles : 350 confirmés",
                    "- Fin : 20h au plus tard",
                ],
                make="Canon",
                model="Canon EOS 5D Mark III",
                taken=paris(2017, 4, 11, 14, 23, 41),
            ),
            paris(2017, 4, 11, 14, 23, 41),
        ),
    ]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, when in scans:
            info = zipfile.ZipInfo(name, date_time=when.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    files["documents/scans.zip"] = buf.getvalue()

    return files


def msg_date(msg: EmailMessage) -> dt.datetime:
    return msg["Date"].datetime


# --------------------------------------------------------------------------- output


def write_dump(files: dict[str, bytes], out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    for old in sorted(out.rglob("*"), reverse=True):  # drop stale files from older layouts
        rel = old.relative_to(out).as_posix()
        if old.is_file() and rel not in files:
            old.unlink()
        elif old.is_dir() and not any(old.iterdir()):
            old.rmdir()
    for rel, data in sorted(files.items()):
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def check_dump(files: dict[str, bytes], out: Path) -> list[str]:
    problems = []
    on_disk = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    for rel in sorted(on_disk - files.keys()):
        problems.append(f"unexpected: {rel}")
    for rel, data in sorted(files.items()):
        path = out / rel
        if not path.is_file():
            problems.append(f"missing: {rel}")
        elif path.read_bytes() != data:
            problems.append(f"differs: {rel}")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument(
        "--check",
        action="store_true",
        help="compare with --out instead of writing; exit 1 if stale",
    )
    args = parser.parse_args(argv)
    files = build_dump()
    if args.check:
        problems = check_dump(files, args.out)
        for line in problems:
            print(line, file=sys.stderr)
        return 1 if problems else 0
    write_dump(files, args.out)
    for rel, data in sorted(files.items()):
        print(f"{hashlib.sha256(data).hexdigest()}  {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
