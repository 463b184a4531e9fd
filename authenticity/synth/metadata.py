"""Metadata-only techniques: back- or forward-dating, and swapping the author.

The content is untouched; only date or author fields change, the way a forger fixes up a
file with a metadata editor (exiftool, a hex editor, 7-Zip on docProps/core.xml).
"""

from __future__ import annotations

import datetime as dt
import io
import random
import re
import zipfile

import pikepdf
import pypdf

from authenticity.synth import jpegutil, oleprops
from authenticity.synth._common import (
    Forgery,
    forge_time,
    forged_name,
    make,
    pick_name,
    rewrite_zip,
    shift,
    technique,
    zip_time,
)
from authenticity.synth._pdfutil import (
    info_dates,
    pdf_date,
    quiet_pypdf,
    set_xmp_creator,
    set_xmp_dates,
)
from authenticity.timeutil import parse_exif_datetime

OOXML = {"docx", "xlsx", "pptx"}
CORE = "docProps/core.xml"


def _plan(
    created: dt.datetime | None,
    modified: dt.datetime | None,
    rng: random.Random,
    careful: bool,
    backward: bool,
) -> dict[str, dt.datetime]:
    """New values for created/modified: both shifted alike (careful) or only one (careless).

    Careless back-dating moves only ``modified``, forward-dating only ``created``, far
    enough that created ends up after modified.
    """
    delta = shift(rng, backward)
    if careful or created is None or modified is None:
        return {k: v + delta for k, v in (("created", created), ("modified", modified)) if v}
    span = abs(modified - created) + dt.timedelta(days=1)
    if backward:
        return {"modified": modified - span + delta}
    return {"created": created + span + delta}


# --------------------------------------------------------------------------- OOXML


def _core(data: bytes) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            return z.read(CORE).decode("utf-8")
    except (KeyError, zipfile.BadZipFile, UnicodeDecodeError):
        return None


def _w3c(when: dt.datetime) -> str:
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC)
    return f"{when:%Y-%m-%dT%H:%M:%S}Z"


def _core_get(xml: str, tag: str) -> str | None:
    m = re.search(rf"<{tag}(?:\s[^>]*)?>([^<]*)</{tag}>", xml)
    return m.group(1) if m else None


def _core_set(xml: str, tag: str, value: str) -> str:
    value = value.replace("&", "&amp;").replace("<", "&lt;")
    new, n = re.subn(
        rf"(<{tag}(?:\s[^>]*)?>)[^<]*(</{tag}>)", lambda m: m.group(1) + value + m.group(2), xml
    )
    if n:
        return new
    new, n = re.subn(rf"<{tag}\s*/>", f"<{tag}>{value}</{tag}>", xml)
    if n:
        return new
    extra = ' xsi:type="dcterms:W3CDTF"' if tag.startswith("dcterms:") else ""
    return re.sub(r"(</\w+:coreProperties>)", f"<{tag}{extra}>{value}</{tag}>\\1", xml, count=1)


def _ooxml_write(data: bytes, xml: str, rng: random.Random, careful: bool, when) -> bytes:
    """Put core.xml back; careless leaves 7-Zip's trace (that entry restamped)."""
    times = None if careful else {CORE: zip_time(when)}
    return rewrite_zip(data, {CORE: xml.encode("utf-8")}, times=times)


def _ooxml_dates(data, name, rng, careful, backward, tech) -> Forgery | None:
    xml = _core(data)
    if xml is None:
        return None
    from authenticity.timeutil import parse_iso8601

    created = parse_iso8601(_core_get(xml, "dcterms:created"))
    modified = parse_iso8601(_core_get(xml, "dcterms:modified"))
    if created is None and modified is None:
        return None
    new = _plan(created, modified, rng, careful, backward)
    for key, when in new.items():
        xml = _core_set(xml, f"dcterms:{key}", _w3c(when))
    out = _ooxml_write(data, xml, rng, careful, forge_time(rng, modified or created))
    notes = {k: v.isoformat() for k, v in new.items()}
    return make(out, data, forged_name(name, rng), tech, careful, **notes)


# --------------------------------------------------------------------------- PDF


def _pdf_full(data: bytes, edit) -> bytes | None:
    """Rewrite the whole PDF with pikepdf (qpdf) after ``edit(pdf)``; stable /ID."""
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            edit(pdf)
            buf = io.BytesIO()
            pdf.save(buf, deterministic_id=True)
            return buf.getvalue()
    except pikepdf.PdfError:
        return None


def _pdf_incremental(data: bytes, info: dict[str, str]) -> bytes | None:
    """exiftool-style: an incremental update that rewrites only the Info dictionary."""
    with quiet_pypdf():
        try:
            writer = pypdf.PdfWriter(io.BytesIO(data), incremental=True)
            writer.add_metadata(info)
            buf = io.BytesIO()
            writer.write(buf)
            return buf.getvalue()
        except Exception:
            return None


def _pdf_meta(data: bytes) -> tuple[dict, bytes | None] | None:
    try:
        with pikepdf.open(io.BytesIO(data)) as pdf:
            if pdf.is_encrypted:
                return None
            info = {str(k): str(v) for k, v in pdf.docinfo.items()}
            meta = pdf.Root.get("/Metadata")
            xmp = meta.read_bytes() if isinstance(meta, pikepdf.Stream) else None
            return info, xmp
    except (pikepdf.PdfError, ValueError):
        return None


def _set_xmp(pdf: pikepdf.Pdf, transform) -> list[str]:
    meta = pdf.Root.get("/Metadata")
    if not isinstance(meta, pikepdf.Stream):
        return []
    new, changed = transform(meta.read_bytes())
    if not changed:
        return []
    meta.write(new)
    return changed if isinstance(changed, list) else ["dc:creator"]


def _pdf_dates(data, name, rng, careful, backward, tech) -> Forgery | None:
    found = _pdf_meta(data)
    if found is None:
        return None
    info, xmp = found
    created, modified = info_dates(info, xmp)
    if created is None and modified is None:
        return None
    new = _plan(created, modified, rng, careful, backward)
    keys = {"created": "/CreationDate", "modified": "/ModDate"}
    values = {keys[k]: pdf_date(v) for k, v in new.items()}
    notes: dict = {k: v.isoformat() for k, v in new.items()}
    if careful:
        changed: list[str] = []

        def edit(pdf: pikepdf.Pdf) -> None:
            for key, value in values.items():
                pdf.docinfo[key] = pikepdf.String(value)
            changed.extend(_set_xmp(pdf, lambda b: set_xmp_dates(b, new)))

        out = _pdf_full(data, edit)
        notes["xmp_updated"] = changed
    else:
        out = _pdf_incremental(data, values)
        notes["xmp_updated"] = []
    if out is None:
        return None
    return make(out, data, forged_name(name, rng), tech, careful, **notes)


# --------------------------------------------------------------------------- JPEG


#: Share of photo redatings whose EXIF is written back by a metadata library (rebuilt in
#: its layout) rather than patched in place as a hex editor does.
TOOL_REWRITE_SHARE = 0.5


def _jpeg_dates(data, name, rng, careful, backward, tech) -> Forgery | None:
    fields = jpegutil.date_fields(data)
    parsed = {k: parse_exif_datetime(v) for k, (_, v) in fields.items()}
    parsed = {k: v for k, v in parsed.items() if v is not None}
    if not parsed:
        return None
    created = parsed.get("DateTimeOriginal") or parsed.get("DateTimeDigitized")
    plan = _plan(created, parsed.get("DateTime"), rng, careful, backward)
    new: dict[str, dt.datetime] = {}
    if "modified" in plan:
        new["DateTime"] = plan["modified"]
    if "created" in plan:
        for key in ("DateTimeOriginal", "DateTimeDigitized"):
            if key in parsed:
                new[key] = parsed[key] + (plan["created"] - created)
                if not careful:
                    break  # careless: only the "taken" date a viewer shows
    if not new and parsed:  # only DateTime present
        key, value = next(iter(sorted(parsed.items())))
        new[key] = value + shift(rng, backward)
    targets = sorted(new)
    out = bytearray(data)
    notes: dict = {}
    for key in targets:
        pos, _ = fields[key]
        when = new[key]
        if not 1 <= when.year <= 9999:
            return None
        text = f"{when:%Y:%m:%d %H:%M:%S}"
        out[pos : pos + 19] = text.encode("ascii")
        notes[key] = text
    # written back by a metadata library (piexif, ExifTool): the same tags, the EXIF block
    # rebuilt in the library's layout; None where it cannot be (then patched in place)
    rebuilt = jpegutil.relayout_exif(bytes(out)) if rng.random() < TOOL_REWRITE_SHARE else None
    notes["writer"] = "in place" if rebuilt is None else "library"
    forged = bytes(out) if rebuilt is None else rebuilt
    return make(forged, data, forged_name(name, rng), tech, careful, **notes)


# --------------------------------------------------------------------------- OLE2


def _ole_dates(data, name, rng, careful, backward, tech) -> Forgery | None:
    """Legacy Office: the SummaryInformation FILETIMEs rewritten in place (a metadata
    editor's way; careless moves only one of the pair, as for the other formats)."""
    found = oleprops.get_dates(data)
    if not found:
        return None
    new = _plan(found.get("created"), found.get("modified"), rng, careful, backward)
    out = oleprops.set_dates(data, new)
    if out is None:
        return None
    notes = {k: v.isoformat() for k, v in new.items()}
    return make(out, data, forged_name(name, rng), tech, careful, **notes)


# --------------------------------------------------------------------------- techniques


def _dates(kind: str, backward: bool, tech: str):
    def apply(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
        from authenticity.synth import kind_of

        k = kind_of(data, name)
        if k in OOXML:
            return _ooxml_dates(data, name, rng, careful, backward, tech)
        if k == "pdf":
            return _pdf_dates(data, name, rng, careful, backward, tech)
        if k == "jpeg":
            return _jpeg_dates(data, name, rng, careful, backward, tech)
        if k == "ole":
            return _ole_dates(data, name, rng, careful, backward, tech)
        return None

    return apply


_DATE_DESC = (
    "Shift the created/modified dates {dir} by days, months or years, content untouched. "
    "Careful: both dates (and PDF XMP, all three EXIF dates) shifted alike, PDF rewritten "
    "whole; careless: only one of the pair shifted so created > modified (PDF: exiftool-"
    "style incremental update of Info only, XMP left; JPEG: only DateTimeOriginal; OOXML: "
    "core.xml zip entry restamped). JPEG, either way: half the photos patched in place as "
    "a hex editor does, half written back by a metadata library (the EXIF block rebuilt "
    "in piexif's and ExifTool's layout, each directory followed by its values). Legacy "
    "Office (OLE2): the SummaryInformation FILETIMEs rewritten in place."
)

technique("metadata_backdate", OOXML | {"pdf", "jpeg", "ole"}, _DATE_DESC.format(dir="back"))(
    _dates("any", True, "metadata_backdate")
)
technique(
    "metadata_forward_date", OOXML | {"pdf", "jpeg", "ole"}, _DATE_DESC.format(dir="forward")
)(_dates("any", False, "metadata_forward_date"))


@technique(
    "metadata_swap_author",
    OOXML | {"pdf"},
    "Replace the author with another person's name (Latin, Cyrillic, Greek, Arabic, Hebrew, "
    "CJK scripts or a bare login). Careful: author and last-modified-by (PDF: Info and XMP "
    "dc:creator) set alike; careless: only last-modified-by (PDF: only Info /Author, in an "
    "incremental update), so the fields disagree.",
)
def metadata_swap_author(
    data: bytes, name: str, rng: random.Random, careful: bool
) -> Forgery | None:
    from authenticity.synth import kind_of

    kind = kind_of(data, name)
    if kind in OOXML:
        xml = _core(data)
        if xml is None:
            return None
        old = _core_get(xml, "dc:creator") or _core_get(xml, "cp:lastModifiedBy")
        person, script = pick_name(rng, old)
        tags = ["dc:creator", "cp:lastModifiedBy"] if careful else ["cp:lastModifiedBy"]
        for tag in tags:
            xml = _core_set(xml, tag, person)
        out = _ooxml_write(data, xml, rng, careful, forge_time(rng, None))
        return make(
            out,
            data,
            forged_name(name, rng),
            "metadata_swap_author",
            careful,
            old=old,
            new=person,
            script=script,
            fields=tags,
        )
    if kind == "pdf":
        found = _pdf_meta(data)
        if found is None:
            return None
        info, _xmp = found
        old = info.get("/Author")
        person, script = pick_name(rng, old)
        notes: dict = {"old": old, "new": person, "script": script}
        if careful:
            changed: list[str] = []

            def edit(pdf: pikepdf.Pdf) -> None:
                pdf.docinfo["/Author"] = person
                changed.extend(_set_xmp(pdf, lambda b: set_xmp_creator(b, person)))

            out = _pdf_full(data, edit)
            notes["xmp_updated"] = changed
        else:
            out = _pdf_incremental(data, {"/Author": person})
        if out is None:
            return None
        return make(out, data, forged_name(name, rng), "metadata_swap_author", careful, **notes)
    return None
