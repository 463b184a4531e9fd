"""OpenDocument extractor: packages written by odfpy and packages built by hand per the spec."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from authenticity.errors import ExtractionError
from authenticity.extract import extractor_for
from authenticity.extract.odf import extract_odf, parse_duration
from authenticity.model import jsonable

odf = pytest.importorskip("odf")
PLUS2 = dt.timezone(dt.timedelta(hours=2))


def odfpy_text() -> bytes:
    from odf import dc, meta, text
    from odf.opendocument import OpenDocumentText

    doc = OpenDocumentText()
    doc.meta.addElement(meta.InitialCreator(text="Анна Иванова"))
    doc.meta.addElement(dc.Creator(text="Bob Editor"))
    doc.meta.addElement(dc.Title(text="Quarterly report"))
    doc.meta.addElement(dc.Language(text="en-GB"))
    doc.meta.addElement(meta.CreationDate(text="2021-03-04T05:06:07"))
    doc.meta.addElement(dc.Date(text="2021-03-05T08:09:10.5"))
    doc.meta.addElement(meta.EditingDuration(text="PT1H2M3S"))
    doc.meta.addElement(meta.EditingCycles(text="7"))
    doc.meta.addElement(meta.DocumentStatistic(pagecount="3", wordcount="120"))
    doc.meta.addElement(meta.UserDefined(name="Case", text="A-17"))
    paragraph = text.P(text="Hello ")
    paragraph.addElement(text.Span(text="world"))
    paragraph.addElement(text.S(c="3"))
    paragraph.addText("after")
    doc.text.addElement(paragraph)
    doc.text.addElement(text.H(outlinelevel=1, text="Heading"))
    buf = io.BytesIO()
    doc.save(buf)
    return buf.getvalue()


def hand_made(meta_xml: str, content_xml: str | None = None, manifest: str | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", 0)
        zf.writestr("meta.xml", meta_xml)
        if content_xml is not None:
            zf.writestr("content.xml", content_xml)
        if manifest is not None:
            zf.writestr("META-INF/manifest.xml", manifest)
    return buf.getvalue()


_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" '
    'xmlns:xlink="http://www.w3.org/1999/xlink"'
)


def test_registered_for_odf_mimes_and_extensions() -> None:
    assert extractor_for("application/vnd.oasis.opendocument.text").fn is extract_odf
    assert extractor_for("application/vnd.oasis.opendocument.spreadsheet").fn is extract_odf
    assert extractor_for("application/vnd.oasis.opendocument.presentation").fn is extract_odf
    assert extractor_for("application/octet-stream", "odt").fn is extract_odf


def test_odfpy_document_metadata_and_text() -> None:
    ex = extract_odf(odfpy_text())
    meta = ex.metadata
    assert meta.author == "Анна Иванова"
    assert meta.last_modified_by == "Bob Editor"
    assert meta.created == dt.datetime(2021, 3, 4, 5, 6, 7)
    assert meta.modified == dt.datetime(2021, 3, 5, 8, 9, 10, 500000)
    assert meta.application == "ODFPY/1.4.1"
    assert meta.edit_time == 3723.0
    assert meta.revision == 7
    assert meta.title == "Quarterly report"
    assert meta.language == "en-GB"
    assert meta.page_count == 3
    assert meta.raw["user_defined"] == {"Case": "A-17"}
    assert meta.raw["meta:document-statistic"]["meta:word-count"] == "120"
    assert ex.text == "Hello world   after\nHeading\n"
    assert ex.facts["odf_mimetype"] == "application/vnd.oasis.opendocument.text"
    assert ex.facts["mimetype_first"] is True
    assert ex.facts["encrypted"] is False and ex.facts["has_macros"] is False
    assert ex.facts["editing_duration"] == "PT1H2M3S"
    json.dumps(jsonable(ex.facts))


def test_hand_made_spreadsheet_with_template_keywords_and_zone() -> None:
    meta = (
        f'<office:document-meta {_NS} office:version="1.3"><office:meta>'
        "<meta:generator>LibreOffice/7.6.4.1$Linux_X86_64</meta:generator>"
        "<meta:initial-creator>Ann</meta:initial-creator>"
        "<meta:creation-date>2023-01-02T10:00:00.123456789+02:00</meta:creation-date>"
        "<dc:date>2023-01-03T11:00:00Z</dc:date>"
        "<meta:print-date>2023-01-04T09:30:00</meta:print-date>"
        "<meta:editing-duration>P1DT2H30M</meta:editing-duration>"
        "<meta:keyword>budget</meta:keyword><meta:keyword>q3</meta:keyword>"
        '<meta:template xlink:href="../t.ots" xlink:title="Budget template"/>'
        '<meta:document-statistic meta:table-count="2" meta:cell-count="40"/>'
        "</office:meta></office:document-meta>"
    )
    ex = extract_odf(hand_made(meta, manifest=None))
    m = ex.metadata
    assert m.application == "LibreOffice/7.6.4.1$Linux_X86_64"
    assert m.created == dt.datetime(
        2023, 1, 2, 10, 0, 0, 123456, tzinfo=dt.timezone(dt.timedelta(hours=2))
    )
    assert m.modified == dt.datetime(2023, 1, 3, 11, 0, tzinfo=dt.UTC)
    assert m.printed == dt.datetime(2023, 1, 4, 9, 30)
    assert m.edit_time == 86400 + 2 * 3600 + 30 * 60
    assert m.keywords == "budget; q3"
    assert m.template == "Budget template"
    assert m.page_count is None
    assert ex.facts["has_manifest"] is False


def test_encrypted_content_keeps_plain_meta() -> None:
    meta = (
        f"<office:document-meta {_NS}><office:meta><dc:creator>Eve</dc:creator>"
        "</office:meta></office:document-meta>"
    )
    manifest = (
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml">'
        '<manifest:encryption-data manifest:checksum-type="SHA1/1K" manifest:checksum="x"/>'
        "</manifest:file-entry></manifest:manifest>"
    )
    ex = extract_odf(hand_made(meta, content_xml="\x00garbage", manifest=manifest))
    assert ex.facts["encrypted"] is True
    assert ex.facts["encrypted_parts"] == ["content.xml"]
    assert ex.metadata.last_modified_by == "Eve"
    assert ex.text == ""


def test_entity_declarations_are_refused_in_text() -> None:
    content = (
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]>'
        '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"/>'
    )
    ex = extract_odf(hand_made(f"<office:document-meta {_NS}/>", content_xml=content))
    assert "forbidden" in ex.facts["text_error"]


@pytest.mark.parametrize("data", [b"", b"PK\x03\x04broken", b"not a zip at all"])
def test_garbage_raises(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_odf(data)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("PT1H2M3S", 3723.0),
        ("P0DT0H5M10S", 310.0),
        ("PT0.5S", 0.5),
        ("P1W", 604800.0),
        ("-PT10M", -600.0),
        ("P", None),
        ("1H", None),
        (None, None),
    ],
)
def test_parse_duration(value: str | None, seconds: float | None) -> None:
    assert parse_duration(value) == seconds
