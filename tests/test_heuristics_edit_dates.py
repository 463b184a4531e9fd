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
