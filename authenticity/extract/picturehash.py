"""A 64-bit difference hash of a JPEG's picture, to find copies of one picture in a dump.

The picture is decoded at 1/8 scale (libjpeg's DCT scaling: the cost of entropy decoding
only, a few milliseconds for a 12-megapixel photo), reduced to 9x8 grey cells, and each bit
says whether a cell is darker than its right neighbour. Re-encoding, a small retouch or a
copied region leave most bits as they were; another picture of the same size does not.
Used by the dump-wide image pass to pair copies whose EXIF differs or is gone
(:mod:`authenticity.dumpwide.images`); the pair is then compared pixel by pixel.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

#: Hashes with fewer than this many bits set, or more than 64 minus it, are left out: flat
#: pictures (blank pages, single-colour images) all hash alike.
MIN_BITS = 8


def picture_hash(data: bytes) -> str | None:
    """The hash as 16 hex digits, or None (not a decodable JPEG, or a flat picture)."""
    from PIL import Image

    try:
        with Image.open(BytesIO(data)) as im:
            if im.format != "JPEG":
                return None
            im.draft("L", (max(1, im.width // 8), max(1, im.height // 8)))
            return grey_hash(im.convert("L"))
    except Exception:  # broken or hostile pictures just have no hash
        return None


def grey_hash(grey: Any) -> str | None:
    """The hash of a picture already decoded in grey (at any reduced scale)."""
    from PIL import Image

    px = grey.resize((9, 8), Image.Resampling.BOX).tobytes()
    value = 0
    for row in range(8):
        for col in range(8):
            value = (value << 1) | (px[row * 9 + col] < px[row * 9 + col + 1])
    bits = value.bit_count()
    if bits < MIN_BITS or bits > 64 - MIN_BITS:
        return None
    return f"{value:016x}"
