"""TrueType / OpenType font programs (the "sfnt" container): the build dates in ``head``.

A font's ``head`` table holds ``created`` and ``modified`` as seconds since 1904-01-01 (UTC
by the specification). Font vendors set them when they build a version of the font; some
PDF writers that subset fonts (iText, macOS Quartz) stamp the time they write the subset
instead. Either way the date is a lower bound for the document that embeds the font: a PDF
cannot have been written before a font it carries was built.

Only the table directory and the 54-byte ``head`` table are read, with every offset checked
against the data, so a truncated or hostile font program yields ``None``.

References: Apple TrueType Reference Manual, "The 'head' table"; Microsoft OpenType
specification, "head — Font Header Table".
"""

from __future__ import annotations

import datetime as dt
import struct

_EPOCH = dt.datetime(1904, 1, 1)
#: sfnt versions: TrueType outlines, Apple's 'true', CFF outlines ('OTTO').
_SFNT_VERSIONS = (b"\x00\x01\x00\x00", b"true", b"OTTO")
_MAX_TABLES = 256
#: Dates outside this range are placeholders or garbage, not a build date.
_EARLIEST = dt.datetime(1985, 1, 1)
_LATEST = dt.datetime(2100, 1, 1)


def _date(seconds: int) -> dt.datetime | None:
    try:
        value = _EPOCH + dt.timedelta(seconds=seconds)
    except OverflowError:
        return None
    return value if _EARLIEST <= value < _LATEST else None


def head_dates(data: bytes) -> tuple[dt.datetime | None, dt.datetime | None] | None:
    """(created, modified) of an sfnt font program's ``head`` table (naive UTC datetimes,
    ``None`` for a placeholder date); ``None`` when ``data`` is not an sfnt with a readable
    ``head`` table."""
    if len(data) < 12 or data[:4] not in _SFNT_VERSIONS:
        return None
    (count,) = struct.unpack_from(">H", data, 4)
    for i in range(min(count, _MAX_TABLES)):
        entry = 12 + 16 * i
        if entry + 16 > len(data):
            return None
        tag, _checksum, offset, length = struct.unpack_from(">4sLLL", data, entry)
        if tag != b"head":
            continue
        if length < 36 or offset + 36 > len(data):
            return None
        created, modified = struct.unpack_from(">qq", data, offset + 20)
        return _date(created), _date(modified)
    return None
