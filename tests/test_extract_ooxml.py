"""OOXML extractor against real files: the shared corpus and files written by real libraries."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from openpyxl.packaging.custom import IntProperty, StringProperty

from authenticity.errors import ExtractionError
from authenticity.extract import extractor_for, ooxml
from authenticity.extract.ooxml import extract_ooxml
from authenticity.model import Extraction, jsonable

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ooxml"
CORPUS_FILES = sorted(p for p in CORPUS.glob("*") if p.is_file()) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not available")
UTC = dt.UTC


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize(
    ("mime", "ext"),
    [
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""),
        ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ""),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ""),
        ("application/vnd.ms-word.document.macroEnabled.12", ""),
        ("application/vnd.ms-excel.sheet.macroEnabled.12", ""),
        ("application/vnd.ms-powerpoint.presentation.macroEnabled.12", ""),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.template", ""),
        ("application/octet-stream", "xltx"),
        ("application/octet-stream", "potx"),
    ],
)
def test_registered(mime: str, ext: str) -> None:
    assert extractor_for(mime, ext).fn is extract_ooxml


# --- corpus files, values confirmed with unzip -p and exiftool -----------------------------


@needs_corpus
def test_word_2010_core_and_app_properties() -> None:
    ex = extract_ooxml(
        corpus("apache__test-data_document_TestPoiXMLDocumentCorePropertiesGetKeywords.docx")
    )
    meta = ex.metadata
    assert meta.author == "Christiaan Fluit"
    assert meta.last_modified_by == "Chris"
    assert meta.title == "Example Word 2010 Document"
    assert meta.subject == "testing document extractors"
    assert meta.keywords == "extractor, test, rdf"
    assert meta.revision == 6
    assert meta.created == dt.datetime(2010, 2, 3, 14, 16, tzinfo=UTC)
    assert meta.modified == dt.datetime(2010, 2, 3, 14, 34, tzinfo=UTC)
    assert meta.application == "Microsoft Office Word"
    assert meta.app_version == "14.0000"
    assert meta.template == "Normal.dotm"
    assert meta.company is None  # <Company></Company>
    assert meta.edit_time == 180.0  # TotalTime 3 minutes
    assert meta.page_count == 1
    assert meta.raw["core"]["cp:category"] == "example documents"
    assert meta.raw["core"]["dc:description"] == "These are some sample comments."
    assert meta.raw["core"]["dcterms:created"] == "2010-02-03T14:16:00Z"
    assert meta.raw["app"]["Words"] == "10"
    assert meta.raw["app"]["TitlesOfParts"] == ["Example Word 2010 Document"]
    assert meta.raw["app"]["HeadingPairs"] == ["Title", 1]
    assert ex.text.strip() == "This is an example document created with Microsoft Word 2010 Beta."
    facts = ex.facts
    assert facts["zip_entry_count"] == 13
    assert facts["zip_entries"][0] == {
        "name": "[Content_Types].xml",
        "date_time": "1980-01-01T00:00:00",
        "compress_type": zipfile.ZIP_DEFLATED,
        "flag_bits": 6,  # Office's deflate option bits
        "size": 1422,
    }
    assert facts["zip_deflate"] == {"deflated": 13, "office_flags": 13}
    assert [e["name"] for e in facts["zip_entries"]][-2:] == [
        "word/fontTable.xml",
        "word/styles.xml",
    ]
    assert facts["main_part"] == "word/document.xml"
    assert facts["has_vba"] is False
    assert facts["zip_recovered"] is False


@needs_corpus
def test_powerpoint_custom_properties_printed_and_slides() -> None:
    ex = extract_ooxml(corpus("apache__test-data_slideshow_45545_Comment.pptx"))
    meta = ex.metadata
    assert meta.author == "Antonio Vives"
    assert meta.last_modified_by == "XPVMWARE01"
    assert meta.title == "Water Finance"
    assert meta.revision == 503
    assert meta.created == dt.datetime(1998, 11, 20, 16, 31, 11, tzinfo=UTC)
    assert meta.modified == dt.datetime(2007, 10, 23, 7, 18, 55, tzinfo=UTC)
    assert meta.printed == dt.datetime(2002, 5, 3, 16, 19, 44, tzinfo=UTC)
    assert meta.application == "Microsoft PowerPoint 7.0"
    assert meta.app_version == "12.0000"
    assert meta.company == "IADB"
    assert meta.page_count == 11  # <Slides>
    assert meta.edit_time == 20048 * 60.0  # exiftool: 13.9 days
    assert meta.raw["app"]["Manager"] == "Antonio Vives"
    custom = meta.raw["custom"]
    assert custom["MailAddress"] == "martinc@iadb.org"
    assert custom["OutputDir"] == "I:\\STRATEGY\\Presentation"
    assert custom["Compression"] == 100
    assert custom["DownloadOriginal"] is True
    assert custom["ShowNotes"] is False
    # Slides are read in slide-number order (slide1 first although the zip lists slide8 first).
    assert ex.text.startswith("Removing financing obstacles through project structuring")
    assert "Inter-American Development Bank" in ex.text


@needs_corpus
def test_excel_non_ascii_author_and_shared_strings() -> None:
    ex = extract_ooxml(corpus("apache__test-data_spreadsheet_56502.xlsx"))
    meta = ex.metadata
    assert meta.author == "Frederik Bäßmann"
    assert meta.last_modified_by == "Frederik Bäßmann"
    assert meta.company == "LucaNet AG"
    assert meta.app_version == "14.0300"
    assert meta.created == dt.datetime(2010, 1, 21, 9, 40, 48, tzinfo=UTC)
    assert meta.raw["app"]["TitlesOfParts"] == ["Tabelle1", "Tabelle2", "Tabelle3"]
    assert meta.edit_time == 0.0  # <TotalTime>0</TotalTime>
    assert meta.page_count is None


@needs_corpus
def test_entity_expansion_is_refused_without_failing() -> None:
    # POI's billion-laughs sample: core.xml and sharedStrings.xml declare entities.
    ex = extract_ooxml(corpus("apache__test-data_spreadsheet_54764.xlsx"))
    assert "docProps/core.xml" in ex.facts["part_errors"]
    assert "EntitiesForbidden" in ex.facts["part_errors"]["docProps/core.xml"]
    assert "EntitiesForbidden" in ex.facts["text_error"]
    assert ex.text == ""
    # The values are still read with the DTD removed and nothing expanded (as ExifTool).
    assert ex.facts["parts_read_without_dtd"] == ["docProps/core.xml"]
    meta = ex.metadata
    assert meta.author == "Nick Burch"
    assert meta.last_modified_by == "Nick Burch"
    assert meta.title == "Spreadsheet"
    assert meta.created == dt.datetime(2008, 1, 4, 11, 51, 36, tzinfo=dt.UTC)
    assert meta.modified == dt.datetime(2008, 1, 4, 11, 55, 20, tzinfo=dt.UTC)
    assert "lol" not in json.dumps(jsonable(meta.to_json()))
    assert ex.metadata.application == "Microsoft Excel"  # app.xml is clean


@needs_corpus
def test_damaged_central_directory_is_recovered_from_local_headers() -> None:
    name = (
        "apache__test-data_document_clusterfuzz-testcase-minimized-"
        "POIXWPFFuzzer-6442791109263360.docx"
    )
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(CORPUS / name)
    ex = extract_ooxml(corpus(name))
    assert ex.facts["zip_recovered"] is True
    assert ex.facts["zip_error"] == "Bad magic number for central directory"
    assert [f.code for f in ex.findings] == ["OOXML_ZIP_DAMAGED"]
    assert ex.metadata.created == dt.datetime(2019, 10, 11, 5, 43, 14, tzinfo=UTC)
    assert ex.metadata.language == "de-AT"
    assert ex.facts["zip_entries"][0]["name"] == "_rels/.rels"
    assert ex.facts["zip_entries"][0]["date_time"] == "2019-10-11T03:44:24"


@needs_corpus
def test_corpus_every_file_extracts_or_fails_cleanly() -> None:
    outcomes: dict[str, str] = {}
    for path in CORPUS_FILES:
        try:
            ex = extract_ooxml(path.read_bytes())
        except ExtractionError as exc:
            outcomes[path.name] = f"failed: {exc}"
            continue
        assert isinstance(ex, Extraction)
        assert len(ex.text) <= ooxml.MAX_TEXT_CHARS
        json.dumps(ex.metadata.to_json())
        json.dumps(jsonable(ex.facts))
        outcomes[path.name] = "ok"
    ok = sum(1 for v in outcomes.values() if v == "ok")
    assert ok >= 0.95 * len(outcomes), {k: v for k, v in outcomes.items() if v != "ok"}


# --- files written by real producer libraries ----------------------------------------------


def python_docx_file() -> bytes:
    document = docx.Document()
    document.add_paragraph("Minutes of the board meeting.")
    document.add_paragraph("Second paragraph with ümlauts.")
    props = document.core_properties
    props.author = "Alice Example"
    props.last_modified_by = "Bob Example"
    props.created = dt.datetime(2021, 3, 4, 5, 6, 7)
    props.modified = dt.datetime(2022, 8, 9, 10, 11, 12)
    props.last_printed = dt.datetime(2022, 1, 2, 3, 4, 5)
    props.revision = 42
    props.title = "Board Minutes"
    props.subject = "Governance"
    props.keywords = "board; minutes"
    props.language = "en-GB"
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_python_docx_round_trip() -> None:
    ex = extract_ooxml(python_docx_file())
    meta = ex.metadata
    assert meta.author == "Alice Example"
    assert meta.last_modified_by == "Bob Example"
    # python-docx writes W3CDTF with a Z suffix: aware UTC datetimes come back.
    assert meta.created == dt.datetime(2021, 3, 4, 5, 6, 7, tzinfo=UTC)
    assert meta.modified == dt.datetime(2022, 8, 9, 10, 11, 12, tzinfo=UTC)
    assert meta.printed == dt.datetime(2022, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert meta.revision == 42
    assert meta.title == "Board Minutes"
    assert meta.subject == "Governance"
    assert meta.keywords == "board; minutes"
    assert meta.language == "en-GB"
    assert "Minutes of the board meeting.\n" in ex.text
    assert "Second paragraph with ümlauts." in ex.text
    assert ex.facts["main_part"] == "word/document.xml"
    assert "docProps/core.xml" in [e["name"] for e in ex.facts["zip_entries"]]


def test_openpyxl_round_trip_with_custom_properties() -> None:
    wb = openpyxl.Workbook()
    wb.active["A1"] = "Invoice 2023-117"
    wb.active["A2"] = "Paid in full"
    wb.properties.creator = "Carol Accountant"
    wb.properties.lastModifiedBy = "Dave Auditor"
    wb.properties.created = dt.datetime(2020, 6, 1, 8, 0, 0)
    wb.properties.title = "Invoices"
    wb.custom_doc_props.append(StringProperty(name="Department", value="Finance"))
    wb.custom_doc_props.append(IntProperty(name="Batch", value=17))
    buf = io.BytesIO()
    wb.save(buf)
    ex = extract_ooxml(buf.getvalue())
    meta = ex.metadata
    assert meta.author == "Carol Accountant"
    assert meta.last_modified_by == "Dave Auditor"
    assert meta.created == dt.datetime(2020, 6, 1, 8, 0, 0, tzinfo=UTC)
    assert meta.title == "Invoices"
    assert meta.application.startswith("Microsoft Excel Compatible / Openpyxl")
    assert meta.raw["custom"] == {"Department": "Finance", "Batch": 17}
    assert "Invoice 2023-117" in ex.text
    assert "Paid in full" in ex.text


def test_vba_project_is_reported(tmp_path: Path) -> None:
    src = io.BytesIO(python_docx_file())
    out = io.BytesIO()
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(out, "w") as zout:
        for item in zin.infolist():
            zout.writestr(item, zin.read(item.filename))
        zout.writestr("word/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\x00" * 60)
    assert extract_ooxml(out.getvalue()).facts["has_vba"] is True


# --- failure modes and bounds ---------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage" * 100, b"PK\x05\x06" + b"\x00" * 10, b"%PDF-1.4\n"],
    ids=["empty", "garbage", "bad-eocd", "pdf"],
)
def test_not_a_zip_raises_extraction_error(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_ooxml(data)


def test_truncated_docx_raises_extraction_error() -> None:
    data = python_docx_file()
    with pytest.raises(ExtractionError):
        extract_ooxml(data[:20])


def test_truncated_docx_keeps_what_local_headers_hold() -> None:
    # Cut before the central directory: the parts stored before the cut are recovered.
    data = python_docx_file()
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        core = zf.getinfo("docProps/core.xml")
        end_of_core = core.header_offset + 30 + len(core.filename) + core.compress_size + 64
    ex = extract_ooxml(data[: max(end_of_core, data.rfind(b"PK\x01\x02") - 1)])
    assert ex.facts["zip_recovered"] is True
    assert ex.metadata.author == "Alice Example"


def test_oversized_member_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    data = python_docx_file()
    monkeypatch.setattr(ooxml, "MAX_MEMBER_BYTES", 1000)  # document.xml is larger
    with pytest.raises(ooxml.MemberTooLarge, match="refusing to decompress"):
        extract_ooxml(data)


def test_external_entity_in_core_properties_is_not_followed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    core = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://'
        + str(secret)
        + '">]><cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/">'
        "<dc:creator>&e;</dc:creator></cp:coreProperties>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(python_docx_file())) as zin, zipfile.ZipFile(out, "w") as z:
        for item in zin.infolist():
            body = core.encode() if item.filename == "docProps/core.xml" else zin.read(item)
            z.writestr(item, body)
    ex = extract_ooxml(out.getvalue())
    assert ex.metadata.author is None
    assert "docProps/core.xml" in ex.facts["part_errors"]
    assert "TOP-SECRET" not in json.dumps(jsonable(ex.metadata.to_json()))


# --- Word revision traces, languages, reviewers, custom XML, external targets --------------


@needs_corpus
def test_word_rsids_and_languages() -> None:
    facts = extract_ooxml(corpus("apache__test-data_document_51921-Word-Crash067.docx")).facts
    assert facts["rsid_count"] == 258
    assert facts["rsid_root"] == "00805AD6"
    assert len(facts["rsids"]) == 258 and len(set(facts["rsids"])) == 258
    assert facts["languages"] == ["ar-SA", "de-DE", "en-GB"]
    assert facts["has_custom_xml"] is False


@needs_corpus
def test_tracked_change_authors() -> None:
    facts = extract_ooxml(corpus("apache__test-data_integration_stress023.docx")).facts
    assert facts["tracked_changes"] == {"del": 75, "ins": 144}
    assert facts["revision_authors"] == ["Author"]
    assert facts["has_custom_xml"] is True


@needs_corpus
def test_comment_authors() -> None:
    facts = extract_ooxml(corpus("apache__test-data_integration_stress010.docx")).facts
    assert facts["comment_authors"] == ["Start"]
    assert facts["tracked_changes"] == {}


@needs_corpus
def test_external_relationships_are_listed_not_followed() -> None:
    facts = extract_ooxml(corpus("apache__test-data_document_60316.docx")).facts
    assert facts["has_external_relationships"] is True
    assert facts["external_relationships"] == [
        {
            "part": "word/_rels/settings.xml.rels",
            "type": "attachedTemplate",
            "target": "file:///C:\\Users\\tallison\\Desktop\\working\\tmptmptmpt\\60316.dotx",
        }
    ]
    assert facts["has_custom_xml"] is True and facts["custom_xml_parts"] >= 1


def test_python_docx_hyperlink_and_no_tracked_changes() -> None:
    document = docx.Document()
    paragraph = document.add_paragraph("See ")
    part = document.part
    r_id = part.relate_to(
        "https://example.org/x",
        "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink",
        is_external=True,
    )
    assert r_id
    paragraph.add_run("the site")
    buf = io.BytesIO()
    document.save(buf)
    facts = extract_ooxml(buf.getvalue()).facts
    assert {"part": "word/_rels/document.xml.rels", "type": "hyperlink",
            "target": "https://example.org/x"} in facts["external_relationships"]  # fmt: skip
    assert facts["tracked_changes"] == {} and facts["revision_authors"] == []
    # python-docx's default template carries Word's rsids and en-US/ar-SA languages.
    assert facts["rsid_count"] >= 1
    assert "en-US" in facts["languages"]
