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
