from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from email.message import EmailMessage
from email.policy import SMTP
from pathlib import Path

import pytest

from authenticity.errors import ExtractionError
from authenticity.extract import extractor_for
from authenticity.extract.email import extract_eml, extract_msg_file, parse_received
from authenticity.model import Extraction, jsonable
from authenticity.sniff import detect_mime

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
EMAILS = CORPUS / "email"
EMAIL_FILES = sorted(p for p in EMAILS.glob("*") if p.is_file()) if EMAILS.is_dir() else []

needs_corpus = pytest.mark.skipif(not EMAIL_FILES, reason="shared corpus not available")

#: Corpus files that are real messages (the rest are DKIM keys and DNS records).
REAL_EMAILS = [
    p
    for p in EMAIL_FILES
    if "clusterfuzz" not in p.name
    and (
        p.name.startswith(("SpamScope__", "apache__")) or p.suffix in (".msg", ".message", ".mbox")
    )
]


def _tz(hours: int) -> dt.timezone:
    return dt.timezone(dt.timedelta(hours=hours))


def _dispatch(path: Path) -> Extraction:
    data = path.read_bytes()
    reg = extractor_for(detect_mime(data), path.suffix.lstrip("."))
    assert reg is not None, path.name
    return reg.fn(data)


def test_registrations() -> None:
    assert extractor_for("message/rfc822").fn is extract_eml
    assert extractor_for("application/vnd.ms-outlook").fn is extract_msg_file
    assert extractor_for("application/octet-stream", "eml").fn is extract_eml
    assert extractor_for("application/octet-stream", "msg").fn is extract_msg_file


def _built_message() -> bytes:
    msg = EmailMessage()
    msg["Received"] = (
        "from relay.example.net (relay.example.net [192.0.2.7]) by mx.example.org "
        "(Postfix) with ESMTPS id 4AB12; Tue, 02 Mar 2021 10:00:05 +0000"
    )
    msg["Received"] = "from client.local by relay.example.net with ESMTP; 2 Mar 2021 10:00:01 +0100"
    msg["DKIM-Signature"] = "v=1; a=rsa-sha256; d=Example.ORG; s=sel; h=from; bh=x; b=y"
    msg["From"] = "Zoë Sender <zoe@example.org>"
    msg["To"] = "Bob <bob@example.net>, carol@example.net"
    msg["Subject"] = "Quarterly figures – draft"
    msg["Date"] = "Tue, 02 Mar 2021 11:00:00 +0100"
    msg["Message-ID"] = "<abc.123@example.org>"
    msg["X-Mailer"] = "Producer Mail 1.0"
    msg.set_content("Hello Bob,\nthe numbers are attached.\n")
    msg.add_alternative("<html><body><p>Hello <b>Bob</b></p></body></html>", subtype="html")
    msg.add_attachment(
        b"%PDF-1.4 fake" * 10, maintype="application", subtype="pdf", filename="figures.pdf"
    )
    msg["Content-Language"] = "en-GB"  # after the multipart conversion, which moves Content-*
    return msg.as_bytes(policy=SMTP)


def test_stdlib_built_message() -> None:
    result = extract_eml(_built_message())
    meta, facts = result.metadata, result.facts
    assert meta.author == "Zoë Sender <zoe@example.org>"
    assert meta.title == "Quarterly figures – draft"
    assert meta.created == dt.datetime(2021, 3, 2, 11, 0, tzinfo=_tz(1))
    assert meta.application == "Producer Mail 1.0"
    assert meta.language == "en-GB"
    assert facts["message_id"] == "<abc.123@example.org>"
    assert facts["to"] == "Bob <bob@example.net>, carol@example.net"
    assert facts["x_mailer"] == "Producer Mail 1.0"
    assert facts["has_dkim_signature"] is True
    assert facts["dkim_domains"] == ["example.org"]
    hops = facts["received"]
    assert [h["by"] for h in hops] == ["mx.example.org (Postfix)", "relay.example.net"]
    assert hops[0]["from"] == "relay.example.net (relay.example.net [192.0.2.7])"
    assert hops[0]["with"] == "ESMTPS"
    assert hops[0]["date"] == dt.datetime(2021, 3, 2, 10, 0, 5, tzinfo=dt.UTC)
    assert hops[1]["date"] == dt.datetime(2021, 3, 2, 10, 0, 1, tzinfo=_tz(1))
    pdf = b"%PDF-1.4 fake" * 10
    assert facts["attachments"] == [
        {
            "filename": "figures.pdf",
            "content_type": "application/pdf",
            "size": 130,
            "sha256": hashlib.sha256(pdf).hexdigest(),  # the attachment document's hash
        }
    ]
    assert "the numbers are attached" in result.text
    names = [name for name, _ in meta.raw["headers"]]
    assert names[:3] == ["Received", "Received", "DKIM-Signature"]
    json.dumps(meta.to_json())
    json.dumps(jsonable(facts))


def test_html_only_body_is_stripped() -> None:
    msg = EmailMessage()
    msg["From"] = "a@example.org"
    msg["Subject"] = "html"
    msg.set_content(
        "<html><head><style>p{}</style></head><body><p>Only <i>HTML</i></p></body>", "html"
    )
    result = extract_eml(msg.as_bytes())
    assert result.text == "Only HTML"


def test_hostile_headers_do_not_crash() -> None:
    data = (
        b"From: =?utf-8?q?broken <a@b\r\n"
        b"To: ,,,@@@;;; <<>>\r\n"
        b"Subject: =?x-unknown-charset?B?AAAA?=\r\n"
        b"Date: not a date at all\r\n"
        b"Received: ;;;\r\n"
        b"Content-Type: multipart/mixed; boundary=\r\n"
        b"Message-ID: <<<>>>\r\n"
        b"\r\nbody\r\n"
    )
    result = extract_eml(data)
    assert result.metadata.created is None
    assert len(result.facts["received"]) == 1
    assert len(result.metadata.raw["headers"]) == 7


def test_header_caps() -> None:
    data = b"".join(b"X-Spam-%d: %s\r\n" % (i, b"v" * 20_000) for i in range(600)) + b"\r\nx"
    headers = extract_eml(data).metadata.raw["headers"]
    assert len(headers) == 500
    assert all(len(value) <= 10_000 for _, value in headers)


@pytest.mark.parametrize(
    "data",
    [b"", b"garbage bytes without any header " * 20, b"\x00\x01\x02\x03binary\xff" * 40],
)
def test_garbage_raises(data: bytes) -> None:
    with pytest.raises(ExtractionError):
        extract_eml(data)
    with pytest.raises(ExtractionError):
        extract_msg_file(data)


def test_garbage_ole_msg_raises() -> None:
    with pytest.raises(ExtractionError):
        extract_msg_file(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)


def test_received_comments_do_not_start_clauses() -> None:
    hop = parse_received("(qmail 84128 invoked by uid 3013); 7 Mar 2011 19:23:23 -0000")
    assert hop["from"] is None and hop["by"] is None
    assert hop["date"] == dt.datetime(2011, 3, 7, 19, 23, 23)  # -0000: zone unknown


@needs_corpus
def test_ibm_notes_message() -> None:
    result = extract_eml((EMAILS / "SpamScope__tests_mails_mail_test_10").read_bytes())
    meta, facts = result.metadata, result.facts
    assert meta.author == "Nicoletta Bernasconi <nicoletta_bernasconi@it.ibm.com>"
    assert meta.title == (
        "*** ATTENZIONE *** - Modelli POWER7+ inclusi nella campagna Move To Eight"
    )
    assert meta.created == dt.datetime(2017, 3, 8, 16, 45, 48, tzinfo=dt.UTC)
    assert facts["message_id"] == (
        "<OF0C5D2406.A7134351-ONC12580DD.00582F46-C12580DD.005C1644@notes.na.collabserv.com>"
    )
    assert len(facts["received"]) == 15
    assert facts["x_mailer"] == "IBM Notes Release 9.0.1FP2 SHF37 August 25, 2014"
    assert meta.application == facts["x_mailer"]
    assert "Move To Eight ZWEP6227F.pdf" in [a["filename"] for a in facts["attachments"]]


@needs_corpus
def test_cdo_message() -> None:
    result = extract_eml((EMAILS / "SpamScope__tests_mails_mail_test_2").read_bytes())
    assert result.metadata.author == "meteo@regione.vda.it"
    assert result.metadata.title == "Bollettino Meteorologico del 29/11/2015"
    assert result.metadata.created == dt.datetime(2015, 11, 29, 9, 45, 18, tzinfo=_tz(1))
    assert result.facts["message_id"] == "<4516257BC5774408ADC1263EEBBBB73F@ad.regione.vda.it>"
    assert len(result.facts["received"]) == 4
    assert result.facts["x_mailer"] == "Microsoft CDO for Windows 2000"
    assert [a["filename"] for a in result.facts["attachments"]] == [
        "intestazione.jpg",
        "logometeo.jpg",
        "Bollettino.pdf",
    ]


@needs_corpus
def test_signed_mbox_message() -> None:
    result = extract_eml((EMAILS / "kitterma__dkim_tests_data_message.mbox").read_bytes())
    facts = result.facts
    assert result.metadata.author == "Scott Kitterman <scott@kitterman.com>"
    assert result.metadata.title == "Comments on PEP 394 draft"
    assert result.metadata.created == dt.datetime(2011, 3, 7, 14, 22, 57, tzinfo=_tz(-5))
    assert facts["message_id"] == "<201103071423.13147.scott@kitterman.com>"
    assert result.metadata.application.startswith("KMail/1.13.5")  # User-Agent
    assert facts["has_dkim_signature"] is True
    assert facts["dkim_domains"] == ["kitterman.com"]
    assert len(facts["received"]) == 6
    top, bottom = facts["received"][0], facts["received"][-1]
    assert top["date"] == dt.datetime(2011, 3, 7, 19, 23, 23)
    assert bottom["by"] == "mailout00.controlledmail.com (Postfix)"
    assert bottom["date"] == dt.datetime(2011, 3, 7, 14, 23, 18, tzinfo=_tz(-5))
    (attachment,) = facts["attachments"]
    assert {k: v for k, v in attachment.items() if k != "sha256"} == {
        "filename": "signature.asc",
        "content_type": "application/pgp-signature",
        "size": 198,
    }
    assert re.fullmatch("[0-9a-f]{64}", attachment["sha256"])


@needs_corpus
def test_outlook_msg_with_transport_headers() -> None:
    path = EMAILS / "apache__test-data_hsmf_simple_test_msg.msg"
    result = extract_msg_file(path.read_bytes())
    meta, facts = result.metadata, result.facts
    assert meta.author == "Travis Ferguson <travis@overwrittenstack.com>"
    assert meta.title == "test message"
    assert meta.created == dt.datetime(2007, 7, 6, 1, 27, 17, tzinfo=_tz(-4))
    assert facts["message_id"] == "<PGEFIIKPGDMKMJKEOPLDIEBICAAA.travis@overwrittenstack.com>"
    assert len(facts["received"]) == 2
    assert facts["received"][0]["by"] == "cp7.shieldhost.com"
    assert facts["has_transport_headers"] is True
    assert meta.raw["headers"][0] == ["Return-path", "<travis@overwrittenstack.com>"]
    assert result.text == "This is a test message."


@needs_corpus
def test_outlook_msg_without_transport_headers() -> None:
    path = EMAILS / "apache__test-data_hsmf_attachment_test_msg.msg"
    result = extract_msg_file(path.read_bytes())
    meta, facts = result.metadata, result.facts
    assert meta.author == "Nicolas1 23456"
    assert meta.title == "test pièce jointe 1"
    assert meta.created == dt.datetime(2009, 4, 22, 14, 36, 33, 734375, tzinfo=dt.UTC)
    assert meta.modified == dt.datetime(2009, 4, 22, 14, 37, 6, 343000, tzinfo=dt.UTC)
    assert meta.raw["headers"] == []
    assert meta.raw["mapi"]["MessageClass"] == "IPM.Note"
    assert facts["has_transport_headers"] is False
    assert [(a["filename"], a["size"]) for a in facts["attachments"]] == [
        ("test-unicode.doc", 24064),
        ("pj1.txt", 89),
    ]


@needs_corpus
def test_text_msg_extension_is_parsed_as_rfc822() -> None:
    result = extract_msg_file((EMAILS / "kitterma__dkim_tests_data_rfc6376.msg").read_bytes())
    assert result.metadata.author == "Joe SixPack <joe@football.example.com>"
    assert result.metadata.title == "Is dinner ready?"


@needs_corpus
@pytest.mark.parametrize("path", REAL_EMAILS, ids=lambda p: p.name)
def test_every_real_email_is_dispatched_to_email_parsing(path: Path) -> None:
    """libmagic says message/rfc822, vnd.ms-outlook or text/plain: all get mail facts."""
    result = _dispatch(path)
    assert "received" in result.facts and "message_id" in result.facts
    assert result.metadata.title or result.metadata.author


@needs_corpus
def test_gtube_detected_as_text_plain_gets_email_metadata() -> None:
    path = EMAILS / "SpamScope__tests_mails_mail_test_16"
    assert detect_mime(path.read_bytes()) == "text/plain"
    result = _dispatch(path)
    assert result.metadata.title == "Test spam mail (GTUBE)"
    assert result.metadata.author == "Sender <sender@example.net>"
    assert result.metadata.created == dt.datetime(2003, 7, 23, 23, 30, tzinfo=_tz(2))
    assert result.facts["message_id"] == "<GTUBE1.1010101@example.net>"
    assert result.facts["parsed_as"] == "rfc822"


@needs_corpus
@pytest.mark.parametrize("path", EMAIL_FILES, ids=lambda p: p.name)
def test_corpus_email_extracts_or_fails_cleanly(path: Path) -> None:
    try:
        result = _dispatch(path)
    except ExtractionError:
        return
    assert isinstance(result, Extraction)
    json.dumps(result.metadata.to_json())
    json.dumps(jsonable(result.facts))


@needs_corpus
def test_corpus_email_success_rate() -> None:
    ok = 0
    for path in EMAIL_FILES:
        try:
            _dispatch(path)
            ok += 1
        except ExtractionError:
            pass
    assert ok >= 0.95 * len(EMAIL_FILES)


def test_repetitive_renderings_are_not_aligned_at_any_cost():
    """A hostile body of a few words repeated thousands of times: difflib would take tens
    of seconds to align the two renderings; the comparison is skipped instead."""
    import time

    from authenticity.extract.email import compare_renderings

    plain = " ".join(f"x{i % 20}" for i in range(4000))
    html = " ".join(f"x{i % 19}" for i in range(4000))
    started = time.perf_counter()
    assert compare_renderings(plain, html) is None
    assert time.perf_counter() - started < 1.0
    text = "Le virement de 4 800 euros part lundi vers le compte habituel de la fondation."
    found = compare_renderings(text, text.replace("4 800", "4 300"))
    assert found is not None and found["substitutions"][0][:2] == ["800", "300"]
