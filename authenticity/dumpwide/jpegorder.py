"""Which of two copies of one camera shot was saved again: JPEG generation order.

Two JPEGs of a dump that carry the same EXIF block byte for byte, at the same size, with
different compressed pictures (``NEARDUP_IMAGE_PIXELS_DIFFER``) come from one shot; one of
them was decoded, perhaps retouched, and encoded again with the camera's EXIF copied over.
When both use the same quantization tables and chroma subsampling (an editor's "keep the
original quality", Pillow's ``quality="keep"``), the copy that went through the encoder
once more can be told apart from the other one:

JPEG compression loses less each time it is repeated with the same tables. Decoding a
picture and encoding it again with its own tables changes the pixels of a first-generation
picture more than those of a picture that is already a re-encode of it: the rounding of the
colour conversion, of the chroma subsampling and of the inverse DCT converge towards a fixed
point. So each copy is re-encoded here with its own tables, and the mean change of its
pixels (the *residual*) is measured where the two copies agree (pixels an edit did not
touch). The copy with the clearly smaller residual is the later generation:
:data:`RATIO` or less of the other's. Where the residuals are close (both copies saved
again from a common ancestor, or a recompression by other tables), nothing is concluded.

What this cannot see: a re-encode with other tables (then the residuals measure different
things, so :func:`order` does not compare them), a copy whose EXIF was rewritten (it is not
a pair of this kind), an edit that covers most of the picture (fewer than
:data:`MIN_AGREE` of the pixels agree). Measured on the training dump's careful
``jpeg_reencode`` / ``jpeg_splice`` forgeries and their corpus sources: docs/dumpwide.md.

Pure: bytes in, an :class:`Order` out. Decoding happens here, so callers run it in an
isolated worker process (hostile JPEGs can be slow to decode).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A copy is the later generation when its residual is at most this share of the other's.
RATIO = 0.75
#: Share of the compared pixels on which both copies must agree.
MIN_AGREE = 0.5
#: Largest difference (sum over the three channels, 0-765) at which two pixels "agree".
AGREE_DIFF = 8
#: Mean difference per pixel (sum over the three channels) above which an 8x8 block
#: counts as changed for the changed area.
CHANGED_DIFF = 12
#: Pictures larger than this (pixels) are compared on a centred window of that size.
MAX_COMPARE_PIXELS = 4_000_000
#: Pictures larger than this are not decoded at all.
MAX_PIXELS = 64_000_000
#: Border left out of the comparison: chroma upsampling reads across block edges, so the
#: window's outer pixels change with the crop, not with the generation.
BORDER = 16
#: The later copy must also change less in this share of the 8x8 blocks where the two
#: differ (a consistent majority, not a few outlying blocks) ...
MIN_CONSISTENT = 0.75
#: ... and there must be at least this many such blocks.
MIN_BLOCKS = 10


@dataclass(frozen=True, slots=True)
class Order:
    """The result of comparing copy ``a`` with copy ``b``."""

    #: "a" or "b": the copy that is the later generation; None: no conclusion.
    later: str | None
    residual_a: float
    residual_b: float
    #: Share of the compared pixels on which the copies agree.
    agree: float
    #: Share of the picture's 8x8 blocks changed between the copies, and their bounding box
    #: (left, top, right, bottom) or None when no block differs by more than CHANGED_DIFF.
    changed: float
    changed_box: tuple[int, int, int, int] | None
    #: Why nothing was concluded, when ``later`` is None.
    reason: str = ""
    #: 8x8 blocks (of the compared pixels) where copy a, or copy b, changes less.
    blocks_a_less: int = 0
    blocks_b_less: int = 0


def _open(data: bytes) -> Any:
    from PIL import Image

    im = Image.open(io.BytesIO(data))
    if im.format != "JPEG":
        raise ValueError("not a JPEG")
    w, h = im.size
    if w * h > MAX_PIXELS:
        raise ValueError(f"picture too large to compare ({w}x{h})")
    im.draft(None, None)  # full resolution, never DCT-scaled
    im.load()
    return im


def _tables(im: Any) -> tuple[Any, int]:
    from PIL import JpegImagePlugin

    q = getattr(im, "quantization", None) or {}
    tables = tuple(tuple(q[k]) for k in sorted(q))
    return tables, JpegImagePlugin.get_sampling(im)


def _window(size: tuple[int, int]) -> tuple[int, int, int, int]:
    """A centred box of at most MAX_COMPARE_PIXELS, its corners on the 16-pixel MCU grid."""
    w, h = size
    if w * h <= MAX_COMPARE_PIXELS:
        return 0, 0, w, h
    scale = (MAX_COMPARE_PIXELS / (w * h)) ** 0.5
    cw, ch = max(64, int(w * scale) // 16 * 16), max(64, int(h * scale) // 16 * 16)
    left, top = (w - cw) // 32 * 16, (h - ch) // 32 * 16
    return left, top, left + cw, top + ch


def _inner(length: int) -> slice:
    """The window's pixels along one axis without the BORDER (kept when it is small)."""
    return slice(BORDER, length - BORDER) if length > 4 * BORDER else slice(0, length)


def _changed_area(diff: np.ndarray) -> tuple[float, tuple[int, int, int, int] | None]:
    """Share of the picture in 8x8 blocks whose mean difference exceeds CHANGED_DIFF, and
    the bounding box of those blocks (single pixels that a recompression moved a lot, at
    sharp edges, do not count)."""
    means = _block_sums(diff) / 64.0
    blocks = means > CHANGED_DIFF
    if not blocks.any():
        return 0.0, None
    rows = np.flatnonzero(blocks.any(axis=1))
    cols = np.flatnonzero(blocks.any(axis=0))
    h, w = diff.shape
    box = (
        int(cols[0]) * 8,
        int(rows[0]) * 8,
        min(w, (int(cols[-1]) + 1) * 8),
        min(h, (int(rows[-1]) + 1) * 8),
    )
    return float(blocks.mean()), box


def _block_sums(residual: np.ndarray) -> np.ndarray:
    """Sum of a residual over each whole 8x8 block."""
    h, w = residual.shape[0] // 8 * 8, residual.shape[1] // 8 * 8
    return residual[:h, :w].reshape(h // 8, 8, w // 8, 8).sum(axis=(1, 3))


def _residual(im: Any, box: tuple[int, int, int, int], tables: Any, sampling: int) -> np.ndarray:
    """Per-pixel change (sum over R, G, B) when the window is encoded again with ``tables``."""
    from PIL import Image

    part = im.crop(box).convert("RGB")
    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"qtables": [list(t) for t in tables]}
    if sampling >= 0:
        kwargs["subsampling"] = sampling
    part.save(buf, "JPEG", **kwargs)
    again = Image.open(io.BytesIO(buf.getvalue()))
    again.load()
    a = np.asarray(part, dtype=np.int16)
    b = np.asarray(again.convert("RGB"), dtype=np.int16)
    return np.abs(a - b).sum(axis=2)


def order(a: bytes, b: bytes) -> Order:
    """Compare two JPEG copies of one shot (see the module docstring)."""
    try:
        ia, ib = _open(a), _open(b)
    except Exception as exc:  # not decodable: nothing to conclude
        return Order(None, 0.0, 0.0, 0.0, 0.0, None, f"cannot decode: {exc}")
    if ia.size != ib.size:
        return Order(None, 0.0, 0.0, 0.0, 0.0, None, "different sizes")
    ta, tb = _tables(ia), _tables(ib)
    pa = np.asarray(ia.convert("RGB"), dtype=np.int16)
    pb = np.asarray(ib.convert("RGB"), dtype=np.int16)
    diff = np.abs(pa - pb).sum(axis=2)
    changed, box = _changed_area(diff)
    if ta != tb or not ta[0]:
        return Order(
            None, 0.0, 0.0, 0.0, changed, box, "different quantization tables or subsampling"
        )
    window = _window(ia.size)
    left, top, right, bottom = window
    inner = (_inner(bottom - top), _inner(right - left))
    agree_mask = (diff[top:bottom, left:right] <= AGREE_DIFF)[inner]
    agree = float(agree_mask.mean()) if agree_mask.size else 0.0
    if agree < MIN_AGREE:
        return Order(None, 0.0, 0.0, agree, changed, box, "the copies differ on most pixels")
    ra = np.where(agree_mask, _residual(ia, window, *ta)[inner], 0)
    rb = np.where(agree_mask, _residual(ib, window, *tb)[inner], 0)
    n = int(agree_mask.sum())
    sa, sb = float(ra.sum()) / n, float(rb.sum()) / n
    # per 8x8 block: which copy changes less (blocks where both change alike do not count)
    ba, bb = _block_sums(ra), _block_sums(rb)
    a_less, b_less = int((ba < bb).sum()), int((bb < ba).sum())
    later: str | None = None
    if a_less + b_less >= MIN_BLOCKS:
        if sb <= RATIO * sa and b_less >= MIN_CONSISTENT * (a_less + b_less):
            later = "b"
        elif sa <= RATIO * sb and a_less >= MIN_CONSISTENT * (a_less + b_less):
            later = "a"
    reason = "" if later else "the copies re-encode alike"
    return Order(later, sa, sb, agree, changed, box, reason, a_less, b_less)


def order_files(path_a: str, path_b: str) -> Order:
    """:func:`order` on two files (the form an isolated worker process is given)."""
    with open(path_a, "rb") as fa, open(path_b, "rb") as fb:
        return order(fa.read(), fb.read())
