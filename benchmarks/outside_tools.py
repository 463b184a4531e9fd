"""Forgeries made with tools and recipes the training generator does not use.

    .venv/bin/python benchmarks/outside_tools.py [--show] [--keep DIR]

`authenticity.synth` is what the model learns from, so the model card's figures measure how
well it recognises the generator's own recipes (and, under leave-one-technique-out, the
other recipes of the same generator). This benchmark is a check from outside: it forges
copies of ../shared/corpus files the way a forger at a keyboard would, with ExifTool's
date shifting, pypdf's ``add_metadata`` and page overlays, python-docx, openpyxl, a
stdlib ``zipfile`` rewrite that keeps every entry's date and order, Pillow retouches that
keep the EXIF bytes, and hand-written emails; none of these code paths is in the
generator. Each source file serves one recipe only, and the forgeries are scanned together
with the corpus files that were *not* used as sources, so neither an untouched original nor
another recipe's copy of the same file sits beside a forgery (until 1.11.0 the image
recipes shared their photos, and an ExifTool date shift keeps the picture as it was, which
the generation-order check would take for the retouch's original). It prints, per recipe, how many
forgeries the scan flags (``suspicious`` or ``likely_forged``) and how many authentic files
it flags alongside.

Since 2026-11-25 two recipes edit Office files in LibreOffice itself (``soffice``: the text
changed in LibreOffice's flat XML, the file written back to its own format by LibreOffice,
its document properties kept as loaded, or with the save dated two days after the
original's), and the authentic side adds documents made today by desktop producers the
corpus lacks: LibreOffice's Word, Excel, OpenDocument and PDF exports, those PDFs
linearized by qpdf and re-distilled by Ghostscript, Chromium's "Save as PDF", wkhtmltopdf
and pandoc's Word output. They count in their own line.

Since 2026-12-07 a recipe types over a workbook's largest figure in its sheet XML, leaving
the totals that read it as they were (``zip_figure_edit``); it comes last so that the
sources of the older recipes do not change.

ExifTool recipes are skipped when ``exiftool`` is not on PATH, LibreOffice ones without
``soffice``; the desktop-made authentic files need ``soffice`` (``qpdf`` and ``gs`` add
theirs). Deterministic: no random numbers, the sources are the first corpus files each
recipe fits that no earlier recipe took.
"""

from __future__ import annotations

import collections
import datetime as dt
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from email import message_from_bytes, policy
from email.utils import format_datetime, parsedate_to_datetime
from pathlib import Path

from _common import CORPUS, FLAGGED, copy_corpus, dump_parser

from authenticity.config import Settings
from authenticity.logs import quiet_parsers
from authenticity.pipeline import run_scan

#: Sources per recipe.
PER_RECIPE = 12

Recipe = Callable[[bytes, Path], bytes | None]


def _exiftool(data: bytes, suffix: str, *args: str) -> bytes | None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"f{suffix}"
        path.write_bytes(data)
        done = subprocess.run(
            ["exiftool", "-q", "-q", "-overwrite_original", *args, str(path)],
            capture_output=True,
            timeout=60,
        )
        if done.returncode != 0:
            return None
        out = path.read_bytes()
    return out if out != data else None


def _camera_dates(data: bytes) -> bool:
    """A JPEG with camera EXIF (Make) and a plausible DateTimeOriginal."""
    import exifread

    try:
        tags = exifread.process_file(io.BytesIO(data), details=False)
    except Exception:
        return False
    value = str(tags.get("EXIF DateTimeOriginal", ""))
    return "Image Make" in tags and bool(re.match(r"(199[5-9]|20[0-2]\d):", value))


# --- photos --------------------------------------------------------------------------------


def exiftool_shift_back(data: bytes, path: Path) -> bytes | None:
    """All EXIF dates moved back 1 year 2 months (``-AllDates-=``): the careful date shift."""
    if not _camera_dates(data):
        return None
    return _exiftool(data, ".jpg", "-AllDates-=1:2:0 0:0:0")


def exiftool_shift_forward(data: bytes, path: Path) -> bytes | None:
    """All EXIF dates moved forward 9 months (``-AllDates+=``)."""
    if not _camera_dates(data):
        return None
    return _exiftool(data, ".jpg", "-AllDates+=0:9:0 0:0:0")


def exiftool_original_only(data: bytes, path: Path) -> bytes | None:
    """Only DateTimeOriginal set to a chosen day: the careless date change."""
    if not _camera_dates(data):
        return None
    return _exiftool(data, ".jpg", "-DateTimeOriginal=2016:05:14 10:21:07")


def pillow_retouch(data: bytes, path: Path) -> bytes | None:
    """A patch of the picture painted over with its surroundings' colour and saved by
    Pillow at quality 92 with the original EXIF bytes (no Software change)."""
    from PIL import Image, ImageDraw, ImageStat

    if not _camera_dates(data):
        return None
    img = Image.open(io.BytesIO(data))
    exif = img.info.get("exif")
    if not exif or img.width < 64 or img.height < 64:
        return None
    img = img.convert("RGB")
    box = (
        img.width // 3,
        img.height // 3,
        img.width // 3 + img.width // 8,
        img.height // 3 + img.height // 8,
    )
    fill = tuple(int(v) for v in ImageStat.Stat(img.crop(box)).mean)
    ImageDraw.Draw(img).rectangle(box, fill=fill)
    out = io.BytesIO()
    img.save(out, "JPEG", quality=92, exif=exif)
    return out.getvalue()


# --- PDFs ----------------------------------------------------------------------------------


def _pdf_ok(data: bytes) -> bool:
    import pypdf

    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        return not reader.is_encrypted and len(reader.pages) > 0 and bool(reader.metadata)
    except Exception:
        return False


def pypdf_metadata(data: bytes, path: Path) -> bytes | None:
    """pypdf ``clone_from`` + ``add_metadata``: new Author, ModDate one year earlier."""
    import pypdf

    if not _pdf_ok(data):
        return None
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    info = writer.metadata or {}
    new = {"/Author": "Jean Dupont"}
    if "/ModDate" in info:
        new["/ModDate"] = "D:20150310091500+01'00'"
    writer.add_metadata(new)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pypdf_overlay(data: bytes, path: Path) -> bytes | None:
    """A line of text drawn by ReportLab stamped onto page 1 with pypdf (a changed figure
    pasted over the original), metadata as it was."""
    import pypdf
    from reportlab.pdfgen import canvas

    if not _pdf_ok(data):
        return None
    writer = pypdf.PdfWriter(clone_from=io.BytesIO(data))
    page = writer.pages[0]
    stamp = io.BytesIO()
    c = canvas.Canvas(stamp, pagesize=(float(page.mediabox.width), float(page.mediabox.height)))
    c.drawString(72, 72, "Montant total : 148 500 EUR")
    c.save()
    page.merge_page(pypdf.PdfReader(io.BytesIO(stamp.getvalue())).pages[0])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def exiftool_pdf_author(data: bytes, path: Path) -> bytes | None:
    """ExifTool sets Author in the Info dictionary and XMP (an appended update)."""
    if not _pdf_ok(data):
        return None
    return _exiftool(data, ".pdf", "-PDF:Author=Иван Петров", "-XMP-dc:Creator=Иван Петров")


# --- Office --------------------------------------------------------------------------------

_DIGIT = re.compile(rb">([^<>]*?)(\d)([^<>]*)<")


def _bump_digit(xml: bytes) -> bytes | None:
    m = _DIGIT.search(xml)
    if m is None:
        return None
    digit = m.group(2)
    new = str((int(digit) + 3) % 10).encode()
    return xml[: m.start(2)] + new + xml[m.end(2) :]


_MAIN = ("word/document.xml", "xl/sharedStrings.xml", "ppt/slides/slide1.xml")


def zip_careful_edit(data: bytes, path: Path) -> bytes | None:
    """One digit of the main text part changed, the package rewritten with stdlib zipfile
    keeping every entry's name, order, date, compression type and comment."""
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        infos = src.infolist()
        names = [i.filename for i in infos]
    except Exception:
        return None
    main = next((n for n in _MAIN if n in names), None)
    if main is None:
        return None
    out = io.BytesIO()
    changed = False
    with zipfile.ZipFile(out, "w") as dst:
        for info in infos:
            body = src.read(info)
            if info.filename == main:
                edited = _bump_digit(body)
                if edited is None:
                    return None
                body, changed = edited, True
            dst.writestr(info, body, compress_type=info.compress_type)
    return out.getvalue() if changed else None


_TYPED_NUMBER = re.compile(
    rb'(<c r="[A-Z]+\d+"(?: s="\d+")?(?: t="n")?>\s*<v>)(-?\d+(?:\.\d+)?)(</v>\s*</c>)'
)


def zip_figure_edit(data: bytes, path: Path) -> bytes | None:
    """The largest typed amount of a workbook raised by 7 %, typed over in its sheet's XML;
    the package rewritten with stdlib zipfile keeping every entry's name, order, date and
    compression type (a forger with a zip tool and a text editor; totals left as they were)."""
    if path.suffix != ".xlsx":
        return None
    try:
        src = zipfile.ZipFile(io.BytesIO(data))
        infos = src.infolist()
        best = None
        for info in infos:
            if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", info.filename):
                for m in _TYPED_NUMBER.finditer(src.read(info)):
                    value = float(m.group(2))
                    if best is None or abs(value) > abs(best[1]):
                        best = (info.filename, value, m.start(2), m.end(2))
    except Exception:
        return None
    if best is None or best[1] == 0:
        return None
    part, value, start, end = best
    new = round(value * 1.07, 2)
    text = (str(int(new)) if new == int(new) else str(new)).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in infos:
            body = src.read(info)
            if info.filename == part:
                body = body[:start] + text + body[end:]
            dst.writestr(info, body, compress_type=info.compress_type)
    return out.getvalue()


def python_docx_edit(data: bytes, path: Path) -> bytes | None:
    """python-docx: a number in a paragraph changed; core properties: last modified by a
    new name, modified = created + 2 days (the forger makes the dates look plausible)."""
    import docx

    if path.suffix != ".docx":
        return None
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception:
        return None
    for para in document.paragraphs:
        for run in para.runs:
            if re.search(r"\d", run.text):
                run.text = re.sub(
                    r"\d", lambda m: str((int(m.group()) + 3) % 10), run.text, count=1
                )
                break
        else:
            continue
        break
    else:
        if not document.paragraphs:
            return None
        document.paragraphs[0].add_run(" 12 500")
    props = document.core_properties
    props.last_modified_by = "Jean Dupont"
    if props.created:
        props.modified = props.created + dt.timedelta(days=2)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def openpyxl_edit(data: bytes, path: Path) -> bytes | None:
    """openpyxl: the first number in the first sheet raised by 7 %, saved by openpyxl
    (which writes its own dates unless told otherwise)."""
    import openpyxl

    if path.suffix != ".xlsx":
        return None
    try:
        book = openpyxl.load_workbook(io.BytesIO(data))
    except Exception:
        return None
    for row in book.worksheets[0].iter_rows():
        for cell in row:
            if isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.value = round(cell.value * 1.07, 2)
                out = io.BytesIO()
                book.save(out)
                return out.getvalue()
    return None


# --- email ---------------------------------------------------------------------------------


def email_body_edit(data: bytes, path: Path) -> bytes | None:
    """A DKIM-signed message with one word of its body changed, headers untouched."""
    if b"DKIM-Signature:" not in data:
        return None
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")
    edited = re.sub(rb"\b(\w{4,})\b", rb"\1s", body, count=1)
    return head + sep + edited if sep and edited != body else None


def email_handwritten(data: bytes, path: Path) -> bytes | None:
    """A new message written by hand in the layout of the source's client: its headers
    copied (Received chain included), new Date, Subject, body and Message-ID."""
    if path.suffix == ".msg" or b"From:" not in data[:20000]:
        return None
    msg = message_from_bytes(data, policy=policy.compat32)
    if not msg.get("From") or not msg.get("Date"):
        return None
    for header in ("Subject", "Date", "Message-ID", "Content-Transfer-Encoding"):
        del msg[header]
    msg["Subject"] = "Re: virement urgent"
    msg["Date"] = "Tue, 18 Apr 2017 09:14:02 +0200"
    msg["Message-ID"] = "<20170418071402.4471@mail.example.org>"
    if msg.is_multipart():
        return None
    msg.set_payload("Bonjour,\n\nMerci de faire le virement avant vendredi.\n\nCordialement\n")
    return msg.as_bytes()


def email_redate(data: bytes, path: Path) -> bytes | None:
    """An email's Date header moved back 9 days in a text editor, every other byte kept
    (Received chain, Message-ID, Thread-Index, any signature)."""
    if path.suffix == ".msg":
        return None
    m = re.search(rb"^Date:[ \t]*([^\r\n]+)", data[:65536], re.M | re.I)
    if m is None:
        return None
    try:
        when = parsedate_to_datetime(m.group(1).decode("ascii", "strict").strip())
    except (TypeError, ValueError, UnicodeDecodeError):
        return None
    moved = format_datetime(when - dt.timedelta(days=9)).encode()
    return data[: m.start(1)] + moved + data[m.end(1) :]


# --- LibreOffice ---------------------------------------------------------------------------

_FLAT = {".docx": "fodt", ".odt": "fodt", ".xlsx": "fods", ".ods": "fods"}
_EXPORT = {
    ".docx": "docx:MS Word 2007 XML",
    ".odt": "odt",
    ".xlsx": "xlsx:Calc MS Excel 2007 XML",
    ".ods": "ods",
}


def _soffice(src: Path, target: str, out_dir: Path) -> Path | None:
    """``soffice --convert-to`` with a private profile (runs side by side); the output."""
    out_dir.mkdir(parents=True, exist_ok=True)
    profile = out_dir / "profile"
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(out_dir),
            str(src),
        ],
        capture_output=True,
        timeout=120,
    )
    ext = target.split(":", 1)[0]
    out = out_dir / f"{src.stem}.{ext}"
    return out if out.is_file() else None


_TEXT_DIGIT = re.compile(r"(<text:p[^>]*>[^<]*?)(\d)")
_CELL_VALUE = re.compile(r'(office:value=")(-?\d)')
_DC_DATE = re.compile(r"<dc:date>([^<]+)</dc:date>")


def _libreoffice(data: bytes, path: Path, dated: bool) -> bytes | None:
    flat = _FLAT.get(path.suffix)
    if flat is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / f"doc{path.suffix}"
        src.write_bytes(data)
        opened = _soffice(src, flat, Path(tmp) / "flat")
        if opened is None:
            return None
        xml = opened.read_text(encoding="utf-8")
        m = _TEXT_DIGIT.search(xml)
        if m is None:
            return None
        digit = str((int(m.group(2)) + 3) % 10)
        xml = xml[: m.start(2)] + digit + xml[m.end(2) :]
        if flat == "fods":  # the cell's value, not only its shown text
            xml = _CELL_VALUE.sub(lambda v: v.group(1) + v.group(2)[:-1] + digit, xml, count=1)
        if dated:
            d = _DC_DATE.search(xml)
            if d is None:
                return None
            try:
                when = dt.datetime.fromisoformat(d.group(1).rstrip("Z")) + dt.timedelta(days=2)
            except ValueError:
                return None
            stamp = when.replace(microsecond=0).isoformat()
            xml = xml[: d.start(1)] + stamp + xml[d.end(1) :]
        edited = Path(tmp) / f"doc.{flat}"
        edited.write_text(xml, encoding="utf-8")
        out = _soffice(edited, _EXPORT[path.suffix], Path(tmp) / "out")
        return out.read_bytes() if out is not None else None


def libreoffice_edit(data: bytes, path: Path) -> bytes | None:
    """A digit of the text changed in LibreOffice and the file written back to its own
    format by LibreOffice; the document properties stay as loaded (LibreOffice's
    converter does not stamp a save)."""
    return _libreoffice(data, path, dated=False)


def libreoffice_edit_dated(data: bytes, path: Path) -> bytes | None:
    """The same edit, saved with a modification date two days after the original's (what a
    save on a computer whose clock was set back stamps)."""
    return _libreoffice(data, path, dated=True)


def _tool(*args: str) -> None:
    """Run a converter when it is on PATH (output files are checked by the caller)."""
    if shutil.which(args[0]):
        subprocess.run(list(args), capture_output=True, timeout=120)


def desktop_authentic(out_dir: Path) -> int:
    """Documents made today by desktop producers the corpus lacks, into ``out_dir``:
    LibreOffice's Word, Excel, OpenDocument and PDF exports of generated notes and tables,
    the note PDFs linearized by qpdf and re-distilled by Ghostscript, and, where installed,
    the notes printed to PDF by Chromium and wkhtmltopdf and written to Word by pandoc.
    Deterministic text; returns how many files were written (0 without ``soffice``)."""
    if shutil.which("soffice") is None:
        print("desktop authentic files: skipped (soffice not on PATH)", file=sys.stderr)
        return 0
    chrome = next(
        (c for c in ("chromium", "chromium-browser", "google-chrome") if shutil.which(c)), None
    )
    words = [
        "budget",
        "réunion",
        "campagne",
        "rapport",
        "déplacement",
        "comité",
        "presse",
        "mardi",
        "financement",
        "équipe",
        "programme",
        "région",
        "tracts",
        "salle",
        "invités",
    ]
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for i in range(4):
            paras = "".join(
                "<p>"
                + " ".join(words[(i * 7 + j * 3 + k) % len(words)] for k in range(30))
                + f" {1000 + 37 * i * j} EUR</p>"
                for j in range(8)
            )
            note = work / f"note-{i}.html"
            note.write_text(
                f"<html><head><title>Note {i}</title></head><body>{paras}</body></html>",
                encoding="utf-8",
            )
            table = work / f"table-{i}.csv"
            table.write_text(
                "\n".join(
                    ",".join(str((r * 31 + c * 7 + i) % 997) for c in range(6)) for r in range(20)
                ),
                encoding="utf-8",
            )
            for src, targets in (
                (note, ("docx:MS Word 2007 XML", "odt", "pdf:writer_web_pdf_Export")),
                (table, ("xlsx:Calc MS Excel 2007 XML", "ods", "pdf:calc_pdf_Export")),
            ):
                for target in targets:
                    made = _soffice(src, target, work / "made")
                    if made is not None:
                        made.rename(out_dir / f"libreoffice-{made.name}")
            if shutil.which("pandoc"):  # Markdown to Word, as documentation pipelines do
                md = work / f"note-{i}.md"
                md.write_text(
                    f"---\ntitle: Note {i}\nauthor: Alice Martin\n---\n\n"
                    + note.read_text(encoding="utf-8").split("<body>", 1)[1].replace("<p>", "\n\n"),
                    encoding="utf-8",
                )
                _tool(
                    "pandoc",
                    str(md),
                    "-f",
                    "markdown",
                    "-o",
                    str(out_dir / f"pandoc-note-{i}.docx"),
                )
            # HTML to PDF, as invoicing web apps do
            _tool("wkhtmltopdf", "-q", str(note), str(out_dir / f"wkhtmltopdf-note-{i}.pdf"))
            if chrome:  # the browser's "Save as PDF"
                _tool(
                    chrome, "--headless", "--no-sandbox", "--disable-gpu",
                    f"--user-data-dir={work / 'chrome'}",
                    f"--print-to-pdf={out_dir / f'chrome-note-{i}.pdf'}", note.as_uri(),
                )  # fmt: skip
        for pdf in sorted(out_dir.glob("libreoffice-note-*.pdf")):
            _tool("qpdf", "--linearize", str(pdf), str(out_dir / f"qpdf-linearized-{pdf.name}"))
            _tool(
                "gs", "-q", "-dBATCH", "-dNOPAUSE", "-dSAFER", "-sDEVICE=pdfwrite",
                f"-sOutputFile={out_dir / f'ghostscript-{pdf.name}'}", str(pdf),
            )  # fmt: skip
    return sum(1 for f in out_dir.iterdir() if f.is_file())


#: External programs a recipe needs (skipped when they are not on PATH).
NEEDS = {"exiftool": "exiftool", "libreoffice": "soffice"}


def needs(recipe: str) -> str | None:
    """The program ``recipe`` runs, or None for the pure-Python recipes."""
    return next((tool for prefix, tool in NEEDS.items() if recipe.startswith(prefix)), None)


RECIPES: dict[str, tuple[str, Recipe]] = {
    "exiftool_shift_back": ("image", exiftool_shift_back),
    "exiftool_shift_forward": ("image", exiftool_shift_forward),
    "exiftool_original_only": ("image", exiftool_original_only),
    "pillow_retouch": ("image", pillow_retouch),
    "pypdf_metadata": ("pdf", pypdf_metadata),
    "pypdf_overlay": ("pdf", pypdf_overlay),
    "exiftool_pdf_author": ("pdf", exiftool_pdf_author),
    "zip_careful_edit": ("ooxml", zip_careful_edit),
    "python_docx_edit": ("ooxml", python_docx_edit),
    "openpyxl_edit": ("ooxml", openpyxl_edit),
    "libreoffice_edit": ("ooxml", libreoffice_edit),
    "libreoffice_edit_dated": ("ooxml", libreoffice_edit_dated),
    "email_body_edit": ("email", email_body_edit),
    "email_handwritten": ("email", email_handwritten),
    "email_redate": ("email", email_redate),
    "zip_figure_edit": ("ooxml", zip_figure_edit),
}


def forge(out_dir: Path) -> tuple[dict[str, str], set[Path]]:
    """Write the forgeries to ``out_dir/forged``; return {file name: recipe} and the
    sources used."""
    made: dict[str, str] = {}
    used: set[Path] = set()
    (out_dir / "forged").mkdir(parents=True)
    for recipe, (folder, make) in RECIPES.items():
        tool = needs(recipe)
        if tool is not None and shutil.which(tool) is None:
            print(f"{recipe}: skipped ({tool} not on PATH)", file=sys.stderr)
            continue
        count = 0
        for src in sorted((CORPUS / folder).iterdir()):
            if count >= PER_RECIPE:
                break
            if not src.is_file() or src in used:  # one recipe per source: no copy of it
                continue  # made by another recipe sits beside a forgery as its original
            try:
                data = make(src.read_bytes(), src)
            except Exception as exc:  # a recipe that does not fit this source
                print(f"{recipe} {src.name}: {type(exc).__name__}", file=sys.stderr)
                continue
            if not data:
                continue
            name = f"{recipe}__{src.name}"
            (out_dir / "forged" / name).write_bytes(data)
            made[name] = recipe
            used.add(src)
            count += 1
    return made, used


def main(argv: list[str] | None = None) -> int:
    parser = dump_parser(__doc__.splitlines()[0], "list each forgery's findings")
    args = parser.parse_args(argv)
    quiet_parsers()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(args.keep) if args.keep else Path(tmp)
        dump, out = root / "dump", root / "scan"
        made, used = forge(dump)
        (dump / "authentic").mkdir()
        copy_corpus(dump / "authentic", skip=used)
        desktop_authentic(dump / "desktop")
        run_scan(str(dump), str(out), Settings(workers=2), model=args.model)
        cards = [json.loads(line) for line in (out / "scorecards.jsonl").open()]

    per: dict[str, list[dict]] = collections.defaultdict(list)
    authentic_flagged = authentic = 0
    desktop: list[dict] = []
    for card in cards:
        path = card["path"]
        if "/forged/" in f"/{path}" and "!" not in path:
            per[made.get(Path(path).name, "?")].append(card)
        elif "/authentic/" in f"/{path}":
            authentic += 1
            authentic_flagged += card["verdict"] in FLAGGED
        elif "/desktop/" in f"/{path}" and "!" not in path:
            desktop.append(card)
    print(f"{'recipe':<24} {'forged':>6} {'flagged':>8} {'share':>7}  top findings")
    total = flagged_total = 0
    for recipe in RECIPES:
        group = per.get(recipe, [])
        if not group:
            continue
        flagged = sum(c["verdict"] in FLAGGED for c in group)
        total += len(group)
        flagged_total += flagged
        codes = collections.Counter(
            f["code"] for c in group for f in c["findings"] if f["severity"] != "info"
        )
        top = ", ".join(f"{k} {v}" for k, v in codes.most_common(3))
        print(f"{recipe:<24} {len(group):>6} {flagged:>8} {flagged / len(group):>6.0%}  {top}")
        if args.show:
            for c in group:
                found = [f"{f['code']}@{f['severity']}" for f in c["findings"]]
                print(
                    f"    {c['verdict']:<14} {c.get('score')!s:<6} {Path(c['path']).name}: {found}"
                )
    print(
        f"{'all recipes':<24} {total:>6} {flagged_total:>8} {flagged_total / max(total, 1):>6.0%}"
    )
    print(
        f"authentic corpus files flagged alongside: {authentic_flagged} of {authentic} "
        f"({authentic_flagged / max(authentic, 1):.1%})"
    )
    if desktop:
        flagged_desktop = [c for c in desktop if c["verdict"] in FLAGGED]
        print(
            f"desktop-made authentic files (LibreOffice, qpdf, Ghostscript, Chromium, pandoc, "
            f"wkhtmltopdf) flagged: "
            f"{len(flagged_desktop)} of {len(desktop)}"
        )
        for c in desktop if args.show else flagged_desktop:
            found = [f"{f['code']}@{f['severity']}" for f in c["findings"]]
            print(f"    {c['verdict']:<14} {c.get('score')!s:<6} {Path(c['path']).name}: {found}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
