"""The EXIF thumbnail compared with the main picture, on real camera files of the corpus and
on copies edited with Pillow that keep the original EXIF bytes (thumbnail included)."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFilter

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.extract.image import extract_image
from authenticity.extract.thumbcompare import compare
from authenticity.model import Analysis, Document
from tests.conftest import corpus_file

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CODE = "EXIF_THUMBNAIL_CONTENT_MISMATCH"
#: 4:3 thumbnail of a 3:2 photo, letterboxed with black bars.
LETTERBOXED = "image/drewnoakes__jpg_Canon_EOS_REBEL_T3i.jpg"
#: Thumbnail and picture of the same shape.
PLAIN = "image/drewnoakes__jpg_Nikon_D5000.jpg"


def analyse(data: bytes) -> Analysis:
    doc = Document(path="a.jpg", sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def copy_move(data: bytes, feather: bool) -> tuple[bytes, tuple[int, int, int, int]]:
    """Paste a fifth of the picture over another place and re-save with the original EXIF
    bytes and quantization tables, as a careful editor does; returns the pasted box."""
    with Image.open(io.BytesIO(data)) as im:
        im.load()
        exif = im.info["exif"]
        w, h = im.size
        bw, bh = w // 5, h // 5
        src = (w // 10, h // 10, w // 10 + bw, h // 10 + bh)
        dst = (w - bw - w // 10, h - bh - h // 10)
        patch = im.crop(src)
        mask = None
        if feather:
            mask = Image.new("L", patch.size, 0)
            ImageDraw.Draw(mask).rectangle((8, 8, bw - 8, bh - 8), fill=255)
            mask = mask.filter(ImageFilter.GaussianBlur(4))
        im.paste(patch, dst, mask)
        out = io.BytesIO()
        im.save(out, "JPEG", quality="keep", exif=exif)
    return out.getvalue(), (dst[0], dst[1], dst[0] + bw, dst[1] + bh)


def resave(data: bytes) -> bytes:
    with Image.open(io.BytesIO(data)) as im:
        out = io.BytesIO()
        im.save(out, "JPEG", quality="keep", exif=im.info["exif"])
    return out.getvalue()


def corpus_photos_with_thumbnails() -> list[Path]:
    if not CORPUS.is_dir():
        pytest.skip("corpus missing")
    return [
        p
        for p in sorted((CORPUS / "image").glob("*.jp*g"))
        if extract_image(p.read_bytes()).facts.get("thumbnail_width")
    ]


def test_camera_files_of_the_corpus_do_not_raise_it():
    photos = corpus_photos_with_thumbnails()
    compared = 0
    for path in photos:
        result = analyse(path.read_bytes())
        assert CODE not in {f.code for f in result.findings}, path.name
        compared += "thumbnail_diff_ratio" in result.facts
    # Most are compared; the rest are crops or resizes whose thumbnail has another shape.
    assert compared >= 40, (compared, len(photos))


@pytest.mark.parametrize("rel", [PLAIN, LETTERBOXED])
def test_thumbnail_of_the_untouched_picture_agrees(rel):
    facts = extract_image(resave(corpus_file(rel))).facts
    assert facts["thumbnail_diff_median"] < 5
    assert facts["thumbnail_diff_ratio"] < 7


@pytest.mark.parametrize("rel", [PLAIN, LETTERBOXED])
@pytest.mark.parametrize("feather", [False, True])
def test_copy_move_with_the_old_exif_kept_is_found_where_it_was_pasted(rel, feather):
    forged, pasted = copy_move(corpus_file(rel), feather)
    result = analyse(forged)
    finding = next(f for f in result.findings if f.code == CODE)
    ratio = finding.evidence["difference_ratio"]
    assert finding.severity.value == ("high" if ratio >= 14 else "medium")
    x0, y0, x1, y1 = finding.evidence["region"]
    # The reported window overlaps the pasted box.
    assert x0 < pasted[2] and pasted[0] < x1 and y0 < pasted[3] and pasted[1] < y1


def test_unreadable_pictures_are_not_compared():
    data = corpus_file(PLAIN)
    assert extract_image(data).facts["thumbnail_width"] == 160
    head = data[: len(data) // 3]  # the scan cut off: Pillow cannot decode it
    assert compare(head + b"\xff\xd9", b"not a jpeg") is None
    assert compare(b"\xff\xd8\xff\xd9", data) is None
    # A "thumbnail" far bigger than a preview is not decoded.
    big = io.BytesIO()
    Image.new("L", (2400, 1600), 128).save(big, "JPEG")  # the picture's shape
    assert compare(data, big.getvalue()) is None
    # The truncated file still yields a scorecard without the comparison.
    result = analyse(head)
    assert CODE not in {f.code for f in result.findings}
