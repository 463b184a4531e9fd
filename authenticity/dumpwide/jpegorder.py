"""Which of two copies of one picture was made from the other: JPEG generation order.

Two JPEGs of a dump that show the same picture at the same size (the same EXIF block byte
for byte on different compressed data, or the same picture hash) are two saves of one
picture. If one was made from the other (decoded, perhaps retouched, encoded again), that
can be told from the pixels, because a JPEG encode can be *redone*: encoding the earlier
copy with the later copy's quantization tables and chroma subsampling gives back the later
copy's pixels, up to the retouched area and the encoders' rounding, while the reverse fails:
what the later encode threw away (a lower quality's coarser steps) is gone, and even with
the same tables, repeated encoding converges, so the earlier generation is the one further
from what the encoder produces.

So :func:`order` remakes each copy from the other (decode, encode with the target's tables
and subsampling, decode) and measures the mean difference from the target, over the 8x8
blocks the two copies do not differ in (an edit's blocks are left out). The copy that is
remade with clearly less error, at most :data:`RATIO` of the other's, in a consistent
majority of the blocks (:data:`MIN_CONSISTENT`), is the later one. Otherwise (two copies
saved from a common ancestor, near-identical generations) nothing is concluded.

Limits: the remake uses libjpeg (Pillow). When the later copy came from another encoder
(Photoshop's, a camera's), it is reproduced less exactly, so a same-quality re-save may go
undecided; a lower-quality re-save still is not reversible. An edit covering most of the
picture (fewer than :data:`MIN_AGREE` of the blocks unchanged), a crop or resize (different
sizes) are not compared. Measured on the training dump's ``jpeg_reencode`` /
``jpeg_splice`` forgeries and their corpus sources: docs/dumpwide.md.

Pure: bytes in, an :class:`Order` out. Decoding happens here, so callers run it in an
isolated worker process (hostile JPEGs can be slow to decode).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np

#: A copy is the later one when it is remade with at most this share of the other's error.
RATIO = 0.75
#: Share of the compared 8x8 blocks that the two copies must not differ in.
MIN_AGREE = 0.5
#: Mean difference per pixel (sum over the three channels) above which an 8x8 block
#: counts as changed (the changed area; left out of the comparison).
CHANGED_DIFF = 12
#: Pictures larger than this (pixels) are compared on a centred window of that size.
MAX_COMPARE_PIXELS = 4_000_000
#: Pictures larger than this are not decoded at all.
MAX_PIXELS = 64_000_000
#: Border left out of the comparison: chroma upsampling reads across block edges, so the
#: window's outer pixels change with the crop, not with the generation.
BORDER = 16
#: The later copy must also be remade better in this share of the compared 8x8 blocks
#: where the two remakes differ (a consistent majority, not a few outlying blocks) ...
MIN_CONSISTENT = 0.75
#: ... and there must be at least this many such blocks.
MIN_BLOCKS = 10


@dataclass(frozen=True, slots=True)
class Order:
    """The result of comparing copy ``a`` with copy ``b``."""

    #: "a" or "b": the copy that was made from the other; None: no conclusion.
    later: str | None
    #: Mean difference (sum over R, G, B) of copy a remade from copy b, and the reverse.
    remake_a: float
    remake_b: float
    #: Share of the compared blocks in which the two copies do not differ.
    agree: float
    #: Share of the picture's 8x8 blocks changed between the copies, and their bounding box
    #: (left, top, right, bottom) or None when no block differs by more than CHANGED_DIFF.
    changed: float
    changed_box: tuple[int, int, int, int] | None
    #: Why nothing was concluded, when ``later`` is None.
    reason: str = ""
    #: Compared 8x8 blocks where copy a, or copy b, is remade with less error.
    blocks_a_better: int = 0
    blocks_b_better: int = 0


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


def _remake(src: Any, box: tuple[int, int, int, int], tables: Any, sampling: int) -> np.ndarray:
    """The window of ``src`` encoded with ``tables`` and ``sampling``, decoded (R, G, B)."""
    from PIL import Image

    buf = io.BytesIO()
    kwargs: dict[str, Any] = {"qtables": [list(t) for t in tables]}
    if sampling >= 0:
        kwargs["subsampling"] = sampling
    src.crop(box).convert("RGB").save(buf, "JPEG", **kwargs)
    with Image.open(io.BytesIO(buf.getvalue())) as again:
        return np.asarray(again.convert("RGB"), dtype=np.int16)


def order(a: bytes, b: bytes) -> Order:
    """Compare two JPEG copies of one picture (see the module docstring)."""
    try:
        ia, ib = _open(a), _open(b)
    except Exception as exc:  # not decodable: nothing to conclude
        return Order(None, 0.0, 0.0, 0.0, 0.0, None, f"cannot decode: {exc}")
    if ia.size != ib.size:
        return Order(None, 0.0, 0.0, 0.0, 0.0, None, "different sizes")
    ta, tb = _tables(ia), _tables(ib)
    if not ta[0] or not tb[0]:
        return Order(None, 0.0, 0.0, 0.0, 0.0, None, "no quantization tables")
    pa = np.asarray(ia.convert("RGB"), dtype=np.int16)
    pb = np.asarray(ib.convert("RGB"), dtype=np.int16)
    diff = np.abs(pa - pb).sum(axis=2)
    changed, box = _changed_area(diff)
    window = _window(ia.size)
    left, top, right, bottom = window
    inner = (_inner(bottom - top), _inner(right - left))
    # compare whole 8x8 blocks of the window that the copies do not differ in
    blocks = _block_sums(diff[top:bottom, left:right][inner]) / 64.0 <= CHANGED_DIFF
    agree = float(blocks.mean()) if blocks.size else 0.0
    if agree < MIN_AGREE:
        return Order(None, 0.0, 0.0, agree, changed, box, "the copies differ on most of it")
    a_win, b_win = pa[top:bottom, left:right][inner], pb[top:bottom, left:right][inner]
    err_a = np.abs(_remake(ib, window, *ta)[inner] - a_win).sum(axis=2)  # a remade from b
    err_b = np.abs(_remake(ia, window, *tb)[inner] - b_win).sum(axis=2)  # b remade from a
    ea, eb = _block_sums(err_a)[blocks], _block_sums(err_b)[blocks]
    n = 64.0 * max(1, int(blocks.sum()))
    ma, mb = float(ea.sum()) / n, float(eb.sum()) / n
    a_better, b_better = int((ea < eb).sum()), int((eb < ea).sum())
    later: str | None = None
    if a_better + b_better >= MIN_BLOCKS:
        if mb <= RATIO * ma and b_better >= MIN_CONSISTENT * (a_better + b_better):
            later = "b"
        elif ma <= RATIO * mb and a_better >= MIN_CONSISTENT * (a_better + b_better):
            later = "a"
    reason = "" if later else "neither copy is remade from the other clearly better"
    return Order(later, ma, mb, agree, changed, box, reason, a_better, b_better)


#: A crop keeps at least this share of the larger picture's width and of its height.
MIN_CROP_SIDE = 0.5
#: Largest mean grey difference (0-255) between the smaller picture and the matched region
#: of the larger one at which the smaller is taken for a crop of it.
MAX_CROP_DIFF = 4.0
#: The match must also be this many times better than the typical nearby offset.
MIN_CROP_CONTRAST = 3.0
#: Side of the central patch of the smaller picture compared at full resolution.
CROP_PATCH = 256


@dataclass(frozen=True, slots=True)
class Crop:
    """Where the smaller of two pictures lies inside the larger one, at the same scale."""

    #: (left, top, right, bottom) of the matched region in the larger picture, or None.
    box: tuple[int, int, int, int] | None
    #: Mean grey difference at the match, and the median over the nearby offsets.
    diff: float = 0.0
    nearby: float = 0.0
    reason: str = ""


def _grey(im: Any) -> np.ndarray:
    return np.asarray(im.convert("L"), dtype=np.float32)


def _block_means(grey: np.ndarray, k: int) -> np.ndarray:
    h, w = grey.shape[0] // k * k, grey.shape[1] // k * k
    return grey[:h, :w].reshape(h // k, k, w // k, k).mean(axis=(1, 3))


def crop(large: bytes, small: bytes) -> Crop:
    """Whether ``small`` is a region of ``large`` at the same scale (a crop, perhaps saved
    at another quality): a search over all offsets on 8x8 block means, refined at full
    resolution around the best one on a central patch."""
    try:
        il, is_ = _open(large), _open(small)
    except Exception as exc:
        return Crop(None, reason=f"cannot decode: {exc}")
    (wl, hl), (ws, hs) = il.size, is_.size
    if not (ws <= wl and hs <= hl and (ws, hs) != (wl, hl)):
        return Crop(None, reason="not a smaller picture")
    if ws < MIN_CROP_SIDE * wl or hs < MIN_CROP_SIDE * hl or min(ws, hs) < 64:
        return Crop(None, reason="too small a part to match")
    gl, gs = _grey(il), _grey(is_)
    cl, cs = _block_means(gl, 8), _block_means(gs, 8)
    best, best_at = np.inf, (0, 0)
    for y in range(cl.shape[0] - cs.shape[0] + 1):
        for x in range(cl.shape[1] - cs.shape[1] + 1):
            d = float(np.abs(cl[y : y + cs.shape[0], x : x + cs.shape[1]] - cs).mean())
            if d < best:
                best, best_at = d, (x, y)
    # refine: a central patch of the small picture, offsets within a block of the coarse one
    ph, pw = min(CROP_PATCH, hs), min(CROP_PATCH, ws)
    py, px = (hs - ph) // 2, (ws - pw) // 2
    patch = gs[py : py + ph, px : px + pw]
    scores: dict[tuple[int, int], float] = {}
    for dy in range(-8, 9):
        for dx in range(-8, 9):
            x, y = best_at[0] * 8 + dx, best_at[1] * 8 + dy
            if 0 <= x <= wl - ws and 0 <= y <= hl - hs:
                region = gl[y + py : y + py + ph, x + px : x + px + pw]
                scores[(x, y)] = float(np.abs(region - patch).mean())
    if not scores:
        return Crop(None, reason="no offset to compare")
    (x, y), diff = min(scores.items(), key=lambda kv: kv[1])
    nearby = float(np.median(list(scores.values())))
    if diff > MAX_CROP_DIFF or nearby < MIN_CROP_CONTRAST * max(diff, 0.5):
        return Crop(None, diff, nearby, "the smaller picture is not a region of the larger")
    return Crop((x, y, x + ws, y + hs), diff, nearby)


def compare(kind: str, a: bytes, b: bytes) -> Order | Crop:
    """``order(a, b)`` for kind "order", ``crop(a, b)`` (a the larger) for kind "crop"."""
    if kind == "crop":
        return crop(a, b)
    return order(a, b)


def compare_files(kind: str, path_a: str, path_b: str) -> Order | Crop:
    """:func:`compare` on two files (the form an isolated worker process is given)."""
    with open(path_a, "rb") as fa, open(path_b, "rb") as fb:
        return compare(kind, fa.read(), fb.read())
