"""EXIF checks on real camera photos and on copies re-encoded with Pillow."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest
from PIL import Image

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.model import Analysis, Document
from tests.conftest import corpus_file, exiftool_edit

#: Sony camera with GPS: taken 17:12:05 local, GPS 15:12:07 UTC (2 h zone offset).
GPS_PHOTO = "image/drewnoakes__jpg_Sony_DSC-HX5V_(2).jpg"
#: Camera original without any Software tag.
CAMERA_PHOTO = "image/drewnoakes__jpg_Canon_EOS_REBEL_T3i.jpg"

GPS_IFD = 0x8825
SOFTWARE = 0x0131
DATETIME = 0x0132


def analyse(data: bytes, name: str = "a.jpg") -> Analysis:
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def codes(result: Analysis) -> dict[str, str]:
    return {f.code: f.severity.value for f in result.findings}


def reencode(data: bytes, edit) -> bytes:
    """Decode and re-encode with Pillow, passing the (edited) EXIF block along."""
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        exif.get_ifd(GPS_IFD)  # load sub-IFDs so that they are written back
        exif.get_ifd(0x8769)
        edit(exif)
        out = io.BytesIO()
        im.save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


#: Canon camera original, its EXIF as the camera wrote it.
UNTOUCHED_PHOTO = "image/drewnoakes__jpg_Canon_PowerShot_A40.jpg"
CORPUS_IMAGES = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "image"


@pytest.mark.parametrize("rel", [GPS_PHOTO, UNTOUCHED_PHOTO])
def test_camera_originals_are_clean(rel):
    found = codes(analyse(corpus_file(rel)))
    assert not any(code.startswith("EXIF_") for code in found), found


def test_gps_date_moved_three_days_is_flagged():
    def edit(exif):
        exif.get_ifd(GPS_IFD)[29] = "2010:05:18"

    result = analyse(reencode(corpus_file(GPS_PHOTO), edit))
    assert codes(result).get("EXIF_GPS_TIME_MISMATCH") == "medium"
    finding = next(f for f in result.findings if f.code == "EXIF_GPS_TIME_MISMATCH")
    assert finding.evidence["difference_hours"] < -60


def test_gps_time_within_zone_span_is_clean():
    def edit(exif):
        exif.get_ifd(GPS_IFD)[7] = (4.0, 12.0, 7.0)  # 13 h before the local capture time

    assert "EXIF_GPS_TIME_MISMATCH" not in codes(analyse(reencode(corpus_file(GPS_PHOTO), edit)))


def test_editor_software_tag_is_flagged():
    def edit(exif):
        exif[SOFTWARE] = "Adobe Photoshop 24.1 (Windows)"

    result = analyse(reencode(corpus_file(CAMERA_PHOTO), edit))
    assert codes(result).get("EXIF_EDITOR_SOFTWARE") == "medium"
    finding = next(f for f in result.findings if f.code == "EXIF_EDITOR_SOFTWARE")
    assert finding.evidence["make"] == "Canon"


def test_firmware_software_tag_is_not_an_editor():
    def edit(exif):
        exif[SOFTWARE] = "Firmware Version 1.0.1"

    assert "EXIF_EDITOR_SOFTWARE" not in codes(analyse(reencode(corpus_file(CAMERA_PHOTO), edit)))


def test_datetime_before_original_is_caught_by_the_dates_check():
    # Covered by TS_CREATED_AFTER_MODIFIED: the extractor maps DateTimeOriginal -> created.
    def edit(exif):
        exif[DATETIME] = "2013:01:02 10:00:00"

    found = codes(analyse(reencode(corpus_file(CAMERA_PHOTO), edit)))
    assert found.get("TS_CREATED_AFTER_MODIFIED") == "high"


def test_exiftool_xmp_edit_of_a_photo_is_low(tmp_path):
    # Captioning a photo with ExifTool is routine: the trace is reported, as low.
    import subprocess

    from tests.conftest import require_exiftool
    from tests.factories import make_jpeg

    exe = require_exiftool()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(make_jpeg())
    subprocess.run(
        [exe, "-q", "-overwrite_original", "-XMP-dc:Creator=Ivan Petrov", str(photo)], check=True
    )
    data = photo.read_bytes()
    doc = Document("photo.jpg", hashlib.sha256(data).hexdigest(), len(data), data=data)
    result = analyse_document(doc, Settings(workers=0))
    assert result.facts["xmp_toolkit"].startswith("Image::ExifTool")
    (finding,) = [f for f in result.findings if f.code == "XMP_WRITTEN_BY_METADATA_EDITOR"]
    assert finding.severity.value == "low"


#: Canon EOS 7D photo whose XMP restates the capture time (exif:DateTimeOriginal).
XMP_PHOTO = "image/drewnoakes__jpg_Canon_EOS_7D.jpg"
#: Sony photo whose XMP writes the capture time in EXIF's "YYYY:MM:DD" form.
XMP_EXIF_FORM_PHOTO = "image/drewnoakes__jpg_Sony_DSC-P12.jpg"


@pytest.mark.parametrize("rel", [XMP_PHOTO, XMP_EXIF_FORM_PHOTO])
def test_exif_dates_shifted_without_the_xmp_copy_are_flagged(rel, tmp_path):
    original = corpus_file(rel)
    assert "EXIF_XMP_DATE_MISMATCH" not in codes(analyse(original))
    shifted = exiftool_edit(original, tmp_path, "-EXIF:AllDates-=0:0:3 0:0:0")
    result = analyse(shifted)
    finding = next(f for f in result.findings if f.code == "EXIF_XMP_DATE_MISMATCH")
    assert finding.severity.value == "medium"
    assert "xmp_exif:DateTimeOriginal" in finding.evidence


def test_plain_alldates_leaves_the_xmp_digitized_time_behind(tmp_path):
    # -AllDates also moves XMP exif:DateTimeOriginal and xmp:CreateDate (same tag names),
    # not exif:DateTimeDigitized.
    shifted = exiftool_edit(corpus_file(XMP_PHOTO), tmp_path, "-AllDates-=0:0:3 0:0:0")
    result = analyse(shifted)
    finding = next(f for f in result.findings if f.code == "EXIF_XMP_DATE_MISMATCH")
    assert "xmp_exif:DateTimeDigitized" in finding.evidence


def test_exif_and_xmp_dates_shifted_together_agree(tmp_path):
    shifted = exiftool_edit(
        corpus_file(XMP_PHOTO),
        tmp_path,
        "-AllDates-=0:0:3 0:0:0",
        "-XMP-exif:DateTimeDigitized-=0:0:3 0:0:0",
    )
    result = analyse(shifted)
    assert "EXIF_XMP_DATE_MISMATCH" not in codes(result)
    assert result.facts["xmp_datetimeoriginal"].day == 9  # 12 December - 3 days


#: Photoshop CS6 save: EXIF DateTime and xmp:ModifyDate both 2015-06-29 18:19:12 (+01:00).
PHOTOSHOP_PHOTO = "image/drewnoakes__jpg_Photoshop_(3).jpg"
#: Real files whose EXIF DateTime and xmp:ModifyDate differ by hours or years (later saves).
XMP_MODIFY_DIFFERS = ["image/drewnoakes__jpg_Nikon_D5000.jpg", "image/drewnoakes__jpg_Issue_80.jpg"]


@pytest.mark.parametrize("shift", ["0:9:0 0:0:0", "0:0:12 2:0:0"])
def test_exif_save_date_moved_by_whole_days_against_the_xmp_copy_is_flagged(shift, tmp_path):
    original = corpus_file(PHOTOSHOP_PHOTO)
    assert "EXIF_XMP_DATE_MISMATCH" not in codes(analyse(original))
    shifted = exiftool_edit(original, tmp_path, f"-EXIF:ModifyDate+={shift}")
    result = analyse(shifted)
    finding = next(f for f in result.findings if f.code == "EXIF_XMP_DATE_MISMATCH")
    assert finding.severity.value == "medium"
    assert finding.evidence["difference_days"] > 1
    assert finding.evidence["exif_DateTime"].minute == 19


@pytest.mark.parametrize("rel", XMP_MODIFY_DIFFERS)
def test_exif_and_xmp_save_times_of_different_saves_are_not_flagged(rel, tmp_path):
    original = corpus_file(rel)
    assert "EXIF_XMP_DATE_MISMATCH" not in codes(analyse(original))


def test_exif_save_date_moved_to_another_time_of_day_is_not_the_typed_over_pattern(tmp_path):
    # what a later save by a tool that leaves XMP alone looks like: any clock time
    shifted = exiftool_edit(
        corpus_file(PHOTOSHOP_PHOTO), tmp_path, "-EXIF:ModifyDate+=0:0:40 3:07:41"
    )
    assert "EXIF_XMP_DATE_MISMATCH" not in codes(analyse(shifted))


#: Nikon D5000: the camera wrote DateTime in IFD0 and IFD1 alike (2011-03-20 11:23:01).
THUMB_DATE_PHOTO = "image/drewnoakes__jpg_Nikon_D5000.jpg"
#: Sony Cybershot: IFD0 DateTime updated two days after capture, IFD1 left at capture time.
LATER_EDITED_PHOTO = "image/drewnoakes__jpg_Sony_Cybershot_(5).jpg"


@pytest.mark.parametrize("shift", ["-=0:0:3 0:0:0", "+=0:1:0 0:0:0"])
def test_alldates_shift_leaves_the_thumbnail_directory_date_behind(shift, tmp_path):
    original = corpus_file(THUMB_DATE_PHOTO)
    assert "EXIF_THUMBNAIL_DATE_MISMATCH" not in codes(analyse(original))
    # Back-dated: IFD0 before IFD1; forward-dated: the capture after IFD1.
    result = analyse(exiftool_edit(original, tmp_path, f"-AllDates{shift}"))
    finding = next(f for f in result.findings if f.code == "EXIF_THUMBNAIL_DATE_MISMATCH")
    assert finding.severity.value == "high"
    assert finding.evidence["thumbnail_datetime"].isoformat() == "2011-03-20T11:23:01"


def test_main_date_updated_after_capture_is_not_a_thumbnail_mismatch():
    result = analyse(corpus_file(LATER_EDITED_PHOTO))
    assert result.facts["exif_thumbnail_datetime"] < result.facts["exif_datetime"]
    assert "EXIF_THUMBNAIL_DATE_MISMATCH" not in codes(result)


def test_photo_backdated_before_its_exif_version_existed(tmp_path):
    # Canon EOS Rebel T3i, ExifVersion 0230 (Exif 2.3, April 2010), taken 2014-03-05.
    original = corpus_file(CAMERA_PHOTO)
    assert "TS_BEFORE_SOFTWARE_RELEASE" not in codes(analyse(original))
    assert analyse(original).facts["exif_version"] == "0230"
    # Four years back (2010-03) is within the six months' tolerance; five (2009-03) is not.
    four = analyse(exiftool_edit(original, tmp_path, "-AllDates-=4:0:0 0:0:0"))
    assert "EXIF" not in release_products(four)
    five = analyse(exiftool_edit(original, tmp_path, "-AllDates-=5:0:0 0:0:0"))
    finding = release_products(five)["EXIF"]
    assert finding.severity.value == "high"
    assert finding.evidence["exif_version"] == "0230"


def release_products(result: Analysis) -> dict:
    """product -> TS_BEFORE_SOFTWARE_RELEASE finding."""
    return {
        f.evidence["product"]: f for f in result.findings if f.code == "TS_BEFORE_SOFTWARE_RELEASE"
    }


def test_photo_backdated_before_its_camera_was_announced(tmp_path):
    # The Rebel T3i (EOS 600D) was announced 2011-02-07; this one took the photo 2014-03-05.
    original = corpus_file(CAMERA_PHOTO)
    assert release_products(analyse(original)) == {}
    three = analyse(exiftool_edit(original, tmp_path, "-AllDates-=3:0:0 0:0:0"))  # 2011-03
    assert release_products(three) == {}
    four = analyse(exiftool_edit(original, tmp_path, "-AllDates-=4:0:0 0:0:0"))  # 2010-03
    finding = release_products(four)["Canon EOS 600D"]
    assert finding.severity.value == "high"
    assert finding.evidence["camera"] == "Canon Canon EOS REBEL T3i"
    assert finding.evidence["release_date"].isoformat() == "2011-02-07"
    assert "camera" in finding.message


def test_phone_photo_backdated_before_the_phone_existed(tmp_path):
    # iPhone 4 (sold from 2010-06-24) photo of 2011-01-13: one year back stays within the
    # six months' tolerance, two years back (2009-01) cannot be.
    original = corpus_file("image/drewnoakes__jpg_Apple_iPhone_4.jpg")
    assert release_products(analyse(original)) == {}
    one = analyse(exiftool_edit(original, tmp_path, "-AllDates-=1:0:0 0:0:0"))
    assert release_products(one) == {}
    two = analyse(exiftool_edit(original, tmp_path, "-AllDates-=2:0:0 0:0:0"))
    assert release_products(two)["Apple iPhone 4"].evidence["camera"] == "Apple iPhone 4"


def test_factory_default_clock_is_not_compared(tmp_path):
    # A camera whose clock was never set stamps its default (first days of a January): that
    # is not a claim about when the photo was taken.
    original = corpus_file(CAMERA_PHOTO)
    reset = analyse(exiftool_edit(original, tmp_path, "-AllDates=2005:01:01 00:04:31"))
    assert release_products(reset) == {}
    later = analyse(exiftool_edit(original, tmp_path, "-AllDates=2005:02:10 14:04:31"))
    assert {"EXIF", "Canon EOS 600D"} <= set(release_products(later))


def test_photo_edited_by_an_editor_before_its_release(tmp_path):
    # Fujifilm S2 Pro photo saved by Photoshop 7.0 (March 2002) in September 2002.
    original = corpus_file("image/drewnoakes__jpg_FujiFilm_FinePixS2Pro.jpg")
    assert release_products(analyse(original)) == {}
    back = analyse(exiftool_edit(original, tmp_path, "-AllDates-=1:2:0 0:0:0"))  # 2001-07
    found = release_products(back)
    assert found["Adobe Photoshop"].evidence["application"] == "Adobe Photoshop 7.0"
    assert found["Fujifilm FinePix S2 Pro"].severity.value == "high"


#: Sony Cybershot original: the camera's own segment order (DQT, DHT, SOF), no JFIF header.
SONY_ORIGINAL = "image/drewnoakes__jpg_Sony_Cybershot_(1).jpg"


def keep_metadata_save(data: bytes, size: tuple[int, int] | None = None) -> bytes:
    """Decode and save with Pillow keeping the EXIF bytes and quantization tables."""
    with Image.open(io.BytesIO(data)) as im:
        exif = im.info["exif"]
        out = io.BytesIO()
        if size:
            im.resize(size).save(out, format="JPEG", exif=exif, quality=90)
        else:
            im.save(out, format="JPEG", exif=exif, quality="keep")
    return out.getvalue()


def test_camera_exif_on_a_full_size_libjpeg_reencode_is_pointed_out():
    original = corpus_file(SONY_ORIGINAL)
    assert "JPEG_REENCODED_WITH_CAMERA_EXIF" not in codes(analyse(original))
    result = analyse(keep_metadata_save(original))
    finding = next(f for f in result.findings if f.code == "JPEG_REENCODED_WITH_CAMERA_EXIF")
    assert finding.severity.value == "low"
    assert finding.evidence["make"] == "SONY"
    assert finding.evidence["segments"][0] == "APP0:JFIF"


def test_reencode_keeping_three_quantization_tables_is_pointed_out():
    # Nikon's E775 quantizes Cb and Cr with tables of their own; a re-encode that keeps the
    # file's tables writes libjpeg's one DQT segment per table
    original = corpus_file("image/drewnoakes__jpg_Nikon_E775.jpg")
    assert "JPEG_REENCODED_WITH_CAMERA_EXIF" not in codes(analyse(original))
    result = analyse(keep_metadata_save(original))
    layout = [s for s in result.facts["jpeg_segments"] if s == "DQT"]
    assert len(layout) == 3
    finding = next(f for f in result.findings if f.code == "JPEG_REENCODED_WITH_CAMERA_EXIF")
    assert finding.evidence["make"] == "NIKON"


def test_resized_copy_restating_the_camera_size_is_not_a_full_size_reencode():
    original = corpus_file(SONY_ORIGINAL)
    resized = analyse(keep_metadata_save(original, (512, 384)))
    assert resized.facts["exif_pixel_width"] == 1024  # the camera's size, kept
    assert "JPEG_REENCODED_WITH_CAMERA_EXIF" not in codes(resized)


@pytest.mark.parametrize(
    ("rel", "severity"),
    [
        # Photoshop CS6 export at its recorded size: a full-size re-encode is an edit
        ("image/drewnoakes__jpg_Photoshop_(3).jpg", "medium"),
        ("image/drewnoakes__jpg_Canon_EOS_D60.jpg", "medium"),
        # Photoshop 7 kept the camera's pixel size in the EXIF of its resized copy
        ("image/drewnoakes__jpg_FujiFilm_FinePixS1Pro_(4).jpg", "low"),
    ],
)
def test_photoshop_named_picture_reencoded_by_another_program(rel, severity):
    original = corpus_file(rel)
    assert "JPEG_REENCODED_AFTER_EDITOR" not in codes(analyse(original))
    with Image.open(io.BytesIO(original)) as im:
        out = io.BytesIO()
        # the careful way: Photoshop's own quantization tables, EXIF and ICC bytes kept
        im.save(out, "JPEG", quality="keep", exif=im.info["exif"],
                icc_profile=im.info.get("icc_profile"))  # fmt: skip
    result = analyse(out.getvalue())
    assert codes(result).get("JPEG_REENCODED_AFTER_EDITOR") == severity
    finding = next(f for f in result.findings if f.code == "JPEG_REENCODED_AFTER_EDITOR")
    assert "Photoshop" in finding.evidence["software"]
    assert "APP14:Adobe" not in finding.evidence["segments"]


def test_editors_that_only_touch_metadata_are_not_encoders():
    # Adobe Bridge rewrites a camera file's metadata in place (Software "Adobe Bridge CS5")
    result = analyse(corpus_file("image/drewnoakes__jpg_Nikon_D5000.jpg"))
    assert "JPEG_REENCODED_AFTER_EDITOR" not in codes(result)


@pytest.mark.parametrize(
    ("rel", "tag"),
    [
        (CAMERA_PHOTO, "EXIF OffsetSchema"),  # maker note moved by Windows, dates untouched
        ("image/drewnoakes__jpg_Issue_116.jpg", "EXIF Padding"),  # ModifyDate 3 years on
    ],
)
def test_exif_rewritten_by_windows_is_low(rel, tag):
    found = [f for f in analyse(corpus_file(rel)).findings if f.code == "EXIF_WRITTEN_BY_WINDOWS"]
    assert [f.severity.value for f in found] == ["low"]
    assert tag in found[0].evidence["tags"]


def test_camera_exif_has_no_windows_tags():
    assert "EXIF_WRITTEN_BY_WINDOWS" not in codes(analyse(corpus_file(UNTOUCHED_PHOTO)))


def _resaved(data: bytes, change) -> bytes:
    """Pillow decode, ``change(image)``, save with the original EXIF bytes untouched."""
    with Image.open(io.BytesIO(data)) as im:
        exif = im.info["exif"]
        out = io.BytesIO()
        change(im).save(out, format="JPEG", exif=exif, quality=90)
    return out.getvalue()


def test_crop_keeping_the_camera_exif_is_low():
    # Canon A40, 1024x768 recorded: a 600x600 crop keeps the 1024x768 EXIF.
    data = _resaved(corpus_file(UNTOUCHED_PHOTO), lambda im: im.crop((100, 50, 700, 650)))
    found = [f for f in analyse(data).findings if f.code == "EXIF_SIZE_CROPPED"]
    assert [f.severity.value for f in found] == ["low"]
    assert found[0].evidence["exif_size"] == [1024, 768]


@pytest.mark.parametrize("size", [(512, 384), (768, 1024)])
def test_resize_or_rotation_keeping_the_exif_is_not_a_crop(size):
    data = _resaved(corpus_file(UNTOUCHED_PHOTO), lambda im: im.resize(size))
    assert "EXIF_SIZE_CROPPED" not in codes(analyse(data))


def set_exif_date(data: bytes, tag: str, value: str) -> bytes:
    """Rewrite one EXIF date string in place, as a hex editor or a date tool does."""
    from authenticity.synth.jpegutil import date_fields

    pos, _ = date_fields(data)[tag]
    return data[:pos] + value.encode("ascii") + data[pos + 19 :]


def test_capture_date_moved_past_the_digitized_date_is_flagged():
    original = corpus_file(UNTOUCHED_PHOTO)  # Canon A40: both dates 2004:12:25 11:42:58
    assert "EXIF_TAKEN_AFTER_DIGITIZED" not in codes(analyse(original))
    # a few seconds apart stays within the firmware tolerance
    close = set_exif_date(original, "DateTimeOriginal", "2004:12:25 11:43:05")
    assert "EXIF_TAKEN_AFTER_DIGITIZED" not in codes(analyse(close))
    forged = analyse(set_exif_date(original, "DateTimeOriginal", "2005:03:02 09:10:00"))
    assert codes(forged)["EXIF_TAKEN_AFTER_DIGITIZED"] == "high"
    finding = next(f for f in forged.findings if f.code == "EXIF_TAKEN_AFTER_DIGITIZED")
    assert finding.evidence["difference_days"] > 60
    assert forged.facts["exif_file_source"] == 3


def test_camera_capture_date_moved_back_by_its_size_and_scans_are_not_flagged():
    original = corpus_file(UNTOUCHED_PHOTO)  # digitized 2004:12:25 11:42:58
    days = set_exif_date(original, "DateTimeOriginal", "2004:12:20 10:00:00")
    assert codes(analyse(days))["EXIF_TAKEN_BEFORE_DIGITIZED"] == "low"  # odd firmware
    months = set_exif_date(original, "DateTimeOriginal", "2004:06:01 10:00:00")
    assert codes(analyse(months))["EXIF_TAKEN_BEFORE_DIGITIZED"] == "medium"
    years = set_exif_date(original, "DateTimeOriginal", "2001:06:01 10:00:00")
    assert codes(analyse(years))["EXIF_TAKEN_BEFORE_DIGITIZED"] == "high"
    back = months
    # the same dates with FileSource "film scanner" (1): a scan of an older photo
    marker = b"\x00\xa3\x07\x00\x01\x00\x00\x00\x03"  # II: tag 0xA300, UNDEFINED, 1 value: 3
    assert back.count(marker) == 1
    scan = back.replace(marker, marker[:-1] + b"\x01")
    result = analyse(scan)
    assert result.facts["exif_file_source"] == 1
    assert "EXIF_TAKEN_BEFORE_DIGITIZED" not in codes(result)


def test_capture_date_moved_back_on_a_camera_that_writes_no_file_source():
    original = corpus_file("image/drewnoakes__jpg_JVC_GR-DC2000.jpg")  # JVC, no FileSource
    before = analyse(original)
    assert before.facts.get("exif_file_source") is None and before.metadata.make == "JVC"
    assert "EXIF_TAKEN_BEFORE_DIGITIZED" not in codes(before)
    digitized = before.facts["exif_datetime_digitized"]
    years = digitized.replace(year=digitized.year - 2).strftime("%Y:%m:%d %H:%M:%S")
    result = analyse(set_exif_date(original, "DateTimeOriginal", years))
    assert codes(result)["EXIF_TAKEN_BEFORE_DIGITIZED"] == "high"


def test_camera_source_without_file_source_excludes_scanners():
    from authenticity.heuristics.exif import camera_source
    from authenticity.model import Metadata

    def source(make: str | None, model: str | None, file_source: int | None = None) -> bool:
        facts = {} if file_source is None else {"exif_file_source": file_source}
        return camera_source(Metadata(make=make, model=model), facts)

    assert source("Canon", "Canon EOS 350D DIGITAL")
    assert not source("Nikon", "LS-5000")  # a Coolscan film scanner
    assert not source("Eastman Kodak Company", "Kodak CLAS Digital Film Scanner / HR200")
    assert not source("EPSON", "Perfection V600")
    assert not source(None, None)
    assert not source("Canon", "Canon EOS 350D DIGITAL", file_source=1)  # says film scanner
    assert source("EPSON", "Perfection V600", file_source=3)  # FileSource decides


def test_photo_dated_before_exif_1_0_existed_is_flagged():
    # Fujifilm's DS-7 (1996) writes Exif 1.0 (ExifVersion 0100, October 1995)
    original = corpus_file("image/drewnoakes__jpg_FujiFilm_DS-7_(3).jpg")
    assert "TS_BEFORE_SOFTWARE_RELEASE" not in codes(analyse(original))
    forged = analyse(set_exif_date(original, "DateTimeOriginal", "1993:11:24 18:32:02"))
    finding = next(f for f in forged.findings if f.code == "TS_BEFORE_SOFTWARE_RELEASE")
    assert "0100" in finding.message and "1995-10-01" in finding.message


MOVED = "EXIF_MAKERNOTE_MOVED"
#: Camera originals whose Canon maker note is where the camera wrote it.
INTACT_CANON = [
    "image/drewnoakes__jpg_Canon_PowerShot_A40.jpg",
    "image/drewnoakes__jpg_Canon_PowerShot_S30.jpg",
    "image/drewnoakes__jpg_Canon_PowerShot_S230.jpg",
]


def _redate_with_pillow(data: bytes, *, software: str | None = None, scale: float = 1.0) -> bytes:
    """A forger's Python date edit: all three EXIF dates moved with Pillow's Exif object
    (the EXIF is rebuilt; the maker note travels as an opaque blob), saved at quality 95."""
    with Image.open(io.BytesIO(data)) as im:
        exif = im.getexif()
        sub = exif.get_ifd(0x8769)
        for tag in (0x9003, 0x9004):
            sub[tag] = "2003:05:04 10:11:12"
        exif[DATETIME] = "2003:05:04 10:11:12"
        if software:
            exif[SOFTWARE] = software
        out = im if scale == 1.0 else im.resize((int(im.width * scale), int(im.height * scale)))
        buf = io.BytesIO()
        out.save(buf, "JPEG", quality=95, exif=exif)
        return buf.getvalue()


@pytest.mark.parametrize("name", INTACT_CANON)
def test_maker_note_moved_by_a_python_exif_edit(name):
    """The camera's note is intact in the original; a Pillow date edit moves it (medium at
    full size with no editor named; low when an editor names itself or when resized)."""
    data = corpus_file(name)
    before = analyse(data)
    assert before.facts["exif_makernote_shift"] == 0 and MOVED not in codes(before)
    edited = analyse(_redate_with_pillow(data))
    assert edited.facts["exif_makernote_shift"] > 0
    assert codes(edited)[MOVED] == "medium"
    assert codes(analyse(_redate_with_pillow(data, software="GIMP 2.8.2")))[MOVED] == "low"
    assert codes(analyse(_redate_with_pillow(data, scale=0.5)))[MOVED] == "low"


def test_maker_note_moved_by_a_collector_tool_is_low():
    """Corpus photos that an earlier tool resized (PowerShot S300, 112 px wide, EXIF says
    1200) or an editor re-saved (ACD Systems) carry a moved note: low, as ordinary
    gallery software does it too."""
    for name in (
        "image/drewnoakes__jpg_Canon_PowerShot_S300.jpg",
        "image/drewnoakes__jpg_Canon_IXUS_400.jpg",
    ):
        result = analyse(corpus_file(name))
        assert result.facts["exif_makernote_shift"] > 200
        assert codes(result)[MOVED] == "low"


def test_maker_note_reader_survives_any_bytes():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from authenticity.extract.makernote import canon_makernote_shift

    intact = corpus_file(INTACT_CANON[0])
    start = intact.index(b"Exif\x00\x00") + 6
    tiff = intact[start : start + 8000]

    @settings(max_examples=300, deadline=None)
    @given(st.binary(max_size=4000), st.integers(0, 7999), st.binary(min_size=1, max_size=64))
    def run(noise: bytes, at: int, patch: bytes) -> None:
        for sample in (b"II*\x00" + noise, b"MM\x00*" + noise, tiff[:at] + patch + tiff[at:]):
            shift = canon_makernote_shift(sample)
            assert shift is None or isinstance(shift, int)

    run()


# --- double quantization --------------------------------------------------------------------

#: Camera photos of the corpus whose camera quantized more coarsely than Pillow does at
#: quality 92-97 (a re-save with a finer table leaves periodic gaps in the histograms).
COARSE_CAMERAS = [
    "image/drewnoakes__jpg_Kodak_DC3400.jpg",
    "image/drewnoakes__jpg_Panasonic_DMC-LC40.jpg",
    "image/drewnoakes__jpg_FujiFilm_FinePix1400Zoom_(1).jpg",
]


def resaved(data: bytes, **options) -> bytes:
    """The photo opened and saved again by Pillow at its size, its EXIF bytes kept."""
    im = Image.open(io.BytesIO(data))
    out = io.BytesIO()
    im.save(out, "JPEG", exif=im.info.get("exif", b""), **options)
    return out.getvalue()


def test_camera_originals_were_quantized_once():
    from authenticity.extract.jpegdq import double_quantization
    from authenticity.heuristics.exif import DOUBLE_QUANTIZATION

    measured = standard = 0
    for path in sorted(CORPUS_IMAGES.glob("*.jpg")):
        data = path.read_bytes()
        found = double_quantization(data)
        result = analyse(data, path.name)
        if found is None or not result.metadata.make:
            continue  # too small, not YCbCr, no table; or no camera named
        measured += 1
        assert found["score"] < DOUBLE_QUANTIZATION - 0.25, path.name
        # measured in a scan only where libjpeg's own tables say libjpeg wrote the file last
        if "jpeg_double_quantization" in result.facts:
            standard += 1
            assert result.facts["jpeg_quant_standard"] is True
        assert "JPEG_COMPRESSED_TWICE" not in codes(result)
    assert measured >= 60 and 5 <= standard < measured


@pytest.mark.parametrize("rel", COARSE_CAMERAS)
@pytest.mark.parametrize("quality", [92, 97])
def test_a_photo_saved_again_with_a_finer_table_was_compressed_twice(rel, quality):
    result = analyse(resaved(corpus_file(rel), quality=quality))
    from authenticity.heuristics.exif import STRONG_DOUBLE_QUANTIZATION

    found = next(f for f in result.findings if f.code == "JPEG_COMPRESSED_TWICE")
    assert found.evidence["score"] >= 0.7 and found.evidence["make"]
    strong = found.evidence["score"] >= STRONG_DOUBLE_QUANTIZATION
    assert found.severity.value == ("high" if strong else "medium")


def test_what_double_quantization_cannot_see():
    data = corpus_file(COARSE_CAMERAS[0])
    # The very same table ("keep"): the coefficients come back as they were (and the
    # camera's tables are not libjpeg's, so a scan does not even measure it).
    from authenticity.extract.jpegdq import double_quantization

    kept = resaved(data, quality="keep")
    assert double_quantization(kept)["score"] < 0.45
    assert "jpeg_double_quantization" not in analyse(kept).facts
    # Resized: the 8x8 grid is gone.
    im = Image.open(io.BytesIO(data))
    small = im.resize((im.width * 3 // 4, im.height * 3 // 4))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=97, exif=im.info.get("exif", b""))
    assert "JPEG_COMPRESSED_TWICE" not in codes(analyse(out.getvalue()))


def test_an_editor_that_names_itself_is_reported_by_name_instead():
    im = Image.open(io.BytesIO(corpus_file(COARSE_CAMERAS[1])))
    exif = im.getexif()
    exif[SOFTWARE] = "Adobe Photoshop CC 2017 (Windows)"
    out = io.BytesIO()
    im.save(out, "JPEG", quality=97, exif=exif.tobytes())
    result = analyse(out.getvalue())
    assert result.facts["jpeg_double_quantization"] >= 0.7
    assert "JPEG_COMPRESSED_TWICE" not in codes(result)
    assert "EXIF_EDITOR_SOFTWARE" in codes(result)


def test_double_quantization_survives_broken_pictures():
    from authenticity.extract.jpegdq import double_quantization

    data = resaved(corpus_file(COARSE_CAMERAS[0]), quality=97)
    for cut in (100, len(data) // 3, len(data) - 10):
        found = double_quantization(data[:cut])  # truncated: Pillow pads or refuses
        assert found is None or 0 <= found["score"] < 10
    assert double_quantization(b"\xff\xd8\xff\xe0not a jpeg") is None
    assert double_quantization(corpus_file("pdf/py-pdf__021-pdfa_crazyones-pdfa.pdf")) is None


def test_name_in_another_script_written_into_a_cameras_exif(tmp_path):
    """ExifTool writes a Cyrillic Artist into a camera's own EXIF (UTF-8 in an ASCII
    field, which no camera menu types): medium. A Latin name, an editor named in Software,
    or the corpus's own camera photos: nothing."""
    original = corpus_file(UNTOUCHED_PHOTO)
    assert "EXIF_NAME_NOT_FROM_CAMERA" not in codes(analyse(original))
    signed = exiftool_edit(original, tmp_path, "-Artist=Анна Кузнецова", "-Copyright=(c) 2013")
    result = analyse(signed)
    assert codes(result)["EXIF_NAME_NOT_FROM_CAMERA"] == "medium"
    finding = next(f for f in result.findings if f.code == "EXIF_NAME_NOT_FROM_CAMERA")
    assert finding.evidence["scripts"] == ["Cyrillic"] and finding.evidence["field"] == "Artist"
    latin = exiftool_edit(original, tmp_path, "-Artist=Anna Kuznetsova")
    assert "EXIF_NAME_NOT_FROM_CAMERA" not in codes(analyse(latin))
    edited = exiftool_edit(signed, tmp_path, "-Software=Adobe Photoshop CC 2017 (Windows)")
    assert "EXIF_NAME_NOT_FROM_CAMERA" not in codes(analyse(edited))
    for path in sorted(CORPUS_IMAGES.glob("*.jp*g")):
        assert "EXIF_NAME_NOT_FROM_CAMERA" not in codes(analyse(path.read_bytes(), path.name))


SONY_SHOT_INFO = "image/drewnoakes__jpg_Sony_DSC-HX5V_(2).jpg"


def test_sony_maker_note_keeps_the_capture_time_a_date_editor_moves():
    # A Sony DSC-HX5V photo: the camera wrote its capture time into the maker note's
    # ShotInfo too. Editors that move the standard dates (ExifTool's -AllDates, which
    # refuses this file's damaged IFD0; a hex editor here) leave that copy alone.
    from authenticity.synth.jpegutil import date_fields

    data = corpus_file(SONY_SHOT_INFO)
    first = analyse(data)
    assert first.facts["makernote_datetime"] == first.facts["exif_datetime_original"]
    assert first.facts["makernote_datetime_source"] == "Sony ShotInfo"
    assert "EXIF_MAKERNOTE_TIME_MISMATCH" not in codes(first)
    fields = date_fields(data)
    assert {"DateTime", "DateTimeOriginal", "DateTimeDigitized"} <= set(fields)
    edited = bytearray(data)
    for position, value in fields.values():
        assert value == "2010:05:15 17:12:05"
        edited[position : position + 19] = b"2010:05:03 14:12:05"
    shifted = analyse(bytes(edited))
    assert shifted.facts["makernote_datetime"] == first.facts["makernote_datetime"]
    (finding,) = [f for f in shifted.findings if f.code == "EXIF_MAKERNOTE_TIME_MISMATCH"]
    assert finding.severity.value == "high"
    assert finding.evidence["difference_seconds"] == -(12 * 86400 + 3 * 3600)


def test_maker_note_times_of_corpus_photos_agree_with_exif():
    found = 0
    for path in sorted(CORPUS_IMAGES.glob("*.jpg")):
        result = analyse(path.read_bytes(), path.name)
        if "makernote_datetime" in result.facts:
            found += 1
            assert "EXIF_MAKERNOTE_TIME_MISMATCH" not in codes(result), path.name
    assert found >= 1


#: Nikon D1X photo whose IPTC block restates the capture time with a time of day
#: (DateCreated 2003-08-06, TimeCreated 18:04:34-05:00; no XMP).
IPTC_PHOTO = "image/drewnoakes__jpg_Nikon_D1X.jpg"


def test_iptc_capture_time_is_read_with_its_offset():
    from authenticity.extract.image import extract_image

    facts = extract_image(corpus_file(IPTC_PHOTO)).facts
    assert facts["iptc_date_created"].isoformat() == "2003-08-06T18:04:34-05:00"
    assert facts["exif_datetime_original"].isoformat() == "2003-08-06T18:04:34"


@pytest.mark.parametrize("shift", ["-AllDates-=0:2:0 0:0:0", "-AllDates+=1:0:0 0:0:0"])
def test_exif_dates_shifted_without_the_iptc_copy_are_flagged(shift, tmp_path):
    original = corpus_file(IPTC_PHOTO)
    assert "EXIF_IPTC_DATE_MISMATCH" not in codes(analyse(original))
    result = analyse(exiftool_edit(original, tmp_path, shift))
    finding = next(f for f in result.findings if f.code == "EXIF_IPTC_DATE_MISMATCH")
    assert finding.severity.value == "medium"
    assert finding.evidence["iptc_DateCreated/TimeCreated"].isoformat().startswith("2003-08-06")
    assert abs(finding.evidence["difference_days"]) > 50


def test_iptc_copy_moved_with_the_exif_dates_is_not_flagged(tmp_path):
    # A tool that moves both copies (here ExifTool told to) leaves them in agreement.
    moved = exiftool_edit(
        corpus_file(IPTC_PHOTO),
        tmp_path,
        "-AllDates-=0:2:0 0:0:0",
        "-IPTC:DateCreated=2003:06:06",
    )
    assert "EXIF_IPTC_DATE_MISMATCH" not in codes(analyse(moved))


def test_iptc_date_without_a_time_is_not_compared():
    # Photoshop 7 filed the editing day as DateCreated, weeks away from the capture time.
    from authenticity.extract.image import extract_image

    data = corpus_file("image/drewnoakes__jpg_FujiFilm_FinePixS1Pro_(1).jpg")
    assert "iptc_date_created" not in extract_image(data).facts
    assert "EXIF_IPTC_DATE_MISMATCH" not in codes(analyse(data))


def test_corpus_photos_agree_with_their_iptc_copies():
    from tests.conftest import CORPUS

    photos = sorted((CORPUS / "image").glob("*.jp*g"))
    if not photos:
        pytest.skip("shared corpus not found")
    flagged = [
        p.name for p in photos if "EXIF_IPTC_DATE_MISMATCH" in codes(analyse(p.read_bytes()))
    ]
    assert flagged == []
