"""Image metadata: EXIF (and TIFF/GPS/maker-note tags) via exifread, header facts via Pillow.

Pixels are never decoded here: Pillow's ``Image.open`` only reads the header, and it is
imported lazily with a bounded ``MAX_IMAGE_PIXELS``.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import warnings
from io import BytesIO
from typing import Any

import exifread

from authenticity.errors import ExtractionError
from authenticity.extract import _xml, register
from authenticity.model import Extraction, Finding, Metadata, Severity
from authenticity.timeutil import parse_exif_datetime, parse_iso8601

#: Header-only reads, but keep Pillow's bomb guard meaningful (about 16k x 16k).
MAX_IMAGE_PIXELS = 256_000_000
#: Binary tag values longer than this are stored as their length only.
_MAX_BINARY_VALUES = 256
_MAX_PRINTABLE = 10_000
_MAX_XMP = 200_000
#: EXIF field types holding opaque bytes (BYTE, UNDEFINED).
_BINARY_FIELD_TYPES = (1, 7)
_TEXTUAL_BINARY_TAGS = {"EXIF UserComment"}
_THUMBNAIL_KEYS = ("JPEGThumbnail", "TIFFThumbnail")

_XMP_PACKET = re.compile(rb"<x:xmpmeta\b.*?</x:xmpmeta>", re.DOTALL)
_XMP_PROPS = ("CreatorTool", "CreateDate", "ModifyDate", "MetadataDate", "DateTimeOriginal")

log = logging.getLogger(__name__)


def _clean(value: Any) -> str | None:
    """A tag's printable value without padding NULs/whitespace; ``None`` when blank."""
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def _raw_value(name: str, tag: Any) -> Any:
    """JSON-friendly raw value of one exifread entry (long binary blobs become lengths)."""
    if isinstance(tag, (bytes, bytearray)):
        return {"binary_length": len(tag)}
    values = getattr(tag, "values", None)
    field_type = getattr(tag, "field_type", None)
    if (
        field_type in _BINARY_FIELD_TYPES
        and isinstance(values, (bytes, bytearray, list, tuple))
        and len(values) > _MAX_BINARY_VALUES
        and name not in _TEXTUAL_BINARY_TAGS
    ) or name.endswith("MakerNote"):
        return {"binary_length": len(values) if values is not None else 0}
    printable = str(getattr(tag, "printable", tag))
    printable = printable.replace("\x00", "").strip()
    return printable[:_MAX_PRINTABLE]


def _read_exif(data: bytes) -> tuple[dict[str, Any], str | None]:
    """All exifread tags, or ``({}, reason)`` when exifread fails on hostile input."""
    try:
        return exifread.process_file(BytesIO(data), details=True), None
    except Exception as exc:  # exifread raises assorted errors on malformed input
        log.debug("exifread failed: %r", exc)
        return {}, f"{type(exc).__name__}: {exc}"[:500]


def _gps_datetime(tags: dict[str, Any]) -> dt.datetime | None:
    date_tag = tags.get("GPS GPSDate")
    time_tag = tags.get("GPS GPSTimeStamp")
    if date_tag is None or time_tag is None:
        return None
    m = re.match(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})", _clean(date_tag) or "")
    values = getattr(time_tag, "values", None)
    if not m or not isinstance(values, (list, tuple)) or len(values) != 3:
        return None
    try:
        hours, minutes, seconds = (float(v) for v in values)
        base = dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=dt.UTC)
        return base + dt.timedelta(hours=hours, minutes=minutes, seconds=seconds)
    except (ValueError, TypeError, ZeroDivisionError, OverflowError):
        return None


def _pillow_header(data: bytes) -> tuple[dict[str, Any], dict[str, Any], str | None]:
    """(facts, png/gif text info, error) from Pillow's header-only open."""
    from PIL import Image

    Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS
    facts: dict[str, Any] = {}
    info: dict[str, Any] = {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(BytesIO(data)) as im:
                facts["width"], facts["height"] = im.size
                facts["format"] = im.format
                facts["mode"] = im.mode
                facts["frames"] = int(getattr(im, "n_frames", 1) or 1)
                for key, value in (im.info or {}).items():
                    if isinstance(value, str) and key != "exif":
                        info[str(key)] = value[:_MAX_PRINTABLE]
    except Image.UnidentifiedImageError:
        return facts, info, "Pillow does not recognise the image format"
    except Image.DecompressionBombError as exc:
        return facts, info, f"decompression bomb: {exc}"
    except Exception as exc:  # UnidentifiedImageError, truncated headers, plugin errors
        return facts, info, f"{type(exc).__name__}: {exc}"[:500]
    return facts, info, None


def _jpeg_sof(data: bytes) -> dict[str, Any]:
    """Dimensions from a JPEG's SOF segment, for JPEGs Pillow refuses (e.g. height set by DNL)."""
    if not data.startswith(b"\xff\xd8"):
        return {}
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            return {}
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # standalone markers
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return {}
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            seg = data[pos + 4 : pos + 2 + length]
            if len(seg) < 5:
                return {}
            height = int.from_bytes(seg[1:3], "big")
            width = int.from_bytes(seg[3:5], "big")
            return {"width": width, "height": height, "format": "JPEG"}
        if marker == 0xDA:  # start of scan without a frame header
            return {}
        pos += 2 + length
    return {}


def _xmp(data: bytes) -> dict[str, str]:
    """A few XMP properties (tools and dates) from an embedded packet, by pattern only."""
    m = _XMP_PACKET.search(data)
    if not m:
        return {}
    packet = m.group(0)[:_MAX_XMP].decode("utf-8", "replace")
    out: dict[str, str] = {}
    for prop in _XMP_PROPS:
        pm = re.search(
            rf"""(?:xmp|exif|photoshop|tiff):{prop}\s*=\s*["']([^"']*)["']"""
            rf"|<(?:xmp|exif|photoshop|tiff):{prop}>([^<]*)<",
            packet,
        )
        if pm:
            value = (pm.group(1) or pm.group(2) or "").strip()
            if value:
                out[prop] = value
    return out


def _xmp_packet(data: bytes) -> dict[str, Any]:
    """The embedded XMP packet parsed properly (``{}`` when absent or malformed)."""
    m = _XMP_PACKET.search(data)
    if not m or len(m.group(0)) > _MAX_XMP:
        return {}
    try:
        return _xml.parse_xmp(m.group(0))
    except ExtractionError:
        return {}


def _text(value: Any) -> str | None:
    """An XMP text value; arrays (dc:creator is a Seq) are joined with ``"; "``."""
    if isinstance(value, list):
        parts = [_clean(v) for v in value if isinstance(v, str)]
        return "; ".join(p for p in parts if p) or None
    return _clean(value) if isinstance(value, str) else None


@register("image/*", extensions=("jpg", "jpeg", "tif", "tiff", "png", "heic", "heif", "webp"))
def extract_image(data: bytes) -> Extraction:
    tags, exif_error = _read_exif(data)
    header, info, pil_error = _pillow_header(data)
    if not header:
        header = _jpeg_sof(data)
    if not header and not tags:
        reason = pil_error or exif_error or "unknown format"
        raise ExtractionError(f"not a readable image: {reason}")

    raw: dict[str, Any] = {name: _raw_value(name, tag) for name, tag in tags.items()}
    for key, value in info.items():
        raw.setdefault(f"Info {key}", value)

    def get(name: str) -> str | None:
        tag = tags.get(name)
        return None if tag is None or isinstance(tag, bytes) else _clean(tag)

    original = get("EXIF DateTimeOriginal") or get("Image DateTimeOriginal")
    created = parse_exif_datetime(original, get("EXIF OffsetTimeOriginal"))
    modified = parse_exif_datetime(get("Image DateTime"), get("EXIF OffsetTime"))
    digitized = parse_exif_datetime(get("EXIF DateTimeDigitized"), get("EXIF OffsetTimeDigitized"))

    xmp = _xmp(data)
    packet = _xmp_packet(data)
    # EXIF first; then DateTimeDigitized and the XMP dates (ExifTool's CreateDate/ModifyDate).
    meta_created = created or digitized or parse_iso8601(xmp.get("CreateDate"))
    meta_modified = modified or parse_iso8601(xmp.get("ModifyDate"))
    meta = Metadata(
        make=get("Image Make"),
        model=get("Image Model"),
        application=get("Image Software") or xmp.get("CreatorTool") or info.get("Software"),
        created=meta_created,
        modified=meta_modified,
        author=get("Image Artist") or _text(packet.get("dc:creator")) or info.get("Author"),
        title=(get("Image ImageDescription") or _text(packet.get("dc:title")) or info.get("Title")),
        raw=raw,
    )
    if xmp:
        raw["XMP"] = xmp

    facts: dict[str, Any] = {
        "exif_datetime_original": created,
        "exif_datetime_digitized": digitized,
        "exif_datetime": modified,
        "exif_tag_count": len(tags),
    }
    gps = _gps_datetime(tags)
    if gps is not None:
        facts["gps_datetime"] = gps
    thumb = next((tags[k] for k in _THUMBNAIL_KEYS if isinstance(tags.get(k), bytes)), None)
    facts["has_thumbnail"] = thumb is not None
    facts["thumbnail_size"] = len(thumb) if thumb is not None else 0
    facts.update(header)
    for key in ("CreateDate", "ModifyDate", "MetadataDate"):
        if key in xmp:
            facts[f"xmp_{key.lower()}"] = parse_iso8601(xmp[key])
    if "CreatorTool" in xmp:
        facts["xmp_creator_tool"] = xmp["CreatorTool"]

    findings: list[Finding] = []
    if exif_error:
        findings.append(
            Finding(
                "image.exif_unreadable",
                Severity.INFO,
                "The EXIF block could not be parsed; only the image header was read.",
                {"error": exif_error},
            )
        )
    if pil_error:
        findings.append(
            Finding(
                "image.header_unreadable",
                Severity.INFO,
                "Pillow could not read the image header.",
                {"error": pil_error},
            )
        )
    return Extraction(metadata=meta, text="", facts=facts, findings=findings)
