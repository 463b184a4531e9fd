"""PDF techniques: an incremental-update edit (pypdf), a whole-file rewrite after an edit
(pikepdf) and a regeneration with reportlab."""

from __future__ import annotations

import base64
import datetime as dt
import io
import os
import random
import re
import threading
import zlib

import pikepdf
import pypdf
from pypdf.annotations import FreeText
from pypdf.generic import DecodedStreamObject, NameObject, TextStringObject
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen import canvas as rl_canvas

from authenticity.synth._common import (
    NAMES,
    Forgery,
    alter_number,
    alter_text,
    forge_time,
    forged_name,
    make,
    technique,
)
from authenticity.synth._pdfutil import info_dates, pdf_date, quiet_pypdf, set_xmp_dates

#: Editors whose producer string a careless incremental edit may leave behind.
EDITOR_PRODUCERS = [
    "pypdf",
    "PDF-XChange Editor 6.0.322.7",
    "Foxit PhantomPDF Printer Version 8.2.0.2051",
    "Nitro Pro 10 (10.5.9.9)",
]

_STRING_TJ = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj")
_ESCAPE = re.compile(r"\\(?:[0-7]{1,3}|.)", re.S)
_ENV_LOCK = threading.Lock()


def _canvas(buf: io.BytesIO, pagesize: tuple[float, float], **kwargs) -> rl_canvas.Canvas:
    """A reportlab canvas in invariant mode (stable bytes for a seed)."""
    with _ENV_LOCK:  # invariant mode reads $SOURCE_DATE_EPOCH; hide it for stable bytes
        sde = os.environ.pop("SOURCE_DATE_EPOCH", None)
        try:
            return rl_canvas.Canvas(buf, pagesize=pagesize, invariant=1, **kwargs)
        finally:
            if sde is not None:
                os.environ["SOURCE_DATE_EPOCH"] = sde


def _edit_content(raw: bytes, rng: random.Random) -> tuple[bytes, str, str] | None:
    """Change one number inside a ``(...) Tj`` string of a content stream."""
    hits = [
        m
        for m in _STRING_TJ.finditer(raw)
        if re.search(r"\d", _ESCAPE.sub("", m.group(1).decode("latin-1")))
    ]
    if not hits:
        return None
    m = rng.choice(hits)
    literal = m.group(1).decode("latin-1")
    # Digits of escapes (\\351 is "é") are not text: mask them, edit, then restore.
    masked = _ESCAPE.sub(lambda e: "\x00" * len(e.group(0)), literal)
    changed = alter_number(masked, rng)
    if changed is None:
        return None
    new_masked, old_num, new_num = changed
    new_text = "".join(o if n == "\x00" else n for o, n in zip(literal, new_masked, strict=True))
    start, end = m.span(1)
    return raw[:start] + new_text.encode("latin-1") + raw[end:], old_num, new_num


#: What a forger types over a whited-out area.
_COVER_TEXTS = [
    "Montant : 12 500,00 EUR",
    "Total : 48 300 EUR",
    "Date : 14/03/2017",
    "Bénéficiaire : SCI Les Tilleuls",
    "Réf. 2017-0412",
]


def _edit_time(info: dict, xmp: bytes | None, rng: random.Random) -> dt.datetime:
    """The forger's clock at the edit: after the document's last date, in its offset."""
    created, modified = info_dates(info, xmp)
    when = forge_time(rng, modified or created)
    if modified is not None and modified.tzinfo is not None:
        when = when.astimezone(modified.tzinfo)
    return when


def _cover_drawing(pagesize: tuple[float, float], x: float, y: float, text: str) -> bytes:
    """A one-page PDF (reportlab) with a white box at (x, y) and ``text`` typed on it."""
    buf = io.BytesIO()
    c = _canvas(buf, pagesize)
    c.setFillColorRGB(1, 1, 1)
    c.rect(x - 2, y - 4, 11 * 0.55 * len(text) + 6, 16, stroke=0, fill=1)
    c.setFillColorRGB(0, 0, 0)
    c.setFont("Helvetica", 11)
    c.drawString(x, y, text)
    c.showPage()
    c.save()
    return buf.getvalue()


#: Text a white-out is laid over, by preference: a figure, else a word.
_FIGURE = re.compile(r"\d")
_WORD = re.compile(r"\w{4}")


def _text_spot(page: pypdf.PageObject, rng: random.Random) -> tuple[float, float] | None:
    """Where a string of the page starts (device space, pypdf's reading of the content):
    one with a digit if any, else one with a word; None when pypdf finds no text.

    A forger whites out the figure they replace; a box laid anywhere (a blank margin)
    hides nothing (since 2026-12-08; before, every box was placed at random)."""
    spots: list[tuple[bool, float, float]] = []

    def visit(text: str, cm: list, tm: list, _font: object, _size: float) -> None:
        figure = bool(_FIGURE.search(text))
        if len(spots) >= 2000 or not (figure or _WORD.search(text)):
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        spots.append((figure, float(x), float(y)))

    try:
        page.extract_text(visitor_text=visit)
    except Exception:
        return None
    figures = [(x, y) for has_figure, x, y in spots if has_figure]
    pool = figures or [(x, y) for _, x, y in spots]
    return rng.choice(pool) if pool else None


def _cover_offset(
    box: tuple[float, float, float, float], spot: tuple[float, float] | None, rng: random.Random
) -> tuple[float, float]:
    """Where a white-out's new text starts, from the lower-left corner of the page box
    ``(left, bottom, width, height)``: at ``spot`` (:func:`_text_spot`) when it lies on the
    page, else at random in the page's left half."""
    left, bottom, width, height = box
    if (
        spot is not None
        and left <= spot[0] <= left + width
        and bottom <= spot[1] <= bottom + height
    ):
        return spot[0] - left, spot[1] - bottom
    return rng.uniform(0.08, 0.45) * width, rng.uniform(0.15, 0.8) * height


def _whiteout(page: pypdf.PageObject, rng: random.Random) -> str | None:
    """Cover text of the page with a white box and type new text on it (an overlay page
    drawn with reportlab, merged into the page's content): the classic forger's edit."""
    try:
        box = page.mediabox
        left, bottom = float(box.left), float(box.bottom)
        width, height = float(box.width), float(box.height)
        if width < 100 or height < 100:
            return None
        text = rng.choice(_COVER_TEXTS)
        dx, dy = _cover_offset((left, bottom, width, height), _text_spot(page, rng), rng)
        cover = _cover_drawing((left + width, bottom + height), left + dx, bottom + dy, text)
        page.merge_page(pypdf.PdfReader(io.BytesIO(cover)).pages[0])
        return text
    except Exception:
        return None


def _keep_info_in_trailer(writer: pypdf.PdfWriter) -> None:
    """pypdf names /Info in an update's trailer only when Info changed; editors always do.

    Mark the Info dictionary as changed so it is rewritten (unchanged) in the update and
    the new trailer points at it, as Acrobat and most editors do.
    """
    try:
        info = writer._info
        ref = info.indirect_reference if info is not None else None
        if ref is not None and ref.idnum - 1 < len(writer._original_hash):
            writer._original_hash[ref.idnum - 1] = -1
    except Exception:  # pypdf internals moved: the update then lacks /Info, still valid
        pass


def _info(reader: pypdf.PdfReader) -> dict:
    try:
        meta = reader.trailer.get("/Info")
        return {k: v.get_object() for k, v in meta.get_object().items()} if meta is not None else {}
    except Exception:
        return {}


@technique(
    "pdf_incremental_edit",
    {"pdf"},
    "Append an incremental update that changes a number on a page (when no number can be "
    "edited: whites out an area and types over it, or adds a FreeText annotation). "
    "Careful: Info /ModDate and XMP dates moved to the edit time; careless: /ModDate left "
    "as it was (and maybe an editor /Producer).",
)
def pdf_incremental_edit(
    data: bytes, name: str, rng: random.Random, careful: bool
) -> Forgery | None:
    with quiet_pypdf():
        return _incremental_edit(data, name, rng, careful)


def _xmp(doc: pypdf.PdfReader | pypdf.PdfWriter) -> bytes | None:
    try:
        root = doc._root_object if isinstance(doc, pypdf.PdfWriter) else doc.trailer["/Root"]
        meta = root.get("/Metadata")
        return meta.get_object().get_data() if meta is not None else None
    except Exception:
        return None


def _incremental_edit(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted or not reader.pages:
            return None
        writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
    except Exception:
        return None
    notes: dict = {}
    order = list(range(len(writer.pages)))
    rng.shuffle(order)
    # a quarter of them lay a text box over the page instead of editing its content
    boxed = rng.random() < 0.25
    for index in [] if boxed else order:
        page = writer.pages[index]
        try:
            contents = page.get_contents()
            raw = contents.get_data() if contents is not None else b""
        except Exception:
            continue
        edited = _edit_content(raw, rng)
        if edited is None:
            continue
        stream = DecodedStreamObject()
        stream.set_data(edited[0])
        page.replace_contents(stream.flate_encode())
        notes.update(mode="content_edit", page=index, old=edited[1], new=edited[2])
        break
    else:
        index = order[0]
        cover = None if boxed or rng.random() >= 0.75 else _whiteout(writer.pages[index], rng)
        if cover is not None:
            notes.update(mode="whiteout", page=index, new=cover)
    when = _edit_time(_info(reader), _xmp(reader), rng)
    if "mode" not in notes:
        index = order[0]
        box = writer.pages[index].mediabox
        x0, y0 = float(box.left) + 60, float(box.bottom) + 60 + rng.randint(0, 200)
        text = rng.choice(["APPROUVÉ", "Payé le 12/04", "Validé - 25 000 EUR", "CONFIDENTIEL"])
        annot = FreeText(text=text, rect=(x0, y0, x0 + 220, y0 + 24), font_size="12pt")
        if careful:
            # dated and signed as a viewer would: the name of someone in the document
            annot[NameObject("/T")] = TextStringObject(rng.choice(NAMES["latin"]))
            annot[NameObject("/M")] = TextStringObject(pdf_date(when))
        writer.add_annotation(page_number=index, annotation=annot)
        notes.update(mode="annotation", page=index, new=text)

    if careful:
        writer.add_metadata({"/ModDate": pdf_date(when)})
        notes["moddate"] = when.isoformat()
        root = writer._root_object
        meta = root.get("/Metadata")
        if meta is not None:
            stream = meta.get_object()
            xmp, changed = set_xmp_dates(stream.get_data(), {"modified": when})
            if changed:
                stream.set_data(xmp)
                notes["xmp_updated"] = changed
    else:
        notes["moddate"] = "unchanged"
        if rng.random() < 0.5:
            producer = rng.choice(EDITOR_PRODUCERS)
            writer.add_metadata({"/Producer": producer})
            notes["producer"] = producer
    _keep_info_in_trailer(writer)
    buf = io.BytesIO()
    writer.write(buf)
    return make(
        buf.getvalue(), data, forged_name(name, rng), "pdf_incremental_edit", careful, **notes
    )


def _cover_page(
    page: pikepdf.Page, rng: random.Random, spot: tuple[float, float] | None = None
) -> str | None:
    """White out text of the page (at ``spot``, from :func:`_text_spot`; anywhere without
    it) and type new text on it, stamped with pikepdf's ``add_overlay`` (the overlay, drawn
    with reportlab, becomes a form XObject)."""
    try:
        left, bottom, right, top = (float(v) for v in page.mediabox)
        width, height = right - left, top - bottom
        if width < 100 or height < 100:
            return None
        text = rng.choice(_COVER_TEXTS)
        # the overlay's origin is the page box's corner
        x, y = _cover_offset((left, bottom, width, height), spot, rng)
        cover = _cover_drawing((width, height), x, y, text)
        # what Page.add_overlay does, with the resource name it draws at random (a uuid)
        # taken from the seed instead
        overlay = pikepdf.open(io.BytesIO(cover))  # kept open while copied
        formx = overlay.pages[0].as_form_xobject()
        token = base64.b64encode(rng.randbytes(16)).decode().rstrip("=")
        token = token.replace("+", "x").replace("/", "y")
        placed = page.add_resource(formx, pikepdf.Name.XObject, name=pikepdf.Name("/" + token))
        cs = page.calc_form_xobject_placement(formx, placed, pikepdf.Rectangle(page.trimbox))
        page.contents_add(b"q\n", prepend=True)
        page.contents_add(b"Q\n")
        page.contents_add(cs)
        page.contents_coalesce()
        return text
    except Exception:
        return None


@technique(
    "pdf_rewrite_edit",
    {"pdf"},
    "Change a number on a page (when none can be edited: white out an area and type over "
    "it) and write the whole file again with pikepdf (qpdf), its metadata kept. Careful: "
    "the edited content compressed again, Info /ModDate and the XMP dates moved to the edit "
    "time, Producer untouched; careless: the edited content left uncompressed, and either "
    "no date moved or only the Info /ModDate (the XMP left as it was); in two careless "
    "cases of five the file is then written again by a new pypdf writer (pages and "
    "metadata copied, Producer pypdf).",
)
def pdf_rewrite_edit(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except Exception:
        return None
    with pdf:
        return _rewrite_edit(pdf, data, name, rng, careful)


def _rewrite_edit(
    pdf: pikepdf.Pdf, data: bytes, name: str, rng: random.Random, careful: bool
) -> Forgery | None:
    if pdf.is_encrypted or not pdf.pages:
        return None
    notes: dict = {}
    order = list(range(min(len(pdf.pages), 50)))
    rng.shuffle(order)
    for index in order:
        page = pdf.pages[index]
        try:
            page.contents_coalesce()
            stream = page.obj.Contents
            edited = _edit_content(stream.read_bytes(), rng)
            if edited is None:
                continue
            if careful:
                stream.write(zlib.compress(edited[0]), filter=pikepdf.Name.FlateDecode)
            else:
                stream.write(edited[0])
        except Exception:
            continue
        notes.update(mode="content_edit", page=index, old=edited[1], new=edited[2])
        break
    else:
        try:
            with quiet_pypdf():
                spot = _text_spot(pypdf.PdfReader(io.BytesIO(data)).pages[order[0]], rng)
        except Exception:
            spot = None
        cover = _cover_page(pdf.pages[order[0]], rng, spot)
        if cover is None:
            return None
        notes.update(mode="whiteout", page=order[0], new=cover)
    info = {str(k): str(v) for k, v in pdf.docinfo.items()} if "/Info" in pdf.trailer else {}
    meta = pdf.Root.get("/Metadata")
    xmp = meta.read_bytes() if isinstance(meta, pikepdf.Stream) else None
    when = _edit_time(info, xmp, rng)
    if careful or ("/ModDate" in info and rng.random() < 0.5):
        pdf.docinfo["/ModDate"] = pdf_date(when)
        notes["moddate"] = when.isoformat()
        if careful and xmp is not None and isinstance(meta, pikepdf.Stream):
            new_xmp, changed = set_xmp_dates(xmp, {"modified": when})
            if changed:
                meta.write(new_xmp)
                notes["xmp_updated"] = changed
    else:
        notes["moddate"] = "unchanged"
    buf = io.BytesIO()
    try:
        # careless: streams stored as they are, so the edited content stays plain
        pdf.save(buf, deterministic_id=True, compress_streams=careful)
    except (pikepdf.PdfError, RuntimeError, ValueError):
        return None  # qpdf cannot decode a stream it has to rewrite
    out = buf.getvalue()
    if not careful and rng.random() < 0.4:
        out = _pypdf_rewrite(out)
        notes["writer"] = "pypdf"
    return make(out, data, forged_name(name, rng), "pdf_rewrite_edit", careful, **notes)


def _pypdf_rewrite(data: bytes) -> bytes:
    """The file written again by a new pypdf writer, its pages and metadata copied over: the
    Producer becomes pypdf's own (the usual script: append the pages, copy the metadata
    but the Producer)."""
    with quiet_pypdf():
        reader = pypdf.PdfReader(io.BytesIO(data))
        writer = pypdf.PdfWriter()
        writer.append(reader)
        info = {k: v for k, v in (reader.metadata or {}).items() if k != "/Producer"}
        if info:
            writer.add_metadata(info)
        writer.add_metadata({"/Producer": "pypdf"})
        out = io.BytesIO()
        writer.write(out)
    return out.getvalue()


def _text_lines(reader: pypdf.PdfReader, limit: int = 400) -> list[str]:
    lines: list[str] = []
    for page in reader.pages[:20]:
        try:
            text = page.extract_text() or ""
        except Exception:
            continue
        lines.extend(line.strip() for line in text.splitlines() if line.strip())
        if len(lines) >= limit:
            break
    return lines[:limit]


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def _reportlab_pdf(lines: list[str], info: dict, stamp: str, careful: bool) -> bytes:
    buf = io.BytesIO()
    c = _canvas(buf, A4, pageCompression=1)
    for key, setter in (
        ("/Author", c.setAuthor),
        ("/Title", c.setTitle),
        ("/Subject", c.setSubject),
        ("/Keywords", c.setKeywords),
        ("/Creator", c.setCreator),
    ):
        if key in info:
            setter(str(info[key]))
    if careful and "/Producer" in info:
        c.setProducer(str(info["/Producer"]))
    c.setDateFormatter(lambda *_: stamp)
    height = A4[1]
    y = height - 72
    c.setFont("Helvetica", 10.5)
    for line in lines:
        if y < 72:
            c.showPage()
            c.setFont("Helvetica", 10.5)
            y = height - 72
        c.drawString(64, y, _latin1(line)[:110])
        y -= 15
    c.showPage()
    c.save()
    return buf.getvalue()


@technique(
    "pdf_regenerate",
    {"pdf"},
    "Re-typeset the document's text (one number changed) with reportlab, copying the "
    "original Info metadata. Careful: original Producer, both original dates and the "
    "original XMP packet copied in; careless: reportlab's Producer, one date for "
    "Creation/ModDate set to the forger's clock, no XMP.",
)
def pdf_regenerate(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    with quiet_pypdf():
        return _regenerate(data, name, rng, careful)


def _regenerate(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            return None
        lines = _text_lines(reader)
    except Exception:
        return None
    if not lines:
        return None
    info = _info(reader)
    text = "\n".join(lines)
    new_text, old, new = alter_text(text, rng)
    xmp = _xmp(reader)
    created, modified = info_dates(info, xmp)
    notes: dict = {"old": old, "new": new, "lines": len(lines)}
    if careful:
        stamp = str(info.get("/CreationDate") or pdf_date(forge_time(rng, None)))
    else:
        when = forge_time(rng, modified or created)
        stamp = pdf_date(when)
        notes["date"] = when.isoformat()
    out = _reportlab_pdf(new_text.splitlines(), info, stamp, careful)
    if careful:
        with pikepdf.open(io.BytesIO(out)) as pdf:
            for key in ("/CreationDate", "/ModDate", "/Producer"):
                if key in info:
                    pdf.docinfo[key] = pikepdf.String(str(info[key]))
            if xmp:
                pdf.Root.Metadata = pdf.make_stream(
                    xmp, Type=pikepdf.Name.Metadata, Subtype=pikepdf.Name.XML
                )
                notes["xmp_copied"] = True
            buf = io.BytesIO()
            pdf.save(buf, deterministic_id=True)
        out = buf.getvalue()
    return make(out, data, forged_name(name, rng, "pdf"), "pdf_regenerate", careful, **notes)
