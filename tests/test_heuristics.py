"""Per-document and occurrence checks on real bytes made by producer libraries."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.heuristics.dump import occurrence_findings
from authenticity.model import Document
from tests import factories

LEAK = dt.date(2017, 5, 5)
SETTINGS = Settings(leak_date=LEAK, workers=0, strict=True)


def doc_of(data: bytes, path: str, **kw: object) -> Document:
    return Document(
        path=path, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data, **kw
    )  # type: ignore[arg-type]


def codes(findings) -> set[str]:
    return {f.code for f in findings}


def test_clean_docx_has_no_timestamp_findings():
    a = analyse_document(doc_of(factories.make_docx(), "memo.docx"), SETTINGS)
    assert a.status == "ok"
    assert not {c for c in codes(a.findings) if c.startswith("TS_")}


def test_docx_created_after_modified():
    data = factories.make_docx(
        created=dt.datetime(2017, 4, 20, 10), modified=dt.datetime(2017, 3, 2, 9)
    )
    a = analyse_document(doc_of(data, "memo.docx"), SETTINGS)
    assert "TS_CREATED_AFTER_MODIFIED" in codes(a.findings)


def test_xlsx_modified_after_leak_date():
    data = factories.make_xlsx(
        last_modified_by="Рошка Георгий", modified=dt.datetime(2017, 5, 6, 12)
    )
    a = analyse_document(doc_of(data, "budget.xlsx"), SETTINGS)
    assert a.metadata.last_modified_by == "Рошка Георгий"
    found = [f for f in a.findings if f.code == "TS_MODIFIED_AFTER_LEAK"]
    assert found and found[0].evidence["leak_date"] == LEAK
    # Without a leak date the check is off.
    b = analyse_document(doc_of(data, "budget.xlsx"), Settings(workers=0, strict=True))
    assert "TS_MODIFIED_AFTER_LEAK" not in codes(b.findings)


def test_leak_day_itself_is_not_after_the_leak():
    data = factories.make_xlsx(modified=dt.datetime(2017, 5, 5, 18))
    a = analyse_document(doc_of(data, "budget.xlsx"), SETTINGS)
    assert "TS_MODIFIED_AFTER_LEAK" not in codes(a.findings)


def test_future_date_flagged():
    data = factories.make_docx(created=dt.datetime(2017, 3, 1), modified=dt.datetime(2099, 1, 1))
    a = analyse_document(doc_of(data, "memo.docx"), Settings(workers=0, strict=True))
    assert "TS_IN_FUTURE" in codes(a.findings)


def test_extension_mismatch_jpeg_named_pdf():
    data = factories.make_jpeg()
    doc = doc_of(data, "documents/virement.pdf")
    a = analyse_document(doc, SETTINGS)
    assert a.mime == "image/jpeg"
    assert "TYPE_EXTENSION_MISMATCH" in codes(occurrence_findings(doc, a, None))
    same = doc_of(data, "documents/photo.jpg")
    assert not codes(occurrence_findings(same, a, None))


@pytest.mark.parametrize(
    ("source", "renamed"),
    [
        ("ooxml/apache__test-data_document_59030.docx", "budget.xlsx"),
        ("ooxml/apache__test-data_spreadsheet_49966.xlsx", "note.docx"),
        ("ooxml/apache__test-data_slideshow_61515.pptx", "compte-rendu.docx"),
    ],
)
def test_extension_mismatch_between_office_kinds(source: str, renamed: str) -> None:
    """A real Word file named as a workbook (and so on): Office refuses to open it, so the
    name was changed by hand; the same file under its own kind's name, or as .zip, is fine."""
    from tests.conftest import corpus_file

    data = corpus_file(source)
    doc = doc_of(data, f"documents/{renamed}")
    a = analyse_document(doc, SETTINGS)
    found = [f for f in occurrence_findings(doc, a, None) if f.code == "TYPE_EXTENSION_MISMATCH"]
    assert [f.severity.value for f in found] == ["high"]
    for fine in (source.rsplit("_", 1)[-1], "paquet.zip"):
        same = doc_of(data, f"documents/{fine}")
        assert not codes(occurrence_findings(same, a, None)), fine


def test_executable_named_pdf(tmp_path):
    exe = shutil.which("ls") or "/bin/ls"
    data = Path(exe).read_bytes()
    doc = doc_of(data, "facture.pdf")
    a = analyse_document(doc, SETTINGS)
    assert "TYPE_EXECUTABLE_DISGUISED" in codes(occurrence_findings(doc, a, None))


def test_declared_mime_mismatch_and_attachment_after_email():
    xlsx = factories.make_xlsx(modified=dt.datetime(2017, 4, 28, 9, tzinfo=dt.UTC))
    sent = dt.datetime(2017, 4, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    eml = factories.make_email(date=sent, attachments=[("budget.pdf", xlsx, "application/pdf")])
    parent = analyse_document(doc_of(eml, "mail/1.eml"), SETTINGS)
    assert parent.metadata.created == sent
    child = doc_of(
        xlsx,
        "mail/1.eml!/budget.pdf",
        parent="mail/1.eml",
        declared_mime="application/pdf",
        container_mime="message/rfc822",
    )
    own = analyse_document(child, SETTINGS)
    found = codes(occurrence_findings(child, own, parent))
    assert {
        "TYPE_DECLARED_MISMATCH",
        "TS_ATTACHMENT_MODIFIED_AFTER_EMAIL",
        "TYPE_EXTENSION_MISMATCH",
    } <= found


def test_attachment_before_email_is_clean():
    xlsx = factories.make_xlsx(modified=dt.datetime(2017, 4, 20, 9))
    sent = dt.datetime(2017, 4, 27, 10, 0, tzinfo=dt.UTC)
    eml = factories.make_email(
        date=sent,
        attachments=[
            (
                "budget.xlsx",
                xlsx,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )
        ],
    )
    parent = analyse_document(doc_of(eml, "mail/1.eml"), SETTINGS)
    child = doc_of(
        xlsx,
        "mail/1.eml!/budget.xlsx",
        parent="mail/1.eml",
        declared_mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        container_mime="message/rfc822",
    )
    own = analyse_document(child, SETTINGS)
    assert not codes(occurrence_findings(child, own, parent))


@pytest.mark.parametrize("sub", ["pdf", "ooxml", "image"])
def test_corpus_files_raise_no_timestamp_findings_without_leak_date(corpus, sub):
    """Authentic corpus files: created<=modified holds for nearly all of them."""
    files = sorted(p for p in (corpus / sub).iterdir() if p.is_file())[:40]
    flagged = []
    for p in files:
        data = p.read_bytes()
        a = analyse_document(doc_of(data, p.name), Settings(workers=0))
        if "TS_CREATED_AFTER_MODIFIED" in codes(a.findings):
            flagged.append(p.name)
    assert len(flagged) <= max(1, len(files) // 20), flagged


def test_rfc822_message_named_msg_is_only_weak_evidence(corpus):
    path = corpus / "email" / "kitterma__dkim_tests_data_rfc6376.msg"
    data = path.read_bytes()
    d = doc_of(data, path.name)
    a = analyse_document(d, SETTINGS)
    found = list(occurrence_findings(d, a, None))
    assert [f.severity.value for f in found if f.code == "TYPE_EXTENSION_MISMATCH"] in ([], ["low"])
