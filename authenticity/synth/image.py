"""JPEG techniques: re-encoding after a retouch, and splicing a region (copy-move)."""

from __future__ import annotations

import datetime as dt
import io
import random

from PIL import Image, ImageDraw, ImageFilter

from authenticity.synth import jpegutil
from authenticity.synth._common import Forgery, forge_time, forged_name, make, technique
from authenticity.timeutil import parse_exif_datetime

#: Software tags that image editors write.
EDITORS = [
    "Adobe Photoshop CC 2017 (Windows)",
    "Adobe Photoshop CS6 (Macintosh)",
    "GIMP 2.8.20",
    "Paint.NET v4.0.13",
]


def _open(data: bytes) -> Image.Image | None:
    try:
        im = Image.open(io.BytesIO(data))
        if im.format != "JPEG":
            return None
        im.load()
        return im
    except Exception:
        return None


def _save(
    im: Image.Image, exif: bytes | None, careful: bool, quality: int, icc: bytes | None
) -> bytes:
    buf = io.BytesIO()
    kwargs: dict = {}
    if exif:
        kwargs["exif"] = exif
    if icc:
        kwargs["icc_profile"] = icc
    if careful:
        im.save(buf, "JPEG", quality="keep", **kwargs)
    else:
        im.save(buf, "JPEG", quality=quality, **kwargs)
    return buf.getvalue()


def _editor_exif(im: Image.Image, rng: random.Random, data: bytes) -> tuple[bytes, dict]:
    """EXIF as an editor rewrites it: Software set, DateTime = save time (Pillow drops the
    thumbnail and maker notes, as many tools do)."""
    exif = im.getexif()
    software = rng.choice(EDITORS)
    fields = jpegutil.date_fields(data)
    base = None
    for key in ("DateTime", "DateTimeOriginal"):
        if key in fields:
            base = parse_exif_datetime(fields[key][1])
            if base:
                break
    when = forge_time(rng, base.replace(tzinfo=dt.UTC) if base else None)
    exif[0x0131] = software
    exif[0x0132] = f"{when:%Y:%m:%d %H:%M:%S}"
    return exif.tobytes(), {"software": software, "datetime": exif[0x0132]}


def _box(
    im: Image.Image, rng: random.Random, frac: tuple[float, float]
) -> tuple[int, int, int, int]:
    w, h = im.size
    bw = max(4, int(w * rng.uniform(*frac)))
    bh = max(4, int(h * rng.uniform(*frac)))
    x = rng.randint(0, max(0, w - bw))
    y = rng.randint(0, max(0, h - bh))
    return x, y, x + bw, y + bh


@technique(
    "jpeg_reencode",
    {"jpeg"},
    "Retouch a small area and re-encode with Pillow, keeping the EXIF. Careful: the "
    "original quantization tables and subsampling (quality='keep'), EXIF bytes untouched; "
    "careless, one of three: another quality with an editor's Software tag and DateTime "
    "(EXIF rewritten, thumbnail and maker notes dropped); another quality with the EXIF "
    "bytes untouched (a script's save: the coefficients quantized twice under camera "
    "EXIF); or a crop that keeps the old EXIF (thumbnail and PixelX/YDimension no longer "
    "match the image).",
)
def jpeg_reencode(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    im = _open(data)
    if im is None or min(im.size) < 16:
        return None
    exif = im.info.get("exif")
    icc = im.info.get("icc_profile")
    box = _box(im, rng, (0.05, 0.15))
    im.paste(im.crop(box).filter(ImageFilter.GaussianBlur(rng.uniform(1.5, 3.0))), box[:2])
    notes: dict = {"retouched": list(box)}
    quality = rng.choice([80, 85, 90, 95, 98])
    if careful:
        out = _save(im, exif, True, quality, icc)
        notes["quality"] = "keep"
        return make(out, data, forged_name(name, rng, "jpg"), "jpeg_reencode", careful, **notes)
    variant = rng.random()
    if variant < 1 / 3 or not exif:
        exif_new, extra = _editor_exif(im, rng, data)
        notes.update(extra, quality=quality, variant="requality")
        out = _save(im, exif_new, False, quality, icc)
    elif variant < 2 / 3:
        # a script's retouch: Image.save(quality=...) with the EXIF bytes handed back as
        # they were (no Software tag, the camera's thumbnail and maker notes kept)
        notes.update(quality=quality, variant="script")
        out = _save(im, exif, False, quality, icc)
    else:
        w, h = im.size
        dx, dy = int(w * rng.uniform(0.03, 0.1)), int(h * rng.uniform(0.03, 0.1))
        im = im.crop((dx, dy, w - dx, h - dy))
        notes.update(quality=quality, variant="crop", size=list(im.size))
        out = _save(im, exif, False, quality, icc)
    return make(out, data, forged_name(name, rng, "jpg"), "jpeg_reencode", careful, **notes)


@technique(
    "jpeg_splice",
    {"jpeg"},
    "Copy a region of the image over another place (copy-move, e.g. to hide or duplicate "
    "something) and re-save keeping the EXIF. Careful: feathered edges, original "
    "quantization tables; careless: hard edges, Pillow's default quality 75 tables "
    "(double compression with different tables), plus an editor Software tag.",
)
def jpeg_splice(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    im = _open(data)
    if im is None or min(im.size) < 32:
        return None
    exif = im.info.get("exif")
    icc = im.info.get("icc_profile")
    src = _box(im, rng, (0.1, 0.25))
    w, h = im.size
    bw, bh = src[2] - src[0], src[3] - src[1]
    dst = (rng.randint(0, w - bw), rng.randint(0, h - bh))
    patch = im.crop(src)
    notes: dict = {"source_box": list(src), "dest": list(dst)}
    if careful:
        mask = Image.new("L", patch.size, 0)
        inset = max(2, min(bw, bh) // 8)
        ImageDraw.Draw(mask).rectangle((inset, inset, bw - inset, bh - inset), fill=255)
        mask = mask.filter(ImageFilter.GaussianBlur(inset / 2))
        im.paste(patch, dst, mask)
        out = _save(im, exif, True, 0, icc)
        notes["quality"] = "keep"
    else:
        im.paste(patch, dst)
        if exif:
            exif, extra = _editor_exif(im, rng, data)
            notes.update(extra)
        out = _save(im, exif, False, 75, icc)
        notes["quality"] = 75
    return make(out, data, forged_name(name, rng, "jpg"), "jpeg_splice", careful, **notes)
