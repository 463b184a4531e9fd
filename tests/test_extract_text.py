from __future__ import annotations

import codecs
import datetime as dt
import json
from pathlib import Path

import pytest

from authenticity.errors import ExtractionError
from authenticity.extract import extractor_for
from authenticity.extract.text import (
    decode_text,
    extract_text,
    html_to_text,
    looks_like_email,
    rtf_to_text,
)
from authenticity.model import jsonable
from authenticity.sniff import detect_mime

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
EMAILS = CORPUS / "email"

RTF = rb"""{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0\fswiss Arial;}}
{\*\generator Riched20 10.0.19041}
{\info{\title Board minutes}{\subject Q3}{\author Alice Example}{\operator Mallory}
{\keywords budget, draft}{\doccomm Internal only}{\*\company ACME Corp}
{\creatim\yr2019\mo4\dy1\hr9\min30}{\revtim\yr2020\mo2\dy29\hr23\min5}
\version7\edmins42\nofpages3\nofwords120}
\viewkind4\uc1\pard\f0\fs20 Caf\'e9 meeting at 10.\par
Second line with \{braces\} and \u8364? euro.\par
{\*\unknowndest hidden}{\field{\*\fldinst HYPERLINK "x"}{\fldrslt linked}}\par
}"""

HTML = """<!DOCTYPE html>
<html lang="de"><head>
<meta charset="utf-8">
<title>Quartalsbericht  2021</title>
<meta name="author" content="Erika Mustermann">
<meta name="generator" content="Microsoft Word 15">
<meta name="keywords" content="bericht, intern">
<style>body { color: red }</style>
<script>var secret = 1;</script>
</head>
<body><h1>Bericht</h1><p>Umsatz &amp; Gewinn</p><p>Zweite Zeile</p></body></html>
"""


def test_registrations() -> None:
    for mime in ("text/plain", "text/html", "text/csv", "text/rtf", "application/rtf"):
        assert extractor_for(mime).fn is extract_text, mime
    assert extractor_for("application/octet-stream", "csv").fn is extract_text


def test_plain_utf8() -> None:
    result = extract_text("Grüße, naïve café\nline 2\n".encode())
    assert result.text == "Grüße, naïve café\nline 2\n"
    assert result.facts["encoding"] == "utf-8"
    assert result.facts["parsed_as"] == "text"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF8 + "é".encode(), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + "é\x00x".encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + "é".encode("utf-16-be"), "utf-16-be"),
        ("“quoted” – é".encode("cp1252"), "cp1252"),
        (b"\x81\x8d\x8f\x90\x9d", "latin-1"),  # undefined in cp1252
    ],
)
def test_decoding_fallbacks(data: bytes, encoding: str) -> None:
    text, used = decode_text(data)
    assert used == encoding
    assert extract_text(data).facts["encoding"] == encoding
    assert text


def test_html_metadata_and_text() -> None:
    result = extract_text(HTML.encode())
    meta = result.metadata
    assert meta.title == "Quartalsbericht 2021"
    assert meta.author == "Erika Mustermann"
    assert meta.application == "Microsoft Word 15"
    assert meta.keywords == "bericht, intern"
    assert meta.language == "de"
    assert meta.raw["meta"]["generator"] == "Microsoft Word 15"
    assert result.text == "Bericht\n\nUmsatz & Gewinn\n\nZweite Zeile"
    assert "secret" not in result.text and "color" not in result.text
    assert result.facts["parsed_as"] == "html"


def test_html_to_text_survives_broken_markup() -> None:
    assert html_to_text("<p>a<b>b</i><<>>c</div").startswith("ab<<>>c")


def test_rtf_info_group() -> None:
    result = extract_text(RTF)
    meta = result.metadata
    assert meta.title == "Board minutes"
    assert meta.subject == "Q3"
    assert meta.author == "Alice Example"
    assert meta.last_modified_by == "Mallory"
    assert meta.keywords == "budget, draft"
    assert meta.company == "ACME Corp"
    assert meta.created == dt.datetime(2019, 4, 1, 9, 30)
    assert meta.modified == dt.datetime(2020, 2, 29, 23, 5)
    assert meta.application == "Riched20 10.0.19041"
    assert meta.revision == 7
    assert meta.edit_time == 42 * 60
    assert meta.page_count == 3
    assert meta.raw["doccomm"] == "Internal only"
    assert meta.raw["nofwords"] == 120
    assert result.facts["doccomm"] == "Internal only"
    assert result.facts["parsed_as"] == "rtf"
    text = result.text
    assert "Café meeting at 10." in text
    assert "Second line with {braces} and € euro." in text
    assert "linked" in text
    for hidden in ("Alice", "Arial", "hidden", "HYPERLINK", "Riched"):
        assert hidden not in text
    json.dumps(meta.to_json())
    json.dumps(jsonable(result.facts))


def test_rtf_without_info() -> None:
    result = extract_text(rb"{\rtf1\ansi plain \b bold\b0  text\par}")
    assert result.text == "plain bold text"
    assert result.metadata.author is None
    assert result.facts["rtf_info_group"] is False


def test_rtf_to_text_unicode_skip() -> None:
    # \uN is decimal; \uc2 says two fallback characters follow and must be skipped.
    assert rtf_to_text(r"{\rtf1\uc2 a\u8364??b\uc1\u-3988?c}") == "a\u20acb\uf06cc"


def test_email_in_text_is_delegated() -> None:
    data = (
        b"Return-Path: <a@example.org>\n"
        b"Received: from x by y with SMTP; Mon, 1 Feb 2021 10:00:00 +0000\n"
        b"From: A <a@example.org>\n"
        b"Subject: hello\n"
        b"Date: Mon, 1 Feb 2021 10:00:00 +0000\n"
        b"\n"
        b"body\n"
    )
    result = extract_text(data)
    assert result.metadata.author == "A <a@example.org>"
    assert result.metadata.title == "hello"
    assert len(result.facts["received"]) == 1
    assert result.facts["parsed_as"] == "rfc822"
    assert result.text.strip() == "body"


@pytest.mark.parametrize(
    "text",
    [
        "Dear Sir,\nFrom: me\n",
        "key: value\nother: thing\n\nnot mail headers",
        "v=DKIM1; k=rsa; p=MIGf",
        "name,from,subject\n1,2,3\n",
    ],
)
def test_non_email_text_is_not_delegated(text: str) -> None:
    assert not looks_like_email(text)
    assert extract_text(text.encode()).facts["parsed_as"] == "text"


def test_text_cap() -> None:
    assert len(extract_text(b"a" * 300_000).text) == 100_000


def test_binary_garbage_raises() -> None:
    with pytest.raises(ExtractionError):
        extract_text(b"\x00\x01\x02\xff\xfe\x00" * 200)


@pytest.mark.skipif(not EMAILS.is_dir(), reason="shared corpus not available")
def test_corpus_mail_detected_as_text_plain() -> None:
    """libmagic says text/plain for these messages; the text extractor hands them on."""
    path = EMAILS / "SpamScope__tests_mails_mail_test_18"
    data = path.read_bytes()
    assert detect_mime(data) == "text/plain"
    result = extract_text(data)
    assert result.metadata.author == '"LastßlName, FirstName" <comma.name@example.com>'
    assert result.metadata.title == "Test for Comma and Name Bugs"
    assert result.metadata.created == dt.datetime(
        2025, 11, 3, 18, 23, tzinfo=dt.timezone(dt.timedelta(hours=1))
    )
    key = extract_text((EMAILS / "kitterma__dkim_tests_data_test.txt").read_bytes())
    assert key.facts["parsed_as"] == "text"
    assert key.text.startswith("v=DKIM1;")
