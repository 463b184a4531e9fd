"""Received-chain and Date checks on messages built here and on the real email corpus."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from pathlib import Path

import pytest

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.model import Document, Severity
from tests.conftest import corpus_file

SETTINGS = Settings(workers=0, strict=True)
EMAIL_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "email"


def message(date: str, hops: list[str]) -> bytes:
    """An RFC 822 message; ``hops`` top (most recent) first, as relays prepend them."""
    lines = [f"Received: {hop}" for hop in hops]
    lines += [
        "From: Alice <alice@example.org>",
        "To: bob@example.net",
        "Subject: Minutes",
        f"Date: {date}",
        "Message-ID: <abc.123@example.org>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8",
        "",
        "See you tomorrow.",
        "",
    ]
    return "\r\n".join(lines).encode()


def hop(by: str, when: str, frm: str = "client.example.org") -> str:
    return f"from {frm} ([192.0.2.10])\r\n\tby {by} with ESMTPS id X1; {when}"


def analyse(data: bytes, settings: Settings = SETTINGS):
    doc = Document(path="m.eml", sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, settings)


def email_findings(data: bytes, settings: Settings = SETTINGS):
    return [f for f in analyse(data, settings).findings if f.code.startswith("EMAIL_")]


CONSISTENT = message(
    "Tue, 2 May 2017 10:15:00 +0200",
    [
        hop("mx.example.net", "Tue, 2 May 2017 08:15:09 +0000"),
        hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200", "[10.0.0.5]"),
    ],
)


def test_consistent_chain_has_no_findings():
    a = analyse(CONSISTENT)
    assert len(a.facts["received"]) == 2
    assert [f.code for f in a.findings if f.code.startswith("EMAIL_")] == []


def test_small_clock_skew_between_relays_is_tolerated():
    data = message(
        "Tue, 2 May 2017 10:15:00 +0200",
        [
            hop("mx.example.net", "Tue, 2 May 2017 08:10:00 +0000"),  # 5 min "early"
            hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200"),
        ],
    )
    assert email_findings(data) == []


def test_hop_earlier_than_the_one_below_it():
    data = message(
        "Tue, 2 May 2017 10:15:00 +0200",
        [
            hop("mx.example.net", "Mon, 1 May 2017 08:15:09 +0000"),  # a day before
            hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200"),
        ],
    )
    (f,) = email_findings(data)
    assert (f.code, f.severity) == ("EMAIL_RECEIVED_OUT_OF_ORDER", Severity.MEDIUM)
    assert f.evidence["gap_seconds"] == pytest.approx(86400 - 5, abs=1)
    assert "mx.example.net" in f.message and "out.example.org" in f.message
    assert f.evidence["later_hop_date"] == dt.datetime(2017, 5, 1, 8, 15, 9, tzinfo=dt.UTC)


def test_naive_hop_dates_get_time_zone_slack():
    # -0000 means "zone unknown": a few hours apart is not proof of anything.
    data = message(
        "Tue, 2 May 2017 10:15:00 +0200",
        [
            hop("mx.example.net", "Tue, 2 May 2017 03:15:09 -0000"),
            hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200"),
        ],
    )
    assert email_findings(data) == []


def test_date_after_first_hop():
    data = message(
        "Tue, 2 May 2017 14:00:00 +0200",  # written hours after it left
        [
            hop("mx.example.net", "Tue, 2 May 2017 08:15:09 +0000"),
            hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200"),
        ],
    )
    (f,) = email_findings(data)
    # hours after: a sender's clock in the wrong zone as often as an edit (low)
    assert (f.code, f.severity) == ("EMAIL_DATE_VS_RECEIVED", Severity.LOW)
    assert "later than the first relay" in f.message
    assert f.evidence["difference_seconds"] == pytest.approx(3 * 3600 + 45 * 60 - 4, abs=1)
    assert "out.example.org" in f.evidence["first_hop"]


def test_date_days_after_first_hop_is_medium():
    data = message(
        "Fri, 5 May 2017 14:00:00 +0200",  # three days after it left: moved forward
        [
            hop("mx.example.net", "Tue, 2 May 2017 08:15:09 +0000"),
            hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200"),
        ],
    )
    (f,) = email_findings(data)
    assert (f.code, f.severity) == ("EMAIL_DATE_VS_RECEIVED", Severity.MEDIUM)


def test_date_back_dated_weeks_before_first_hop():
    data = message(
        "Mon, 3 Apr 2017 09:00:00 +0200",
        [hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200")],
    )
    (f,) = email_findings(data)
    assert f.code == "EMAIL_DATE_VS_RECEIVED"
    assert "earlier than the first relay" in f.message


def test_date_a_day_before_first_hop_is_normal():
    # An outbox on a laptop that was offline overnight.
    data = message(
        "Mon, 1 May 2017 23:00:00 +0200",
        [hop("out.example.org", "Tue, 2 May 2017 10:15:04 +0200")],
    )
    assert email_findings(data) == []


def test_received_after_leak_date():
    settings = Settings(workers=0, strict=True, leak_date=dt.date(2017, 5, 1))
    (f,) = email_findings(CONSISTENT, settings)
    assert (f.code, f.severity) == ("EMAIL_RECEIVED_AFTER_LEAK", Severity.HIGH)
    assert "2017-05-01" in f.message
    assert email_findings(CONSISTENT, Settings(workers=0, leak_date=dt.date(2017, 5, 5))) == []


def test_missing_or_unparsable_dates_are_ignored():
    data = message(
        "not a date",
        [
            "from a by b with SMTP id 1",  # no date at all
            hop("out.example.org", "yesterday-ish"),
        ],
    )
    assert email_findings(data) == []


#: Real corpus emails with a medium+ email finding, and why it is right (see the report).
EXPECTED_CORPUS_FINDINGS = {
    # A 2016 hostedemail.com chain with two 2018 outlook.com hops spliced in below it.
    "SpamScope__tests_mails_mail_test_1": {"EMAIL_RECEIVED_OUT_OF_ORDER"},
    # Phishing mail: Date 00:26 UTC, but the relay says 17:19 UTC the day before (its
    # X-OriginalArrivalTime restates that relay's arrival: no finding of its own).
    "SpamScope__tests_mails_mail_test_15": {"EMAIL_DATE_VS_RECEIVED"},
    # Signed newsletters whose recipient address the fixture's authors replaced, in the
    # body too ("rollierjocelyne@fake.com, vous ne souhaitez plus recevoir...", "@test.it"):
    # the body hash (checked without the key) says the body is not the signed one.
    "SpamScope__tests_mails_mail_test_5": {"EMAIL_DKIM_BODY_HASH_MISMATCH"},
    "SpamScope__tests_mails_mail_test_6": {"EMAIL_DKIM_BODY_HASH_MISMATCH"},
    # RFC 6376's example message (Date: 11 Jul 2003) signed by dkimpy's authors in 2018
    # (t=1518460054): a message signed again long after it was written.
    "kitterma__dkim_tests_data_rfc6376.signed.msg": {"EMAIL_DATE_VS_SIGNING_TIME"},
}


def test_real_emails_have_no_unexplained_medium_findings():
    if not EMAIL_CORPUS.is_dir():
        pytest.skip(f"email corpus not found at {EMAIL_CORPUS}")
    settings = Settings(workers=0)
    seen: dict[str, set[str]] = {}
    for path in sorted(EMAIL_CORPUS.iterdir()):
        data = path.read_bytes()
        doc = Document(
            path=path.name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data
        )
        serious = {
            f.code
            for f in analyse_document(doc, settings).findings
            if f.code.startswith("EMAIL_") and f.severity.rank >= Severity.MEDIUM.rank
        }
        if serious:
            seen[path.name] = serious
    assert seen == {k: v for k, v in EXPECTED_CORPUS_FINDINGS.items() if k in seen}
    assert set(seen) <= set(EXPECTED_CORPUS_FINDINGS)


def test_python_message_id_under_a_mail_client_name():
    # A script builds the message with the stdlib (make_msgid) and copies Outlook's X-Mailer.
    from email.message import EmailMessage
    from email.utils import make_msgid

    def build(mailer: str | None, mid: str) -> bytes:
        msg = EmailMessage()
        msg["From"] = "Alice <alice@example.org>"
        msg["To"] = "bob@example.net"
        msg["Subject"] = "Virement"
        msg["Date"] = "Tue, 2 May 2017 10:15:00 +0200"
        msg["Message-ID"] = mid
        if mailer:
            msg["X-Mailer"] = mailer
        msg.set_content("Merci de virer 4 800 euros.")
        return msg.as_bytes()

    python_id = make_msgid(domain="example.org")
    outlook = "Microsoft Outlook 16.0"
    (finding,) = [
        f
        for f in email_findings(build(outlook, python_id))
        if f.code == "EMAIL_MESSAGE_ID_UNLIKE_CLIENT"
    ]
    assert finding.severity == Severity.HIGH and finding.evidence["client"] == outlook
    # Outlook's own shape, or no client claimed at all (a script that says nothing): no finding.
    outlook_id = "<000001d2c3a1$4b5c6d70$e2153850$@example.org>"
    for data in (build(outlook, outlook_id), build(None, python_id)):
        codes = {f.code for f in email_findings(data)}
        assert "EMAIL_MESSAGE_ID_UNLIKE_CLIENT" not in codes
    # Any other sending program named beside Python's Message-ID: a bulk mailer, a
    # groupware server; but not a program written in Python, which uses make_msgid itself.
    for mailer in ("MailChimp Mailer - **CID199bb58d0b042ea43672**", "Microsoft CDO for Windows"):
        (other,) = [
            f
            for f in email_findings(build(mailer, python_id))
            if f.code == "EMAIL_MESSAGE_ID_UNLIKE_CLIENT"
        ]
        assert other.severity == Severity.HIGH and other.evidence["known_client"] is False
    for mailer in ("Django", "Python smtplib", "Odoo", "Mailman 2.1"):
        codes = {f.code for f in email_findings(build(mailer, python_id))}
        assert "EMAIL_MESSAGE_ID_UNLIKE_CLIENT" not in codes, mailer


#: Real messages whose Message-ID carries a time stamp: Postfix/sendmail (UTC and local),
#: KMail (local wall clock), the RFC 6376 example.
STAMPED = [
    "SpamScope__tests_mails_mail_test_13",
    "SpamScope__tests_mails_mail_test_17",
    "SpamScope__tests_mails_mail_test_6",
    "kitterma__dkim_tests_data_message.mbox",
    "kitterma__dkim_tests_data_rfc6376.msg",
]


def _mail_codes(data: bytes) -> dict[str, str]:
    doc = Document(path="m.eml", sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return {f.code: f.severity.value for f in analyse_document(doc, Settings(workers=0)).findings}


@pytest.mark.parametrize("name", STAMPED)
def test_message_id_time_stamp_agrees_with_real_dates_and_catches_an_edited_one(name):
    import re

    path = EMAIL_CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    data = path.read_bytes()
    assert "EMAIL_MESSAGE_ID_TIME_MISMATCH" not in _mail_codes(data)
    # Back-date the Date header by three days, as a forger editing an unsigned mail would.
    m = re.search(rb"^Date: [^\r\n]*?(\d{1,2}) ([A-Z][a-z]{2}) (\d{4})", data, re.M)
    assert m is not None
    day = int(m.group(1))
    new_day = day - 3 if day > 3 else day + 3
    edited = data[: m.start(1)] + str(new_day).encode() + data[m.end(1) :]
    assert _mail_codes(edited).get("EMAIL_MESSAGE_ID_TIME_MISMATCH") == "medium"


def test_python_message_id_time_against_the_date():
    from email.message import EmailMessage
    from email.utils import format_datetime, make_msgid

    def build(date: dt.datetime) -> bytes:
        msg = EmailMessage()
        msg["From"] = "alice@example.org"
        msg["To"] = "bob@example.net"
        msg["Subject"] = "Virement"
        msg["Date"] = format_datetime(date)
        msg["Message-ID"] = make_msgid(domain="example.org")  # stamped with the clock now
        msg.set_content("Bonjour")
        return bytes(msg)

    now = dt.datetime.now(dt.UTC)
    assert "EMAIL_MESSAGE_ID_TIME_MISMATCH" not in _mail_codes(build(now))
    assert _mail_codes(build(now - dt.timedelta(days=2))).get("EMAIL_MESSAGE_ID_TIME_MISMATCH")


LAYOUT = "EMAIL_SCRIPT_LAYOUT_UNDER_CLIENT"
SCRIPT = "EMAIL_WRITTEN_BY_SCRIPT"


def corpus_email(name: str) -> bytes:
    return corpus_file(f"email/{name}")


#: Real messages naming a mail client (Outlook Express 5 and 6, IBM Notes, Outlook for iOS).
CLIENT_MAILS = [
    "SpamScope__tests_mails_mail_test_12",
    "SpamScope__tests_mails_mail_test_9",
    "SpamScope__tests_mails_mail_test_10",
    "SpamScope__tests_mails_mail_test_3",
]


@pytest.mark.parametrize("name", CLIENT_MAILS)
def test_fabrication_of_a_real_client_message_shows_the_script_layout(name):
    from authenticity.synth import forge

    original = corpus_email(name)
    assert not {LAYOUT, SCRIPT} & set(_mail_codes(original))
    # Re-parsing and re-serializing with the stdlib keeps the client's layout: no finding.
    import email
    from email import policy

    reparsed = email.message_from_bytes(original, policy=policy.default).as_bytes()
    assert not {LAYOUT, SCRIPT} & set(_mail_codes(reparsed))
    for careful in (False, True):
        forged = forge(original, name + ".eml", "email_fabricate", seed=1, careful=careful)
        assert forged is not None
        assert _mail_codes(forged.data).get(LAYOUT) == "high"


def test_python_made_fixture_without_a_client_is_info():
    # A SpamScope fixture written with the stdlib (its boundary, MIME-Version in the parts).
    result = analyse(corpus_email("SpamScope__tests_mails_mail_test_14"), Settings(workers=0))
    (finding,) = [f for f in result.findings if f.code == SCRIPT]
    assert finding.severity == Severity.INFO
    assert "Python's multipart boundary" in finding.evidence["traces"]
    assert result.facts["python_email_traces"]


def _legacy(list_id: str | None) -> bytes:
    from email.mime.application import MIMEApplication
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    single = MIMEText("Merci de virer 4 800 euros.")
    multi = MIMEMultipart()
    multi.attach(MIMEText("Ci-joint le RIB."))
    multi.attach(MIMEApplication(b"%PDF-1.4 ...", Name="rib.pdf"))
    out = b""
    for msg in (single, multi):
        msg["From"] = "Alice <alice@example.org>"
        msg["Date"] = "Tue, 2 May 2017 10:15:00 +0200"
        msg["X-Mailer"] = "Microsoft Outlook 16.0"
        if list_id:
            msg["List-Id"] = list_id
        out += msg.as_bytes() + b"\n\x00"
    return out


def test_legacy_mime_classes_under_a_client_and_mailing_lists():
    single, multi = _legacy(None).split(b"\n\x00")[:2]
    for data in (single, multi):
        assert _mail_codes(data).get(LAYOUT) == "high"
    # Mailman (Python) re-wraps list traffic with its own boundary: not a claim about a client.
    single, multi = _legacy("<staff.lists.example.org>").split(b"\n\x00")[:2]
    for data in (single, multi):
        assert not {LAYOUT, SCRIPT} & set(_mail_codes(data))


def test_part_rebuilt_by_the_stdlib_under_another_sending_program():
    """A real message sent by Microsoft CDO (a Windows mail component, not a mail client)
    whose text part was replaced through the email package: the new part carries its own
    MIME-Version, which CDO never writes. Scripts written in Python stay info."""
    import email
    from email import policy

    original = corpus_email("SpamScope__tests_mails_mail_test_2")
    assert "Microsoft CDO" in original.decode("latin-1")
    assert not {LAYOUT, SCRIPT} & set(_mail_codes(original))
    msg = email.message_from_bytes(original, policy=policy.default)
    part = next(p for p in msg.walk() if p.get_content_type() == "text/plain")
    part.set_content(part.get_content().replace("sole", "pioggia"))
    edited = msg.as_bytes()
    assert _mail_codes(edited).get(LAYOUT) == "high"
    python_made = re.sub(rb"(?m)^X-Mailer: .*$", b"X-Mailer: Django mailer", edited)
    assert _mail_codes(python_made).get(SCRIPT) == "info" and LAYOUT not in _mail_codes(python_made)


def test_sample_dump_mails_have_their_clients_layout():
    mails = sorted((Path(__file__).resolve().parents[1] / "data" / "sample_dump").rglob("*.eml"))
    assert len(mails) >= 8
    for path in mails:
        codes = _mail_codes(path.read_bytes())
        assert not {LAYOUT, SCRIPT} & set(codes), path.name


def test_date_rewritten_months_after_the_relays_is_high():
    # A real relayed message (Received chain of August 2016) whose Date a forger moved on.
    data = corpus_file("email/SpamScope__tests_mails_mail_test_9")
    old = re.search(rb"(?m)^Date: .*$", data)
    assert old is not None
    data = data[: old.start()] + b"Date: Tue, 18 Apr 2017 09:14:02 +0200" + data[old.end() :]
    found = [f for f in email_findings(data) if f.code == "EMAIL_DATE_VS_RECEIVED"]
    assert [f.severity for f in found] == [Severity.HIGH]
    assert found[0].evidence["difference_seconds"] > 30 * 86400


#: Header blocks of real messages (public mailing-list archives), each client's own
#: Message-ID beside its Date: Outlook 2000 (FILETIME), Outlook 2003, Outlook Express 6
#: (its id stamped when the Outbox sent the message, 12 h after the Date it was written
#: at), Thunderbird 2 (hex Unix time), Evolution and Yahoo Mail (Unix time), Alpine's
#: predecessor Pine (local wall clock).
CLIENT_STAMPED = {
    "outlook-2000": (
        "Message-ID: <000001c0d253$f36e3b20$0101a8c0@derfel>\n"
        "Date: Tue, 1 May 2001 16:31:47 +0100\n"
        "X-Mailer: Microsoft Outlook CWS, Build 9.0.2416 (9.0.2910.0)\n"
    ),
    "outlook-2003": (
        "Message-ID: <000001c717c0$f82b5ea0$2589030a@amr.corp.intel.com>\n"
        "Date: Mon, 4 Dec 2006 08:26:36 -0800\n"
        "X-Mailer: Microsoft Office Outlook 11\n"
    ),
    "outlook-express": (
        "Message-ID: <000001c6047c$a2458a40$0400a8c0@dcccs>\n"
        "Date: Sun, 18 Dec 2005 22:09:01 +0100\n"
        "X-Mailer: Microsoft Outlook Express 6.00.2800.1437\n"
    ),
    "thunderbird": (
        "Message-ID: <4ACBDD83.6080307@cwilson.fastmail.fm>\n"
        "Date: Wed, 07 Oct 2009 00:15:00 -0000\n"
        "User-Agent: Mozilla/5.0 (Windows; U; Windows NT 6.0; en-US; rv:1.8.1.23) "
        "Gecko/20090812 Thunderbird/2.0.0.23\n"
    ),
    "evolution": (
        "Message-ID: <1429120501.3211.88.camel@decadent.org.uk>\n"
        "Date: Wed, 15 Apr 2015 18:55:01 +0100\n"
    ),
    "yahoo": (
        "Message-ID: <1352545457.32390.YahooMailNeo@web160304.mail.bf1.yahoo.com>\n"
        "Date: Sat, 10 Nov 2012 03:04:17 -0800 (PST)\n"
    ),
    "pine": (
        "Message-ID: <Pine.LNX.4.64.0710191920210.16728@wbgn129.biozentrum.uni-wuerzburg.de>\n"
        "Date: Fri, 19 Oct 2007 19:20:21 +0200 (CEST)\n"
    ),
}


def _client_mail(headers: str) -> bytes:
    return (
        "From: Alice <alice@example.org>\nTo: bob@example.net\nSubject: Re: budget\n"
        + headers
        + "MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\nOK for Friday.\n"
    ).encode()


@pytest.mark.parametrize("client", sorted(CLIENT_STAMPED))
def test_client_message_id_clocks_agree_with_real_dates_and_catch_a_moved_one(client):
    headers = CLIENT_STAMPED[client]
    assert "EMAIL_MESSAGE_ID_TIME_MISMATCH" not in _mail_codes(_client_mail(headers))
    day = re.search(r"^Date: \w+, 0?(\d{1,2}) ", headers, re.M)
    assert day is not None
    moved = int(day.group(1)) + (3 if int(day.group(1)) < 20 else -3)
    edited = headers[: day.start(1)] + str(moved) + headers[day.end(1) :]
    # Back- or forward-dating the message by three days leaves the id's clock behind.
    codes = _mail_codes(_client_mail(edited))
    assert codes.get("EMAIL_MESSAGE_ID_TIME_MISMATCH") == "medium", edited


def test_mozilla_shaped_id_is_read_under_a_mozilla_client_or_with_its_salt():
    """Two hex numbers are not a clock unless Thunderbird (or its kin) wrote them: its name
    in User-Agent, or its salt's shape (digits with zeros between them)."""
    date = "Date: Fri, 01 Jan 2010 10:00:00 -0000\n"
    agent = "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Thunderbird/2.0.0.23\n"
    random_salt = "Message-ID: <4ACBDD83.A3F29B1@example.org>\n"
    mozilla_salt = "Message-ID: <4ACBDD83.6080307@example.org>\n"
    assert "EMAIL_MESSAGE_ID_TIME_MISMATCH" not in _mail_codes(_client_mail(random_salt + date))
    for headers in (random_salt + date + agent, mozilla_salt + date):
        assert _mail_codes(_client_mail(headers)).get("EMAIL_MESSAGE_ID_TIME_MISMATCH") == "medium"


def test_client_shaped_ids_of_random_digits_are_not_read_as_clocks():
    """A generator that imitates Outlook's or Thunderbird's id shape with random hex spells
    times years away from the Date: those are look-alikes, not a moved Date (seeded)."""
    import random

    rng = random.Random(5)
    date = "Date: Tue, 18 Apr 2017 09:14:02 +0200\n"
    agent = "User-Agent: Mozilla/5.0 Thunderbird/45.8.0\nX-Mailer: Microsoft Outlook 14.0\n"
    fired = 0
    for _ in range(200):
        outlook = f"{rng.getrandbits(16):04x}0{rng.getrandbits(28):07x}${rng.getrandbits(32):08x}"
        mozilla = f"{rng.getrandbits(32):08X}.{rng.getrandbits(28):07X}"
        for local in (outlook + f"${rng.getrandbits(32):08x}", mozilla):
            headers = f"Message-ID: <{local}@example.org>\n" + date + agent
            fired += "EMAIL_MESSAGE_ID_TIME_MISMATCH" in _mail_codes(_client_mail(headers))
    assert fired <= 12  # of 400 (9 with this seed): only those within three years of the Date


THREAD = "EMAIL_DATED_BEFORE_THREAD_INDEX"


def _move_date(data: bytes, days: float) -> bytes:
    """The Date header's day moved by ``days`` (month arithmetic kept by parsing)."""
    from email.utils import format_datetime, parsedate_to_datetime

    m = re.search(rb"^Date: ([^\r\n]+)", data, re.M | re.I)
    assert m is not None
    when = parsedate_to_datetime(m.group(1).decode()) + dt.timedelta(days=days)
    return data[: m.start(1)] + format_datetime(when).encode() + data[m.end(1) :]


def test_thread_index_clock_of_a_real_outlook_message():
    """SpamScope mail_test_2 (Outlook 2010+ layout: a 0x01 byte, then five FILETIME bytes):
    its Thread-Index says 08:44:04 UTC, its Date 09:45:18 +0100. Moving the Date back
    shows; moving it forward (a draft sent days later) does not."""
    from authenticity.heuristics.email import thread_index_time

    path = EMAIL_CORPUS / "SpamScope__tests_mails_mail_test_2"
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    data = path.read_bytes()
    value = re.search(rb"^thread-index: (\S+)", data, re.M | re.I)
    assert value is not None
    start, replies = thread_index_time(value.group(1).decode())
    assert replies == 0 and start.isoformat(timespec="seconds") == "2015-11-29T08:44:04+00:00"
    assert THREAD not in _mail_codes(data)
    assert THREAD not in _mail_codes(_move_date(data, 5))
    assert _mail_codes(_move_date(data, -3)).get(THREAD) == "medium"
    assert _mail_codes(_move_date(data, -45)).get(THREAD) == "high"


@pytest.mark.parametrize(
    "name",
    [
        "apache__test-data_hsmf_58214_extracted_attachment.msg",
        "apache__test-data_hsmf_example_received_unicode.msg",
    ],
)
def test_thread_index_of_outlook_msg_files_agrees_with_their_date(name):
    """Outlook .msg files keep the transport headers: their Thread-Index is read and fits."""
    path = EMAIL_CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    data = path.read_bytes()
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    analysis = analyse_document(doc, Settings(workers=0))
    from authenticity.heuristics.email import thread_index_time

    start, _replies = thread_index_time(analysis.facts["thread_index"])
    assert abs((start - analysis.facts["date"]).total_seconds()) < 120
    assert THREAD not in {f.code for f in analysis.findings}


@pytest.mark.parametrize(
    ("thread_index", "date", "replies"),
    [
        # Outlook 2003 (the FILETIME's top six bytes), a thread's first message.
        ("AccXwPfDrkYk8cz6S22m9z4cHzJPLw==", "Mon, 4 Dec 2006 08:26:36 -0800", 0),
        # Outlook 2016 answering a patch mailed at 17:11:25: one reply level.
        ("AQHV6/6tz02Jn0qi+0C39L0ep1RTsagsKdKA", "Tue, 25 Feb 2020 17:30:57 +0000", 1),
    ],
)
def test_thread_index_of_real_outlook_headers(thread_index, date, replies):
    from authenticity.heuristics.email import thread_index_time

    assert thread_index_time(thread_index)[1] == replies
    headers = f"Thread-Index: {thread_index}\nDate: {date}\nX-Mailer: Microsoft Outlook\n"
    data = _client_mail(headers)
    assert THREAD not in _mail_codes(data)
    assert _mail_codes(_move_date(data, -2)).get(THREAD) == "medium"


@pytest.mark.parametrize(
    "value", ["", "not base64!", "AAAA", "AQID", "AccXwPfDrkYk8cz6S22m9z4cHzJPLwAA"]
)
def test_thread_index_that_is_not_outlooks_is_not_read(value):
    from authenticity.heuristics.email import thread_index_time

    assert thread_index_time(value) is None


CLOCKS = "EMAIL_DATE_CONTRADICTED_BY_CLOCKS"


@pytest.mark.parametrize(
    ("name", "clocks"),
    [
        # Outlook: first relay + Thread-Index (its X-OriginalArrivalTime restates the relay).
        ("SpamScope__tests_mails_mail_test_2", 2),
        # Postfix-style Message-ID stamp + first relay.
        ("SpamScope__tests_mails_mail_test_17", 2),
        # Message-ID stamp + first relay + the DKIM signing time (t=).
        ("kitterma__dkim_tests_data_message.mbox", 3),
    ],
)
def test_clocks_that_agree_against_a_moved_date(name, clocks):
    """Real messages whose relay, id and thread stamps agree with their Date: moved either
    way by 9 days, the clocks agree with each other and not with it (high); each clock
    alone stays medium, and an unmoved message has no finding."""
    from authenticity.heuristics.email import message_clocks

    path = EMAIL_CORPUS / name
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    data = path.read_bytes()
    assert CLOCKS not in _mail_codes(data)
    for days in (-9, 9):
        assert _mail_codes(_move_date(data, days)).get(CLOCKS) == "high"
    assert _mail_codes(_move_date(data, -2)).get(CLOCKS) is None  # inside an outbox's wait
    doc = Document(path=name, sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    assert len(message_clocks(analyse_document(doc, Settings(workers=0)).facts)) == clocks


def test_one_clock_against_the_date_is_not_corroboration():
    """A message with a Received chain and no other clock (SpamScope mail_test_10): a Date
    nine days back is a medium Date-vs-Received finding only; 45 days back, high."""
    path = EMAIL_CORPUS / "SpamScope__tests_mails_mail_test_10"
    if not path.is_file():
        pytest.skip(f"corpus file missing: {path}")
    data = path.read_bytes()
    nine = _mail_codes(_move_date(data, -9))
    assert CLOCKS not in nine and nine.get("EMAIL_DATE_VS_RECEIVED") == "medium"
    assert _mail_codes(_move_date(data, -45)).get("EMAIL_DATE_VS_RECEIVED") == "high"


def test_clocks_that_disagree_with_each_other_say_nothing_together():
    """A machine whose clock is a year off writes the Date and the Message-ID from it; the
    relay's clock is right. The two clocks disagree, so no corroboration is claimed."""
    headers = (
        "Received: from pc.example.org by mx.example.net (Postfix) with ESMTP id 4F1A2B3C4D;"
        " Tue, 18 Apr 2017 09:15:00 +0200\n"
        "Message-ID: <20160418091402.GA1234@pc.example.org>\n"
        "Date: Mon, 18 Apr 2016 09:14:02 +0200\n"
    )
    codes = _mail_codes(_client_mail(headers))
    assert CLOCKS not in codes and codes.get("EMAIL_DATE_VS_RECEIVED") == "high"


def test_clock_readers_survive_any_header_text():
    """Message-ID and Thread-Index readers take any text (hostile headers) quickly and
    return a time or nothing."""
    import time

    from hypothesis import given, settings
    from hypothesis import strategies as st

    from authenticity.heuristics.email import _stamp_of, thread_index_time

    alphabet = st.sampled_from(list("0123456789abcdefABCDEF.$<>@-_+/=PineJavaMailcamel"))

    @settings(max_examples=300, deadline=None)
    @given(st.text(alphabet=alphabet, max_size=2000), st.text(max_size=60))
    def run(value: str, client: str) -> None:
        started = time.monotonic()
        for found in (_stamp_of(value, client), thread_index_time(value)):
            assert found is None or isinstance(found[0], dt.datetime)
        assert time.monotonic() - started < 0.5

    run()


# --------------------------------------------------------------------------- Outlook .msg

#: Outlook messages of the corpus that hold the time they were sent twice (transport
#: headers' Date and PR_CLIENT_SUBMIT_TIME) or a delivery time.
OUTLOOK_SENT = [
    "apache__test-data_hsmf_simple_test_msg.msg",
    "apache__test-data_hsmf_example_received_unicode.msg",
    "apache__test-data_hsmf_58214_extracted_attachment.msg",
    "apache__test-data_hsmf_attachment_test_msg.msg",  # delivery stored to the minute
    "apache__test-data_hsmf_message_1980.msg",  # naive Date header, imported years later
]
SUBMIT_TIME, DELIVERY_TIME = 0x00390040, 0x0E060040


def msg_with_time(data: bytes, tag: int, shift: dt.timedelta) -> bytes:
    """The .msg with one FILETIME property moved, in place, as a message editor saves it."""
    import io
    import struct

    import olefile

    ole = olefile.OleFileIO(io.BytesIO(data), write_mode=True)
    props = bytearray(ole.openstream("__properties_version1.0").read())
    for offset in range(32, len(props) - 15, 16):  # top-level header: 32 bytes
        if struct.unpack_from("<I", props, offset)[0] == tag:
            ticks = struct.unpack_from("<Q", props, offset + 8)[0]
            moved = ticks + int(shift.total_seconds() * 10_000_000)
            struct.pack_into("<Q", props, offset + 8, moved)
            break
    else:
        raise AssertionError(f"no property {tag:#x}")
    ole.write_stream("__properties_version1.0", bytes(props))
    ole.fp.seek(0)
    return ole.fp.read()


def analyse_msg(data: bytes):
    doc = Document(path="m.msg", sha256=hashlib.sha256(data).hexdigest(), size=len(data), data=data)
    return analyse_document(doc, SETTINGS)


@pytest.mark.parametrize("name", OUTLOOK_SENT)
def test_outlook_messages_keep_their_sent_time_twice_alike(name: str):
    result = analyse_msg(corpus_file(f"email/{name}"))
    assert result.facts["mapi_client_submit_time"] is not None
    assert "EMAIL_MSG_TIMES_DISAGREE" not in {f.code for f in result.findings}


@pytest.mark.parametrize(
    ("shift", "severity"),
    [(dt.timedelta(days=-40), "high"), (dt.timedelta(hours=5), "medium")],
)
def test_an_edited_sent_time_disagrees_with_the_transport_headers(shift, severity):
    data = msg_with_time(
        corpus_file("email/apache__test-data_hsmf_simple_test_msg.msg"), SUBMIT_TIME, shift
    )
    result = analyse_msg(data)
    found = [f for f in result.findings if f.code == "EMAIL_MSG_TIMES_DISAGREE"]
    assert found and found[0].severity.value == severity
    assert found[0].evidence["difference_seconds"] == pytest.approx(shift.total_seconds())
    assert "date" in found[0].evidence


def test_a_message_delivered_before_it_was_sent():
    # A message without transport headers: only the delivery time can contradict.
    data = msg_with_time(
        corpus_file("email/apache__test-data_hsmf_chinese-traditional.msg"),
        SUBMIT_TIME,
        dt.timedelta(days=3),
    )
    result = analyse_msg(data)
    assert not result.facts["has_transport_headers"]
    found = [f for f in result.findings if f.code == "EMAIL_MSG_TIMES_DISAGREE"]
    assert [f.severity.value for f in found] == ["high"]
    assert "delivery" in found[0].evidence


def test_a_sent_item_without_headers_keeps_its_thread_start_in_mapi():
    # PR_CONVERSATION_INDEX holds the Thread-Index of messages saved without transport
    # headers; a "Sent" time moved back 40 days falls before the conversation began.
    name = "email/apache__test-data_hsmf_message_normal_submission_chunk.msg"
    original = analyse_msg(corpus_file(name))
    assert original.facts["thread_index_source"] == "PR_CONVERSATION_INDEX"
    assert not {"EMAIL_DATED_BEFORE_THREAD_INDEX", "EMAIL_MSG_TIMES_DISAGREE"} & {
        f.code for f in original.findings
    }
    edited = analyse_msg(msg_with_time(corpus_file(name), SUBMIT_TIME, dt.timedelta(days=-40)))
    got = {f.code: f.severity.value for f in edited.findings}
    assert got["EMAIL_DATED_BEFORE_THREAD_INDEX"] == "high"


# --------------------------------------------------------------------------- alternatives

ALTERNATIVE = "email/SpamScope__tests_mails_mail_test_7"  # QP text + HTML, unsigned


def _codes(data: bytes) -> dict[str, object]:
    return {f.code: f for f in analyse(data).findings}


def test_corpus_renderings_agree() -> None:
    """Every corpus message with a text and an HTML rendering (Outlook .msg bodies
    included): aligned word for word, with no substitution despite mojibake in one part,
    apostrophes and ™ signs spelt differently, and newsletters' extra lines."""
    compared = 0
    for path in sorted(EMAIL_CORPUS.iterdir()):
        doc = Document(
            path=path.name,
            sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
            size=path.stat().st_size,
            data=path.read_bytes(),
        )
        result = analyse_document(doc, Settings(workers=0))
        for alt in result.facts.get("alternatives") or []:
            compared += 1
            assert alt["substitutions"] == [], (path.name, alt)
        assert "EMAIL_ALTERNATIVES_DISAGREE" not in {f.code for f in result.findings}, path.name
    if compared < 8:
        pytest.skip("email corpus incomplete")


def test_number_edited_in_the_text_part_only() -> None:
    data = corpus_file(ALTERNATIVE)
    line = b"Data: 9 giugno 2017 09:44:46 CEST"
    assert data.count(line) == 1  # in the quoted-printable text part only
    found = _codes(data.replace(line, line.replace(b"9 giugno", b"7 giugno")))
    finding = found["EMAIL_ALTERNATIVES_DISAGREE"]
    assert finding.severity is Severity.HIGH
    assert ["7", "9", "oggetto ordine data"] in [s[:3] for s in finding.evidence["substitutions"]]
    assert "'7' where its HTML part reads '9'" in finding.message
    assert "EMAIL_ALTERNATIVES_DISAGREE" not in _codes(data)


def test_word_edited_in_the_html_part_only() -> None:
    data = corpus_file(ALTERNATIVE)
    head, sep, body = data.partition(b"Content-Type: text/html")
    assert sep and body.count(b"LAMPADARI") >= 1
    found = _codes(head + sep + body.replace(b"LAMPADARI", b"FORNITURE", 1))
    finding = found["EMAIL_ALTERNATIVES_DISAGREE"]
    assert finding.severity is Severity.MEDIUM and not finding.evidence["numbers_differ"]
    assert ["lampadari", "forniture"] in [s[:2] for s in finding.evidence["substitutions"]]


def test_different_renderings_are_not_compared_word_by_word() -> None:
    """A newsletter's short text part that is no rendering of its HTML: no finding."""
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "news@example.org", "bob@example.net", "News"
    msg["Date"], msg["Message-ID"] = "Mon, 10 Apr 2017 10:00:00 +0200", "<n1@example.org>"
    msg.set_content("Your mail client cannot show this newsletter. Read it online at our site.")
    msg.add_alternative(
        "<html><body><h1>April news</h1><p>Our 3 new offices open on 12 May, and the "
        "board approved 40 new hires for the autumn. Read it online at our site.</p>"
        "</body></html>",
        subtype="html",
    )
    assert "EMAIL_ALTERNATIVES_DISAGREE" not in _codes(msg.as_bytes())


def _retyped_date(data: bytes, days: float, *, received: bool = False) -> bytes:
    """The Date header (:func:`_move_date`; with ``received`` every Received stamp too)
    moved by ``days`` in a text editor, every other byte kept: the DKIM signature's t=
    keeps the signing time."""
    from email.utils import format_datetime, parsedate_to_datetime

    data = _move_date(data, days)
    if not received:
        return data

    def move(m: re.Match[bytes]) -> bytes:
        when = parsedate_to_datetime(m.group(2).decode().strip())
        return m.group(1) + format_datetime(when + dt.timedelta(days=days)).encode()

    head, sep, body = data.partition(b"\n\n")
    head = re.sub(rb"(?m)^(Received:[^;]*;\s*)([^\r\n]+)", move, head)
    return head + sep + body


SIGNED_STAMPED = "email/kitterma__dkim_tests_data_message.mbox"


def test_signing_time_agrees_with_the_date_of_a_real_signed_message():
    # A real signed message: t= is 21 seconds after its Date.
    result = analyse(corpus_file(SIGNED_STAMPED))
    assert "EMAIL_DATE_VS_SIGNING_TIME" not in {f.code for f in result.findings}


@pytest.mark.parametrize(("days", "severity"), [(10, "medium"), (45, "high"), (-10, "medium")])
def test_date_moved_away_from_the_signing_time(days: float, severity: str):
    # Only the Date retyped: offline (no key to check the header signature) the t= tag still
    # says when the server signed it.
    result = analyse(_retyped_date(corpus_file(SIGNED_STAMPED), days))
    found = [f for f in result.findings if f.code == "EMAIL_DATE_VS_SIGNING_TIME"]
    assert [f.severity.value for f in found] == [severity]
    assert found[0].evidence["signed_at"] == dt.datetime(2011, 3, 7, 19, 23, 18, tzinfo=dt.UTC)
    assert found[0].evidence["difference_seconds"] == pytest.approx(days * 86400 - 21, abs=1)
    # the relays were not moved: they and the signature agree against the Date
    clocks = next(f for f in result.findings if f.code == "EMAIL_DATE_CONTRADICTED_BY_CLOCKS")
    assert "DKIM signature (t=)" in clocks.evidence["clocks"]


def test_date_and_relays_moved_together_are_contradicted_by_the_signature():
    # A careful forger moves every Received stamp with the Date; the signature's t= and the
    # Message-ID are not moved, and the signing time alone disagrees with the new Date.
    result = analyse(_retyped_date(corpus_file(SIGNED_STAMPED), -12, received=True))
    codes = {f.code: f.severity.value for f in result.findings}
    assert codes.get("EMAIL_DATE_VS_SIGNING_TIME") == "medium"
    assert "EMAIL_DATE_VS_RECEIVED" not in codes


EXCHANGE_SENT = "email/SpamScope__tests_mails_mail_test_2"


def test_exchange_arrival_stamp_agrees_with_the_date_of_a_real_message():
    from authenticity.heuristics.email import independent_arrival, message_clocks

    result = analyse(corpus_file(EXCHANGE_SENT))
    assert result.facts["arrival_stamps"] == [
        ["X-OriginalArrivalTime", dt.datetime(2015, 11, 29, 8, 45, 17, tzinfo=dt.UTC)]
    ]
    assert "EMAIL_DATE_VS_ARRIVAL_STAMP" not in {f.code for f in result.findings}
    # the stamp restates the first relay's arrival: one clock, not two
    assert independent_arrival(result.facts) is None
    assert "X-OriginalArrivalTime" not in message_clocks(result.facts)


@pytest.mark.parametrize(("days", "severity"), [(-10, "medium"), (-40, "high"), (2, "medium")])
def test_date_and_relays_moved_leave_exchange_s_arrival_stamp(days: float, severity: str):
    # The Date and every Received line moved alike in a text editor (Received no longer
    # disagrees); Exchange's own arrival stamp still says when the message was sent.
    result = analyse(_retyped_date(corpus_file(EXCHANGE_SENT), days, received=True))
    assert result.facts["arrival_stamps"][0][1] == dt.datetime(
        2015, 11, 29, 8, 45, 17, tzinfo=dt.UTC
    )
    codes = {f.code: f.severity.value for f in result.findings}
    assert "EMAIL_DATE_VS_RECEIVED" not in codes
    assert codes.get("EMAIL_DATE_VS_ARRIVAL_STAMP") == severity


def test_gmail_x_received_lines_are_a_clock_the_forger_missed():
    # A message as Gmail delivers it (Received lines, and Gmail's own X-Received hops),
    # written with the standard library: its Date and Received lines moved 12 days back
    # together, the X-Received line left as Gmail wrote it.
    from email.message import EmailMessage
    from email.policy import SMTP

    msg = EmailMessage()
    msg["X-Received"] = (
        "by 2002:a17:90a:d48b:: with SMTP id s11mr1234567pju.12.1458075591013; "
        "Tue, 15 Mar 2016 14:59:51 -0700 (PDT)"
    )
    msg["Received"] = (
        "from mail-pf0-f170.google.com (mail-pf0-f170.google.com [209.85.192.170]) "
        "by mx.example.org with ESMTPS id q1si1234; Tue, 15 Mar 2016 14:59:52 -0700 (PDT)"
    )
    msg["From"] = "Alice <alice@gmail.com>"
    msg["To"] = "bob@example.org"
    msg["Subject"] = "Numbers"
    msg["Date"] = "Tue, 15 Mar 2016 14:59:50 -0700"
    msg["Message-ID"] = "<CAB1x2y3z@mail.gmail.com>"
    msg.set_content("The figure is 12,400.\n")
    data = msg.as_bytes(policy=SMTP.clone(max_line_length=None))
    clean = analyse(data)
    assert [name for name, _ in clean.facts["arrival_stamps"]] == ["X-Received"]
    assert "EMAIL_DATE_VS_ARRIVAL_STAMP" not in {f.code for f in clean.findings}
    moved = analyse(_retyped_date(data.replace(b"\r\n", b"\n"), -12, received=True))
    codes = {f.code: f.severity.value for f in moved.findings}
    assert "EMAIL_DATE_VS_RECEIVED" not in codes
    assert codes.get("EMAIL_DATE_VS_ARRIVAL_STAMP") == "medium"


def test_outlook_msg_delivery_date_agrees_with_its_date():
    # A real Outlook .msg whose transport headers carry Exim's Delivery-date, 9 s after Date.
    result = analyse(corpus_file("email/apache__test-data_hsmf_simple_test_msg.msg"))
    names = [name for name, _ in result.facts["arrival_stamps"]]
    assert names == ["Delivery-date"]
    assert "EMAIL_DATE_VS_ARRIVAL_STAMP" not in {f.code for f in result.findings}


def test_arc_seal_time_is_a_clock_the_forger_missed():
    # A receiving server sealed the message (dkimpy's arc_sign, t= pinned 20 s after the
    # Date). Its Date and Received line moved 12 days back together: the seal still says
    # when the message passed.
    import dkim
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )
    sent = dt.datetime(2017, 4, 18, 7, 14, 2, tzinfo=dt.UTC)
    lines = [
        "Authentication-Results: mx.example.net; spf=pass smtp.mailfrom=example.org",
        "Received: from out.example.org (out.example.org [192.0.2.10]) by mx.example.net "
        "with ESMTPS id 4A1B2C; Tue, 18 Apr 2017 07:14:09 +0000",
        "From: Alice <alice@example.org>",
        "To: bob@example.net",
        "Subject: Virement",
        "Date: Tue, 18 Apr 2017 09:14:02 +0200",
        "Message-ID: <a1b2c3@example.org>",
        "",
        "Merci de faire le virement avant vendredi.",
        "",
    ]
    message = "\r\n".join(lines).encode()
    seal = dkim.arc_sign(
        message,
        b"arc",
        b"example.net",
        pem,
        b"mx.example.net",
        timestamp=int(sent.timestamp()) + 20,
    )
    data = b"".join(seal) + message
    clean = analyse(data)
    stamps = clean.facts["arrival_stamps"]
    assert [name for name, _ in stamps] == ["ARC-Seal"]
    assert stamps[0][1] == sent + dt.timedelta(seconds=20)
    assert "EMAIL_DATE_VS_ARRIVAL_STAMP" not in {f.code for f in clean.findings}
    moved = analyse(_retyped_date(data.replace(b"\r\n", b"\n"), -12, received=True))
    codes = {f.code: f.severity.value for f in moved.findings}
    assert "EMAIL_DATE_VS_RECEIVED" not in codes
    assert codes.get("EMAIL_DATE_VS_ARRIVAL_STAMP") == "medium"
