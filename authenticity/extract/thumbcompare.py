"""Does the EXIF thumbnail still show the main picture?

A camera writes a small preview (IFD1, usually 160x120) of the photo it took into the EXIF
block. An editor that keeps the EXIF bytes as they were (Pillow's ``exif=``, ``jhead``, many
"keep metadata" exports) re-encodes the pixels but leaves that preview alone, so after a
retouch or a copy-move splice the preview shows the scene as it was. This module compares
the two: the main image is decoded at reduced scale (libjpeg's DCT scaling, a few ms even for
a large photo), mapped onto the thumbnail's picture area (letterbox bars removed), and the
local difference after a global brightness/contrast fit is measured.

Only the comparison is done here; whether the numbers mean anything is the heuristic's call
(:func:`authenticity.heuristics.exif.check_thumbnail_content`).
"""

from __future__ import annotations

import warnings
from io import BytesIO
from typing import Any

from authenticity.extract.picturehash import grey_hash

#: Rows/columns of a letterboxed thumbnail darker than this (0..255) are bars.
_BAR_LEVEL = 16.0
#: The thumbnail's picture area and the main image must agree in shape to this fraction.
_ASPECT_TOLERANCE = 0.04
#: Thumbnails smaller than this (either side, after bars) say too little.
_MIN_SIDE = 24
#: Size of the window over which the difference is averaged: this fraction of the shorter
#: side of the thumbnail (a region that small or larger counts; single edges do not).
_WINDOW = 0.1
#: Main images with more pixels are not decoded (the bomb guard, at 1/8 scale regardless).
_MAX_MAIN_PIXELS = 256_000_000
#: An EXIF preview is small (160x120 by the standard; some cameras write 640x480 or more);
#: a bigger "thumbnail" is not one, and is not decoded.
_MAX_THUMB_PIXELS = 2_000_000


def _bars(a: Any) -> tuple[float, float, float, float] | None:
    """(left, top, right, bottom) of the picture area inside letterbox/pillarbox bars."""
    import numpy as np

    rows = np.flatnonzero(a.mean(axis=1) > _BAR_LEVEL)
    cols = np.flatnonzero(a.mean(axis=0) > _BAR_LEVEL)
    if rows.size == 0 or cols.size == 0:
        return None
    return float(cols[0]), float(rows[0]), float(cols[-1] + 1), float(rows[-1] + 1)


def _picture_box(
    a: Any, main_aspect: float
) -> tuple[tuple[float, float, float, float], tuple[int, int, int, int]] | None:
    """(exact picture area, inner pixel box to compare) in thumbnail coordinates, or None
    when the thumbnail does not have the main image's shape."""
    h, w = a.shape
    found = _bars(a)
    if found is None:
        return None
    left, top, right, bottom = found
    bars_h = top > 0 or bottom < h
    bars_w = left > 0 or right < w
    if bars_h and bars_w:
        return None
    if bars_h:  # letterbox: full width, height from the main image's shape
        exact_h = w / main_aspect
        if abs(exact_h - (bottom - top)) > 2.5:
            return None
        cy = (top + bottom) / 2
        box = (0.0, cy - exact_h / 2, float(w), cy + exact_h / 2)
    elif bars_w:  # pillarbox
        exact_w = h * main_aspect
        if abs(exact_w - (right - left)) > 2.5:
            return None
        cx = (left + right) / 2
        box = (cx - exact_w / 2, 0.0, cx + exact_w / 2, float(h))
    else:
        if abs((w / h) / main_aspect - 1) > _ASPECT_TOLERANCE:
            return None
        box = (0.0, 0.0, float(w), float(h))
    # Skip the partly covered edge rows/columns of a letterboxed picture.
    margin = 1 if (bars_h or bars_w) else 0
    inner = (
        int(box[0] + 0.999) + (margin if bars_w else 0),
        int(box[1] + 0.999) + (margin if bars_h else 0),
        int(box[2]) - (margin if bars_w else 0),
        int(box[3]) - (margin if bars_h else 0),
    )
    if inner[2] - inner[0] < _MIN_SIDE or inner[3] - inner[1] < _MIN_SIDE:
        return None
    return box, inner


def compare(data: bytes, thumb: bytes) -> dict[str, Any] | None:
    """Difference between a JPEG's EXIF thumbnail and its main image, or None when they
    cannot be compared (not JPEG, unreadable, another shape, too small).

    Returns ``thumbnail_diff_median`` (typical per-pixel difference, 0..255 grey levels,
    after fitting the thumbnail's brightness and contrast to the main image),
    ``thumbnail_diff_peak`` (the largest difference averaged over a window of a tenth of
    the thumbnail's shorter side), ``thumbnail_diff_ratio`` (peak over the typical
    windowed difference: high when one region differs and the rest agrees) and
    ``thumbnail_diff_region`` (the window's box in main-image pixels).
    """
    import numpy as np
    from PIL import Image, ImageFilter
    from scipy.ndimage import uniform_filter

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(BytesIO(thumb)) as t_img:
                if t_img.width * t_img.height > _MAX_THUMB_PIXELS:
                    return None
                t_img.draft("L", t_img.size)
                small = t_img.convert("L")
            with Image.open(BytesIO(data)) as m_img:
                if m_img.format != "JPEG":
                    return None
                width, height = m_img.size
                if width * height > _MAX_MAIN_PIXELS or width < 8 or height < 8:
                    return None
                t_arr = np.asarray(small, dtype=np.float32)
                found = _picture_box(t_arr, width / height)
                if found is None:
                    return None
                box, inner = found
                bw, bh = inner[2] - inner[0], inner[3] - inner[1]
                # Decode at the smallest DCT scale still at least twice the compared size.
                m_img.draft("L", (max(1, 2 * round(box[2] - box[0])),
                                  max(1, 2 * round(box[3] - box[1]))))  # fmt: skip
                main = m_img.convert("L")
    except Exception:  # a thumbnail or picture that does not decode is no evidence
        return None
    phash = grey_hash(main)  # the picture is decoded now: hash it for the dump-wide pass
    sx = main.width / (box[2] - box[0])
    sy = main.height / (box[3] - box[1])
    src = (
        (inner[0] - box[0]) * sx,
        (inner[1] - box[1]) * sy,
        (inner[2] - box[0]) * sx,
        (inner[3] - box[1]) * sy,
    )
    main_small = main.resize((bw, bh), Image.Resampling.BOX, box=src)
    thumb_small = small.crop(inner)
    blur = ImageFilter.GaussianBlur(1)
    m = np.asarray(main_small.filter(blur), dtype=np.float64)
    t = np.asarray(thumb_small.filter(blur), dtype=np.float64)
    design = np.stack([t.ravel(), np.ones(t.size)], axis=1)
    (gain, offset), *_ = np.linalg.lstsq(design, m.ravel(), rcond=None)
    diff = np.abs(m - (gain * t + offset))
    size = max(3, round(min(bw, bh) * _WINDOW))
    local = uniform_filter(diff, size, mode="nearest")
    peak_at = np.unravel_index(int(np.argmax(local)), local.shape)
    peak = float(local[peak_at])
    py, px = int(peak_at[0]), int(peak_at[1])
    half = size / 2
    fx, fy = width / (box[2] - box[0]), height / (box[3] - box[1])
    region = [
        max(0, round((inner[0] + px - half - box[0]) * fx)),
        max(0, round((inner[1] + py - half - box[1]) * fy)),
        min(width, round((inner[0] + px + half - box[0]) * fx)),
        min(height, round((inner[1] + py + half - box[1]) * fy)),
    ]
    return {
        "thumbnail_diff_median": round(float(np.median(diff)), 2),
        "thumbnail_diff_peak": round(peak, 2),
        "thumbnail_diff_ratio": round(peak / (float(np.median(local)) + 2.0), 2),
        "thumbnail_diff_region": region,
        "thumbnail_gain": round(float(gain), 3),
        **({"picture_hash": phash} if phash else {}),
    }
