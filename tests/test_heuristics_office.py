"""Office checks: edit time vs dates (OOXML and OLE2), zip fingerprint of Microsoft Office."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import struct
import zipfile
from pathlib import Path

import docx
import olefile
import openpyxl
import pytest

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.model import Analysis, Document
from tests.conftest import corpus_file

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
#: Word 16.0000: all entries dated 1980-01-01, [Content_Types].xml first; 1 min edit, 1 min span.
DOCX = "ooxml/apache__test-data_document_60316.docx"
#: Excel 14.0300, saved by Office.
XLSX = "ooxml/apache__test-data_spreadsheet_57798.xlsx"
#: Word 15.0000 binary .doc: 39 min of editing over a 50 min span.
DOC = "ole/apache__test-data_document_58804.doc"


def analyse(data: bytes, name: str) -> Analysis:
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, Settings(workers=0))


def codes(result: Analysis) -> dict[str, str]:
    return {f.code: f.severity.value for f in result.findings}


def edit_parts(
    data: bytes, edits: dict[str, tuple[bytes, bytes]], keep_times: bool = True
) -> bytes:
    """Copy a package entry by entry, replacing bytes in some parts.

    ``keep_times`` keeps each entry's original ZipInfo (Office's 1980 time); otherwise the
    edited parts get the current time, as a tool that rewrites them would. Either way the
    deflate streams are zlib's (Python resets Office's flag bits), which
    ``OOXML_RECOMPRESSED`` reports when the layout is otherwise Office's.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename in edits:
                old, new = edits[info.filename]
                assert old in body, (info.filename, old)
                body = body.replace(old, new)
                if not keep_times:
                    dst.writestr(info.filename, body, compress_type=zipfile.ZIP_DEFLATED)
                    continue
            dst.writestr(info, body, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def rezip(data: bytes) -> bytes:
    """Re-zip every entry in the same order with the current time (zip CLI, 7-Zip, scripts)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info), compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


OFFICE_CODES = ("OFFICE_", "OOXML_REZIPPED", "OOXML_PARTS_REPLACED", "OOXML_RECOMPRESSED")


def office_codes(result: Analysis) -> dict[str, str]:
    return {k: v for k, v in codes(result).items() if k.startswith(OFFICE_CODES)}


# --- zip fingerprint -----------------------------------------------------------------------


@pytest.mark.parametrize("rel", [DOCX, XLSX])
def test_genuine_office_packages_are_clean(rel):
    assert office_codes(analyse(corpus_file(rel), Path(rel).name)) == {}


def test_rezipped_word_package_is_flagged():
    found = codes(analyse(rezip(corpus_file(DOCX)), "a.docx"))
    assert found.get("OOXML_REZIPPED") == "medium"


def test_python_docx_resave_of_word_file_is_flagged():
    document = docx.Document(io.BytesIO(corpus_file(DOCX)))
    document.add_paragraph("Inserted sentence.")
    out = io.BytesIO()
    document.save(out)
    result = analyse(out.getvalue(), "a.docx")
    assert result.metadata.application == "Microsoft Office Word"  # the claim survives
    assert codes(result).get("OOXML_REZIPPED") == "medium"


def test_new_python_docx_document_is_generated_not_rezipped():
    # docx.Document() starts from its Word template (app.xml says Microsoft Word) and
    # names itself in dc:description: a generated report, not a re-zipped Word file.
    document = docx.Document()
    document.add_paragraph("Monthly report, generated.")
    out = io.BytesIO()
    document.save(out)
    result = analyse(out.getvalue(), "report.docx")
    assert "Word" in (result.metadata.application or "")
    found = codes(result)
    assert "OOXML_REZIPPED" not in found
    assert found.get("OOXML_GENERATED_BY_LIBRARY") == "info"


@pytest.mark.parametrize("rel", [DOCX, XLSX])
def test_careful_rezip_keeping_order_and_times_is_recompressed(rel):
    # The synthetic forger's careful re-zip keeps Office's entry order and 1980 times; only
    # the deflate streams (zlib, some level) and the flag bits differ.
    from authenticity.synth import forge

    original = corpus_file(rel)
    fake = forge(original, Path(rel).name, "ooxml_rezip", seed=3, careful=True)
    assert fake is not None
    result = analyse(fake.data, Path(rel).name)
    found = office_codes(result)
    assert found == {"OOXML_RECOMPRESSED": "low"}, found
    fp = result.facts["zip_deflate"]
    assert fp["office_flags"] == 0 and fp["zlib_exact"] == fp["zlib_probed"] >= 3
    # The original: Office's flags on its deflated entries, so no zlib probing at all.
    genuine = analyse(original, Path(rel).name).facts["zip_deflate"]
    assert genuine["office_flags"] * 2 >= genuine["deflated"] and "zlib_probed" not in genuine


def test_one_part_replaced_after_office_is_low():
    data = edit_parts(
        corpus_file(DOCX), {"word/document.xml": (b"<w:body>", b"<w:body>")}, keep_times=False
    )
    found = codes(analyse(data, "a.docx"))
    assert found.get("OOXML_PARTS_REPLACED") == "low"
    assert "OOXML_REZIPPED" not in found


def test_openpyxl_resave_does_not_claim_office():
    # openpyxl rewrites app.xml ("Microsoft Excel Compatible / Openpyxl"): no false claim.
    wb = openpyxl.load_workbook(io.BytesIO(corpus_file(XLSX)))
    out = io.BytesIO()
    wb.save(out)
    assert "OOXML_REZIPPED" not in codes(analyse(out.getvalue(), "a.xlsx"))


def test_openpyxl_resave_of_someone_elses_workbook_is_low():
    # The Excel file's creator and creation date survive; app.xml now names openpyxl.
    wb = openpyxl.load_workbook(io.BytesIO(corpus_file(XLSX)))
    wb.active["B2"] = 125000
    out = io.BytesIO()
    wb.save(out)
    result = analyse(out.getvalue(), "a.xlsx")
    assert "Openpyxl" in (result.metadata.application or "")
    finding = next(f for f in result.findings if f.code == "OOXML_RESAVED_BY_LIBRARY")
    assert finding.severity.value == "low"
    assert finding.evidence["library"] == "openpyxl"
    assert "OOXML_RESAVED_BY_LIBRARY" not in codes(analyse(corpus_file(XLSX), "a.xlsx"))


def test_openpyxl_resave_of_a_workbook_without_creator_is_low():
    # A blank author field: openpyxl writes no dc:creator at all, the creation date survives.
    wb = openpyxl.load_workbook(io.BytesIO(corpus_file(XLSX)))
    wb.properties.creator = None
    wb.active["B2"] = 125000
    out = io.BytesIO()
    wb.save(out)
    result = analyse(out.getvalue(), "a.xlsx")
    assert not result.metadata.author
    finding = next(f for f in result.findings if f.code == "OOXML_RESAVED_BY_LIBRARY")
    assert finding.severity.value == "low"
    assert finding.message.startswith("The document was created on ")


def test_workbook_generated_by_openpyxl_is_not_a_resave():
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Budget"
    out = io.BytesIO()
    wb.save(out)
    result = analyse(out.getvalue(), "report.xlsx")
    assert result.metadata.author == "openpyxl"
    assert "OOXML_RESAVED_BY_LIBRARY" not in codes(result)


# --- edit time ------------------------------------------------------------------------------


def test_ooxml_edit_time_longer_than_span_is_flagged():
    data = edit_parts(
        corpus_file(DOCX), {"docProps/app.xml": (b"<TotalTime>1<", b"<TotalTime>600<")}
    )
    result = analyse(data, "a.docx")
    assert office_codes(result) == {
        "OFFICE_EDIT_TIME_EXCEEDS_SPAN": "medium",
        "OOXML_RECOMPRESSED": "low",  # edit_parts re-zips with Python's zlib
    }
    finding = next(f for f in result.findings if f.code == "OFFICE_EDIT_TIME_EXCEEDS_SPAN")
    assert finding.evidence["edit_time_seconds"] == 36000


def test_ooxml_zero_edit_time_with_many_revisions_is_low():
    data = edit_parts(
        corpus_file(DOCX),
        {
            "docProps/app.xml": (b"<TotalTime>1<", b"<TotalTime>0<"),
            "docProps/core.xml": (b"<cp:revision>1<", b"<cp:revision>57<"),
        },
    )
    assert office_codes(analyse(data, "a.docx")) == {
        "OFFICE_ZERO_EDIT_TIME_MANY_REVISIONS": "low",
        "OOXML_RECOMPRESSED": "low",
    }


def _set_ole_edit_time(data: bytes, seconds: int) -> bytes:
    """Overwrite PIDSI_EDITTIME (VT_FILETIME, 100 ns ticks) in SummaryInformation in place."""
    stream_name = "\x05SummaryInformation"
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        stream = bytearray(ole.openstream(stream_name).read())
    section = struct.unpack_from("<I", stream, 44)[0]
    count = struct.unpack_from("<I", stream, section + 4)[0]
    for i in range(count):
        pid, offset = struct.unpack_from("<II", stream, section + 8 + 8 * i)
        if pid == 10:
            vtype = struct.unpack_from("<I", stream, section + offset)[0]
            assert vtype == 64  # VT_FILETIME
            struct.pack_into("<Q", stream, section + offset + 4, seconds * 10_000_000)
            break
    else:
        raise AssertionError("no PIDSI_EDITTIME")
    buf = io.BytesIO(data)
    with olefile.OleFileIO(buf, write_mode=True) as ole:
        ole.write_stream(stream_name, bytes(stream))
    return buf.getvalue()


def test_genuine_ole_document_is_clean():
    assert office_codes(analyse(corpus_file(DOC), "a.doc")) == {}


def test_ole_edit_time_longer_than_span_is_flagged():
    data = _set_ole_edit_time(corpus_file(DOC), 8 * 3600)
    result = analyse(data, "a.doc")
    assert result.metadata.edit_time == 8 * 3600
    assert office_codes(result) == {"OFFICE_EDIT_TIME_EXCEEDS_SPAN": "medium"}


OLE_CODE = "OLE_SAVED_AFTER_WRITTEN"
#: Excel 2003 workbook: created 2008-01-04 11:13, saved 15:18, compound file written 01-07.
XLS = "ole/apache__test-data_spreadsheet_44167.xls"


def test_no_corpus_ole_file_states_a_save_after_it_was_written():
    checked = 0
    for path in sorted((CORPUS / "ole").iterdir()):
        result = analyse(path.read_bytes(), path.name)
        assert OLE_CODE not in codes(result), path.name
        checked += isinstance(result.facts.get("ole_root_modified"), dt.datetime)
    assert checked >= 80


def test_summary_dates_moved_forward_past_the_root_stamp():
    from authenticity.synth import oleprops

    data = corpus_file(XLS)
    stated = oleprops.get_dates(data)
    written = analyse(data, "a.xls").facts["ole_root_modified"]
    assert stated["modified"] < written

    def shifted(delta: dt.timedelta) -> Analysis:
        out = oleprops.set_dates(data, {k: v + delta for k, v in stated.items()})
        assert out is not None and len(out) == len(data)
        result = analyse(out, "a.xls")
        assert result.metadata.modified == stated["modified"] + delta  # the extractor reads it
        return result

    # Three days on: still before the stamp of 01-07 14:43 (a later rewrite looks the same).
    assert OLE_CODE not in codes(shifted(dt.timedelta(days=3)))
    medium = shifted(dt.timedelta(days=10))
    assert codes(medium)[OLE_CODE] == "medium"
    finding = next(f for f in medium.findings if f.code == OLE_CODE)
    assert finding.evidence["ole_root_modified"] == written
    assert codes(shifted(dt.timedelta(days=400)))[OLE_CODE] == "high"
    # Moved back: the stamp is later, as after any rewrite by another tool: nothing to say.
    assert OLE_CODE not in codes(shifted(-dt.timedelta(days=400)))


# --- parts serialized again by a script -------------------------------------------------


def test_python_docx_edit_of_word_file_shows_reserialized_parts():
    document = docx.Document(io.BytesIO(corpus_file(DOCX)))
    document.paragraphs[0].add_run(" 12 500 EUR")
    out = io.BytesIO()
    document.save(out)
    found = [
        f for f in analyse(out.getvalue(), "a.docx").findings
        if f.code == "OOXML_PARTS_RESERIALIZED"
    ]  # fmt: skip
    assert [f.severity.value for f in found] == ["medium"]
    assert "word/document.xml" in found[0].evidence["single_quoted_parts"]
    assert found[0].evidence["double_quoted_parts"] > 0


def test_elementtree_edit_rezipped_with_office_times_shows_reserialized_parts():
    import xml.etree.ElementTree as ET

    data = corpus_file(DOCX)
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        root = ET.fromstring(src.read("word/document.xml"))
    body = ET.tostring(root, encoding="UTF-8", xml_declaration=True)
    assert body.startswith(b"<?xml version='1.0'")
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            part = body if info.filename == "word/document.xml" else src.read(info)
            dst.writestr(info, part, compress_type=zipfile.ZIP_DEFLATED)
    assert "OOXML_PARTS_RESERIALIZED" in codes(analyse(out.getvalue(), "a.docx"))


def test_document_generated_whole_by_python_docx_is_not_reserialized():
    document = docx.Document()  # its template was written by lxml too: one quoting throughout
    document.add_paragraph("Monthly report, generated.")
    out = io.BytesIO()
    document.save(out)
    result = analyse(out.getvalue(), "report.docx")
    assert result.facts["xml_declarations"]["double"] == 0
    assert "OOXML_PARTS_RESERIALIZED" not in codes(result)


@pytest.mark.parametrize(
    "rel",
    sorted(
        f"ooxml/{p.name}"
        for p in ((CORPUS / "ooxml").iterdir() if (CORPUS / "ooxml").is_dir() else ())
        if p.suffix in (".docx", ".pptx")
    )[:40]
    # without the corpus: one case that corpus_file() skips, instead of a collection error
    or ["ooxml/missing.docx"],
)
def test_office_written_packages_are_not_reserialized(rel):
    result = analyse(corpus_file(rel), Path(rel).name)
    assert "OOXML_PARTS_RESERIALIZED" not in codes(result)


def test_reserialized_parts_under_an_unknown_writer_are_low():
    # The same python-docx edit, with app.xml naming no application we have measured.
    document = docx.Document(io.BytesIO(corpus_file(DOCX)))
    document.paragraphs[0].add_run(" 12 500 EUR")
    out = io.BytesIO()
    document.save(out)
    data = edit_parts(
        out.getvalue(),
        {"docProps/app.xml": (b"Microsoft Office Word", b"Acme Writer")},
    )
    assert codes(analyse(data, "a.docx")).get("OOXML_PARTS_RESERIALIZED") == "low"


def test_properties_restamped_after_their_modified_date_are_medium():
    # 7-Zip-style edit of docProps/core.xml: a new editor, the entry restamped with today's
    # time, dcterms:modified left as Word wrote it (2018).
    data = corpus_file(DOCX)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        core = z.read("docProps/core.xml")
    old = re.search(rb"<cp:lastModifiedBy>[^<]*</cp:lastModifiedBy>", core)
    assert old is not None
    edits = {
        "docProps/core.xml": (old.group(0), b"<cp:lastModifiedBy>I. Petrov</cp:lastModifiedBy>")
    }
    result = analyse(edit_parts(data, edits, keep_times=False), "a.docx")
    found = [f for f in result.findings if f.code == "OOXML_PARTS_REPLACED"]
    assert [f.severity.value for f in found] == ["medium"]
    assert found[0].evidence["core_written"].year >= 2025
    # Another part restamped (not the properties): the older, low reading.
    body = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    word = re.search(rb"<w:t>([^<]+)</w:t>", body)
    assert word is not None
    edits = {"word/document.xml": (word.group(0), b"<w:t>changed</w:t>")}
    result = analyse(edit_parts(data, edits, keep_times=False), "a.docx")
    assert codes(result).get("OOXML_PARTS_REPLACED") == "low"


def generated_by(fixture: str, application: str, library: str) -> bytes:
    """A real generator's file from tests/data: it claims ``application`` and the checks
    name ``library`` as its generator instead of calling it re-zipped. Its bytes."""
    data = (Path(__file__).parent / "data" / fixture).read_bytes()
    result = analyse(data, fixture)
    assert result.metadata.application == application
    found = {f.code: f for f in result.findings}
    assert "OOXML_REZIPPED" not in found
    assert found["OOXML_GENERATED_BY_LIBRARY"].evidence["library"] == library
    return data


def test_pandoc_docx_is_a_generated_document_not_a_rezipped_word_file():
    # pandoc names "Microsoft Word 12.0.0" (its reference document's app.xml, copied with
    # its fixed statistics) and zips with real entry times: a generator's template, not a
    # Word file re-zipped by another tool.
    data = generated_by("pandoc-2.17-note.docx", "Microsoft Word 12.0.0", "pandoc")
    # With app.xml statistics that differ from pandoc's template (as a Word 2008 save of this
    # text would write), nothing names pandoc, but no part ends its declaration with Word's
    # CRLF: generated all the same, by an unnamed library.
    edits = {"docProps/app.xml": (b"<Words>83</Words>", b"<Words>240</Words>")}
    found = analyse(edit_parts(data, edits), "note.docx").findings
    assert [f.evidence.get("library") for f in found if f.code == "OOXML_GENERATED_BY_LIBRARY"] == [
        "unnamed"
    ]
    # And with that app.xml written by Word (its CRLF), a re-zipped Word file.
    edited = edit_parts(data, {"docProps/app.xml": (b"?>\n<Properties", b"?>\r\n<Properties")})
    edited = edit_parts(edited, {"docProps/app.xml": (b"<Words>83</Words>", b"<Words>240</Words>")})
    assert codes(analyse(edited, "note.docx")).get("OOXML_REZIPPED") == "medium"


def test_xlsxwriter_workbook_is_a_generated_document_not_a_rezipped_excel_file():
    # XlsxWriter names "Microsoft Excel" and dates every zip entry 1980-01-31 (its own
    # fixed time; Office's is 1980-01-01): a report generator, not a re-zipped workbook.
    data = generated_by("xlsxwriter-3.3-report.xlsx", "Microsoft Excel", "xlsxwriter")
    # One part rewritten later by Excel (its CRLF, stamped with the current time): a re-zip.
    edits = {"xl/sharedStrings.xml": (b"?>\n", b"?>\r\n")}
    edited = edit_parts(data, edits, False)
    found = codes(analyse(edited, "report.xlsx"))
    assert "OOXML_GENERATED_BY_LIBRARY" not in found
    assert found.get("OOXML_REZIPPED") == "medium"


def xlsxwriter_workbook(options: dict[str, bool]) -> bytes:
    """A workbook written by XlsxWriter (the pandas ``to_excel`` engine) into memory."""
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, options)
    sheet = book.add_worksheet("Export")
    for row in range(40):
        sheet.write_row(row, 0, [f"order {row}", row * 12.5, "shipped"])
    book.set_properties({"title": "Orders", "author": "Web shop"})
    book.close()
    return out.getvalue()


def test_xlsxwriter_in_memory_workbook_is_generated_not_recompressed():
    # In-memory mode (how web applications stream exports) writes Office's own zip time with
    # zlib's deflate: the layout of a careful re-zip. No declaration ends with Office's CRLF,
    # so no part of it was written by Office: a generated document.
    data = xlsxwriter_workbook({"in_memory": True})
    assert {i.date_time for i in zipfile.ZipFile(io.BytesIO(data)).infolist()} == {
        (1980, 1, 1, 0, 0, 0)
    }
    result = analyse(data, "orders.xlsx")
    assert result.metadata.application == "Microsoft Excel"
    breaks = result.facts["xml_declaration_breaks"]
    assert breaks["crlf"] == 0 and breaks["lf"] >= 5, breaks
    found = codes(result)
    assert found.get("OOXML_GENERATED_BY_LIBRARY") == "info"
    assert "OOXML_RECOMPRESSED" not in found
    # A careful forger who puts an Office-written part back (CRLF after its declaration)
    # has an Office save inside a zlib re-zip: recompressed, as before.
    edited = edit_parts(data, {"docProps/core.xml": (b"?>\n", b"?>\r\n")})
    found = codes(analyse(edited, "orders.xlsx"))
    assert found.get("OOXML_RECOMPRESSED") == "low"
    assert "OOXML_GENERATED_BY_LIBRARY" not in found


@pytest.mark.parametrize("rel", [DOCX, XLSX])
def test_office_parts_end_their_declarations_with_crlf(rel):
    breaks = analyse(corpus_file(rel), Path(rel).name).facts["xml_declaration_breaks"]
    assert breaks["crlf"] >= 5 and breaks["lf"] == 0, breaks


def test_exceljs_workbook_is_generated_not_rezipped():
    # ExcelJS (Node.js; web applications' usual Excel writer) names "Microsoft Excel" and
    # zips with real times, nothing in its properties naming it. No declaration ends with
    # Office's CRLF: no part of it was written by Office, so it is a generated document.
    data = generated_by("exceljs-4.4-orders.xlsx", "Microsoft Excel", "unnamed")
    assert "OOXML_RESAVED_BY_LIBRARY" not in codes(analyse(data, "orders.xlsx"))
    # Created a month before its save: someone's workbook written again by a script.
    edited = edit_parts(
        data,
        {
            "docProps/core.xml": (
                b'<dcterms:created xsi:type="dcterms:W3CDTF">2026-11-24',
                b'<dcterms:created xsi:type="dcterms:W3CDTF">2026-10-20',
            )
        },
    )
    found = codes(analyse(edited, "orders.xlsx"))
    assert found.get("OOXML_RESAVED_BY_LIBRARY") == "low"
    # One part with Office's CRLF (an Office-written part in the package): a re-zip.
    edited = edit_parts(data, {"xl/workbook.xml": (b"?>\n", b"?>\r\n")})
    found = codes(analyse(edited, "orders.xlsx"))
    assert found.get("OOXML_REZIPPED") == "medium"
    assert "OOXML_GENERATED_BY_LIBRARY" not in found


PPTX = "ooxml/apache__test-data_slideshow_45545_Comment.pptx"


def test_new_python_pptx_presentation_is_generated_not_reserialized():
    # python-pptx's default template mixes quotings (the parts it loads are written by lxml,
    # the others copied as they are) and names python-pptx as the last editor.
    import pptx

    deck = pptx.Presentation()
    slide = deck.slides.add_slide(deck.slide_layouts[1])
    slide.shapes.title.text = "Quarterly figures"
    out = io.BytesIO()
    deck.save(out)
    result = analyse(out.getvalue(), "deck.pptx")
    assert result.facts["xml_declarations"]["single"] and result.facts["xml_declarations"]["double"]
    found = codes(result)
    assert "OOXML_PARTS_RESERIALIZED" not in found
    assert found.get("OOXML_GENERATED_BY_LIBRARY") == "info"


def test_python_pptx_edit_of_powerpoint_file_shows_reserialized_parts():
    # The same library editing a PowerPoint file keeps that file's properties: reserialized.
    import pptx

    deck = pptx.Presentation(io.BytesIO(corpus_file(PPTX)))
    deck.slides[0].shapes.title.text = "Changed title"
    out = io.BytesIO()
    deck.save(out)
    result = analyse(out.getvalue(), "deck.pptx")
    assert result.metadata.application.startswith("Microsoft")
    assert codes(result).get("OOXML_PARTS_RESERIALIZED") == "medium"


def _openpyxl_edit(data: bytes, *, restore_properties: bool) -> bytes:
    """A cell changed and saved by openpyxl; the original docProps put back if asked."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book.worksheets[0]
    sheet.cell(row=1, column=1).value = 12500
    out = io.BytesIO()
    book.save(out)
    saved = out.getvalue()
    if not restore_properties:
        return saved
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        keep = {n: z.read(n) for n in ("docProps/core.xml", "docProps/app.xml")}
    buf = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(saved)) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, keep.get(info.filename, src.read(info.filename)))
    return buf.getvalue()


def test_openpyxl_save_under_restored_excel_properties() -> None:
    """openpyxl writes its parts without an XML declaration; Excel writes one on every
    part. An Excel workbook saved by openpyxl with its Excel properties put back shows
    both; the same save with openpyxl's own properties names its writer instead."""
    original = corpus_file("ooxml/apache__test-data_spreadsheet_48923.xlsx")
    before = analyse(original, "a.xlsx")
    assert str(before.metadata.application).startswith("Microsoft Excel")
    assert "OOXML_PARTS_RESERIALIZED" not in codes(before)
    restored = analyse(_openpyxl_edit(original, restore_properties=True), "a.xlsx")
    assert codes(restored)["OOXML_PARTS_RESERIALIZED"] == "medium"
    finding = next(f for f in restored.findings if f.code == "OOXML_PARTS_RESERIALIZED")
    assert "xl/workbook.xml" in finding.evidence["undeclared_content_parts"] or any(
        p.startswith("xl/worksheets/") for p in finding.evidence["undeclared_content_parts"]
    )
    plain = analyse(_openpyxl_edit(original, restore_properties=False), "a.xlsx")
    assert "openpyxl" in str(plain.metadata.application).lower()
    assert "OOXML_PARTS_RESERIALIZED" not in codes(plain)


# --- app.xml statistics against the package ------------------------------------------------

#: PowerPoint 16: 23 slides, app.xml "Slides" 23.
DECK = "ooxml/apache__test-data_integration_stress013.pptx"
#: Excel: seven named worksheets, listed in app.xml's TitlesOfParts.
BOOK = "ooxml/apache__test-data_spreadsheet_45544.xlsx"
#: Word 12: Title "Sample Word Document", copied into app.xml's TitlesOfParts.
TITLED = "ooxml/apache__test-data_document_bookmarks.docx"


def with_code(result: Analysis, code: str) -> list:
    return [f for f in result.findings if f.code == code]


def _stale(result: Analysis) -> list:
    return with_code(result, "OOXML_APP_PROPERTIES_STALE")


@pytest.mark.parametrize(
    "rel",
    sorted(f"ooxml/{p.name}" for p in (CORPUS / "ooxml").iterdir()) if CORPUS.is_dir() else [],
)
def test_office_app_properties_match_their_package(rel):
    """Every corpus package Office saved lists the slides, sheets and Title it holds, but
    one: a POI test fixture whose second slide POI added (app.xml still says 1)."""
    found = _stale(analyse(corpus_file(rel), Path(rel).name))
    if rel.endswith("slideshow_bug65551.pptx"):
        assert [
            (f.severity.value, f.evidence["app_xml"], f.evidence["package"]) for f in found
        ] == [("medium", 1, 2)]
    else:
        assert found == []


def test_slide_removed_by_python_pptx_leaves_app_xml_counting_it():
    import pptx

    deck = pptx.Presentation(io.BytesIO(corpus_file(DECK)))
    ids = deck.slides._sldIdLst
    ids.remove(ids[5])
    out = io.BytesIO()
    deck.save(out)
    (finding,) = _stale(analyse(out.getvalue(), "deck.pptx"))
    assert finding.severity.value == "medium"
    assert (finding.evidence["app_xml"], finding.evidence["package"]) == (23, 22)
    assert "a slide was added or removed" in finding.message


def _deck_edit(edit) -> bytes:
    import pptx

    deck = pptx.Presentation(io.BytesIO(corpus_file(DECK)))
    edit(deck)
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def test_slide_title_edited_by_python_pptx_is_not_the_title_powerpoint_listed():
    # Slide 5's title typed over with python-pptx: app.xml, which PowerPoint rewrote at its
    # last save, still lists the old one.
    def retitle(deck):
        deck.slides[4].shapes.title.text_frame.paragraphs[0].runs[0].text = "Budget 2017"

    (finding,) = _stale(analyse(_deck_edit(retitle), "deck.pptx"))
    assert finding.severity.value == "medium"
    assert finding.evidence["slides"] == [
        {"slide": 5, "app_xml": "Growing pains", "package": "Budget 2017"}
    ]
    assert "slide 5's title" in finding.message


def test_slide_body_edited_and_titles_with_line_breaks_are_not_flagged():
    # Slide 1's title holds line breaks (listed with spaces); editing a body text box
    # leaves every title as PowerPoint listed it.
    def edit_body(deck):
        # slide 2's last text box, "Rapid improvement in hard problems..."
        box = [shape for shape in deck.slides[1].shapes if shape.has_text_frame][-1]
        box.text_frame.paragraphs[0].runs[0].text = "12 500 EUR"

    result = analyse(_deck_edit(edit_body), "deck.pptx")
    assert "12 500 EUR" in result.text
    assert "\x0b" not in result.facts["slide_titles"][0]
    assert result.facts["slide_titles"][4] == "Growing pains"
    assert _stale(result) == []


def test_sheet_renamed_in_place_is_not_the_sheet_excel_listed():
    # A careful zip edit: one attribute changed in xl/workbook.xml, every entry's time and
    # order kept; app.xml still lists the old name.
    data = corpus_file(BOOK)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml")
    old = re.search(rb'<sheet name="([^"]+)"', workbook).group(1)
    edited = edit_parts(data, {"xl/workbook.xml": (b'name="' + old + b'"', b'name="Budget 2017"')})
    (finding,) = _stale(analyse(edited, "book.xlsx"))
    assert finding.severity.value == "medium"
    assert finding.evidence["not_in_app_xml"] == ["Budget 2017"]
    assert finding.evidence["not_in_package"] == [old.decode()]


def test_sheet_added_by_a_script_is_not_listed():
    data = corpus_file(BOOK)
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        workbook = z.read("xl/workbook.xml")
    first = re.search(rb"<sheet [^>]*/>", workbook).group(0)
    copy = re.sub(rb'name="[^"]+"', b'name="Annexe"', first)
    copy = re.sub(rb'sheetId="\d+"', b'sheetId="99"', copy)
    edited = edit_parts(data, {"xl/workbook.xml": (first, first + copy)})
    (finding,) = _stale(analyse(edited, "book.xlsx"))
    assert finding.evidence["not_in_app_xml"] == ["Annexe"]
    assert finding.evidence["not_in_package"] == []


def test_title_changed_by_python_docx_differs_from_words_copy():
    document = docx.Document(io.BytesIO(corpus_file(TITLED)))
    assert document.core_properties.title == "Sample Word Document"
    document.core_properties.title = "Contrat de cession"
    out = io.BytesIO()
    document.save(out)
    (finding,) = _stale(analyse(out.getvalue(), "a.docx"))
    assert finding.severity.value == "low"
    assert (finding.evidence["app_xml"], finding.evidence["package"]) == (
        "Sample Word Document",
        "Contrat de cession",
    )
    # the same save with the Title untouched raises nothing
    untouched = docx.Document(io.BytesIO(corpus_file(TITLED)))
    out = io.BytesIO()
    untouched.save(out)
    assert _stale(analyse(out.getvalue(), "a.docx")) == []


def test_library_generated_deck_is_not_held_to_its_templates_app_xml():
    # python-pptx's default template says "Slides 0" whatever the deck holds.
    import pptx

    deck = pptx.Presentation()
    deck.slides.add_slide(deck.slide_layouts[1])
    out = io.BytesIO()
    deck.save(out)
    assert _stale(analyse(out.getvalue(), "deck.pptx")) == []


@pytest.mark.parametrize(
    "old, new",
    [
        (b"<vt:i4>7</vt:i4>", b"<vt:i4>seven</vt:i4>"),  # a count that is not a number
        (b"<vt:i4>7</vt:i4>", b"<vt:i4>9</vt:i4>"),  # counts more titles than listed
        (
            b'<vt:vector size="2" baseType="variant">',
            b'<vt:vector size="2" baseType="variant">'
            b"<vt:variant><vt:lpstr>x</vt:lpstr></vt:variant>",
        ),  # odd pairs
    ],
)
def test_malformed_heading_pairs_compare_nothing(old, new):
    data = edit_parts(corpus_file(BOOK), {"docProps/app.xml": (old, new)})
    data = edit_parts(data, {"xl/workbook.xml": (b'name="Job Source"', b'name="Other"')})
    result = analyse(data, "book.xlsx")
    assert result.status == "ok"
    assert _stale(result) == []


def test_unreadable_presentation_part_is_noted_not_fatal():
    data = edit_parts(
        corpus_file(DECK), {"ppt/presentation.xml": (b"<p:sldIdLst>", b"<p:sldIdLst><")}
    )
    result = analyse(data, "deck.pptx")
    assert result.status == "ok"
    assert "inventory" in result.facts["forensic_errors"]
    assert _stale(result) == []


# --- paragraphs without Word's session id ----------------------------------------------------


def _sessionless(result: Analysis) -> list:
    return with_code(result, "DOCX_PARAGRAPHS_WITHOUT_SESSION")


def test_paragraph_inserted_by_python_docx_has_no_session_id():
    # Word 16, 32 paragraphs, every one stamped with w:rsidR
    before = analyse(corpus_file(DOCX), "a.docx")
    assert before.facts["paragraphs_without_rsid"] == 0 < before.facts["paragraphs"]
    assert _sessionless(before) == []
    document = docx.Document(io.BytesIO(corpus_file(DOCX)))
    anchor = next(p for p in document.paragraphs if p.text.strip())
    anchor.insert_paragraph_before("Le solde de 12 400 euros sera versé avant la fin du mois.")
    out = io.BytesIO()
    document.save(out)
    (finding,) = _sessionless(analyse(out.getvalue(), "a.docx"))
    assert finding.severity.value == "medium"
    assert finding.evidence["without_session_id"] == 1
    assert finding.evidence["paragraphs"] == before.facts["paragraphs"] + 1


def test_run_text_changed_by_python_docx_keeps_the_session_ids():
    document = docx.Document(io.BytesIO(corpus_file(DOCX)))
    run = next(r for p in document.paragraphs for r in p.runs if r.text.strip())
    run.text = run.text + " 2017"
    out = io.BytesIO()
    document.save(out)
    assert _sessionless(analyse(out.getvalue(), "a.docx")) == []


def test_document_written_by_python_docx_is_not_held_to_word_sessions():
    # python-docx's template lists sessions in settings.xml; its paragraphs carry none
    document = docx.Document()
    for i in range(6):
        document.add_paragraph(f"Paragraphe {i}")
    out = io.BytesIO()
    document.save(out)
    result = analyse(out.getvalue(), "a.docx")
    assert result.facts["paragraphs_without_rsid"] == result.facts["paragraphs"]
    assert _sessionless(result) == []


def test_opendocument_exported_by_excel_is_not_held_to_ooxml_zip_layout():
    # Excel 2007 saves OpenDocument spreadsheets too, naming itself as their generator; an
    # ODF package puts "mimetype" first by its own spec, not [Content_Types].xml. odfpy
    # writes the package; its generator line is replaced by Excel's, entries kept in order.
    pytest.importorskip("odf")
    from odf import table
    from odf.opendocument import OpenDocumentSpreadsheet

    doc = OpenDocumentSpreadsheet()
    doc.spreadsheet.addElement(table.Table(name="Feuil1"))
    made = io.BytesIO()
    doc.save(made)
    out = io.BytesIO()
    with zipfile.ZipFile(made) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "meta.xml":
                body = re.sub(
                    rb"<meta:generator>[^<]*",
                    b"<meta:generator>MicrosoftOffice/12.0 MicrosoftExcel/CalculationVersion-4518",
                    body,
                )
            dst.writestr(info, body)
    result = analyse(out.getvalue(), "export.ods")
    assert result.metadata.application.startswith("MicrosoftOffice/12.0")
    assert "OOXML_REZIPPED" not in codes(result)
