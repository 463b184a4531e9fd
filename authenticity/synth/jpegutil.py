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


# --------------------------------------------------------------------------- EXIF rewrite

_TYPE_SIZES = dict(enumerate((1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4), start=1))
#: Pointer tags to the sub-directories a metadata library rewrites.
_POINTERS = {0x8769: "Exif", 0xA005: "Interop", 0x8825: "GPS"}
_THUMB_OFFSET, _THUMB_LENGTH = 0x0201, 0x0202


def _entries(
    tiff: bytes, at: int, end: str
) -> tuple[list[tuple[int, int, int, bytes]], int] | None:
    """([(tag, type, count, value bytes)] in tag order, next-directory offset) of the
    directory at ``at``; None when damaged."""
    if not 8 <= at <= len(tiff) - 2:
        return None
    count = struct.unpack(end + "H", tiff[at : at + 2])[0]
    if count > 512 or at + 2 + 12 * count + 4 > len(tiff):
        return None
    out = []
    for k in range(count):
        entry = at + 2 + 12 * k
        tag, typ, n = struct.unpack(end + "HHI", tiff[entry : entry + 8])
        if typ not in _TYPE_SIZES:
            return None
        size = n * _TYPE_SIZES[typ]
        if size <= 4:
            value = tiff[entry + 8 : entry + 8 + size]
        else:
            pointer = struct.unpack(end + "I", tiff[entry + 8 : entry + 12])[0]
            if pointer + size > len(tiff):
                return None
            value = tiff[pointer : pointer + size]
        out.append((tag, typ, n, value))
    following = struct.unpack(end + "I", tiff[at + 2 + 12 * count : at + 6 + 12 * count])[0]
    return sorted(out), following


def relayout_exif(data: bytes) -> bytes | None:
    """The JPEG with its EXIF block rebuilt the way metadata libraries (piexif, ExifTool)
    write it: each directory followed by its own values in tag order, at even offsets
    (IFD0, Exif, Interoperability, GPS, then IFD1 and its thumbnail), every tag value and
    the compressed picture kept. The maker note moves as an opaque blob, as piexif moves
    it. None when the EXIF cannot be rebuilt (damaged, a strip thumbnail, too large)."""
    found = next(
        (
            (pos, body)
            for marker, pos, body in jpeg_marker_segments(data)
            if marker == 0xE1 and body.startswith(b"Exif\x00\x00")
        ),
        None,
    )
    if found is None:
        return None
    pos, body = found
    tiff = body[6:]
    if tiff[:2] not in (b"II", b"MM"):
        return None
    end = "<" if tiff[:2] == b"II" else ">"
    try:
        rebuilt = _rebuild(tiff, end)
    except struct.error:
        return None
    if rebuilt is None or len(rebuilt) + 8 > 0xFFFF:
        return None
    segment = b"\xff\xe1" + struct.pack(">H", len(rebuilt) + 8) + b"Exif\x00\x00" + rebuilt
    return data[:pos] + segment + data[pos + 4 + len(body) :]


def _rebuild(tiff: bytes, end: str) -> bytes | None:
    read = _entries(tiff, struct.unpack(end + "I", tiff[4:8])[0], end)
    if read is None:
        return None
    ifd0, next_at = read
    dirs: dict[str, list[tuple[int, int, int, bytes]]] = {"IFD0": ifd0}
    for parent in ("IFD0", "Exif"):
        for tag, _typ, _n, value in dirs.get(parent, []):
            if tag in _POINTERS and len(value) == 4:
                sub = _entries(tiff, struct.unpack(end + "I", value)[0], end)
                if sub is None:
                    return None
                dirs[_POINTERS[tag]] = sub[0]
    thumb = b""
    if next_at:
        read = _entries(tiff, next_at, end)
        if read is None or any(tag == 0x0111 for tag, *_ in read[0]):
            return None  # strip thumbnails: not rebuilt here
        ifd1 = read[0]
        fields = {tag: value for tag, _typ, _n, value in ifd1}
        if _THUMB_OFFSET in fields and _THUMB_LENGTH in fields:
            start = struct.unpack(end + "I", fields[_THUMB_OFFSET])[0]
            length = struct.unpack(end + "I", fields[_THUMB_LENGTH])[0]
            thumb = tiff[start : start + length]
        dirs["IFD1"] = ifd1
    order = [n for n in ("IFD0", "Exif", "Interop", "GPS", "IFD1") if n in dirs]

    def size(name: str) -> int:
        values = sum(len(v) + len(v) % 2 for _t, _y, _n, v in dirs[name] if len(v) > 4)
        return 2 + 12 * len(dirs[name]) + 4 + values + (len(thumb) if name == "IFD1" else 0)

    offsets: dict[str, int] = {}
    position = 8
    for name in order:
        offsets[name] = position
        position += size(name)
    out = bytearray(tiff[:4] + struct.pack(end + "I", 8))
    for name in order:
        entries = dirs[name]
        values_at = offsets[name] + 2 + 12 * len(entries) + 4
        table = bytearray(struct.pack(end + "H", len(entries)))
        blob = bytearray()
        for tag, typ, n, value in entries:
            if tag in _POINTERS and _POINTERS[tag] in offsets:
                value = struct.pack(end + "I", offsets[_POINTERS[tag]])
            elif name == "IFD1" and tag == _THUMB_OFFSET and thumb:
                value = struct.pack(end + "I", offsets["IFD1"] + size("IFD1") - len(thumb))
            if len(value) > 4:
                table += struct.pack(end + "HHI", tag, typ, n)
                table += struct.pack(end + "I", values_at + len(blob))
                blob += value + b"\x00" * (len(value) % 2)
            else:
                table += struct.pack(end + "HHI", tag, typ, n) + value.ljust(4, b"\x00")
        following = offsets["IFD1"] if name == "IFD0" and "IFD1" in offsets else 0
        table += struct.pack(end + "I", following)
        out += table + blob + (thumb if name == "IFD1" else b"")
    return bytes(out)
