from __future__ import annotations

import datetime as dt
import json
import re
from io import BytesIO
from pathlib import Path

import pytest
from PIL import Image

from authenticity.errors import ExtractionError
from authenticity.extract import extractor_for
from authenticity.extract.image import extract_image
from authenticity.model import Extraction, jsonable
from authenticity.timeutil import parse_exif_datetime

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
IMAGES = CORPUS / "image"
REFERENCE = IMAGES / "reference"

IMAGE_FILES = sorted(p for p in IMAGES.glob("*") if p.is_file()) if IMAGES.is_dir() else []
REFERENCED = [p for p in IMAGE_FILES if (REFERENCE / f"{p.name}.txt").is_file()]

needs_corpus = pytest.mark.skipif(not IMAGE_FILES, reason="shared corpus not available")

# metadata-extractor's dump: "[Directory - 0xTAG] Tag Name = value"
_REF_LINE = re.compile(
    r"^\[(?P<dir>[^\]]+?) - 0x(?P<tag>[0-9a-f]+)\] (?P<name>.*?) = (?P<value>.*)$"
)


def _reference(path: Path) -> dict[tuple[str, str], str]:
    """First value of each (directory, tag id) in a metadata-extractor reference dump."""
    out: dict[tuple[str, str], str] = {}
    text = (REFERENCE / f"{path.name}.txt").read_bytes().decode("utf-8", "replace")
    for line in text.splitlines():
        m = _REF_LINE.match(line)
        if m:
            out.setdefault((m["dir"], m["tag"]), m["value"])
    return out


def _norm(value: str | None) -> str | None:
    if value is None:
        return None
    return value.replace("\x00", "").strip() or None


def _jpeg_with_exif(**kwargs: object) -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "Acme Optics"  # Make
    exif[0x0110] = "Model X100"  # Model
    exif[0x0131] = "Forger 2.0"  # Software
    exif[0x0132] = "2021:06:02 10:11:12"  # DateTime
    exif[0x013B] = "Jane Doe"  # Artist
    exif[0x010E] = "  Harbour at dusk  "  # ImageDescription
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = "2021:06:01 08:09:10"  # DateTimeOriginal
    sub[0x9011] = "+02:00"  # OffsetTimeOriginal
    sub[0x9004] = "2021:06:01 08:09:10"  # DateTimeDigitized
    buf = BytesIO()
    Image.new("RGB", (64, 48), (10, 20, 30)).save(buf, "JPEG", exif=exif.tobytes(), **kwargs)
    return buf.getvalue()


def test_registered_for_images() -> None:
    reg = extractor_for("image/jpeg", "jpg")
    assert reg is not None and reg.fn is extract_image
    assert extractor_for("application/octet-stream", "heic").fn is extract_image


def test_pillow_written_exif() -> None:
    result = extract_image(_jpeg_with_exif())
    meta = result.metadata
    assert meta.make == "Acme Optics"
    assert meta.model == "Model X100"
    assert meta.application == "Forger 2.0"
    assert meta.author == "Jane Doe"
    assert meta.title == "Harbour at dusk"
    tz = dt.timezone(dt.timedelta(hours=2))
    assert meta.created == dt.datetime(2021, 6, 1, 8, 9, 10, tzinfo=tz)
    assert meta.modified == dt.datetime(2021, 6, 2, 10, 11, 12)  # no OffsetTime: naive
    assert result.facts["exif_datetime_original"] == meta.created
    assert result.facts["exif_datetime_digitized"] == dt.datetime(2021, 6, 1, 8, 9, 10)
    assert result.facts["exif_datetime"] == meta.modified
    assert (result.facts["width"], result.facts["height"]) == (64, 48)
    assert result.facts["format"] == "JPEG"
    assert result.facts["has_thumbnail"] is False
    assert meta.raw["Image Make"] == "Acme Optics"
    assert meta.raw["EXIF DateTimeOriginal"] == "2021:06:01 08:09:10"
    json.dumps(meta.to_json())
    json.dumps(jsonable(result.facts))


def test_image_without_exif_is_not_an_error() -> None:
    buf = BytesIO()
    Image.new("L", (7, 5)).save(buf, "PNG")
    result = extract_image(buf.getvalue())
    assert result.metadata.make is None and result.metadata.created is None
    assert result.facts["format"] == "PNG"
    assert (result.facts["width"], result.facts["height"]) == (7, 5)
    assert result.facts["has_thumbnail"] is False


def test_blank_description_is_ignored() -> None:
    exif = Image.Exif()
    exif[0x010E] = "          "
    buf = BytesIO()
    Image.new("RGB", (8, 8)).save(buf, "JPEG", exif=exif.tobytes())
    assert extract_image(buf.getvalue()).metadata.title is None


@pytest.mark.parametrize("data", [b"", b"garbage bytes " * 50, b"%PDF-1.4\n%\xe2\xe3\n"])
def test_garbage_raises(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_image(data)


@needs_corpus
def test_thumbnail_and_gps_from_camera_files() -> None:
    thumbs = [extract_image(p.read_bytes()).facts for p in IMAGE_FILES[:40]]
    assert any(f["has_thumbnail"] and f["thumbnail_size"] > 1000 for f in thumbs)
    htc = extract_image((IMAGES / "drewnoakes__jpg_HTC_Desire.jpg").read_bytes())
    gps = htc.facts["gps_datetime"]
    assert gps.tzinfo is not None and gps.date() == dt.date(2011, 5, 6)
    # Maker-note blobs are stored as their length, never as bytes.
    for p in IMAGE_FILES[:40]:
        raw = extract_image(p.read_bytes()).metadata.raw
        if "EXIF MakerNote" in raw:
            assert isinstance(raw["EXIF MakerNote"]["binary_length"], int)
            break
    else:
        pytest.fail("no maker note in the first 40 corpus images")


@needs_corpus
@pytest.mark.parametrize("path", REFERENCED, ids=lambda p: p.name)
def test_matches_metadata_extractor_reference(path: Path) -> None:
    ref = _reference(path)
    result = extract_image(path.read_bytes())
    meta = result.metadata
    checked = 0
    if ("Exif IFD0", "010f") in ref:
        assert _norm(meta.make) == _norm(ref["Exif IFD0", "010f"])
        checked += 1
    if ("Exif IFD0", "0110") in ref:
        assert _norm(meta.model) == _norm(ref["Exif IFD0", "0110"])
        checked += 1
    if ("Exif IFD0", "0131") in ref:
        assert _norm(meta.raw.get("Image Software")) == _norm(ref["Exif IFD0", "0131"])
        assert _norm(meta.application) == _norm(ref["Exif IFD0", "0131"])
        checked += 1
    if ("Exif IFD0", "0132") in ref:
        assert _norm(meta.raw.get("Image DateTime")) == _norm(ref["Exif IFD0", "0132"])
        expected = parse_exif_datetime(ref["Exif IFD0", "0132"])
        assert result.facts["exif_datetime"] == expected
        checked += 1
    original = ref.get(("Exif SubIFD", "9003")) or ref.get(("Exif IFD0", "9003"))
    if original is not None:
        expected = parse_exif_datetime(original)
        assert result.facts["exif_datetime_original"] == expected
        if expected is not None:
            assert meta.created is not None
            assert meta.created.replace(tzinfo=None) == expected
        checked += 1
    if checked == 0:
        # Reference without EXIF: we must not invent any (created may come from XMP).
        assert meta.make is None and meta.model is None
        assert result.facts["exif_datetime_original"] is None


@needs_corpus
@pytest.mark.parametrize("path", IMAGE_FILES, ids=lambda p: p.name)
def test_corpus_image_extracts_or_fails_cleanly(path: Path) -> None:
    try:
        result = extract_image(path.read_bytes())
    except ExtractionError:
        return
    assert isinstance(result, Extraction)
    json.dumps(result.metadata.to_json())
    json.dumps(jsonable(result.facts))


@needs_corpus
def test_corpus_image_success_rate() -> None:
    ok = 0
    for path in IMAGE_FILES:
        try:
            extract_image(path.read_bytes())
            ok += 1
        except ExtractionError:
            pass
    assert ok >= 0.95 * len(IMAGE_FILES)


# --- ExifTool parity (benchmarks/exiftool_parity.py) ---------------------------------------


@needs_corpus
def test_created_falls_back_to_datetime_digitized() -> None:
    # No DateTimeOriginal; ExifTool's ExifIFD:CreateDate (DateTimeDigitized) is the creation.
    path = next(p for p in IMAGE_FILES if p.name == "drewnoakes__jpg_FujiFilm_SP-2500.jpg")
    result = extract_image(path.read_bytes())
    assert result.facts["exif_datetime_original"] is None
    assert result.metadata.created == dt.datetime(2003, 9, 10, 20, 59, 18)


@needs_corpus
def test_xmp_dates_when_exif_has_none() -> None:
    path = next(p for p in IMAGE_FILES if p.name == "drewnoakes__jpg_Issue_154.jpg")
    meta = extract_image(path.read_bytes()).metadata
    assert meta.created == dt.datetime(2018, 1, 12, 21, 19, 13)  # xmp:CreateDate, no zone
    tz = dt.timezone(dt.timedelta(hours=10))
    assert meta.modified == dt.datetime(2018, 7, 29, 19, 54, 47, tzinfo=tz)


@needs_corpus
def test_xmp_creator_and_title_when_exif_has_none() -> None:
    path = next(p for p in IMAGE_FILES if p.name == "drewnoakes__jpg_Photoshop_(3).jpg")
    meta = extract_image(path.read_bytes()).metadata
    assert meta.author == "Test author string for metadata-extractor"
    assert meta.title == "Test document title string for metadata-extractor"
    tz = dt.timezone(dt.timedelta(hours=1))
    assert meta.created == dt.datetime(2015, 6, 29, 18, 15, 36, tzinfo=tz)
    path = next(p for p in IMAGE_FILES if p.name == "drewnoakes__jpg_Issue_600_(1).jpg")
    assert extract_image(path.read_bytes()).metadata.title == (
        "Collision leaves giant Jupiter bruised"
    )


# --- JPEG segments: quantization tables, ICC profile, XMP packet, thumbnail ---------------


def _pillow_jpeg(quality: int, **kwargs: object) -> bytes:
    buf = BytesIO()
    Image.new("RGB", (32, 24), (200, 100, 50)).save(buf, "JPEG", quality=quality, **kwargs)
    return buf.getvalue()


@pytest.mark.parametrize("quality", [20, 50, 75, 90, 100])
def test_quality_estimated_from_pillow_tables(quality: int) -> None:
    facts = extract_image(_pillow_jpeg(quality)).facts
    assert facts["jpeg_quality"] == quality
    assert facts["jpeg_quant_standard"] is True
    assert [t["id"] for t in facts["jpeg_quant_tables"]] == [0, 1]
    assert all(t["precision"] == 8 and len(t["values"]) == 64 for t in facts["jpeg_quant_tables"])


def test_libjpeg_scaling_and_inverse() -> None:
    from authenticity.extract.image import STD_LUMINANCE, estimate_quality, libjpeg_table

    assert libjpeg_table(STD_LUMINANCE, 50) == list(STD_LUMINANCE)
    assert libjpeg_table(STD_LUMINANCE, 100) == [1] * 64
    assert estimate_quality(libjpeg_table(STD_LUMINANCE, 83), STD_LUMINANCE) == (83, True)
    custom = [v + 1 for v in libjpeg_table(STD_LUMINANCE, 60)]
    quality, exact = estimate_quality(custom, STD_LUMINANCE)
    assert exact is False and 55 <= quality <= 62


def test_icc_description_and_xmp_written_by_pillow() -> None:
    from PIL import ImageCms

    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    xmp = (
        b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
        b'<rdf:Description xmlns:xmp="http://ns.adobe.com/xap/1.0/" '
        b'xmp:CreatorTool="Forger 1.0" xmp:CreateDate="2020-01-02T03:04:05Z"/>'
        b"</rdf:RDF></x:xmpmeta>"
    )
    ex = extract_image(_pillow_jpeg(85, icc_profile=icc, xmp=xmp))
    assert ex.facts["icc_description"] == "sRGB built-in"
    assert ex.facts["icc_profile_size"] == len(icc)
    assert ex.metadata.raw["xmp"] == {
        "xmp:CreatorTool": "Forger 1.0",
        "xmp:CreateDate": "2020-01-02T03:04:05Z",
    }
    assert "APP2:ICC_PROFILE" in ex.facts["jpeg_segments"]
    assert "APP1:http://ns.adobe.com/xap/1.0/" in ex.facts["jpeg_segments"]


@needs_corpus
def test_camera_tables_icc_and_thumbnail_dimensions() -> None:
    facts = extract_image((IMAGES / "drewnoakes__jpg_Canon_EOS_REBEL_T3i.jpg").read_bytes()).facts
    assert facts["jpeg_quality"] == 75 and facts["jpeg_quant_standard"] is True
    assert facts["jpeg_quant_tables"][0]["values"][:8] == [8, 6, 5, 8, 12, 20, 26, 31]
    assert facts["jpeg_quant_tables"][1]["values"][:8] == [9, 9, 12, 24, 50, 50, 50, 50]
    assert (facts["thumbnail_width"], facts["thumbnail_height"]) == (160, 120)

    iphone = extract_image((IMAGES / "drewnoakes__jpg_Apple_iPhone_4.jpg").read_bytes()).facts
    assert iphone["icc_description"] == "sRGB IEC61966-2.1"
    assert iphone["jpeg_quality"] == 93 and iphone["jpeg_quant_standard"] is False
    assert iphone["jpeg_segments"][:3] == ["APP0:JFIF", "APP2:ICC_PROFILE", "APP1:Exif"]

    gimp = extract_image((IMAGES / "drewnoakes__jpg_Issue_614.jpg").read_bytes()).facts
    assert gimp["icc_description"] == "GIMP built-in sRGB"


@needs_corpus
def test_xmp_packet_from_app1_segment() -> None:
    ex = extract_image((IMAGES / "drewnoakes__jpg_Photoshop_(3).jpg").read_bytes())
    xmp = ex.metadata.raw["xmp"]
    assert xmp["xmp:CreatorTool"] == "Adobe Photoshop CS6 (Windows)"
    assert xmp["xmp:CreateDate"] == "2015-06-29T18:15:36+01:00"
    assert ex.facts["jpeg_quality"] == 95
    json.dumps(jsonable(ex.facts))


def test_makernote_claiming_millions_of_values_is_not_decoded():
    """exifread reads a MakerNote's values one by one, as many as its entry claims: a
    damaged count kept it busy for minutes. Such an entry cannot fit the EXIF block, so the
    maker note is left undecoded and the rest of the EXIF is read."""
    import time

    from authenticity.extract.image import exif_entry_problem, extract_image
    from tests.conftest import corpus_file, within

    data = bytearray(corpus_file("image/drewnoakes__jpg_FujiFilm_FinePix1400Zoom_(1).jpg"))
    assert exif_entry_problem(bytes(data)) is None
    at = data.find(b"\x7c\x92\x07\x00")  # the MakerNote entry (little-endian TIFF)
    assert at > 0 and int.from_bytes(data[at + 4 : at + 8], "little") == 214
    data[at + 4 : at + 8] = (0x10000000).to_bytes(4, "little")
    with within(20):  # exifread must not walk the claimed values
        started = time.monotonic()
        result = extract_image(bytes(data))
        elapsed = time.monotonic() - started
    assert elapsed < 5
    assert "0x927C" in result.facts["exif_makernote_skipped"]
    assert result.metadata.make == "FUJIFILM"
    assert result.facts["exif_datetime_original"] is not None
