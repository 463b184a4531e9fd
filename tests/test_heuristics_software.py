"""TS_BEFORE_SOFTWARE_RELEASE on real files and on copies with backdated metadata."""

from __future__ import annotations

import hashlib
import io
import zipfile
from pathlib import Path

import pikepdf
import pytest

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.heuristics.software import releases
from authenticity.model import Analysis, Document

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
CODE = "TS_BEFORE_SOFTWARE_RELEASE"


def analyse(data: bytes, name: str) -> Analysis:
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def codes(result: Analysis) -> dict[str, str]:
    return {f.code: f.severity.value for f in result.findings}


def corpus_file(rel: str) -> bytes:
    path = CORPUS / rel
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    return path.read_bytes()


def test_release_table_loads_with_sources():
    table = releases()
    assert len(table) > 50
    products = {r.product for r in table}
    assert {"Microsoft Office", "PDF", "LibreOffice", "macOS Quartz PDFContext"} <= products
    assert all(r.source.startswith("https://") for r in table)


DOCX = "ooxml/apache__test-data_document_60316.docx"  # Word 16.0000, saved 2018-11-23


def _rewrite_core(data: bytes, old: bytes, new: bytes) -> bytes:
    """Copy the package entry by entry (keeping Office's entry times), editing core.xml."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                assert old in body
                body = body.replace(old, new)
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def test_genuine_word_2016_docx_is_clean():
    result = analyse(corpus_file(DOCX), "a.docx")
    assert result.metadata.app_version == "16.0000"
    assert CODE not in codes(result)


def test_word_2016_docx_backdated_to_2012_is_flagged():
    data = corpus_file(DOCX)
    data = _rewrite_core(data, b"2018-11-23T12:51:00Z", b"2012-03-01T09:00:00Z")
    data = _rewrite_core(data, b"2018-11-23T12:52:00Z", b"2012-03-01T10:00:00Z")
    result = analyse(data, "a.docx")
    assert codes(result).get(CODE) == "high"
    finding = next(f for f in result.findings if f.code == CODE)
    assert finding.evidence["app_version"] == "16.0000"
    assert finding.evidence["product"] == "Microsoft Office"


PDF = "pdf/py-pdf__002-trivial-libre-office-writer_002-trivial-libre-office-writer.pdf"


def test_genuine_libreoffice_pdf_is_clean():
    result = analyse(corpus_file(PDF), "a.pdf")
    assert result.metadata.producer == "LibreOffice 6.4"
    assert CODE not in codes(result)


def test_libreoffice_pdf_backdated_to_2015_is_flagged(tmp_path):
    out = tmp_path / "out.pdf"
    with pikepdf.open(io.BytesIO(corpus_file(PDF))) as pdf:
        pdf.docinfo["/CreationDate"] = "D:20150310120000+01'00'"
        pdf.save(out)
    result = analyse(out.read_bytes(), "a.pdf")
    assert codes(result).get(CODE) == "high"
    finding = next(f for f in result.findings if f.code == CODE)
    assert finding.evidence["product"] == "LibreOffice"


def test_pdf_version_newer_than_claimed_date_is_flagged(tmp_path):
    # pikepdf writes %PDF-1.7 when asked; a 2003 date cannot go with PDF 1.7 (2006).
    out = tmp_path / "out.pdf"
    with pikepdf.open(io.BytesIO(corpus_file(PDF))) as pdf:
        del pdf.docinfo["/Producer"]
        pdf.docinfo["/CreationDate"] = "D:20030310120000Z"
        pdf.save(out, min_version="1.7")
    result = analyse(out.read_bytes(), "a.pdf")
    finding = next(f for f in result.findings if f.code == CODE)
    assert finding.evidence["pdf_version"] == "1.7"
    assert finding.severity.value == "high"


@pytest.mark.parametrize(
    ("value", "product", "released"),
    [
        ("macOS Versie 10.14.6 (build 18G2022) Quartz PDFContext", "macOS", "2018-09-24"),
        ("Mac OS X 10.3.2 Quartz PDFContext", "macOS", "2003-10-24"),
        ("LibreOffice/7.3.6.2$Linux_X86_64 LibreOffice_project/30$Build-2", "Libre", "2022-02-02"),
        ("Acrobat Distiller 9.5.5 (Windows)", "Adobe", "2008-06-01"),
        ("iText® 5.5.13 ©2000-2018 iText Group NV (AGPL-version)", "iText", "2009-12-01"),
        ("Microsoft® Word for Microsoft 365", "Microsoft PDF", "2020-04-21"),
    ],
)
def test_patterns_pick_the_right_release(value, product, released):
    hits = [
        r
        for r in releases()
        if r.product not in ("Microsoft Office", "PDF") and r.pattern.search(value)
    ]
    assert len(hits) == 1, hits
    assert hits[0].product.startswith(product)
    assert hits[0].released.isoformat() == released
