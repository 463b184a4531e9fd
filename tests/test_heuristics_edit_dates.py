"""TS_EDIT_AFTER_MODIFIED: dated edits inside a document (Word tracked changes and
comments, PDF annotations) against the date it says it was last modified."""

from __future__ import annotations

import io
import re
import zipfile

import pikepdf
import pypdf
import pytest

from authenticity.analyse import analyse_document
from tests.conftest import corpus_file
from tests.test_heuristics import SETTINGS, doc_of

CODE = "TS_EDIT_AFTER_MODIFIED"
#: Word 2007 file with a comment dated 2010-06-10 10:38 (local time), saved 09:43 UTC.
DOCX = "ooxml/apache__test-data_integration_stress010.docx"
#: Acrobat form whose widgets are dated 2020-07-24 10:30:54+01, saved 10:51:34+01.
PDF = "pdf/pdfminer__samples_acroform_AcroForm_TEST.pdf"


def severity(data: bytes, name: str) -> str | None:
    found = analyse_document(doc_of(data, name), SETTINGS).findings
    return next((f.severity.value for f in found if f.code == CODE), None)


def with_core_modified(data: bytes, value: str) -> bytes:
    """docProps/core.xml's dcterms:modified rewritten, everything else kept."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]+", rb"\g<1>" + value.encode(), body)
            dst.writestr(info, body)
    return out.getvalue()


def test_word_comment_within_the_zone_doubt_of_the_save_is_clean():
    data = corpus_file(DOCX)
    facts = analyse_document(doc_of(data, "a.docx"), SETTINGS).facts
    assert facts["markup_latest_kind"] == "comment"
    assert facts["markup_latest_date"].isoformat() == "2010-06-10T10:38:00"
    assert severity(data, "a.docx") is None


@pytest.mark.parametrize(
    ("modified", "expected"),
    [("2010-06-01T09:00:00Z", "medium"), ("2010-02-01T09:00:00Z", "high")],
)
def test_word_document_backdated_below_its_own_comment(modified, expected):
    assert severity(with_core_modified(corpus_file(DOCX), modified), "a.docx") == expected


def test_pdf_form_fields_dated_after_the_moddate(tmp_path):
    data = corpus_file(PDF)
    facts = analyse_document(doc_of(data, "a.pdf"), SETTINGS).facts
    assert facts["annotation_latest_subtype"] == "Widget"
    assert severity(data, "a.pdf") is None
    out = tmp_path / "backdated.pdf"
    with pikepdf.open(io.BytesIO(data)) as pdf:  # rewritten whole, one revision
        pdf.docinfo["/ModDate"] = "D:20200301120000+01'00'"
        pdf.docinfo["/CreationDate"] = "D:20200301110000+01'00'"
        pdf.save(out)
    # the XMP packet still says 08:51 UTC, 40 minutes before the widgets' 09:30 UTC
    assert severity(out.read_bytes(), "a.pdf") == "medium"
    with pikepdf.open(out, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as xmp:
            for key in ("xmp:ModifyDate", "xmp:MetadataDate", "xmp:CreateDate"):
                xmp[key] = "2020-03-01T12:00:00+01:00"
        pdf.save(out)
    assert severity(out.read_bytes(), "a.pdf") == "high"


def test_pdf_annotation_appended_without_moddate_is_left_to_the_update_check(tmp_path):
    data = corpus_file(PDF)
    out = tmp_path / "appended.pdf"
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.docinfo["/ModDate"] = "D:20200301120000+01'00'"
        pdf.save(out)
    writer = pypdf.PdfWriter(io.BytesIO(out.read_bytes()), incremental=True)
    writer.add_metadata({"/Subject": "Formulaire"})  # ModDate left as it was
    buf = io.BytesIO()
    writer.write(buf)  # an appended update: two revisions
    result = analyse_document(doc_of(buf.getvalue(), "a.pdf"), SETTINGS)
    assert result.facts["revision_count"] == 2
    assert CODE not in {f.code for f in result.findings}


#: Lightroom-exported photo whose XMP history logs Photoshop CS4 saves up to 2010-12-17
#: 21:56; its EXIF and XMP say it was last modified 2011-01-10.
PHOTO = "image/drewnoakes__jpg_Canon_EOS_7D.jpg"


def backdated_photo(data: bytes, *, xmp: bool) -> bytes:
    """Every date moved back by about three months, in place (a metadata editor's way):
    the EXIF dates and, with ``xmp``, the XMP packet's own dates; never the history."""
    from authenticity.synth.jpegutil import date_fields

    out = bytearray(data)
    for name, (pos, value) in date_fields(data).items():
        new = "2010:10:10 21:09:00" if name == "DateTime" else "2010:10:02 12:41:35"
        assert len(value) == len(new)
        out[pos : pos + 19] = new.encode()
    if xmp:
        for old, new in (
            (b'ModifyDate="2011-01-10T', b'ModifyDate="2010-10-10T'),
            (b'CreateDate="2010-12-12T', b'CreateDate="2010-10-02T'),
            (b'MetadataDate="2011-01-09T', b'MetadataDate="2010-10-09T'),
        ):
            assert bytes(out).count(old) == 1
            out = bytearray(bytes(out).replace(old, new))
    return bytes(out)


def test_photo_backdated_below_its_xmp_history():
    data = corpus_file(PHOTO)
    facts = analyse_document(doc_of(data, "a.jpg"), SETTINGS).facts
    assert facts["xmp_history_latest"].isoformat() == "2010-12-17T21:56:17+01:00"
    assert "Photoshop" in facts["xmp_history_latest_agent"]
    assert severity(data, "a.jpg") is None
    assert severity(backdated_photo(data, xmp=True), "a.jpg") == "high"
    # the XMP packet still says 2011-01-10: the latest date claimed is after the history
    assert severity(backdated_photo(data, xmp=False), "a.jpg") is None


def test_photo_manager_resetting_the_exif_date_is_not_a_backdating():
    # EXIF DateTime reset to the capture day (2008) by a photo manager, while the XMP
    # packet keeps the 2013 save that its history logs
    data = corpus_file("image/drewnoakes__jpg_Issue_80.jpg")
    result = analyse_document(doc_of(data, "a.jpg"), SETTINGS)
    assert result.metadata.modified.year == 2008
    assert result.facts["xmp_history_latest"].year == 2013
    assert CODE not in {f.code for f in result.findings}


#: Word file last modified 2008-08-11.
WORD_2008 = "ooxml/apache__test-data_document_DiffFirstPageHeadFoot.docx"


def with_photo(data: bytes, photo: str) -> bytes:
    """A corpus photo inserted with python-docx, which keeps the JPEG's bytes (EXIF
    included) and leaves the core properties as they were."""
    import docx

    document = docx.Document(io.BytesIO(data))
    document.add_picture(io.BytesIO(corpus_file(photo)))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def test_photo_taken_after_the_document_was_last_modified():
    # A Canon photo taken 2014-03-05 inside a document last modified in 2008.
    data = with_photo(corpus_file(WORD_2008), "image/drewnoakes__jpg_Canon_EOS_REBEL_T3i.jpg")
    result = analyse_document(doc_of(data, "memo.docx"), SETTINGS)
    assert result.facts["media_latest_capture"].year == 2014
    found = [f for f in result.findings if f.code == "TS_EDIT_AFTER_MODIFIED"]
    assert [f.severity.value for f in found] == ["high"]
    assert found[0].evidence["edit_kind"].startswith("word/media/")


def test_photo_taken_before_the_document_is_clean():
    data = with_photo(corpus_file(WORD_2008), "image/drewnoakes__jpg_Canon_PowerShot_S30.jpg")
    result = analyse_document(doc_of(data, "memo.docx"), SETTINGS)
    assert result.facts["media_latest_capture"].year == 2002
    assert "TS_EDIT_AFTER_MODIFIED" not in {f.code for f in result.findings}


#: Photoshop 7 save of a Fujifilm photo: its XMP instance id (rdf:about) is a time-based
#: UUID made at 2002-09-17 11:41:00 UTC; EXIF DateTime 12:41:04 (local time, BST).
PS7_PHOTO = "image/drewnoakes__jpg_FujiFilm_FinePixS1Pro_(2).jpg"


def test_time_based_xmp_ids_are_read_and_agree_with_the_save():
    import datetime as dt

    result = analyse_document(doc_of(corpus_file(PS7_PHOTO), "photo.jpg"), SETTINGS)
    assert result.facts["xmp_id_latest"] == dt.datetime(2002, 9, 17, 11, 41, 0, 330000, dt.UTC)
    assert result.facts["xmp_id_latest_field"] == "about"
    assert CODE not in {f.code for f in result.findings}


def test_uuid_time_needs_version_1_and_the_rfc_variant():
    from authenticity.extract._xml import uuid1_time

    # Ghostscript's ids look like version 1 but have no RFC 4122 variant (a corpus PDF).
    assert uuid1_time("uuid:7e466a7e-9c19-11f3-0000-7fa56dbc34d7") is None
    assert uuid1_time("uuid:2f4d6a3e-8c1b-4f7a-9d2e-3b5c7a1e9f00") is None  # version 4
    assert uuid1_time("xmp.iid:F5B4A8B31E8211E5A0FBC1C720F8BFA3").year == 2015


def test_photo_dates_shifted_back_everywhere_but_the_xmp_ids(tmp_path):
    import subprocess

    from tests.conftest import require_exiftool

    require_exiftool()
    target = tmp_path / "photo.jpg"
    target.write_bytes(corpus_file(PS7_PHOTO))
    subprocess.run(
        ["exiftool", "-q", "-overwrite_original", "-AllDates-=1:0:0 0:0:0", str(target)],
        check=True,
    )
    result = analyse_document(doc_of(target.read_bytes(), "photo.jpg"), SETTINGS)
    assert result.metadata.modified.year == 2001
    found = [f for f in result.findings if f.code == CODE]
    assert [f.severity.value for f in found] == ["high"]
    assert found[0].evidence["edit_kind"] == "about"
