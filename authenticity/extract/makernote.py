"""Where a camera's maker note sits against the offsets written inside it.

Canon's maker note is a TIFF directory inside the EXIF block whose entries point at their
values with offsets counted from the start of the EXIF (TIFF) header, and the camera
writes those values right after the directory. A program that rewrites the EXIF without
knowing the format (Pillow's ``Exif.tobytes``, piexif, many web tools) copies the maker
note as an opaque blob to a new place, and every offset inside it then points beside its
value by the distance the blob moved. ExifTool reports the same symptom ("Possibly
incorrect maker notes offsets (fix by N?)"). Windows and Adobe tools that move the note
knowingly record the move in the ``OffsetSchema`` tag (0xEA1D), which is honoured here.

:func:`canon_makernote_shift` reads only the EXIF segment's bytes: bounded loops, no
recursion, no allocation beyond the slices it reads.
"""

from __future__ import annotations

import re
import struct

#: Byte size of one value of each TIFF field type.
_TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}
#: Directories with more entries than this are not maker notes (or not intact ones).
_MAX_ENTRIES = 512
_EXIF_IFD = 0x8769
_MAKE = 0x010F
_MAKER_NOTE = 0x927C
_OFFSET_SCHEMA = 0xEA1D


def _entries(tiff: bytes, offset: int, order: str) -> list[tuple[int, int, int, int]] | None:
    """(tag, type, count, position of the value field) of a directory, or None when the
    directory does not fit in ``tiff``."""
    if offset < 8 or offset + 2 > len(tiff):
        return None
    (count,) = struct.unpack_from(order + "H", tiff, offset)
    if count == 0 or count > _MAX_ENTRIES or offset + 2 + 12 * count > len(tiff):
        return None
    out = []
    for k in range(count):
        pos = offset + 2 + 12 * k
        tag, kind, n = struct.unpack_from(order + "HHI", tiff, pos)
        out.append((tag, kind, n, pos + 8))
    return out


def _long(tiff: bytes, pos: int, order: str) -> int:
    return int(struct.unpack_from(order + "I", tiff, pos)[0])


def canon_makernote_shift(tiff: bytes) -> int | None:
    """How far a Canon maker note's values sit from where its offsets point (bytes; 0 when
    intact), or None when there is no Canon maker note to read, or its move was recorded
    (``OffsetSchema``). ``tiff`` is the EXIF segment after ``Exif\\0\\0``."""
    if len(tiff) < 8 or tiff[:4] not in (b"II*\x00", b"MM\x00*"):
        return None
    order = "<" if tiff[:2] == b"II" else ">"
    ifd0 = _entries(tiff, _long(tiff, 4, order), order)
    if ifd0 is None:
        return None
    make = b""
    exif_at = None
    for tag, kind, n, pos in ifd0:
        if tag == _MAKE and kind == 2 and 0 < n < 256:
            at = _long(tiff, pos, order) if n > 4 else pos
            make = tiff[at : at + n]
        elif tag == _EXIF_IFD and kind in (4, 13):
            exif_at = _long(tiff, pos, order)
    if not make.startswith(b"Canon") or exif_at is None:
        return None
    exif = _entries(tiff, exif_at, order)
    if exif is None:
        return None
    note_at = None
    for tag, kind, _n, pos in exif:
        if tag == _OFFSET_SCHEMA:
            return None
        if tag == _MAKER_NOTE and kind in (1, 7):
            note_at = _long(tiff, pos, order)
    if note_at is None:
        return None
    note = _entries(tiff, note_at, order)
    if note is None:
        return None
    pointed = [
        _long(tiff, pos, order) for _tag, kind, n, pos in note if _TYPE_SIZES.get(kind, 1) * n > 4
    ]
    if not pointed:
        return None
    # The camera writes the values right after the directory and its next-directory link.
    return min(pointed) - (note_at + 2 + 12 * len(note) + 4)


#: Sony's ShotInfo block (maker note tag 0x3000 of DSC and NEX models from about 2009):
#: a byte-order mark, four bytes, then the capture time as the camera's clock read it.
_SONY_SHOT_TIME = re.compile(rb"(?:II|MM)....(\d{4}:\d\d:\d\d \d\d:\d\d:\d\d)", re.S)


def sony_shot_time(values: object) -> str | None:
    """The capture time Sony writes into its maker note's ShotInfo block (``YYYY:MM:DD
    hh:mm:ss``), from exifread's values of tag 0x3000 (a list of byte values); None when
    the block is absent or laid out otherwise. Date editors that know only the standard
    tags (ExifTool's ``-AllDates``, piexif) leave it as the camera wrote it."""
    if not isinstance(values, list) or len(values) < 25:
        return None
    head = values[:25]
    if not all(isinstance(v, int) and 0 <= v < 256 for v in head):
        return None
    m = _SONY_SHOT_TIME.match(bytes(head))
    return m.group(1).decode("ascii") if m else None
