"""Dates of an OLE2 document's SummaryInformation property set, read and rewritten in place.

Legacy Word, Excel and PowerPoint files keep "created" (``PIDSI_CREATE_DTM``, property 12)
and "last saved" (``PIDSI_LASTSAVE_DTM``, 13) as ``VT_FILETIME`` values (100-ns intervals
since 1601, UTC) in the ``\\x05SummaryInformation`` stream. A metadata editor that changes
them rewrites those 8 bytes and leaves everything else, the stream's size included, as it
was: that is what :func:`set_dates` does (olefile writes a stream of unchanged size in
place). Reference: [MS-OLEPS] 2.15 (PropertySetStream), 2.20 (PropertySet).
"""

from __future__ import annotations

import datetime as dt
import io
import struct

import olefile

STREAM = "\x05SummaryInformation"
VT_FILETIME = 0x0040
PROPERTIES = {"created": 12, "modified": 13}
_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def _offsets(stream: bytes) -> dict[str, int]:
    """Byte offsets of the created/modified FILETIME values in the stream (first section)."""
    if len(stream) < 48:
        return {}
    (sections,) = struct.unpack_from("<I", stream, 24)
    if sections < 1:
        return {}
    (section,) = struct.unpack_from("<I", stream, 44)
    if section + 8 > len(stream):
        return {}
    _size, count = struct.unpack_from("<II", stream, section)
    found: dict[str, int] = {}
    wanted = {v: k for k, v in PROPERTIES.items()}
    for i in range(min(count, 1000)):
        entry = section + 8 + 8 * i
        if entry + 8 > len(stream):
            break
        pid, offset = struct.unpack_from("<II", stream, entry)
        value = section + offset
        if pid in wanted and value + 12 <= len(stream):
            (vtype,) = struct.unpack_from("<I", stream, value)
            if vtype & 0xFFFF == VT_FILETIME:
                found[wanted[pid]] = value + 4
    return found


def _when(raw: int) -> dt.datetime | None:
    if raw <= 0:
        return None
    try:
        return _EPOCH + dt.timedelta(microseconds=raw // 10)
    except OverflowError:
        return None


def _read(data: bytes) -> bytes | None:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if not ole.exists(STREAM):
                return None
            return ole.openstream(STREAM).read()
    except Exception:
        return None


def get_dates(data: bytes) -> dict[str, dt.datetime]:
    """The created/modified dates the file states (UTC), missing or zero ones left out."""
    stream = _read(data)
    if stream is None:
        return {}
    out = {}
    for key, offset in _offsets(stream).items():
        when = _when(struct.unpack_from("<Q", stream, offset)[0])
        if when is not None:
            out[key] = when
    return out


def set_dates(data: bytes, new: dict[str, dt.datetime]) -> bytes | None:
    """``data`` with the given created/modified values rewritten in place (None when the
    file has no such property to rewrite)."""
    stream = _read(data)
    if stream is None:
        return None
    offsets = _offsets(stream)
    if not new or any(key not in offsets for key in new):
        return None
    patched = bytearray(stream)
    for key, when in new.items():
        ticks = int((when.astimezone(dt.UTC) - _EPOCH).total_seconds() * 10_000_000)
        struct.pack_into("<Q", patched, offsets[key], ticks)
    buf = io.BytesIO(data)
    try:
        with olefile.OleFileIO(buf, write_mode=True) as ole:
            ole.write_stream(STREAM, bytes(patched))
    except Exception:
        return None
    return buf.getvalue()
