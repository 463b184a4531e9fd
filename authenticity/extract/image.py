"""Image metadata: EXIF (and TIFF/GPS/maker-note tags) via exifread, header facts via Pillow.

Pillow's ``Image.open`` only reads the header, and it is imported lazily with a bounded
``MAX_IMAGE_PIXELS``. The only pixels decoded are a JPEG's at reduced scale, to compare
them with its EXIF thumbnail (:mod:`authenticity.extract.thumbcompare`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import logging
import re
import warnings
from collections.abc import Iterator
from io import BytesIO
from typing import Any

import exifread

from authenticity.errors import ExtractionError
from authenticity.extract import _xml, jpegdq, picturehash, register, thumbcompare
from authenticity.extract.exiflayout import exif_layout
from authenticity.extract.makernote import canon_makernote_shift, sony_shot_time
from authenticity.model import Extraction, Finding, Metadata, Severity
from authenticity.timeutil import parse_exif_datetime, parse_iim_datetime, parse_iso8601

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
_XMP_PROPS = (
    "CreatorTool",
    "CreateDate",
    "ModifyDate",
    "MetadataDate",
    "DateTimeOriginal",
    "DateTimeDigitized",
    "DateCreated",
)
#: An XMP date value that states a time of day (IPTC's DateCreated is often a date only).
_XMP_TIME = re.compile(r"\d[T ]\d{1,2}:\d{2}")

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


#: Bytes per value of each TIFF field type (BYTE, ASCII, SHORT, LONG, RATIONAL, SBYTE,
#: UNDEFINED, SSHORT, SLONG, SRATIONAL, FLOAT, DOUBLE, IFD).
_TIFF_TYPE_SIZES = dict(enumerate((1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4), start=1))
_SUB_IFDS = (0x8769, 0x8825, 0xA005)  # Exif, GPS, Interoperability
_MAX_IFDS = 8


def jpeg_marker_segments(data: bytes) -> Iterator[tuple[int, int, bytes]]:
    """(marker, position, body) of a JPEG's marker segments, up to and including the first
    scan's header (SOS); stops at anything that is not a marker segment."""
    if not data.startswith(b"\xff\xd8"):
        return
    pos = 2
    while pos + 4 <= len(data) and data[pos] == 0xFF:
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, *range(0xD0, 0xD8)):  # markers without a length
            pos += 2
            continue
        length = int.from_bytes(data[pos + 2 : pos + 4], "big")
        if length < 2:
            return
        yield marker, pos, data[pos + 4 : pos + 2 + length]
        if marker == 0xDA:
            return
        pos += 2 + length


def _tiff_block(data: bytes) -> bytes | None:
    """The TIFF structure holding the EXIF tags: a TIFF file itself, or a JPEG's APP1 Exif
    segment body."""
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return data
    for marker, _pos, body in jpeg_marker_segments(data):
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            return body[6:]
    return None


def exif_entry_problem(data: bytes) -> str | None:
    """An EXIF directory entry claiming more value bytes than the whole EXIF block holds.

    exifread reads a MakerNote's values one by one, however many the entry claims: a
    damaged count (4 billion) kept it busy for minutes in a fuzzed photo. Such an entry is
    impossible in a well-formed file, so the maker note is then not decoded."""
    tiff = _tiff_block(data)
    if tiff is None or len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    order = "little" if tiff[:2] == b"II" else "big"

    def num(at: int, size: int) -> int:
        return int.from_bytes(tiff[at : at + size], order)

    pending, seen = [num(4, 4)], set()
    while pending and len(seen) < _MAX_IFDS:
        ifd = pending.pop()
        if ifd in seen or not 8 <= ifd <= len(tiff) - 2:
            continue
        seen.add(ifd)
        entries = min(num(ifd, 2), 512)
        for k in range(entries):
            at = ifd + 2 + 12 * k
            if at + 12 > len(tiff):
                break
            tag, kind, count = num(at, 2), num(at + 2, 2), num(at + 4, 4)
            size = count * _TIFF_TYPE_SIZES.get(kind, 1)
            if size > len(tiff):
                return (
                    f"EXIF entry 0x{tag:04X} claims {count} values ({size} bytes) in a "
                    f"{len(tiff)}-byte EXIF block"
                )
            if tag in _SUB_IFDS:
                pending.append(num(at + 8, 4))
        pending.append(num(ifd + 2 + 12 * entries, 4))  # the next directory (IFD1)
    return None


def _read_exif(data: bytes, details: bool = True) -> tuple[dict[str, Any], str | None]:
    """All exifread tags, or ``({}, reason)`` when exifread fails on hostile input;
    ``details=False`` leaves the maker notes undecoded."""
    try:
        return exifread.process_file(BytesIO(data), details=details), None
    except Exception as exc:  # exifread raises assorted errors on malformed input
        log.debug("exifread failed: %r", exc)
        return {}, f"{type(exc).__name__}: {exc}"[:500]


def _tag_text(tags: dict[str, Any], name: str) -> str | None:
    """An exifread tag as cleaned text (None when absent or binary)."""
    tag = tags.get(name)
    return None if tag is None or isinstance(tag, bytes) else _clean(tag)


def exif_capture_time(data: bytes) -> dt.datetime | None:
    """EXIF DateTimeOriginal (else DateTimeDigitized) of a JPEG's first bytes, or None:
    for photos embedded in other documents. Maker notes are not decoded, and a JPEG whose
    EXIF directories claim more values than they hold is skipped."""
    if not data.startswith(b"\xff\xd8") or exif_entry_problem(data) is not None:
        return None
    tags, _error = _read_exif(data, details=False)

    def get(name: str) -> str | None:
        return _tag_text(tags, name)

    return parse_exif_datetime(
        get("EXIF DateTimeOriginal"), get("EXIF OffsetTimeOriginal")
    ) or parse_exif_datetime(get("EXIF DateTimeDigitized"), get("EXIF OffsetTimeDigitized"))


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
                facts.update(_iptc_times(im))
    except Image.UnidentifiedImageError:
        return facts, info, "Pillow does not recognise the image format"
    except Image.DecompressionBombError as exc:
        return facts, info, f"decompression bomb: {exc}"
    except Exception as exc:  # UnidentifiedImageError, truncated headers, plugin errors
        return facts, info, f"{type(exc).__name__}: {exc}"[:500]
    return facts, info, None


#: IPTC IIM datasets (record 2) that restate the capture time, as (date, time) pairs.
_IIM_TIMES = (
    ("iptc_date_created", (2, 55), (2, 60)),  # DateCreated / TimeCreated
    ("iptc_digital_creation", (2, 62), (2, 63)),  # DigitalCreationDate / Time
)


def _iim_value(iptc: dict[Any, Any], key: tuple[int, int]) -> bytes | None:
    value = iptc.get(key)
    if isinstance(value, list):  # a repeated dataset: the first
        value = value[0] if value else None
    return value if isinstance(value, bytes) else None


def _iptc_times(im: Any) -> dict[str, dt.datetime]:
    """The capture times an IPTC IIM block states (Photoshop's APP13 resource 0x0404, a
    TIFF's IPTC tag), read with Pillow's ``IptcImagePlugin``; only values with a time of
    day (a DateCreated alone is often the day a picture editor filed it)."""
    from PIL import IptcImagePlugin

    try:
        iptc = IptcImagePlugin.getiptcinfo(im) or {}
    except Exception as exc:  # a malformed resource block: no IPTC times
        log.debug("IPTC not read: %r", exc)
        return {}
    out: dict[str, dt.datetime] = {}
    for fact, date_key, time_key in _IIM_TIMES:
        when = parse_iim_datetime(_iim_value(iptc, date_key), _iim_value(iptc, time_key))
        if when is not None:
            out[fact] = when
    return out


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


# --- JPEG segments: quantization tables, ICC profile, APPn list -----------------------------

#: Position in natural (row-major) order of the k-th coefficient in zig-zag order.
ZIGZAG = (
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
    12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
    35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
    58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
)  # fmt: skip
#: The example tables of the JPEG standard (Annex K), natural order: what libjpeg scales.
STD_LUMINANCE = (
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55,
    14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62,
    18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92,
    49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
)  # fmt: skip
STD_CHROMINANCE = (
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99,
    24, 26, 56, 99, 99, 99, 99, 99, 47, 66, *([99] * 38),
)  # fmt: skip
_MAX_SEGMENTS = 200
_MAX_ICC = 4 * 1024 * 1024
_XMP_APP1 = b"http://ns.adobe.com/xap/1.0/\x00"


def libjpeg_table(base: tuple[int, ...], quality: int) -> list[int]:
    """libjpeg's ``jpeg_quality_scaling`` of a base table (natural order, baseline 1..255)."""
    quality = min(max(quality, 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - quality * 2
    return [min(max((v * scale + 50) // 100, 1), 255) for v in base]


@functools.lru_cache(maxsize=4)
def _scaled_tables(base: tuple[int, ...]) -> Any:
    """libjpeg's table for every quality 1..100 as a 100 x 64 array."""
    import numpy as np

    return np.array([libjpeg_table(base, q) for q in range(1, 101)], dtype=np.int32)


def estimate_quality(table: list[int], base: tuple[int, ...]) -> tuple[int, bool]:
    """(libjpeg quality 1..100 whose scaled ``base`` is closest to ``table``, exact match?).

    Closest by the sum of absolute differences; ties go to the lowest quality.
    """
    import numpy as np

    errors = np.abs(_scaled_tables(base) - np.asarray(table, dtype=np.int32)).sum(axis=1)
    best = int(errors.argmin())
    return best + 1, int(errors[best]) == 0


def _icc_description(profile: bytes) -> str | None:
    """The ``desc`` tag of an ICC profile (v2 textDescriptionType or v4 mluc)."""
    if len(profile) < 132:
        return None
    count = int.from_bytes(profile[128:132], "big")
    for i in range(min(count, 100)):
        entry = profile[132 + 12 * i : 144 + 12 * i]
        if len(entry) < 12 or entry[:4] != b"desc":
            continue
        offset = int.from_bytes(entry[4:8], "big")
        size = int.from_bytes(entry[8:12], "big")
        tag = profile[offset : offset + size]
        if tag[:4] == b"desc" and len(tag) >= 12:
            length = int.from_bytes(tag[8:12], "big")
            text = tag[12 : 12 + length].split(b"\x00", 1)[0]
            return text.decode("latin-1").strip() or None
        if tag[:4] == b"mluc" and len(tag) >= 28:
            length = int.from_bytes(tag[20:24], "big")
            start = int.from_bytes(tag[24:28], "big")
            text = tag[start : start + length].decode("utf-16-be", "replace")
            return text.replace("\x00", "").strip() or None
        return None
    return None


def _digest(data: bytes | memoryview) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _jpeg_segments(data: bytes) -> tuple[dict[str, Any], bytes | None]:
    """(facts, XMP packet of the APP1 XMP segment) from a JPEG's marker segments.

    Only the segments before the first scan are read; no pixel data is decoded.
    """
    if not data.startswith(b"\xff\xd8"):
        return {}, None
    xmp: bytes | None = None
    tables: list[dict[str, Any]] = []
    segments: list[str] = []
    icc_chunks: dict[int, bytes] = {}
    exif_digest: str | None = None
    makernote_shift: int | None = None
    layout: dict[str, Any] | None = None
    scan_digest: str | None = None
    for marker, pos, seg in jpeg_marker_segments(data):
        if len(segments) >= _MAX_SEGMENTS:
            break
        if 0xE0 <= marker <= 0xEF:
            ident = seg[:32].split(b"\x00", 1)[0].decode("latin-1", "replace")
            segments.append(f"APP{marker - 0xE0}:{ident[:30]}")
            if marker == 0xE2 and seg.startswith(b"ICC_PROFILE\x00") and len(seg) > 14:
                icc_chunks.setdefault(seg[12], seg[14:])
            elif marker == 0xE1 and seg.startswith(_XMP_APP1) and xmp is None:
                xmp = seg[len(_XMP_APP1) :]
            elif marker == 0xE1 and seg.startswith(b"Exif\x00") and exif_digest is None:
                exif_digest = _digest(seg)
                tiff = bytes(seg[6:])
                makernote_shift = canon_makernote_shift(tiff)
                layout = exif_layout(tiff)
        elif marker == 0xDB:
            segments.append("DQT")
            i = 0
            while i < len(seg) and len(tables) < 8:
                precision, table_id = seg[i] >> 4, seg[i] & 0x0F
                width = 2 if precision else 1
                body = seg[i + 1 : i + 1 + 64 * width]
                if len(body) < 64 * width:
                    break
                stored = [
                    int.from_bytes(body[k * width : (k + 1) * width], "big") for k in range(64)
                ]
                natural = [0] * 64
                for k, value in enumerate(stored):
                    natural[ZIGZAG[k]] = value
                tables.append({"id": table_id, "precision": 16 if precision else 8,
                               "values": natural})  # fmt: skip
                i += 1 + 64 * width
        elif marker == 0xFE:
            segments.append("COM")
        elif marker == 0xDA:
            segments.append("SOS")
            # The compressed picture (scan headers and entropy-coded data, to the end):
            # equal between two files when only their metadata differs.
            scan_digest = _digest(memoryview(data)[pos:])
            break
        else:
            segments.append(f"0x{marker:02X}")
    facts: dict[str, Any] = {"jpeg_segments": segments}
    if scan_digest is not None:
        facts["jpeg_scan_digest"] = scan_digest
    if exif_digest is not None:
        facts["exif_digest"] = exif_digest
    if makernote_shift is not None:
        facts["exif_makernote_shift"] = makernote_shift
    if layout is not None:
        facts["exif_layout"] = layout
    if tables:
        facts["jpeg_quant_tables"] = tables
        luma = next((t for t in tables if t["id"] == 0), tables[0])
        quality, exact = estimate_quality(luma["values"], STD_LUMINANCE)
        facts["jpeg_quality"] = quality
        chroma = next((t for t in tables if t["id"] == 1), None)
        if chroma is not None:
            exact = exact and estimate_quality(chroma["values"], STD_CHROMINANCE) == (
                quality,
                True,
            )
        facts["jpeg_quant_standard"] = exact
    if icc_chunks:
        profile = b"".join(icc_chunks[k] for k in sorted(icc_chunks))[:_MAX_ICC]
        facts["icc_profile_size"] = len(profile)
        facts["icc_description"] = _icc_description(profile)
    return facts, xmp


def _thumbnail_size(thumb: bytes) -> tuple[int, int] | None:
    from PIL import Image

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(BytesIO(thumb)) as im:
                return im.size
    except Exception:  # a broken thumbnail is just absent
        return None


@register("image/*", extensions=("jpg", "jpeg", "tif", "tiff", "png", "heic", "heif", "webp"))
def extract_image(data: bytes) -> Extraction:
    entry_problem = exif_entry_problem(data)
    tags, exif_error = _read_exif(data, details=entry_problem is None)
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
        return _tag_text(tags, name)

    original = get("EXIF DateTimeOriginal") or get("Image DateTimeOriginal")
    created = parse_exif_datetime(original, get("EXIF OffsetTimeOriginal"))
    modified = parse_exif_datetime(get("Image DateTime"), get("EXIF OffsetTime"))
    digitized = parse_exif_datetime(get("EXIF DateTimeDigitized"), get("EXIF OffsetTimeDigitized"))

    xmp = _xmp(data)
    packet = _xmp_packet(data)
    toolkit = packet.get("x:xmptk")
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
    if entry_problem:
        facts["exif_makernote_skipped"] = entry_problem
    source = getattr(tags.get("EXIF FileSource"), "values", None)
    if isinstance(source, (list, bytes)) and source and isinstance(source[0], int):
        facts["exif_file_source"] = source[0]  # 1 film scanner, 2 print scanner, 3 camera
    for key, name in (("exif_pixel_width", "EXIF ExifImageWidth"),
                      ("exif_pixel_height", "EXIF ExifImageLength")):  # fmt: skip
        value = get(name)
        if value and value.isdigit():
            facts[key] = int(value)
    exif_version = get("EXIF ExifVersion")
    if exif_version and re.fullmatch(r"\d{4}", exif_version):
        facts["exif_version"] = exif_version
    # Sony's maker note keeps its own copy of the capture time (ShotInfo).
    if (meta.make or "").strip().upper().startswith("SONY"):
        shot = sony_shot_time(getattr(tags.get("MakerNote Tag 0x3000"), "values", None))
        shot_time = parse_exif_datetime(shot) if shot else None
        if shot_time is not None:
            facts["makernote_datetime"] = shot_time
            facts["makernote_datetime_source"] = "Sony ShotInfo"
    # Cameras write DateTime in the thumbnail's directory (IFD1) too, with the same value.
    thumb_time = parse_exif_datetime(get("Thumbnail DateTime"))
    if thumb_time is not None:
        facts["exif_thumbnail_datetime"] = thumb_time
    gps = _gps_datetime(tags)
    if gps is not None:
        facts["gps_datetime"] = gps
    thumb = next((tags[k] for k in _THUMBNAIL_KEYS if isinstance(tags.get(k), bytes)), None)
    if isinstance(toolkit, str) and toolkit.strip():
        facts["xmp_toolkit"] = toolkit.strip()[:200]
    facts["has_thumbnail"] = thumb is not None
    facts["thumbnail_size"] = len(thumb) if thumb is not None else 0
    if thumb is not None and (dims := _thumbnail_size(thumb)) is not None:
        facts["thumbnail_width"], facts["thumbnail_height"] = dims
        if isinstance(tags.get("JPEGThumbnail"), bytes) and data.startswith(b"\xff\xd8"):
            facts.update(thumbcompare.compare(data, thumb) or {})
    if "picture_hash" not in facts and data.startswith(b"\xff\xd8"):
        facts["picture_hash"] = picturehash.picture_hash(data)
    app1_xmp = None
    try:
        segment_facts, app1_xmp = _jpeg_segments(data)
        facts.update(segment_facts)
    except Exception as exc:  # segment facts are best effort on hostile input
        facts["jpeg_segments_error"] = f"{type(exc).__name__}: {exc}"[:500]
    if meta.make and facts.get("jpeg_quant_standard") is True:
        # A camera's claim on a file libjpeg wrote last (Pillow, GIMP, ImageMagick, OpenCV):
        # was it compressed before? (Camera firmware and Photoshop write their own tables;
        # decoding costs ~10 ms per megapixel, so other files are not measured.)
        dq = jpegdq.double_quantization(data)
        if dq is not None:
            facts["jpeg_double_quantization"] = dq["score"]
            facts["jpeg_dq_positions"] = dq["positions"]
    if app1_xmp:
        try:
            packet = _xml.parse_xmp(app1_xmp) or packet
        except ExtractionError as exc:
            facts["xmp_error"] = str(exc)[:500]
    if packet:
        raw["xmp"] = packet
        facts.update(_xml.xmp_history_latest(packet))
        facts.update(_xml.xmp_id_latest(packet))
    # the XMP packet's own save dates (as for PDFs): the programs that save update them
    for fact, prop in (("xmp_modified", "ModifyDate"), ("xmp_metadata_date", "MetadataDate")):
        facts[fact] = parse_iso8601(packet.get(f"xmp:{prop}") or xmp.get(prop))
    facts.update(header)
    if "CreateDate" in xmp:  # the save dates are xmp_modified / xmp_metadata_date above
        facts["xmp_createdate"] = parse_iso8601(xmp["CreateDate"])
    # Capture-time copies in XMP (exif:DateTimeOriginal/DateTimeDigitized,
    # photoshop:DateCreated), kept only when they state a time of day: compared with the
    # EXIF capture time. Some writers put EXIF's "YYYY:MM:DD hh:mm:ss" form in XMP: read that
    # too.
    for key in ("DateTimeOriginal", "DateTimeDigitized", "DateCreated"):
        if key in xmp and _XMP_TIME.search(xmp[key]):
            value = parse_iso8601(xmp[key]) or parse_exif_datetime(xmp[key])
            if value is not None:
                facts[f"xmp_{key.lower()}"] = value
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
