"""How an EXIF block is laid out: by the camera's firmware, or rebuilt by a metadata tool.

An EXIF block is a little TIFF file: directories (IFDs) of 12-byte entries, and the values
that do not fit in an entry (strings, rationals, the maker note) stored elsewhere in the
block at offsets the entries give. Where those values go is up to the writer. Metadata
tools that rewrite EXIF (ExifTool, piexif, Pillow, exiv2) rebuild the whole block in one
"canonical" way: each directory immediately followed by its own values, in tag order,
padded to even offsets at most. Many camera firmwares write that way too, but many do
not: they put every directory first and the values after, keep reserved space, or order
the values their own way (about half of the corpus's camera photos).

So one photo's layout proves nothing by itself, but a camera model's firmware writes every
photo the same way: a photo laid out canonically among photos of the same camera and
firmware that are not was rewritten by a tool after it left the camera (a date shift with
``exiftool -AllDates``, a piexif edit), even when every date and tag was kept consistent.
The dump-wide pass (:mod:`authenticity.dumpwide.exiflayout`) makes that comparison.

:func:`exif_layout` is pure and bounded: at most :data:`MAX_IFDS` directories of at most
:data:`MAX_ENTRIES` entries each, offsets checked against the block.
"""

from __future__ import annotations

from typing import Any

#: Directories followed (IFD0, Exif, GPS, Interoperability, IFD1 and a few spares).
MAX_IFDS = 8
#: Entries read per directory; a directory claiming more is not a camera's (None).
MAX_ENTRIES = 1000
#: Bytes of padding a canonical writer may leave between two values (word alignment).
MAX_PAD = 3

_TYPE_SIZES = dict(enumerate((1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4), start=1))
_SUB_IFDS = {0x8769: "Exif", 0x8825: "GPS", 0xA005: "Interop"}


def _directory(
    tiff: bytes, offset: int, order: str
) -> tuple[int, list[tuple[int, int, int]], list[tuple[str, int]], int] | None:
    """(end of the table, [(tag, value offset, value size)] of out-of-line values,
    [(sub-IFD name, offset)], next-IFD offset) of the directory at ``offset``."""
    if not 8 <= offset <= len(tiff) - 2:
        return None
    count = int.from_bytes(tiff[offset : offset + 2], order)
    end = offset + 2 + 12 * count + 4
    if count > MAX_ENTRIES or end > len(tiff):
        return None
    values: list[tuple[int, int, int]] = []
    subs: list[tuple[str, int]] = []
    for k in range(count):
        at = offset + 2 + 12 * k
        tag = int.from_bytes(tiff[at : at + 2], order)
        kind = int.from_bytes(tiff[at + 2 : at + 4], order)
        size = int.from_bytes(tiff[at + 4 : at + 8], order) * _TYPE_SIZES.get(kind, 1)
        pointer = int.from_bytes(tiff[at + 8 : at + 12], order)
        if tag in _SUB_IFDS:
            subs.append((_SUB_IFDS[tag], pointer))
        elif size > 4:
            if pointer + size > len(tiff):
                return None  # a value outside the block: damaged, nothing to compare
            values.append((tag, pointer, size))
    return end, values, subs, int.from_bytes(tiff[end - 4 : end], order)


def _values_follow(end: int, values: list[tuple[int, int, int]]) -> bool:
    """Whether a directory's values sit right after its table, in tag order."""
    position = end
    for _tag, offset, size in sorted(values):
        if not position <= offset <= position + MAX_PAD:
            return False
        position = offset + size
    return True


def exif_layout(tiff: bytes) -> dict[str, Any] | None:
    """The layout of an EXIF TIFF block: ``canonical`` (every directory followed by its
    own values in tag order, as metadata tools rebuild it), ``order`` (the directories by
    position, e.g. "IFD0>Exif>Interop>IFD1") and ``values`` (how many out-of-line values:
    with few, any writer's layout looks canonical). None when the block is not a readable
    TIFF structure."""
    if len(tiff) < 8 or tiff[:2] not in (b"II", b"MM"):
        return None
    order = "little" if tiff[:2] == b"II" else "big"
    pending = [("IFD0", int.from_bytes(tiff[4:8], order))]
    seen: dict[int, str] = {}
    canonical = True
    values = 0
    while pending and len(seen) < MAX_IFDS:
        name, offset = pending.pop(0)
        if offset in seen:
            continue
        read = _directory(tiff, offset, order)
        if read is None:
            if name == "IFD0":
                return None
            continue
        end, own, subs, following = read
        seen[offset] = name
        values += len(own)
        canonical = canonical and _values_follow(end, own)
        pending.extend(subs)
        if name == "IFD0" and following:
            pending.append(("IFD1", following))
    return {
        "canonical": canonical,
        "order": ">".join(seen[k] for k in sorted(seen)),
        "values": values,
    }
