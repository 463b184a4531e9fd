"""Minimal JPEG/EXIF walking: where the EXIF date strings sit, to patch them in place."""

from __future__ import annotations

import struct

from authenticity.extract.image import jpeg_marker_segments

DATE_TAGS = {0x0132: "DateTime", 0x9003: "DateTimeOriginal", 0x9004: "DateTimeDigitized"}


def exif_tiff_offset(data: bytes) -> int | None:
    """Offset of the TIFF header inside the APP1 Exif segment, or None."""
    for marker, pos, body in jpeg_marker_segments(data):
        if marker == 0xE1 and body.startswith(b"Exif\x00\x00"):
            return pos + 4 + 6
    return None


def date_fields(data: bytes) -> dict[str, tuple[int, str]]:
    """EXIF date tags: name -> (absolute offset of the 19-char string, its value)."""
    base = exif_tiff_offset(data)
    if base is None:
        return {}
    order = data[base : base + 2]
    if order not in (b"II", b"MM"):
        return {}
    end = "<" if order == b"II" else ">"

    def u16(at: int) -> int:
        return struct.unpack(end + "H", data[at : at + 2])[0]

    def u32(at: int) -> int:
        return struct.unpack(end + "I", data[at : at + 4])[0]

    found: dict[str, tuple[int, str]] = {}

    def walk(ifd: int, depth: int) -> None:
        at = base + ifd
        if depth > 2 or at + 2 > len(data):
            return
        for k in range(min(u16(at), 512)):
            entry = at + 2 + 12 * k
            if entry + 12 > len(data):
                return
            tag, typ, count = u16(entry), u16(entry + 2), u32(entry + 4)
            if tag in DATE_TAGS and typ == 2 and count >= 20:
                pos = base + u32(entry + 8)
                value = data[pos : pos + 19].decode("ascii", "replace")
                if len(value) == 19:
                    found[DATE_TAGS[tag]] = (pos, value)
            elif tag == 0x8769:
                walk(u32(entry + 8), depth + 1)

    try:
        walk(u32(base + 4), 0)
    except struct.error:
        return found
    return found
