"""Cached formula results against their cells: the evaluator, and edits of real workbooks."""

from __future__ import annotations

import io
import zipfile

import openpyxl
import pytest

from authenticity.extract import xlsxcalc
from authenticity.model import Analysis
from tests.conftest import corpus_file
from tests.test_heuristics_office import analyse as analyse_office
from tests.test_heuristics_office import edit_parts, with_code

#: Excel 2007: sheet2 C11 holds =SUM(C12:C18) cached as 323 (49 + 118 + 64 + ...).
BOOK = "ooxml/apache__test-data_spreadsheet_45544.xlsx"
SHEET = "xl/worksheets/sheet2.xml"


def analyse(data: bytes, name: str = "book.xlsx") -> Analysis:
    return analyse_office(data, name)


def stale(result: Analysis) -> list:
    return with_code(result, "XLSX_FORMULA_RESULT_STALE")


CELLS = {(1, 1): 2.0, (2, 1): 3.5, (3, 1): 4.0, (1, 2): 10.0}


@pytest.mark.parametrize(
    "formula, value",
    [
        ("SUM(A1:A3)", 9.5),
        ("SUM($A$1:A3,B1)", 19.5),
        ("A1+A2*2", 9.0),
        ("(A1+A2)*2", 11.0),
        ("-A1+B1/4", 0.5),
        ("SUM(A1:A3)-SUM(A2,5)", 1.0),
        ("1.5E1+A9", 15.0),  # an empty cell is 0
        ("SUM(A1:A3,C1)", 9.5),  # SUM skips text
    ],
)
def test_supported_formulas_evaluate_like_excel(formula, value):
    assert xlsxcalc.evaluate(formula, CELLS, {(1, 3)}) == pytest.approx(value)


@pytest.mark.parametrize(
    "formula",
    [
        "AVERAGE(A1:A3)",  # other functions
        'SUMIF(A1:A3,">2")',
        "Sheet2!A1+1",  # other sheets
        "A1+C1",  # text in arithmetic: #VALUE! in Excel
        "A1/0",
        "A1^2",
        "Total*2",  # a defined name
        "SUM(A1:Z9999)",  # a range beyond the cap
        "(A1+1",
        "A1 A2",
    ],
)
def test_anything_else_is_left_out(formula):
    assert xlsxcalc.evaluate(formula, CELLS, {(1, 3)}) is None


def test_excel_saved_workbooks_agree_with_their_cells(corpus):
    checked = 0
    for path in sorted((corpus / "ooxml").glob("*.xlsx")):
        result = analyse(path.read_bytes(), path.name)
        cache = result.facts.get("formula_cache") or {}
        assert cache.get("mismatched", 0) == 0, (path.name, cache)
        assert stale(result) == []
        checked += cache.get("checked", 0)
    assert checked >= 300  # the corpus's workbooks hold some 300 checkable formulas


def test_figure_changed_in_place_contradicts_its_total():
    # A careful zip edit: one number of the summed range changed in the sheet XML, every
    # other byte and entry time kept (Excel's 1980 stamps).
    edited = edit_parts(
        corpus_file(BOOK),
        {SHEET: (b'<c r="C13" s="120"><v>118</v>', b'<c r="C13" s="120"><v>181</v>')},
    )
    (finding,) = stale(analyse(edited))
    assert finding.severity.value == "high"
    first = finding.evidence["mismatches"][0]
    assert (first["cell"], first["formula"], first["cached"], first["computed"]) == (
        "C11",
        "SUM(C12:C18)",
        323.0,
        386.0,
    )
    assert analyse(corpus_file(BOOK)).facts["formula_cache"]["checked"] == 56


def test_edit_with_the_total_corrected_too_is_consistent():
    data = corpus_file(BOOK)
    edited = edit_parts(
        data,
        {
            SHEET: (
                b'<c r="C13" s="120"><v>118</v>',
                b'<c r="C13" s="120"><v>181</v>',
            )
        },
    )
    with zipfile.ZipFile(io.BytesIO(edited)) as z:
        sheet = z.read(SHEET)
    assert b"<f>SUM(C12:C18)</f><v>323</v>" in sheet
    fixed = edit_parts(
        edited, {SHEET: (b"<f>SUM(C12:C18)</f><v>323</v>", b"<f>SUM(C12:C18)</f><v>386</v>")}
    )
    assert stale(analyse(fixed)) == []


def test_manual_calculation_mode_is_not_held_against_the_file():
    edited = edit_parts(
        corpus_file(BOOK),
        {
            SHEET: (b'<c r="C13" s="120"><v>118</v>', b'<c r="C13" s="120"><v>181</v>'),
            "xl/workbook.xml": (
                b'<calcPr calcId="125725"/>',
                b'<calcPr calcId="125725" calcMode="manual"/>',
            ),
        },
    )
    result = analyse(edited)
    assert result.facts["formula_cache"]["mismatched"] >= 1
    assert result.facts["calc_properties"]["calcMode"] == "manual"
    assert stale(result) == []


def test_openpyxl_workbook_with_formulas_has_no_results_to_compare():
    # openpyxl writes formulas without cached results: nothing is compared, nothing raised.
    book = openpyxl.Workbook()
    sheet = book.active
    for row in range(1, 5):
        sheet.cell(row=row, column=1, value=row * 10)
    sheet["A5"] = "=SUM(A1:A4)"
    out = io.BytesIO()
    book.save(out)
    result = analyse(out.getvalue())
    assert result.facts["formula_cache"] == {"checked": 0, "mismatched": 0, "mismatches": []}
    assert stale(result) == []


def test_hostile_sheet_is_contained():
    bad = edit_parts(
        corpus_file(BOOK), {SHEET: (b"<sheetData>", b"<sheetData><c r='A1'><v>1e999999</v><f>")}
    )
    result = analyse(bad)
    assert result.status == "ok"
    assert "inventory" in result.facts.get("forensic_errors", {})
    assert stale(result) == []
