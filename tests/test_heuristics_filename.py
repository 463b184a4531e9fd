"""The moment in a file's name (phones, screenshots, scanners) against its own dates."""

from __future__ import annotations

import datetime as dt

import pytest

from authenticity.analyse import analyse_document
from authenticity.heuristics.dump import occurrence_findings
from authenticity.heuristics.filename import name_stamp
from authenticity.model import Severity
from tests import factories
from tests.conftest import corpus_file
from tests.test_heuristics import SETTINGS, doc_of

#: A real camera file; its EXIF DateTimeOriginal is 2003:01:09 19:12:03 (no zone).
PHOTO = "image/drewnoakes__jpg_Canon_PowerShot_G2_(3).jpg"


def name_findings(data: bytes, name: str) -> dict[str, Severity]:
    doc = doc_of(data, f"dump/photos.zip!/DCIM/{name}")
    own = analyse_document(doc, SETTINGS)
    return {
        f.code: f.severity
        for f in occurrence_findings(doc, own, None)
        if f.code.startswith("FILENAME_")
    }


@pytest.mark.parametrize(
    ("name", "moment", "capture"),
    [
        ("IMG_20190512_143015.jpg", dt.datetime(2019, 5, 12, 14, 30, 15), True),
        ("PXL_20210512_123015123.jpg", dt.datetime(2021, 5, 12, 12, 30, 15), True),
        ("20190512_143015(0).jpg", dt.datetime(2019, 5, 12, 14, 30, 15), True),
        ("WP_20140512_14_30_15_Pro.jpg", dt.datetime(2014, 5, 12, 14, 30, 15), True),
        ("IMG_20190512_143015_HDR.jpg", dt.datetime(2019, 5, 12, 14, 30, 15), True),
        ("Screenshot 2023-05-12 at 2.30.15 PM.png", dt.datetime(2023, 5, 12, 14, 30, 15), False),
        ("Screen Shot 2019-05-12 at 12.34.56.png", dt.datetime(2019, 5, 12, 12, 34, 56), False),
        ("photo_2019-05-12_14-30-15.jpg", dt.datetime(2019, 5, 12, 14, 30, 15), False),
        ("Scan_20190512_143015.pdf", dt.datetime(2019, 5, 12, 14, 30, 15), False),
    ],
)
def test_name_stamps_of_devices_and_apps(name, moment, capture):
    assert name_stamp(name) == (moment, capture)


@pytest.mark.parametrize(
    "name",
    [
        "IMG-20190512-WA0001.jpg",  # a day only
        "minutes 2019-05-12.docx",
        "budget_20191312_143015.xlsx",  # month 13
        "at 2019-05-12 at 2.30.15.png",  # one-digit hour without AM/PM
        "scan_201905121430150.pdf",  # digits run on
        "drewnoakes__jpg_Canon_PowerShot_G2_(3).jpg",
    ],
)
def test_names_without_a_full_stamp(name):
    assert name_stamp(name) is None


def test_camera_name_matching_the_capture_is_clean():
    data = corpus_file(PHOTO)
    assert name_findings(data, "IMG_20030109_191203.jpg") == {}
    # a zone away (the name in UTC, the EXIF in local time) is still the same moment
    assert name_findings(data, "PXL_20030110_081203000.jpg") == {}


def test_photo_created_after_its_name_is_high():
    # the EXIF dates were moved forward (or the content is not the named file's)
    found = name_findings(corpus_file(PHOTO), "IMG_20020605_101500.jpg")
    assert found == {"FILENAME_DATE_BEFORE_CREATED": Severity.HIGH}


def test_camera_name_later_than_the_capture_is_medium():
    # a capture date moved back a month under the camera app's name
    data = corpus_file(PHOTO)
    found = name_findings(data, "IMG_20030210_191203.jpg")
    assert found == {"FILENAME_DATE_AFTER_CAPTURE": Severity.MEDIUM}
    # a messenger's or a download's name records when a copy was saved: later is normal
    assert name_findings(data, "photo_2003-02-10_19-12-03.jpg") == {}


def test_document_made_after_its_name_is_medium():
    pdf = factories.make_pdf()  # reportlab, invariant: created 2000-01-01
    own = analyse_document(doc_of(pdf, "x.pdf"), SETTINGS)
    assert own.metadata.created is not None and own.metadata.created.year == 2000
    assert name_findings(pdf, "Scan_19990301_101500.pdf") == {
        "FILENAME_DATE_BEFORE_CREATED": Severity.MEDIUM
    }
    assert name_findings(pdf, "Scan_20000101_001500.pdf") == {}
