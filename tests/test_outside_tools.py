"""The outside-tools benchmark's recipes still forge real corpus files (the benchmark itself,
which scans them, lives in benchmarks/ and is not run here)."""

from __future__ import annotations

import importlib.util
import io
import shutil
import sys
import zipfile
from pathlib import Path

import pytest

from tests.conftest import corpus_file

_PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "outside_tools.py"
_SPEC = importlib.util.spec_from_file_location("outside_tools", _PATH)
assert _SPEC is not None and _SPEC.loader is not None
outside_tools = importlib.util.module_from_spec(_SPEC)
# The benchmark imports its folder's _common module, as `python benchmarks/...` allows.
sys.path.insert(0, str(_PATH.parent))
try:
    _SPEC.loader.exec_module(outside_tools)
finally:
    sys.path.remove(str(_PATH.parent))

#: One corpus source per recipe that does not need ExifTool.
SOURCES = {
    "pillow_retouch": "image/drewnoakes__jpg_Canon_PowerShot_A40.jpg",
    "pypdf_metadata": "pdf/pdfminer__samples_contrib_issue-449-horizontal.pdf",
    "pypdf_overlay": "pdf/pdfminer__samples_contrib_issue-449-horizontal.pdf",
    "zip_careful_edit": "ooxml/apache__test-data_document_60316.docx",
    "python_docx_edit": "ooxml/apache__test-data_document_60316.docx",
    "openpyxl_edit": "ooxml/apache__test-data_spreadsheet_48923.xlsx",
    "zip_figure_edit": "ooxml/apache__test-data_spreadsheet_49966.xlsx",
    "email_body_edit": "email/kitterma__dkim_tests_data_test2.message",
    "email_handwritten": "email/SpamScope__tests_mails_mail_test_9",
    "email_redate": "email/SpamScope__tests_mails_mail_test_2",
}


def test_every_recipe_without_an_outside_program_has_a_source_here():
    assert set(SOURCES) == {r for r in outside_tools.RECIPES if outside_tools.needs(r) is None}
    assert outside_tools.needs("exiftool_shift_back") == "exiftool"
    assert outside_tools.needs("libreoffice_edit_dated") == "soffice"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not on PATH")
def test_libreoffice_edit_rewrites_the_text_and_keeps_the_properties():
    rel = "ooxml/apache__test-data_document_60316.docx"
    data = corpus_file(rel)
    forged = outside_tools.libreoffice_edit(data, Path(rel))
    dated = outside_tools.libreoffice_edit_dated(data, Path(rel))
    assert forged and dated
    app = zipfile.ZipFile(io.BytesIO(forged)).read("docProps/app.xml")
    assert b"LibreOffice" in app
    core = zipfile.ZipFile(io.BytesIO(forged)).read("docProps/core.xml")
    assert b'<dcterms:modified xsi:type="dcterms:W3CDTF">2018-11-23T12:52:00Z' in core
    core = zipfile.ZipFile(io.BytesIO(dated)).read("docProps/core.xml")
    assert b'<dcterms:modified xsi:type="dcterms:W3CDTF">2018-11-25T12:52:00Z' in core


@pytest.mark.parametrize("recipe", sorted(SOURCES))
def test_recipe_changes_its_source(recipe):
    rel = SOURCES[recipe]
    data = corpus_file(rel)
    forged = outside_tools.RECIPES[recipe][1](data, Path(rel))
    assert forged and forged != data


def test_careful_zip_edit_keeps_every_entry_time_and_order():
    data = corpus_file(SOURCES["zip_careful_edit"])
    forged = outside_tools.zip_careful_edit(data, Path("a.docx"))
    assert forged is not None
    before = zipfile.ZipFile(io.BytesIO(data)).infolist()
    after = zipfile.ZipFile(io.BytesIO(forged)).infolist()
    assert [(i.filename, i.date_time) for i in before] == [(i.filename, i.date_time) for i in after]


def test_email_redate_moves_only_the_date_back_nine_days():
    from email.utils import parsedate_to_datetime

    data = corpus_file(SOURCES["email_redate"])
    forged = outside_tools.email_redate(data, Path("mail_test_2"))
    assert forged is not None

    def date(raw: bytes) -> str:
        return next(line for line in raw.splitlines() if line.startswith(b"Date:")).decode()

    before, after = date(data), date(forged)
    delta = parsedate_to_datetime(before[5:].strip()) - parsedate_to_datetime(after[5:].strip())
    assert delta.days == 9 and delta.seconds == 0
    assert forged.replace(after.encode(), before.encode()) == data  # nothing else touched


def test_figure_typed_over_leaves_its_total_stale():
    """The in-place figure edit changes one sheet part and no entry time; the workbook's
    largest typed figure here is read by a SUM, whose cached result it contradicts."""
    import hashlib

    from authenticity.analyse import analyse_document
    from authenticity.config import Settings
    from authenticity.model import Document

    data = corpus_file(SOURCES["zip_figure_edit"])
    forged = outside_tools.zip_figure_edit(data, Path(SOURCES["zip_figure_edit"]))
    src, out = zipfile.ZipFile(io.BytesIO(data)), zipfile.ZipFile(io.BytesIO(forged))
    assert [i.date_time for i in out.infolist()] == [i.date_time for i in src.infolist()]
    changed = [n for n in src.namelist() if src.read(n) != out.read(n)]
    assert len(changed) == 1 and changed[0].startswith("xl/worksheets/")
    doc = Document("b.xlsx", hashlib.sha256(forged).hexdigest(), len(forged), data=forged)
    result = analyse_document(doc, Settings(workers=0))
    assert result.facts["formula_cache"]["mismatched"] >= 1
    stale = [f for f in result.findings if f.code == "XLSX_FORMULA_RESULT_STALE"]
    assert [f.severity.value for f in stale] == ["high"]  # Excel's zip layout kept
