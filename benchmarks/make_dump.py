#!/usr/bin/env python3
"""Generate a large, realistic, deterministic leak dump for throughput benchmarks.

Usage::

    .venv/bin/python benchmarks/make_dump.py N [--out DIR] [--seed S] [--leak-date YYYY-MM-DD]

The dump looks like a campaign mailbox leak: about 40 % ``.eml`` (most with one or two
attachments), 20 % ``.docx``, 15 % ``.xlsx``, 15 % ``.pdf`` and 10 % ``.jpg``; about 5 % of
the non-email documents are packed into ``.zip`` archives of 20. ``N`` counts top-level
documents (files on disk plus zip members); email attachments come on top.

Speed: a pool of a few hundred distinct base files is made once with the real producer
libraries (python-docx, openpyxl, reportlab, Pillow with EXIF, stdlib ``email``); every
document of the dump is then a cheap, still-valid variant of a base file:

- docx/xlsx: the zip is re-assembled from the base's pre-compressed entries with a new
  ``docProps/core.xml`` (author, last editor, revision, created/modified, title);
- pdf: fixed-length replacement of the Info strings (dates, subject reference) and of the
  trailer ``/ID``, so the xref offsets stay right;
- jpg: the EXIF ``DateTime*`` strings and ``ImageUniqueID`` are overwritten in place;
- eml: a stdlib-made template per sender/mailer/attachment shape, with a unique
  Message-ID, dates, subject, body and freshly derived (unique) attachments.

Every document therefore has distinct content (distinct sha256) and stays parseable. About
1 % are forged variants (Cyrillic last editor and a modification date after the leak date,
Photoshop-edited photos, PDFs modified after the leak, emails dated after the leak).

A manifest (counts, forged paths, generation time) is written next to the dump as
``DIR.manifest.json``; the same N and seed give byte-identical dumps.
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import hashlib
import io
import json
import os
import random
import re
import shutil
import struct
import sys
import time
import zlib
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "data"))
from make_sample_dump import client_layout, period_app_xml  # the sample dump's layouts

LEAK_DATE = dt.date(2017, 5, 5)
DOMAIN = "campagne.example"
COMPANY = "Campagne Example"
MIME_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MIME_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MIMES = {"docx": MIME_DOCX, "xlsx": MIME_XLSX, "pdf": "application/pdf", "jpg": "image/jpeg"}
MIX = (("eml", 0.40), ("docx", 0.20), ("xlsx", 0.15), ("pdf", 0.15), ("jpg", 0.10))
FORGED_RATE = 0.01
ZIP_RATE = 0.05  # share of non-email documents packed into zips
ZIP_MEMBERS = 20
POOL = {"docx": 60, "xlsx": 60, "pdf": 60, "jpg": 30}  # authentic bases per kind
FORGED_POOL = 4  # forged bases per kind

PEOPLE = [
    ("Alice Martin", "alice.martin"),
    ("Julien Moreau", "julien.moreau"),
    ("Camille Bernard", "camille.bernard"),
    ("Thomas Petit", "thomas.petit"),
    ("Sophie Laurent", "sophie.laurent"),
    ("Mark Ellis", "mark.ellis"),
    ("Nadia Haddad", "nadia.haddad"),
    ("Pierre Lefebvre", "pierre.lefebvre"),
]
FORGER = "Рошка Георгий"
DEPTS = ["finances", "communication", "logistique", "presse", "juridique", "direction"]
WORDS = (  # noqa: SIM905 - a prose list reads better
    "budget réunion meeting déplacement salle presse communiqué compte rendu tableau "
    "trésorerie dons facture hôtel train Lyon Marseille Lille Bordeaux programme "
    "débat sondage affiche tract bénévoles permanence agenda candidat discours "
    "préfecture conférence collecte rapport synthèse validation urgent projet version "
    "finale relecture chiffres prévisionnel mars avril mai février janvier semaine"
).split()

CAMERAS = [
    ("Apple", "iPhone 6s"),
    ("Apple", "iPhone 7"),
    ("samsung", "SM-G930F"),
    ("Canon", "Canon EOS 750D"),
    ("HUAWEI", "VTR-L09"),
]

CET = dt.timezone(dt.timedelta(hours=1), "CET")
CEST = dt.timezone(dt.timedelta(hours=2), "CEST")
_DST_START_2017 = dt.datetime(2017, 3, 26, 2, 0)
_DST_END_2016 = dt.datetime(2016, 10, 30, 3, 0)


def paris(naive: dt.datetime) -> dt.datetime:
    summer = naive >= _DST_START_2017 or naive < _DST_END_2016
    return naive.replace(tzinfo=CEST if summer else CET)


START = dt.datetime(2016, 9, 1, 8, 0)
SPAN_S = int((dt.datetime(2017, 5, 4, 20, 0) - START).total_seconds())


def random_when(rng: random.Random, *, after_leak: bool = False) -> dt.datetime:
    """An aware Paris time in the campaign period (or 1-20 days after the leak date)."""
    if after_leak:
        base = dt.datetime.combine(LEAK_DATE, dt.time(9, 0))
        naive = base + dt.timedelta(days=rng.randint(1, 20), seconds=rng.randint(0, 36000))
    else:
        naive = START + dt.timedelta(seconds=rng.randint(0, SPAN_S))
        naive = naive.replace(hour=8 + naive.hour % 12)
    return paris(naive)


def pdf_date(when: dt.datetime) -> str:
    off = when.utcoffset() or dt.timedelta(0)
    minutes = int(off.total_seconds()) // 60
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"D:{when:%Y%m%d%H%M%S}{sign}{hh:02d}'{mm:02d}'"


def exif_date(when: dt.datetime) -> str:
    return f"{when:%Y:%m:%d %H:%M:%S}"


def w3cdtf(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def sentence(rng: random.Random, n: int) -> str:
    s = " ".join(rng.choice(WORDS) for _ in range(n))
    return s[:1].upper() + s[1:] + "."


# --------------------------------------------------------------------------- raw zip writer


@dataclass
class ZipEntry:
    name: bytes
    method: int
    crc: int
    csize: int
    usize: int
    data: bytes  # compressed bytes
    external_attr: int = 0o600 << 16


def _deflate(raw: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(raw) + c.flush()


def zip_entry(name: str, raw: bytes) -> ZipEntry:
    data = _deflate(raw)
    return ZipEntry(name.encode(), 8, zlib.crc32(raw), len(data), len(raw), data)


def dos_time(when: dt.datetime) -> tuple[int, int]:
    t = (when.hour << 11) | (when.minute << 5) | (when.second // 2)
    d = ((when.year - 1980) << 9) | (when.month << 5) | when.day
    return t, d


def assemble_zip(entries: list[ZipEntry], when: dt.datetime) -> bytes:
    """A valid zip from already-compressed entries, every entry dated ``when`` (local)."""
    t, d = dos_time(when)
    parts: list[bytes] = []
    central: list[bytes] = []
    offset = 0
    for e in entries:
        local = struct.pack(
            "<IHHHHHIIIHH",
            0x04034B50,
            20,
            _flags(e),
            e.method,
            t,
            d,
            e.crc,
            e.csize,
            e.usize,
            len(e.name),
            0,
        )
        parts += (local, e.name, e.data)
        central.append(
            struct.pack(
                "<IHHHHHHIIIHHHHHII",
                0x02014B50,
                (3 << 8) | 20,
                20,
                _flags(e),
                e.method,
                t,
                d,
                e.crc,
                e.csize,
                e.usize,
                len(e.name),
                0,
                0,
                0,
                0,
                e.external_attr,
                offset,
            )
            + e.name
        )
        offset += len(local) + len(e.name) + len(e.data)
    cd = b"".join(central)
    eocd = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(cd), offset, 0
    )
    return b"".join(parts) + cd + eocd


def _flags(e: ZipEntry) -> int:
    """General-purpose flags as Office writes them: deflate option bits 1-2 on deflated
    entries (the generated packages stand for Office-saved files; zlib streams carrying
    these bits are what authenticity's deflate fingerprint takes for Office's)."""
    return 0x6 if e.method == 8 else 0


#: lxml's and ElementTree's XML declaration, and the one Word and Excel write.
_LXML_DECLARATION = b"<?xml version='1.0' encoding='UTF-8' standalone='yes'?>"
_OFFICE_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'


def split_zip(data: bytes) -> list[ZipEntry]:
    """The package's entries, XML declarations quoted as Office quotes them: the base
    files stand for Office-saved documents, and python-docx's single-quoted parts beside
    the double-quoted core.xml written here are what a script's edit looks like
    (authenticity's ``OOXML_PARTS_RESERIALIZED``)."""
    import zipfile

    out = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            body = zf.read(info)
            if body.startswith(_LXML_DECLARATION):
                body = _OFFICE_DECLARATION + body[len(_LXML_DECLARATION) :]
            out.append(zip_entry(info.filename, body))
    return out


CORE_XML = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
    'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
    "<dc:title>{title}</dc:title><dc:subject></dc:subject><dc:creator>{author}</dc:creator>"
    "<cp:keywords></cp:keywords><dc:description></dc:description>"
    "<cp:lastModifiedBy>{editor}</cp:lastModifiedBy><cp:revision>{revision}</cp:revision>"
    '<dcterms:created xsi:type="dcterms:W3CDTF">{created}</dcterms:created>'
    '<dcterms:modified xsi:type="dcterms:W3CDTF">{modified}</dcterms:modified>'
    "</cp:coreProperties>"
)


# --------------------------------------------------------------------------- base pool


@dataclass
class OoxmlBase:
    entries: list[ZipEntry]  # without docProps/core.xml
    core_index: int
    title: str
    author: str


@dataclass
class PdfBase:
    data: bytes
    forged: bool
    title: str


@dataclass
class Pool:
    docx: list[OoxmlBase] = field(default_factory=list)
    xlsx: list[OoxmlBase] = field(default_factory=list)
    pdf: list[PdfBase] = field(default_factory=list)
    jpg: list[bytes] = field(default_factory=list)
    forged_docx: list[OoxmlBase] = field(default_factory=list)
    forged_xlsx: list[OoxmlBase] = field(default_factory=list)
    forged_pdf: list[PdfBase] = field(default_factory=list)
    forged_jpg: list[bytes] = field(default_factory=list)
    eml: dict[tuple[int, str, int], bytes] = field(default_factory=dict)


OFFICE_ZIP_TIME = dt.datetime(1980, 1, 1)
PDF_REF = "0" * 12
#: Bumped when the same N and seed give other bytes (benchmarks reuse a dump only when the
#: manifest's version matches): 2 = authentic PDFs saved again carry a new second /ID half.
GENERATOR_VERSION = 2
PDF_CREATED = "D:20000101000000+01'00'"
PDF_MODIFIED = "D:20000102000000+01'00'"
EXIF_TAKEN = "2000:01:01 00:00:00"
EXIF_MODIFIED = "2000:01:02 00:00:00"
EXIF_UID = "F" * 32


def _ooxml_base(data: bytes, title: str, author: str) -> OoxmlBase:
    entries = split_zip(data)
    idx = next(i for i, e in enumerate(entries) if e.name == b"docProps/core.xml")
    del entries[idx]
    # Word and Excel write [Content_Types].xml first; python-docx does not.
    first = next(i for i, e in enumerate(entries) if e.name == b"[Content_Types].xml")
    entries.insert(0, entries.pop(first))
    idx += 1 if first >= idx else 0
    return OoxmlBase(entries, idx, title, author)


def make_docx_base(rng: random.Random, author: str) -> OoxmlBase:
    from docx import Document

    doc = Document()
    title = sentence(rng, rng.randint(2, 5)).rstrip(".")
    doc.add_heading(title, level=1)
    for _ in range(rng.randint(2, 8)):
        doc.add_paragraph(" ".join(sentence(rng, rng.randint(6, 16)) for _ in range(4)))
    if rng.random() < 0.4:
        rows, cols = rng.randint(2, 6), rng.randint(2, 4)
        table = doc.add_table(rows=rows, cols=cols)
        for r in range(rows):
            for c in range(cols):
                table.cell(r, c).text = rng.choice(WORDS)
    buf = io.BytesIO()
    doc.save(buf)
    return _ooxml_base(buf.getvalue(), title, author)


def make_xlsx_base(rng: random.Random, author: str) -> OoxmlBase:
    import zipfile

    import openpyxl
    from openpyxl.writer.excel import ExcelWriter

    wb = openpyxl.Workbook()
    ws = wb.active
    title = sentence(rng, rng.randint(1, 3)).rstrip(".")
    ws.title = title[:28].replace(" ", "_") or "Feuil1"
    ws.append(["Poste", "Montant", "Date", "Responsable"])
    for r in range(rng.randint(5, 40)):
        ws.append(
            [
                rng.choice(WORDS),
                round(rng.uniform(10, 9000), 2),
                f"2017-0{1 + r % 4}-1{r % 9}",
                rng.choice(PEOPLE)[0],
            ]
        )
    ws.append(["Total", f"=SUM(B2:B{ws.max_row})"])
    wb.properties.creator = author
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).write_data()
    return _ooxml_base(period_app_xml(buf.getvalue()), title, author)


def make_pdf_base(rng: random.Random, author: str, forged: bool) -> PdfBase:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas as rl_canvas

    buf = io.BytesIO()
    sde = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        c = rl_canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=1)
    finally:
        if sde is not None:
            os.environ["SOURCE_DATE_EPOCH"] = sde
    title = sentence(rng, rng.randint(2, 5)).rstrip(".")
    c.setAuthor(author)
    c.setTitle(title)
    c.setSubject(f"Ref. {PDF_REF}")
    if forged:
        c.setCreator("Microsoft Word 2016")
        c.setProducer("Nitro PDF Professional 9.5")
    c.setDateFormatter(lambda *_: PDF_CREATED)
    y = A4[1] - 72
    c.setFont("Helvetica-Bold", 15)
    c.drawString(64, y, title)
    c.setFont("Helvetica", 10.5)
    for _ in range(rng.randint(8, 60)):
        y -= 15
        if y < 72:
            c.showPage()
            c.setFont("Helvetica", 10.5)
            y = A4[1] - 72
        c.drawString(64, y, sentence(rng, rng.randint(5, 12)))
    c.showPage()
    c.save()
    data = buf.getvalue()
    # reportlab writes one date for both; make /ModDate a separate placeholder.
    head, sep, tail = data.rpartition(f"/ModDate ({PDF_CREATED})".encode())
    if sep:
        data = head + f"/ModDate ({PDF_MODIFIED})".encode() + tail
    assert PDF_MODIFIED.encode() in data and PDF_REF.encode() in data
    return PdfBase(data, forged, title)


def make_jpg_base(rng: random.Random, forged: bool) -> bytes:
    from PIL import Image, ImageDraw, ImageFilter
    from PIL.TiffImagePlugin import IFDRational

    w, h = rng.choice([(640, 480), (480, 640), (800, 600)])
    bg = (rng.randint(70, 110), rng.randint(70, 100), rng.randint(60, 90))
    img = Image.new("RGB", (w, h), bg)
    draw = ImageDraw.Draw(img)
    draw.rectangle((40, 30, w - 40, h - 20), fill=(236, 234, 226))
    y = 60
    for _ in range(rng.randint(4, 12)):
        draw.text((70, y), sentence(rng, 5), fill=(35, 35, 45))
        y += 30
    img = img.filter(ImageFilter.GaussianBlur(0.6))
    grain = Image.frombytes("L", (w, h), rng.randbytes(w * h)).filter(ImageFilter.BoxBlur(1))
    img = Image.blend(img, Image.merge("RGB", (grain, grain, grain)), 0.06)
    make, model = rng.choice(CAMERAS)
    exif = Image.Exif()
    exif[0x010F] = make
    exif[0x0110] = model
    exif[0x0112] = 1
    exif[0x011A] = IFDRational(72, 1)
    exif[0x011B] = IFDRational(72, 1)
    exif[0x0128] = 2
    exif[0x0132] = EXIF_MODIFIED  # DateTime
    if forged:
        exif[0x0131] = "Adobe Photoshop CC 2017 (Windows)"  # Software
    sub = exif.get_ifd(0x8769)
    sub[0x829A] = IFDRational(1, 125)
    sub[0x829D] = IFDRational(22, 10)
    sub[0x8827] = rng.choice([100, 200, 400, 800])
    sub[0x9003] = EXIF_TAKEN
    sub[0x9004] = EXIF_TAKEN
    sub[0x920A] = IFDRational(4, 1)
    sub[0xA002] = w
    sub[0xA003] = h
    sub[0xA420] = EXIF_UID  # ImageUniqueID
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=72, exif=exif.tobytes())
    data = buf.getvalue()
    assert data.count(EXIF_TAKEN.encode()) == 2 and EXIF_UID.encode() in data
    return data


# Email templates: placeholders that survive the stdlib's serialisation verbatim.
E_DATE0 = dt.datetime(2001, 1, 1, 0, 0, 0, tzinfo=dt.UTC)
E_TOKENS = ("MSGIDPLACEHOLDER", "@@SUBJECT@@", "@@QUEUE@@", "@@RDATE1@@", "@@RDATE2@@", "@@BODY@@")


def _att_placeholder(i: int) -> bytes:
    # At most 57 bytes: its base64 must fit on one 76-character line to be replaced.
    return f"ATTACHMENT-PLACEHOLDER-{i}-".encode() * 2


def make_eml_template(sender: int, mailer: str, n_att: int) -> bytes:
    name, login = PEOPLE[sender]
    to = PEOPLE[(sender + 1) % len(PEOPLE)]
    msg = EmailMessage()
    msg["Received"] = (
        f"from relay1.{DOMAIN} (relay1.{DOMAIN} [192.0.2.25]) by mbox2.{DOMAIN} "
        f"(Postfix) with ESMTPS id @@QUEUE@@ for <{to[1]}@{DOMAIN}>; @@RDATE2@@"
    )
    msg["Received"] = (
        f"from [10.0.3.{17 + sender}] (unknown [10.0.3.{17 + sender}]) (Authenticated sender: "
        f"{login}@{DOMAIN}) by relay1.{DOMAIN} (Postfix) with ESMTPSA id @@QUEUE@@; @@RDATE1@@"
    )
    msg["From"] = f"{name} <{login}@{DOMAIN}>"
    msg["To"] = f"{to[0]} <{to[1]}@{DOMAIN}>"
    msg["Subject"] = "@@SUBJECT@@"
    msg["Date"] = format_datetime(E_DATE0)
    msg["Message-ID"] = f"<MSGIDPLACEHOLDER@{DOMAIN}>"
    if mailer == "outlook":
        msg["X-Mailer"] = "Microsoft Outlook 16.0"
        msg["Content-Language"] = "fr"
    else:
        msg["X-Mailer"] = "Apple Mail (2.3273)"
    msg.set_content("@@BODY@@\n", cte="8bit")
    for i in range(n_att):
        msg.add_attachment(
            _att_placeholder(i),
            maintype="application",
            subtype="octet-stream",
            filename=f"@@FILE{i}@@",
        )
    if n_att:
        msg.set_boundary(f"----=_NextPart_000_{sender:04X}_01D2{n_att:04X}.{mailer.upper()}")
    client_layout(msg, mailer)
    data = msg.as_bytes()
    for tok in E_TOKENS:
        assert tok.encode() in data, tok
    return data


def build_pool(seed: int) -> Pool:
    rng = random.Random(seed)
    pool = Pool()
    authors = [p[0] for p in PEOPLE]
    for i in range(POOL["docx"]):
        pool.docx.append(make_docx_base(rng, authors[i % len(authors)]))
    for i in range(POOL["xlsx"]):
        pool.xlsx.append(make_xlsx_base(rng, authors[i % len(authors)]))
    for i in range(POOL["pdf"]):
        pool.pdf.append(make_pdf_base(rng, authors[i % len(authors)], False))
    for _ in range(POOL["jpg"]):
        pool.jpg.append(make_jpg_base(rng, False))
    for i in range(FORGED_POOL):
        pool.forged_docx.append(make_docx_base(rng, authors[i]))
        pool.forged_xlsx.append(make_xlsx_base(rng, authors[i]))
        pool.forged_pdf.append(make_pdf_base(rng, authors[i], True))
        pool.forged_jpg.append(make_jpg_base(rng, True))
    for sender in range(len(PEOPLE)):
        for mailer in ("outlook", "apple"):
            for n_att in (0, 1, 2):
                pool.eml[(sender, mailer, n_att)] = make_eml_template(sender, mailer, n_att)
    return pool


# --------------------------------------------------------------------------- variants


class Deriver:
    """Derives unique variants of the pool's base files."""

    def __init__(self, pool: Pool, seed: int) -> None:
        self.pool = pool
        self.rng = random.Random(seed ^ 0x5EED)
        self.counter = 0

    def _uid(self) -> str:
        self.counter += 1
        return hashlib.md5(f"{self.counter}".encode()).hexdigest().upper()

    def dates(
        self, forged: bool, before: dt.datetime | None, max_edit_s: int
    ) -> tuple[dt.datetime, dt.datetime]:
        """(created, modified); authentic ones end before ``before`` (an email's date)."""
        rng = self.rng
        if before is not None and not forged:
            modified = before - dt.timedelta(seconds=rng.randint(60, 5 * 86400))
            created = modified - dt.timedelta(seconds=rng.randint(0, max_edit_s))
            return created, modified
        created = random_when(rng)
        if forged:
            return created, random_when(rng, after_leak=True)
        modified = created + dt.timedelta(seconds=rng.randint(0, max_edit_s))
        return created, min(modified, paris(dt.datetime(2017, 5, 4, 22, 0)))

    def ooxml(
        self, kind: str, forged: bool, before: dt.datetime | None = None
    ) -> tuple[bytes, str]:
        rng = self.rng
        bases = getattr(self.pool, f"forged_{kind}" if forged else kind)
        base: OoxmlBase = rng.choice(bases)
        uid = self._uid()
        created, modified = self.dates(forged, before, 20 * 86400)
        editor = rng.choice(PEOPLE)[0] if rng.random() < 0.3 else base.author
        if forged:
            editor = FORGER
        core = CORE_XML.format(
            title=escape(f"{base.title} v{uid[:6].lower()}"),
            author=escape(base.author),
            editor=escape(editor),
            revision=rng.choice((1, 1, 1, 2, 2, 3)),
            created=w3cdtf(created),
            modified=w3cdtf(modified),
        ).encode()
        entries = list(base.entries)
        entries.insert(base.core_index, zip_entry("docProps/core.xml", core))
        # Office dates every entry 1980-01-01; a forger's re-zip carries real times.
        stamp = modified.replace(tzinfo=None) if forged else OFFICE_ZIP_TIME
        return assemble_zip(entries, stamp), base.title

    def pdf(self, forged: bool, before: dt.datetime | None = None) -> tuple[bytes, str]:
        rng = self.rng
        base: PdfBase = rng.choice(self.pool.forged_pdf if forged else self.pool.pdf)
        uid = self._uid()
        created, modified = self.dates(forged, before, 3 * 86400)
        data = base.data.replace(PDF_CREATED.encode(), pdf_date(created).encode())
        data = data.replace(PDF_MODIFIED.encode(), pdf_date(modified).encode())
        data = data.replace(PDF_REF.encode(), str(self.counter).zfill(12).encode())
        # The file identifier's second half changes at each save (PDF 32000 14.4): a file
        # modified days after its creation was saved again, so its halves differ. A forged
        # insert keeps the one-save identifier under its moved dates.
        saved = uid if forged else hashlib.md5(uid.encode()).hexdigest()
        data = re.sub(
            rb"\[<[0-9a-fA-F]{32}><[0-9a-fA-F]{32}>\]",
            b"[<" + uid.encode() + b"><" + saved.encode() + b">]",
            data,
            count=1,
        )
        return data, base.title

    def jpg(self, forged: bool, before: dt.datetime | None = None) -> tuple[bytes, str]:
        rng = self.rng
        base = rng.choice(self.pool.forged_jpg if forged else self.pool.jpg)
        taken, modified = self.dates(forged, before, 0)
        data = base.replace(EXIF_TAKEN.encode(), exif_date(taken).encode())
        data = data.replace(EXIF_MODIFIED.encode(), exif_date(modified).encode())
        return data.replace(EXIF_UID.encode(), self._uid().encode()), "photo"

    def document(
        self, kind: str, forged: bool, before: dt.datetime | None = None
    ) -> tuple[bytes, str]:
        if kind in ("docx", "xlsx"):
            return self.ooxml(kind, forged, before)
        if kind == "pdf":
            return self.pdf(forged, before)
        return self.jpg(forged, before)

    def eml(self, forged: bool) -> tuple[bytes, list[bool]]:
        rng = self.rng
        sender = rng.randrange(len(PEOPLE))
        mailer = "outlook" if rng.random() < 0.7 else "apple"
        r = rng.random()
        n_att = 0 if r < 0.35 else 1 if r < 0.85 else 2
        data = self.pool.eml[(sender, mailer, n_att)]
        uid = self._uid()
        when = random_when(rng, after_leak=forged)
        subject = sentence(rng, rng.randint(2, 6)).rstrip(".")
        body = "\n\n".join(
            " ".join(sentence(rng, rng.randint(5, 14)) for _ in range(3))
            for _ in range(rng.randint(1, 4))
        )
        reps = {
            b"MSGIDPLACEHOLDER": uid[:24].encode(),
            b"@@SUBJECT@@": subject.encode("ascii", "replace"),
            b"@@QUEUE@@": uid[-10:].encode(),
            b"@@RDATE1@@": format_datetime(when + dt.timedelta(seconds=2)).encode(),
            b"@@RDATE2@@": format_datetime(when + dt.timedelta(seconds=3)).encode(),
            b"@@BODY@@": f"Bonjour,\n\n{body}\n\n{PEOPLE[sender][0]}".encode(),
            format_datetime(E_DATE0).encode(): format_datetime(when).encode(),
        }
        forged_atts: list[bool] = []
        for i in range(n_att):
            kind = rng.choice(("docx", "docx", "xlsx", "pdf", "pdf", "jpg"))
            att_forged = rng.random() < FORGED_RATE
            forged_atts.append(att_forged)
            att, title = self.document(kind, att_forged, when)
            fname = re.sub(r"[^A-Za-z0-9]+", "_", title)[:40].strip("_") or "piece"
            reps[f"application/x-attachment{i}".encode()] = MIMES[kind].encode()
            reps[f"@@FILE{i}@@".encode()] = f"{fname}_{uid[:4].lower()}.{kind}".encode()
            placeholder = base64.b64encode(_att_placeholder(i))
            reps[placeholder] = base64.encodebytes(att).rstrip(b"\n")
        for old, new in reps.items():
            data = data.replace(old, new)
        return data, forged_atts


# --------------------------------------------------------------------------- dump


def generate(
    n: int, out: Path, seed: int = 1, *, quiet: bool = False, clean: bool = True
) -> dict[str, object]:
    """Write a dump of ``n`` top-level documents into ``out``; return the manifest."""
    t0 = time.perf_counter()
    pool = build_pool(seed)
    t_pool = time.perf_counter() - t0
    if clean and out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    deriver = Deriver(pool, seed)
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    counts: dict[str, int] = dict.fromkeys([*kinds, "zip", "attachments"], 0)
    forged: list[str] = []
    made_dirs: set[Path] = set()
    zip_members: list[tuple[str, bytes]] = []
    zips = 0
    files = 0
    total_bytes = 0

    def write(rel: str, data: bytes) -> None:
        nonlocal files, total_bytes
        path = out / rel
        if path.parent not in made_dirs:
            path.parent.mkdir(parents=True, exist_ok=True)
            made_dirs.add(path.parent)
        path.write_bytes(data)
        files += 1
        total_bytes += len(data)

    def flush_zip() -> None:
        nonlocal zips, zip_members
        if not zip_members:
            return
        when = dt.datetime(2017, 5, 4, 18, 0) + dt.timedelta(minutes=zips)
        entries = [zip_entry(name, data) for name, data in zip_members]
        write(f"shared/archives/export_{zips:05d}.zip", assemble_zip(entries, when))
        counts["zip"] += 1
        zips += 1
        zip_members = []

    for i in range(n):
        kind = rng.choices(kinds, weights)[0]
        is_forged = rng.random() < FORGED_RATE
        counts[kind] += 1
        if kind == "eml":
            login = PEOPLE[i % len(PEOPLE)][1]
            rel = f"mail/{login}/{i // 5000:03d}/{i:07d}.eml"
            data, att_forged = deriver.eml(is_forged)
            counts["attachments"] += len(att_forged)
            if is_forged:
                forged.append(rel)
            forged += [f"{rel}!/attachment{j}" for j, f in enumerate(att_forged) if f]
            write(rel, data)
            continue
        data, title = deriver.document(kind, is_forged)
        name = f"{re.sub(r'[^A-Za-z0-9]+', '-', title)[:40].strip('-').lower()}-{i:07d}.{kind}"
        if rng.random() < ZIP_RATE:
            rel = f"shared/archives/export_{zips:05d}.zip!/{name}"
            zip_members.append((name, data))
            if len(zip_members) >= ZIP_MEMBERS:
                flush_zip()
        else:
            dept = DEPTS[i % len(DEPTS)]
            rel = f"shared/{dept}/{i // 5000:03d}/{name}"
            write(rel, data)
        if is_forged:
            forged.append(rel)
        if not quiet and i and i % 10000 == 0:
            rate = i / (time.perf_counter() - t0 - t_pool)
            print(f"  {i} documents, {rate:.0f}/s", file=sys.stderr)
    flush_zip()
    elapsed = time.perf_counter() - t0
    manifest = {
        "n": n,
        "seed": seed,
        "generator_version": GENERATOR_VERSION,
        "leak_date": LEAK_DATE.isoformat(),
        "out": str(out),
        "files": files,
        "bytes": total_bytes,
        "documents_with_attachments": n + counts["attachments"],
        "counts": counts,
        "forged": len(forged),
        "forged_paths": forged,
        "pool_seconds": round(t_pool, 2),
        "seconds": round(elapsed, 2),
        "documents_per_second": round(n / elapsed, 1),
    }
    Path(f"{out}.manifest.json").write_text(json.dumps(manifest, indent=1))
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="top-level documents to generate")
    parser.add_argument("--out", type=Path, help="output folder (default /tmp/authenticity-dump-N)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("-q", "--quiet", action="store_true")
    args = parser.parse_args(argv)
    out = args.out or Path(f"/tmp/authenticity-dump-{args.n}")
    m = generate(args.n, out, args.seed, quiet=args.quiet)
    print(
        f"{m['n']} documents ({m['documents_with_attachments']} with attachments) in "
        f"{m['files']} files, {m['bytes'] / 1e6:.1f} MB, {m['forged']} forged, into {out}"
    )
    print(
        f"generated in {m['seconds']} s (pool {m['pool_seconds']} s): "
        f"{m['documents_per_second']} documents/s, "
        f"{m['files'] / m['seconds']:.0f} files/s; after the pool "
        f"{m['n'] / max(1e-9, m['seconds'] - m['pool_seconds']):.0f} documents/s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
