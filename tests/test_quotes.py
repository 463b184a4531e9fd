"""The quoted-text pass (authenticity.dumpwide.quotes): a body against its replies' quotes.

Messages are made by Python's email package (what the stdlib writes) and, for the signed
case, taken from ../shared/corpus (RFC 6376's example, DKIM-signed).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authenticity.analyse import analyse_document
from authenticity.config import Settings
from authenticity.dumpwide.quotes import compare, quoted_blocks
from authenticity.model import Document, Severity
from tests.factories import dump_findings_of

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SIGNED = CORPUS / "email" / "kitterma__dkim_tests_data_rfc6376.signed.msg"
CODE = "EMAIL_BODY_DIFFERS_FROM_QUOTE"
ORIGINAL_ID = "<budget-avril@campagne.example>"
BODY = (
    "Bonjour Julien,\n\n"
    "Le virement pour la salle de Lyon est de 12 500 euros, a regler avant le 14 avril.\n"
    "Merci de confirmer avec la tresorerie et de m'envoyer le devis signe.\n"
    "Le detail est sur https://intranet.campagne.example/budget/lyon.\n\n"
    "Alice\n"
)


def _mail(*, body: str, sender: str, when: dt.datetime, mid: str, answers: str | None) -> bytes:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "julien@campagne.example"
    msg["Subject"] = ("Re: " if answers else "") + "Salle de Lyon"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = mid
    if answers:
        msg["In-Reply-To"] = answers
        msg["References"] = answers
    msg.set_content(body)
    return msg.as_bytes()


def _original(body: str = BODY) -> bytes:
    when = dt.datetime(2017, 4, 10, 9, 0, tzinfo=dt.UTC)
    return _mail(
        body=body, sender="alice@campagne.example", when=when, mid=ORIGINAL_ID, answers=None
    )


def _gmail_reply(quoted_body: str = BODY) -> bytes:
    """A bottom-quoting reply: the answered body under an "On ... wrote:" line, with ``> ``."""
    quote = "\n".join("> " + line if line else ">" for line in quoted_body.splitlines())
    body = (
        "C'est note, je m'en occupe demain.\n\nJulien\n\n"
        "Le lun. 10 avr. 2017 a 11:00, Alice <alice@campagne.example> a ecrit :\n" + quote + "\n"
    )
    when = dt.datetime(2017, 4, 10, 15, 0, tzinfo=dt.UTC)
    return _mail(
        body=body, sender="julien@campagne.example", when=when, mid="<re-1@campagne.example>",
        answers=ORIGINAL_ID,
    )  # fmt: skip


def _findings(files: dict[str, bytes]) -> dict[str, list]:
    return dump_findings_of(files, CODE)


def test_quoted_blocks_of_bottom_and_top_posted_replies():
    assert quoted_blocks("Ok.\n\n> line one\n> > older\n>\n> line two\n\nJ.") == [
        " line one\n > older\n\n line two"
    ]
    assert quoted_blocks("Ok\n> a\nmy answer\n> b\n") == [" a", " b"]  # inline replies
    outlook = "Vu.\n\n-----Original Message-----\nFrom: Alice\nSent: Monday\n\nLe texte."
    # the header block's fields are not part of the quoted text
    assert quoted_blocks(outlook) == ["\nLe texte."]
    assert quoted_blocks("Vu.\n\nDe : Alice Martin\nEnvoye : lundi\nObjet : x\n\nTexte") == [
        "\nTexte"
    ]
    german = "Gut.\n\nAm 10.04.2017 um 11:00 schrieb Alice <alice@x.example>:\nDer Text."
    assert quoted_blocks(german) == ["Der Text."]
    assert quoted_blocks("Just a message, nothing quoted.\nOn the other hand, no.") == []


def test_compare_reports_a_changed_figure_and_ignores_trimming_links_and_addresses():
    changed = BODY.replace("12 500", "21 500")
    changes, compared = compare(changed, BODY)
    assert [(c.body, c.quoted) for c in changes] == [("21", "12")]
    assert changes[0].context == "de lyon est de"  # the 4 words before it
    assert compared >= 30
    # the replier cut the last lines; the client wrote the link and an address its own way
    trimmed = "\n".join(BODY.splitlines()[:3]).replace(
        "Bonjour Julien,", "Bonjour Julien <julien@campagne.example>,"
    )
    trimmed += "\nLe detail est sur <https://intranet.campagne.example/budget/lyon>"
    assert compare(BODY, trimmed) == ([], compare(BODY, trimmed)[1])
    assert (
        compare(BODY, "Tout autre chose: le programme de la semaine prochaine, jour par jour.")
        is None
    )
    assert compare(BODY, "Trop court.") is None


def test_an_original_changed_after_the_reply_is_flagged():
    forged = _original(BODY.replace("12 500", "21 500"))
    found = _findings({"alice/sent/lyon.eml": forged, "julien/inbox/re-lyon.eml": _gmail_reply()})
    (mine,) = found["alice/sent/lyon.eml"]
    assert mine.severity is Severity.HIGH  # a figure changed where 30+ words agree
    assert (
        mine.evidence["changes"][0]["body"] == "21"
        and mine.evidence["changes"][0]["quoted"] == "12"
    )
    assert mine.evidence["other_paths"] == ["julien/inbox/re-lyon.eml"]
    assert mine.evidence["body_signed"] is False
    assert "this body was changed after that" in mine.message
    (pointer,) = found["julien/inbox/re-lyon.eml"]
    assert pointer.severity is Severity.INFO and pointer.evidence["role"] == "reply"


def test_a_changed_word_is_medium_and_a_changed_figure_high():
    """Renderings differ in spaces, punctuation and links, never in digits: a number
    replaced by another where the rest agrees is the strong case."""
    from authenticity.dumpwide.quotes import changed_figure

    worded = _original(BODY.replace("la tresorerie", "la direction"))
    found = _findings({"a/lyon.eml": worded, "b/re-lyon.eml": _gmail_reply()})
    (mine,) = found["a/lyon.eml"]
    assert mine.severity is Severity.MEDIUM
    assert mine.evidence["changes"][0]["body"] == "direction"
    changes, compared = compare(BODY.replace("12 500", "21 500"), BODY)
    assert changed_figure(changes, compared)
    assert not changed_figure(changes, 10)  # too little agreeing text around it
    assert not changed_figure(compare(BODY.replace("Lyon", "Lille"), BODY)[0], compared)


def test_an_untouched_thread_and_an_unanswered_email_raise_nothing():
    found = _findings({"a/lyon.eml": _original(), "b/re-lyon.eml": _gmail_reply()})
    assert found == {"a/lyon.eml": [], "b/re-lyon.eml": []}
    # the reply trimmed the quote and answers inline: still nothing to say
    lines = BODY.splitlines()
    inline = "\n".join(["> " + lines[2], "Oui.", "> " + lines[3], "Je l'envoie."])
    when = dt.datetime(2017, 4, 10, 15, 0, tzinfo=dt.UTC)
    reply = _mail(
        body=inline, sender="julien@campagne.example", when=when, mid="<re-2@x.example>",
        answers=ORIGINAL_ID,
    )  # fmt: skip
    assert _findings({"a/lyon.eml": _original(), "b/re.eml": reply})["a/lyon.eml"] == []


def test_only_the_altered_copy_of_an_email_is_flagged():
    """The sender's and the recipient's copies share the Message-ID; the forger edited one."""
    forged = _original(BODY.replace("14 avril", "24 avril"))
    found = _findings(
        {"alice/sent.eml": _original(), "bob/inbox.eml": forged, "julien/re.eml": _gmail_reply()}
    )
    assert found["alice/sent.eml"] == []
    (mine,) = found["bob/inbox.eml"]
    assert (mine.evidence["changes"][0]["body"], mine.evidence["changes"][0]["quoted"]) == (
        "24",
        "14",
    )


def test_a_reply_misquoting_a_signed_original_is_the_one_flagged():
    """RFC 6376's signed example still matches its body hash: its body is as sent, so a
    reply quoting it with another word is where the change is."""
    if not SIGNED.is_file():
        pytest.skip(f"corpus file missing: {SIGNED}")
    original = SIGNED.read_bytes()
    misquoted = "> Hi.\n>\n> We won the game.  Are you hungry yet?\n>\n> Joe.\n"
    when = dt.datetime(2003, 7, 12, 9, 0, tzinfo=dt.UTC)
    reply = _mail(
        body="Yes!\n\n" + misquoted, sender="suzie@shopping.example.net", when=when,
        mid="<re@shopping.example.net>", answers="<20030712040037.46341.5F8J@football.example.com>",
    )  # fmt: skip
    found = _findings({"joe/dinner.msg": original, "suzie/re-dinner.eml": reply})
    (on_reply,) = found["suzie/re-dinner.eml"]
    assert on_reply.severity is Severity.MEDIUM and on_reply.evidence["body_signed"] is True
    assert on_reply.evidence["changes"][0] == {"body": "lost", "quoted": "won", "context": "hi we"}
    (on_original,) = found["joe/dinner.msg"]
    assert on_original.severity is Severity.INFO


def test_a_scan_compares_quotes_read_back_from_the_store(tmp_path):
    from authenticity.pipeline import run_scan

    dump = tmp_path / "dump"
    (dump / "alice").mkdir(parents=True)
    (dump / "julien").mkdir()
    (dump / "alice" / "lyon.eml").write_bytes(_original(BODY.replace("12 500", "21 500")))
    (dump / "julien" / "re-lyon.eml").write_bytes(_gmail_reply())
    run_scan(str(dump), tmp_path / "out", Settings(workers=1))
    cards = {
        c["path"]: c
        for c in map(json.loads, (tmp_path / "out" / "scorecards.jsonl").read_text().splitlines())
    }
    (finding,) = [f for f in cards["alice/lyon.eml"]["findings"] if f["code"] == CODE]
    assert finding["severity"] == "high"
    assert cards["alice/lyon.eml"]["verdict"] in ("suspicious", "likely_forged")
    assert finding["evidence"]["other_paths"] == ["julien/re-lyon.eml"]
    assert cards["alice/lyon.eml"]["score"] > cards["julien/re-lyon.eml"]["score"]


def _copy_findings(files: dict[str, bytes]) -> dict[str, list]:
    return dump_findings_of(files, "EMAIL_COPY_BODY_ALTERED", "EMAIL_COPIES_BODIES_DIFFER")


def _delivered(data: bytes, relay: str) -> bytes:
    """The copy a recipient's server stores: a Received header on top, text untouched."""
    return (
        f"Received: from mx.campagne.example by {relay}; Mon, 10 Apr 2017 09:00:05 +0000\n".encode()
        + data
    )


def test_two_copies_of_one_message_with_different_texts_are_both_pointed_out():
    sent = _original()
    forged = _delivered(_original(BODY.replace("12 500", "21 500")), "imap.julien.example")
    found = _copy_findings({"alice/sent/lyon.eml": sent, "julien/inbox/lyon.eml": forged})
    (a,) = found["alice/sent/lyon.eml"]
    (b,) = found["julien/inbox/lyon.eml"]
    assert a.code == b.code == "EMAIL_COPIES_BODIES_DIFFER" and a.severity is Severity.LOW
    assert b.evidence["changes"][0] == {"here": "21", "other": "12", "context": "de lyon est de"}
    assert b.evidence["other_paths"] == ["alice/sent/lyon.eml"]
    assert "cannot tell which" in b.message
    # the same text delivered to two mailboxes: nothing
    twin = _delivered(sent, "imap.bob.example")
    assert _copy_findings({"alice/sent/lyon.eml": sent, "bob/inbox/lyon.eml": twin}) == {
        "alice/sent/lyon.eml": [],
        "bob/inbox/lyon.eml": [],
    }


def test_the_copy_that_disagrees_with_all_others_is_the_altered_one():
    sent = _original()
    files = {
        "alice/sent/lyon.eml": sent,
        "bob/inbox/lyon.eml": _delivered(sent, "imap.bob.example"),
        "julien/inbox/lyon.eml": _delivered(
            _original(BODY.replace("avant le 14 avril", "avant le 24 avril sans faute")),
            "imap.julien.example",
        ),
    }
    found = _copy_findings(files)
    (altered,) = found["julien/inbox/lyon.eml"]
    assert altered.code == "EMAIL_COPY_BODY_ALTERED" and altered.severity is Severity.HIGH
    assert altered.evidence["copies"] == 3 and altered.evidence["other_signed"] is False
    assert [(c["here"], c["other"]) for c in altered.evidence["changes"]] == [
        ("24", "14"),
        ("sans faute", ""),
    ]
    assert "this copy was altered" in altered.message
    assert found["alice/sent/lyon.eml"] == [] and found["bob/inbox/lyon.eml"] == []


def test_a_copy_unlike_the_signed_one_is_the_altered_one():
    if not SIGNED.is_file():
        pytest.skip(f"corpus file missing: {SIGNED}")
    signed = SIGNED.read_bytes()
    altered = signed.replace(b"We lost the game.", b"We won the game.")
    found = _copy_findings({"suzie/inbox.msg": signed, "joe/sent.msg": altered})
    assert found["suzie/inbox.msg"] == []
    (finding,) = found["joe/sent.msg"]
    assert finding.code == "EMAIL_COPY_BODY_ALTERED" and finding.evidence["other_signed"] is True
    assert finding.evidence["changes"][0] == {"here": "won", "other": "lost", "context": "hi we"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("On Mon, Apr 10, 2017 at 11:00 AM, Alice <alice@x.example> wrote:", "2017-04-10"),
        ("Le lun. 10 avr. 2017 à 11:00, Alice <alice@x.example> a écrit :", "2017-04-10"),
        ("Am 10.04.2017 um 11:00 schrieb Alice Martin <alice@x.example>:", "2017-04-10"),
        ("El lun, 10 abr 2017 a las 11:00, Alice escribió:", "2017-04-10"),
        ("> On Apr 10, 2017, at 11:00, Alice <a@x.example> wrote:", "2017-04-10"),
        ("Le 1er mai 2017 à 09:00, Bob a écrit :", "2017-05-01"),
        ("On 13/04/2017 11:00, Alice wrote:", "2017-04-13"),
        ("From: Alice Martin\nSent: Monday, April 10, 2017 11:00 AM\nTo: Julien", "2017-04-10"),
        ("De : Alice Martin\nEnvoyé : lundi 10 avril 2017 11:00\nÀ : Julien", "2017-04-10"),
        # the first header is the answered message's; an event date in the text is not one
        ("Date: 14 avril 2017\n\nLe 10 avr. 2017 à 11:00, A a écrit :\n> x", "2017-04-10"),
        # day and month cannot be told apart: both readings
        ("On 10/04/2017 11:00, Alice wrote:", "2017-04-10 2017-10-04"),
        ("Sent: Monday, April 10, 2017 11:00 AM", None),  # no From line above it
        ("On the other hand, nobody wrote: that", None),
    ],
)
def test_attribution_date(text, expected):
    from authenticity.dumpwide.attribution import attribution_date

    found = attribution_date(text)
    assert (" ".join(d.isoformat() for d in found[0]) if found else None) == expected


def test_an_original_whose_date_was_moved_after_the_reply_is_flagged():
    moved = _mail(
        body=BODY, sender="alice@campagne.example",
        when=dt.datetime(2017, 4, 4, 9, 0, tzinfo=dt.UTC), mid=ORIGINAL_ID, answers=None,
    )  # fmt: skip
    code = "EMAIL_DATE_DIFFERS_FROM_QUOTE"
    found = dump_findings_of({"alice/lyon.eml": moved, "julien/re.eml": _gmail_reply()}, code)
    (mine,) = found["alice/lyon.eml"]
    assert mine.severity is Severity.MEDIUM
    assert mine.evidence["header_date"] == "2017-04-10" and mine.evidence["gap_days"] == 6
    assert mine.evidence["other_paths"] == ["julien/re.eml"]
    (pointer,) = found["julien/re.eml"]
    assert pointer.severity is Severity.INFO
    # moved by more than a month: high
    far = _mail(
        body=BODY, sender="alice@campagne.example",
        when=dt.datetime(2017, 2, 20, 9, 0, tzinfo=dt.UTC), mid=ORIGINAL_ID, answers=None,
    )  # fmt: skip
    (mine,) = dump_findings_of({"a.eml": far, "re.eml": _gmail_reply()}, code)["a.eml"]
    assert mine.severity is Severity.HIGH and mine.evidence["gap_days"] == 49
    # the same thread with the Date as sent: nothing
    thread = {"alice/lyon.eml": _original(), "julien/re.eml": _gmail_reply()}
    assert dump_findings_of(thread, code) == {"alice/lyon.eml": [], "julien/re.eml": []}


def test_an_outlook_html_reply_is_read_through_its_header_block():
    """Outlook quotes in HTML under a From/Sent/To/Subject block, without ``>``."""
    quoted = "".join(f"<p class=MsoNormal>{line}</p>" for line in BODY.splitlines() if line)
    html = (
        "<html><body><p>Vu, merci.</p><div style='border-top:solid #E1E1E1 1.0pt'>"
        "<p class=MsoNormal><b>From:</b> Alice &lt;alice@campagne.example&gt;<br>"
        "<b>Sent:</b> Monday, April 10, 2017 11:00 AM<br><b>To:</b> Julien<br>"
        f"<b>Subject:</b> Salle de Lyon</p></div>{quoted}</body></html>"
    )
    msg = EmailMessage()
    msg["From"], msg["To"] = "julien@campagne.example", "alice@campagne.example"
    msg["Subject"], msg["Message-ID"] = "RE: Salle de Lyon", "<re-3@campagne.example>"
    msg["Date"] = format_datetime(dt.datetime(2017, 4, 10, 15, 0, tzinfo=dt.UTC))
    msg["In-Reply-To"] = ORIGINAL_ID
    msg.set_content(html, subtype="html")
    forged = _original(BODY.replace("12 500", "12 900"))
    codes = ("EMAIL_BODY_DIFFERS_FROM_QUOTE", "EMAIL_DATE_DIFFERS_FROM_QUOTE")
    found = dump_findings_of({"alice/lyon.eml": forged, "julien/re.eml": msg.as_bytes()}, *codes)
    (mine,) = found["alice/lyon.eml"]
    assert mine.code == "EMAIL_BODY_DIFFERS_FROM_QUOTE"
    assert (mine.evidence["changes"][0]["body"], mine.evidence["changes"][0]["quoted"]) == (
        "900",
        "500",
    )


_LINE_PIECES = st.sampled_from(
    [
        "> ",
        ">> ",
        "On Mon, Apr 10, 2017 at 11:00 AM, Alice <a@x.example> wrote:",
        "Le 10 avr. 2017 à 11:00, A a écrit :",
        "From: Alice",
        "Sent: Monday, April 10, 2017",
        "-----Original Message-----",
        "---------- Forwarded message ---------",
        "Subject: Salle",
        "Objet : RE: Salle",
        "https://x.example/" + "a" * 300,
        "a@b.example",
        "12 500",
        "Date: 2017-04-10",
        "\u00a0",
        "a" * 5000,
        "é" * 200,
        "<img.png>",
        ":" * 50,
    ]
)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.one_of(_LINE_PIECES, st.text(max_size=80)), max_size=40),
    st.lists(st.one_of(_LINE_PIECES, st.text(max_size=80)), max_size=40),
)
def test_quote_parsing_survives_any_text(reply_lines, body_lines):
    """Any text: no exception, and each call stays fast (bounded patterns, capped words)."""
    import time

    from authenticity.dumpwide.attribution import attribution_date
    from authenticity.dumpwide.forwards import forwarded
    from authenticity.dumpwide.quotes import compare_copies

    reply, body = "\n".join(reply_lines), "\n".join(body_lines)
    started = time.perf_counter()
    for block in quoted_blocks(reply):
        compare(body, block)
    compare_copies(body, reply)
    attribution_date(reply)
    forwarded(reply)
    assert time.perf_counter() - started < 2.0


def _forward(body: str, *, header: str, mid: str = "<fwd-1@campagne.example>") -> bytes:
    when = dt.datetime(2017, 4, 12, 8, 0, tzinfo=dt.UTC)
    text = "Pour info, vois le montant.\n\n" + header + "\n\n" + body
    msg = EmailMessage()
    msg["From"], msg["To"] = "julien@campagne.example", "hugo@campagne.example"
    msg["Subject"], msg["Message-ID"] = "Fwd: Salle de Lyon", mid
    msg["Date"] = format_datetime(when)
    msg.set_content(text)
    return msg.as_bytes()


GMAIL_FORWARD = (
    "---------- Forwarded message ---------\nFrom: Alice <alice@campagne.example>\n"
    "Date: Mon, Apr 10, 2017 at 11:00 AM\nSubject: Salle de Lyon\n"
    "To: <julien@campagne.example>"
)
OUTLOOK_FORWARD = (
    "-----Original Message-----\nDe : alice@campagne.example\n"
    "Envoyé : lundi 10 avril 2017 11:00\nÀ : Julien\nObjet : RE: Salle de Lyon"
)


def test_forwarded_header_is_read():
    from authenticity.dumpwide.forwards import forwarded, same_sender, subject_key

    held = forwarded("Pour info.\n\n" + GMAIL_FORWARD + "\n\n" + BODY)
    assert held is not None
    assert (held.sender, held.subject, held.day.isoformat()) == (
        "Alice <alice@campagne.example>",
        "Salle de Lyon",
        "2017-04-10",
    )
    assert held.text.strip().startswith("Bonjour Julien")
    assert same_sender(held.sender, "Alice Martin <ALICE@campagne.example>")
    assert same_sender("Alice Martin", "Alice Martin <alice@campagne.example>")
    assert not same_sender("Bob <bob@campagne.example>", "Alice <alice@campagne.example>")
    assert subject_key("RE: TR: Salle de  Lyon") == subject_key("Salle de Lyon") != 0
    assert forwarded("Vu.\n\n" + GMAIL_FORWARD.replace("Date: Mon, Apr 10, 2017", "")) is None


@pytest.mark.parametrize("header", [GMAIL_FORWARD, OUTLOOK_FORWARD])
def test_an_original_changed_after_it_was_forwarded_is_flagged(header):
    forged = _original(BODY.replace("12 500", "12 900"))
    files = {"alice/lyon.eml": forged, "hugo/fwd.eml": _forward(BODY, header=header)}
    found = dump_findings_of(files, CODE)
    (mine,) = found["alice/lyon.eml"]
    assert mine.severity is Severity.HIGH and mine.evidence["other_paths"] == ["hugo/fwd.eml"]
    assert (mine.evidence["changes"][0]["body"], mine.evidence["changes"][0]["quoted"]) == (
        "900",
        "500",
    )
    assert "A forward in the dump (hugo/fwd.eml) forwards this email" in mine.message
    (pointer,) = found["hugo/fwd.eml"]
    assert pointer.severity is Severity.INFO and pointer.evidence["role"] == "forward"
    # untouched: nothing
    untouched = {"alice/lyon.eml": _original(), "hugo/fwd.eml": _forward(BODY, header=header)}
    assert dump_findings_of(untouched, CODE) == {"alice/lyon.eml": [], "hugo/fwd.eml": []}


def test_a_corrected_message_sent_again_the_same_day_is_not_flagged():
    """Alice sent the figure wrong, then again corrected under the same subject; the forward
    holds the second word for word, so the first is another message, not an altered one."""
    first = _original(BODY.replace("12 500", "21 500"))
    second = _mail(
        body=BODY, sender="alice@campagne.example",
        when=dt.datetime(2017, 4, 10, 9, 30, tzinfo=dt.UTC), mid="<budget-avril-2@x.example>",
        answers=None,
    )  # fmt: skip
    files = {"a/1.eml": first, "a/2.eml": second, "h/fwd.eml": _forward(BODY, header=GMAIL_FORWARD)}
    assert all(v == [] for v in dump_findings_of(files, CODE).values())


REAL_MAIL = CORPUS / "email" / "SpamScope__tests_mails_mail_test_10"


@pytest.mark.parametrize(
    ("old", "new", "severity"),
    [(b"del 5%", b"del 15%", "high"), (b"invece invariata", b"invece ridotta", "medium")],
)
def test_a_real_email_changed_after_a_reply_quoted_it(tmp_path, old, new, severity):
    """A corpus mail (Lotus Notes, text and HTML parts) answered by a reply that quotes it;
    the original is then edited in both parts. A changed figure is high, and the scan flags
    it whatever the model says (a high finding the model never learnt keeps the rule floor)."""
    from authenticity.pipeline import run_scan

    if not REAL_MAIL.is_file():
        pytest.skip(f"corpus file missing: {REAL_MAIL}")
    data = REAL_MAIL.read_bytes()
    assert old in data
    original = analyse_document(
        Document("x", hashlib.sha256(data).hexdigest(), len(data), data=data), Settings(workers=0)
    )
    quote = "\n".join("> " + line for line in original.text.splitlines())
    reply = _mail(
        body="Grazie Nicole.\n\nIl 8 mar 2017, Nicole ha scritto:\n" + quote,
        sender="partner@example.it", when=dt.datetime(2017, 3, 9, 9, 0, tzinfo=dt.UTC),
        mid="<re-move8@example.it>", answers=original.facts["message_id"],
    )  # fmt: skip
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "nicole.eml").write_bytes(data.replace(old, new))
    (dump / "re-nicole.eml").write_bytes(reply)
    run_scan(str(dump), tmp_path / "out", Settings(workers=1))
    cards = {
        c["path"]: c
        for c in map(json.loads, (tmp_path / "out" / "scorecards.jsonl").read_text().splitlines())
    }
    card = cards["nicole.eml"]
    (finding,) = [f for f in card["findings"] if f["code"] == CODE]
    assert finding["severity"] == severity
    assert [
        f["code"] for f in card["findings"] if f["code"] == "EMAIL_DATE_DIFFERS_FROM_QUOTE"
    ] == []
    if severity == "high":
        assert card["verdict"] in ("suspicious", "likely_forged")


def test_an_outlook_reply_is_compared_once():
    """An Outlook reply heads its quote with the -----Original Message----- block a forward
    has; it answers by In-Reply-To, so only the quoted-text pass compares it."""
    forged = _original(BODY.replace("12 500", "12 900"))
    text = "Vu.\n\n" + OUTLOOK_FORWARD + "\n\n" + BODY
    reply = _mail(
        body=text, sender="julien@campagne.example",
        when=dt.datetime(2017, 4, 10, 15, 0, tzinfo=dt.UTC), mid="<re-4@campagne.example>",
        answers=ORIGINAL_ID,
    )  # fmt: skip
    found = dump_findings_of({"a/lyon.eml": forged, "j/re.eml": reply}, CODE)
    (mine,) = found["a/lyon.eml"]
    assert mine.evidence["other_paths"] == ["j/re.eml"]
    assert [f.evidence["role"] for f in found["j/re.eml"]] == ["reply"]


@pytest.mark.parametrize(
    ("when", "expected"),
    [
        (dt.datetime(2017, 4, 10, 15, 0, tzinfo=dt.UTC), None),  # as sent
        (dt.datetime(2017, 4, 11, 1, 0, tzinfo=dt.UTC), None),  # within a day
        (dt.datetime(2017, 4, 5, 9, 0, tzinfo=dt.UTC), "medium"),  # moved back 5 days
        (dt.datetime(2017, 2, 1, 9, 0, tzinfo=dt.UTC), "high"),  # more than a month
    ],
)
def test_a_reply_dated_before_the_message_it_quotes(when, expected):
    """Found in the reply alone: the original need not be in the dump."""
    quote = "\n".join("> " + line if line else ">" for line in BODY.splitlines())
    body = "Vu.\n\nLe lun. 10 avr. 2017 a 11:00, Alice <alice@campagne.example> a ecrit :\n"
    reply = _mail(
        body=body + quote, sender="julien@campagne.example", when=when,
        mid="<re-5@campagne.example>", answers=ORIGINAL_ID,
    )  # fmt: skip
    found = dump_findings_of({"j/re.eml": reply}, "EMAIL_DATE_BEFORE_QUOTED_MESSAGE")["j/re.eml"]
    assert [f.severity.value for f in found] == ([expected] if expected else [])
    if expected:
        assert found[0].evidence["header_date"] == "2017-04-10"
        assert "Nobody quotes a message before it was written" in found[0].message


def test_a_whole_mbox_read_as_one_message_is_not_compared():
    """The sample dump's mbox is also read as its first message, whose text carries the
    next messages' raw headers (From:, Date:): those are no quote headers. Its messages
    are scanned one by one as members."""
    from authenticity.dumpwide.quotes import holds_mailbox

    mbox = Path(__file__).resolve().parents[1] / "data" / "sample_dump" / "mail"
    data = (mbox / "archive-2017-04.mbox").read_bytes()
    assert holds_mailbox(data.decode("utf-8", "replace"))
    codes = ("EMAIL_DATE_BEFORE_QUOTED_MESSAGE", "EMAIL_BODY_DIFFERS_FROM_QUOTE")
    assert dump_findings_of({"mail/archive-2017-04.mbox": data}, *codes) == {
        "mail/archive-2017-04.mbox": []
    }
    single = _gmail_reply()
    assert not holds_mailbox(b"From julien@x Mon Apr 10 15:00:00 2017\n".decode() + single.decode())


def test_an_ambiguous_header_date_counts_only_when_both_readings_disagree():
    """``05/04/2017``: 5 April or 4 May. A reply dated 20 April: 4 May is after it, but 5
    April is not, so nothing; a reply dated 1 April: both are after it."""
    quote = "\n".join("> " + line if line else ">" for line in BODY.splitlines())
    header = "On 05/04/2017 11:00, Alice <alice@campagne.example> wrote:\n"
    code = "EMAIL_DATE_BEFORE_QUOTED_MESSAGE"
    for day, expected in ((20, []), (1, ["medium"])):
        reply = _mail(
            body="Ok.\n\n" + header + quote, sender="julien@campagne.example",
            when=dt.datetime(2017, 4, day, 9, 0, tzinfo=dt.UTC), mid=f"<re-a{day}@x.example>",
            answers=ORIGINAL_ID,
        )  # fmt: skip
        found = dump_findings_of({"re.eml": reply}, code)["re.eml"]
        assert [f.severity.value for f in found] == expected
        if expected:
            assert found[0].evidence["header_readings"] == ["2017-04-05", "2017-05-04"]
