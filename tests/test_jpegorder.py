"""JPEG generation order (authenticity.dumpwide.jpegorder) on corpus camera photos re-saved
by Pillow (libjpeg), the way an editor keeping the original quality saves a retouch."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from authenticity.dumpwide import jpegorder

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "image"
#: Camera originals of different makes and sizes (EXIF kept by the re-saves below).
PHOTOS = [
    "drewnoakes__jpg_Canon_EOS_REBEL_T3i.jpg",
    "drewnoakes__jpg_Canon_PowerShot_A40.jpg",
    "drewnoakes__jpg_FujiFilm_DX-5.jpg",
]


def _photo(name: str) -> bytes:
    path = CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    return path.read_bytes()


def _resave(data: bytes, *, retouch: bool = True, quality: int | str = "keep") -> bytes:
    from PIL import Image, ImageFilter

    im = Image.open(io.BytesIO(data))
    exif = im.info.get("exif") or b""
    if retouch:
        box = (40, 40, 120, 100)
        im.paste(im.crop(box).filter(ImageFilter.GaussianBlur(3)), box[:2])
    out = io.BytesIO()
    im.save(out, "JPEG", quality=quality, exif=exif)
    return out.getvalue()


@pytest.mark.parametrize("name", PHOTOS)
def test_the_retouched_resave_is_the_later_generation_either_way_round(name):
    original = _photo(name)
    retouched = _resave(original)
    forward = jpegorder.order(original, retouched)
    backward = jpegorder.order(retouched, original)
    assert (forward.later, backward.later) == ("b", "a"), (forward, backward)
    assert forward.remake_b < jpegorder.RATIO * forward.remake_a
    assert forward.blocks_b_better > forward.blocks_a_better
    # the changed area is where the blur went, to the 8x8 block
    left, top, right, bottom = forward.changed_box
    assert 32 <= left <= 40 and 32 <= top <= 40 and 120 <= right <= 128 and 96 <= bottom <= 112
    assert 0 < forward.changed < 0.1


def test_later_resaves_change_less_and_are_never_taken_for_the_earlier():
    original = _photo(PHOTOS[0])
    first = _resave(original, retouch=False)
    second = _resave(first, retouch=False)
    assert jpegorder.order(original, first).later == "b"
    # generations converge: the third is less clearly apart from the second, but never
    # the wrong way round
    later = jpegorder.order(first, second)
    assert later.remake_b < later.remake_a
    assert later.later in ("b", None)


def test_a_lower_quality_resave_is_not_reversible():
    original = _photo(PHOTOS[0])
    lower = _resave(original, quality=60)
    assert jpegorder.order(original, lower).later == "b"
    assert jpegorder.order(lower, original).later == "a"


def test_no_conclusion_for_other_pictures_or_siblings():
    original = _photo(PHOTOS[0])
    # two copies saved from one ancestor are the same generation
    sibling_a = _resave(original, retouch=False)
    sibling_b = _resave(original, retouch=True)
    assert jpegorder.order(sibling_a, sibling_b).later is None
    # another shot of the same size: the pixels do not agree
    from PIL import Image

    flipped = Image.open(io.BytesIO(original)).transpose(Image.Transpose.FLIP_TOP_BOTTOM)
    buf = io.BytesIO()
    flipped.save(buf, "JPEG", qtables=Image.open(io.BytesIO(original)).quantization)
    verdict = jpegorder.order(original, buf.getvalue())
    assert verdict.later is None and verdict.agree < jpegorder.MIN_AGREE


def test_hostile_or_mismatched_input_gives_a_reason_not_an_error():
    original = _photo(PHOTOS[0])
    assert jpegorder.order(b"not a jpeg", original).reason.startswith("cannot decode")
    assert jpegorder.order(original[: len(original) // 3], original).later is None
    small = _photo(PHOTOS[1])
    assert jpegorder.order(original, small).reason == "different sizes"


def _saved(im, quality: int = 85) -> bytes:
    out = io.BytesIO()
    im.convert("RGB").save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.mark.parametrize("name", PHOTOS)
def test_a_crop_is_found_where_it_was_cut_and_a_resize_or_another_picture_is_not(name):
    from PIL import Image

    original = _photo(name)
    im = Image.open(io.BytesIO(original))
    w, h = im.size
    box = (w // 13, h // 17, w - w // 11, h - h // 9)
    found = jpegorder.crop(original, _saved(im.crop(box)))
    assert found.box == box, found
    assert found.diff < jpegorder.MAX_CROP_DIFF < found.nearby
    # the same picture scaled down is not a region of it; nor is another photo
    resized = im.resize((w * 9 // 10, h * 9 // 10))
    assert jpegorder.crop(original, _saved(resized)).box is None
    other = Image.open(io.BytesIO(_photo(PHOTOS[(PHOTOS.index(name) + 1) % 3])))
    assert jpegorder.crop(original, _saved(other.resize((w * 9 // 10, h * 9 // 10)))).box is None
    # the larger picture first, always
    assert jpegorder.crop(_saved(im.crop(box)), original).reason == "not a smaller picture"
