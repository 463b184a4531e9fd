"""OLE2 extractor against real files: the shared corpus and an encrypted OOXML container."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path

import docx
import pytest

from authenticity.errors import EncryptedDocument, ExtractionError
from authenticity.extract import extractor_for
from authenticity.extract.ole import codec_for, extract_ole
from authenticity.model import Extraction, jsonable

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "ole"
CORPUS_FILES = sorted(p for p in CORPUS.glob("*") if p.is_file()) if CORPUS.is_dir() else []
needs_corpus = pytest.mark.skipif(not CORPUS_FILES, reason="shared corpus not available")
UTC = dt.UTC


def corpus(name: str) -> bytes:
    return (CORPUS / name).read_bytes()


@pytest.mark.parametrize(
    ("mime", "ext"),
    [
        ("application/msword", ""),
        ("application/vnd.ms-excel", ""),
        ("application/vnd.ms-powerpoint", ""),
        ("application/x-ole-storage", ""),
        ("application/CDFV2", ""),
        ("application/encrypted", ""),
        ("application/vnd.ms-office", ""),
        ("application/octet-stream", "dot"),
        ("application/octet-stream", "pps"),
    ],
)
def test_registered(mime: str, ext: str) -> None:
    assert extractor_for(mime, ext).fn is extract_ole


@pytest.mark.parametrize(
    ("codepage", "codec"),
    [(1252, "cp1252"), (1251, "cp1251"), (-535, "utf-8"), (10000, "mac_roman"), (None, "cp1252"),
     (4242, "cp1252")],
)  # fmt: skip
def test_codec_for(codepage: int | None, codec: str) -> None:
    assert codec_for(codepage) == codec


# --- corpus files, values confirmed with exiftool ------------------------------------------


@needs_corpus
def test_word_cyrillic_summary_information() -> None:
    ex = extract_ole(corpus("apache__test-data_document_52420.doc"))
    meta = ex.metadata
    assert ex.facts["codec"] == "cp1251"
    assert meta.author == "Кудрицкая"
    assert meta.company == "МГВРК"
    assert meta.title == "Міністэрства адукацыі Рэспублікі Беларусь"
    assert meta.last_modified_by == "Admin"
    assert meta.application == "Microsoft Office Word"
    assert meta.app_version == "12.0000"
    assert meta.template == "Normal.dotm"
    assert meta.revision == 23
    assert meta.edit_time == 40 * 60.0  # exiftool: 40 minutes
    assert meta.page_count == 1
    # FILETIMEs are UTC: aware datetimes.
    assert meta.created == dt.datetime(2011, 11, 25, 11, 19, tzinfo=UTC)
    assert meta.modified == dt.datetime(2012, 9, 28, 12, 52, tzinfo=UTC)
    assert meta.printed == dt.datetime(2011, 6, 20, 13, 49, tzinfo=UTC)
    assert meta.raw["heading_pairs"] == ["Название", 1]
    assert meta.raw["num_words"] == 203
    assert meta.raw["codepage"] == 1251
    assert ex.facts["ole_kind"] == "word"
    assert ex.facts["encrypted"] is False
    assert ex.facts["has_vba"] is False
    assert ex.facts["ole_streams"] == [
        "\x01CompObj",
        "\x05DocumentSummaryInformation",
        "\x05SummaryInformation",
        "1Table",
        "Data",
        "WordDocument",
    ]
    assert ex.facts["ole_root_modified"] == dt.datetime(2012, 9, 28, 12, 52, 41, 593000, UTC)
    assert ex.text == ""


@needs_corpus
def test_word95_utf8_codepage_and_unset_print_time() -> None:
    meta = extract_ole(corpus("apache__test-data_document_Word95.doc")).metadata
    assert meta.raw["codepage"] == -535  # 65001 stored as a signed 16-bit value
    assert meta.author == "Nevin Nollop"
    assert meta.last_modified_by == "Derek Hulley"
    assert meta.title == "The quick brown fox jumps over the lazy dog"
    assert meta.subject == "Gym class featuring a brown fox and lazy dog"
    assert meta.created == dt.datetime(2005, 5, 26, 12, 57, tzinfo=UTC)
    assert meta.modified == dt.datetime(2005, 9, 20, 17, 25, tzinfo=UTC)
    assert meta.printed is None  # FILETIME 0 = 1601-01-01
    assert meta.revision == 6


@needs_corpus
def test_powerpoint_slides_edit_time_and_version() -> None:
    ex = extract_ole(corpus("apache__test-data_slideshow_SimpleMacro.ppt"))
    meta = ex.metadata
    assert meta.author == "Javen ONeal"
    assert meta.title == "This is a macro slideshow"
    assert meta.application == "Microsoft Office PowerPoint"
    assert meta.app_version == "12.0000"
    assert meta.edit_time == 850.0  # exiftool: 14.2 minutes
    assert meta.page_count == 1  # Slides
    assert meta.created == dt.datetime(2016, 4, 11, 1, 57, 3, 188000, tzinfo=UTC)
    assert meta.raw["presentation_target"] == "On-screen Show (4:3)"
    assert meta.raw["titles_of_parts"][-1] == "This is a macro slideshow!!"
    assert meta.raw["thumbnail"] == {"size": 57736}
    assert ex.facts["ole_kind"] == "powerpoint"


@needs_corpus
def test_excel_last_printed_and_app_version() -> None:
    meta = extract_ole(corpus("apache__test-data_hpsf_TestBug44375.xls")).metadata
    assert meta.author is None  # empty string in the property set
    assert meta.raw["author"] == ""
    assert meta.last_modified_by == "lpoublan"
    assert meta.printed == dt.datetime(2007, 7, 1, 21, 38, 59, tzinfo=UTC)
    assert meta.created == dt.datetime(2003, 11, 7, 21, 49, 56, tzinfo=UTC)
    assert meta.modified == dt.datetime(2008, 2, 7, 16, 36, 3, tzinfo=UTC)
    assert meta.app_version == "11.6408"
    assert meta.raw["titles_of_parts"] == ["sheet1", "sheet2"]


@needs_corpus
def test_user_defined_properties() -> None:
    meta = extract_ole(corpus("apache__test-data_document_empty.doc")).metadata
    assert meta.company == "CIBC World Markets"
    assert meta.raw["user_defined"]["_PID_GUID"] == "{105F071C-540E-11D7-ABB9-0008025430EF}"
    italian = extract_ole(corpus("apache__test-data_document_Bug45877.doc")).metadata
    assert italian.raw["user_defined"] == {"NParagrafiObbligatori": 11, "NFigurePreviste": 0}


@needs_corpus
@pytest.mark.parametrize(
    ("name", "storage"),
    [
        ("apache__test-data_document_60279.doc", "Macros/VBA/dir"),
        ("apache__test-data_spreadsheet_30070.xls", "_VBA_PROJECT_CUR/VBA/Module1"),
    ],
)
def test_vba_storages_are_reported(name: str, storage: str) -> None:
    facts = extract_ole(corpus(name)).facts
    assert facts["has_vba"] is True
    assert storage in facts["ole_streams"]


@needs_corpus
@pytest.mark.parametrize(
    "name",
    [
        "apache__test-data_slideshow_ppt_with_png_encrypted.ppt",  # EncryptedSummary only
        # encrypted OOXML packages (EncryptionInfo + EncryptedPackage), no SummaryInformation
        "apache__test-data_slideshow_clusterfuzz-testcase-minimized-POIFuzzer-5681320547975168.ppt",
    ],
)
def test_encrypted_without_summary_raises(name: str) -> None:
    with pytest.raises(EncryptedDocument):
        extract_ole(corpus(name))


@needs_corpus
def test_corpus_every_file_extracts_or_fails_cleanly() -> None:
    outcomes: dict[str, str] = {}
    for path in CORPUS_FILES:
        try:
            ex = extract_ole(path.read_bytes())
        except ExtractionError as exc:
            outcomes[path.name] = f"{type(exc).__name__}: {exc}"
            continue
        assert isinstance(ex, Extraction)
        json.dumps(ex.metadata.to_json())
        json.dumps(jsonable(ex.facts))
        for name in ("created", "modified", "printed"):
            value = getattr(ex.metadata, name)
            assert value is None or value.tzinfo is not None
        outcomes[path.name] = "ok"
    ok = sum(1 for v in outcomes.values() if v == "ok")
    assert ok >= 0.95 * len(outcomes), {k: v for k, v in outcomes.items() if v != "ok"}


# --- a container written by a real producer library ----------------------------------------


def test_password_protected_docx_is_encrypted_ole() -> None:
    ooxml = pytest.importorskip("msoffcrypto.format.ooxml")
    document = docx.Document()
    document.add_paragraph("secret")
    document.core_properties.author = "Hidden Author"
    plain = io.BytesIO()
    document.save(plain)
    plain.seek(0)
    out = io.BytesIO()
    ooxml.OOXMLFile(plain).encrypt("pa55word", out)
    data = out.getvalue()
    assert data.startswith(b"\xd0\xcf\x11\xe0")
    with pytest.raises(EncryptedDocument, match="encrypted OOXML"):
        extract_ole(data)


# --- failure modes --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"not an ole file" * 200,
        b"PK\x03\x04" + b"\x00" * 2000,
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\xff" * 3000,
    ],
    ids=["empty", "text", "zip", "ole-magic-then-garbage"],
)
def test_garbage_raises_extraction_error(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_ole(data)


@needs_corpus
@pytest.mark.parametrize("size", [600, 1600, 5000])
def test_truncated_doc_raises_extraction_error(size: int) -> None:
    data = corpus("apache__test-data_document_52420.doc")[:size]
    with pytest.raises(ExtractionError):
        extract_ole(data)


@needs_corpus
def test_storage_directory_timestamps() -> None:
    facts = extract_ole(corpus("apache__test-data_document_Bug50936_1.doc")).facts
    times = {t["path"]: t for t in facts["ole_storage_times"]}
    pool = times["ObjectPool"]
    assert pool["created"] == dt.datetime(2000, 7, 7, 23, 3, 42, 420000, tzinfo=dt.UTC)
    assert pool["modified"] == dt.datetime(2000, 7, 7, 23, 3, 45, 330000, tzinfo=dt.UTC)
    assert times["ObjectPool/_1006857411"]["created"] == dt.datetime(
        2000, 7, 7, 23, 3, 42, 810000, tzinfo=dt.UTC
    )
    json.dumps(jsonable(facts))


@needs_corpus
def test_storage_times_of_vba_project() -> None:
    facts = extract_ole(corpus("apache__test-data_spreadsheet_27272_1.xls")).facts
    times = {t["path"]: t for t in facts["ole_storage_times"]}
    assert times["_VBA_PROJECT_CUR"]["modified"] == dt.datetime(
        2004, 2, 26, 22, 23, 31, 388000, tzinfo=dt.UTC
    )


def test_vector_count_bomb_in_a_property_set_is_not_parsed() -> None:
    # A "last saved" property turned into a VT_VECTOR|VT_LPSTR claiming 2^31-1 elements in
    # a 4 KB stream (olefile would loop that many times): the property sets are skipped with
    # a reason, the rest of the container is still read, and it takes no time.
    import struct
    import time

    import olefile

    from authenticity.synth import oleprops

    data = corpus("apache__test-data_spreadsheet_44167.xls")
    assert extract_ole(data).metadata.modified is not None
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        stream = bytearray(ole.openstream(oleprops.STREAM).read())
    value = oleprops._offsets(bytes(stream))["modified"] - 4
    struct.pack_into("<II", stream, value, 0x101E, 0x7FFFFFFF)
    buf = io.BytesIO(data)
    with olefile.OleFileIO(buf, write_mode=True) as ole:
        ole.write_stream(oleprops.STREAM, bytes(stream))
    started = time.monotonic()
    result = extract_ole(buf.getvalue())
    assert time.monotonic() - started < 5
    assert "vector of 2147483647 elements" in result.facts["metadata_error"]
    assert result.metadata.modified is None
    assert result.facts["ole_kind"] == "excel" and result.facts["ole_root_modified"] is not None


def test_property_count_bomb_behind_a_zero_section_count() -> None:
    # olefile reads the first section whatever the header's section count says: a header
    # saying 0 sections does not hide a section claiming 2^31-1 properties.
    import struct

    import olefile

    from authenticity.extract.ole import property_set_problem
    from authenticity.synth import oleprops

    data = corpus("apache__test-data_spreadsheet_44167.xls")
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        stream = bytearray(ole.openstream(oleprops.STREAM).read())
    assert property_set_problem(bytes(stream)) is None
    (section,) = struct.unpack_from("<I", stream, 44)
    struct.pack_into("<I", stream, 24, 0)
    struct.pack_into("<I", stream, section + 4, 0x7FFFFFFF)
    assert "2147483647 properties" in property_set_problem(bytes(stream))


@pytest.mark.parametrize(
    "name, labels",
    [
        ("apache__test-data_document_52420.doc", ["Название"]),  # a Russian Word, cp1251
        ("apache__test-data_document_58804.doc", ["Title"]),
        # DocumentSummaryInformation in UTF-8 under a cp1252 / cp932 SummaryInformation
        # (values confirmed with exiftool)
        ("apache__test-data_slideshow_bug60993.ppt", ["사용한 글꼴", "테마", "슬라이드 제목"]),
        (
            "apache__test-data_slideshow_bug57820-initTableNullRefrenceException.ppt",
            ["使用されているフォント", "テーマ", "スライド タイトル"],
        ),
    ],
)
def test_office_interface_labels_of_binary_files(name, labels):
    from tests.conftest import corpus_file

    extraction = extract_ole(corpus_file(f"ole/{name}"))
    assert extraction.facts["office_ui_labels"] == labels


def test_ooxml_interface_labels_come_from_app_xml():
    from authenticity.extract.ooxml import extract_ooxml
    from tests.conftest import corpus_file

    facts = extract_ooxml(corpus_file("ooxml/apache__test-data_spreadsheet_50795.xlsx")).facts
    assert facts["office_ui_labels"] == ["Листы"]
    facts = extract_ooxml(corpus_file("ooxml/apache__test-data_slideshow_45545_Comment.pptx")).facts
    assert facts["office_ui_labels"] == ["Theme", "Embedded OLE Servers", "Slide Titles"]
