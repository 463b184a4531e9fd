"""Email checks: DKIM/ARC results and the Received chain against the Date header.

They read the email extractor's facts (``received``: hops, most recent first, each with a
parsed ``date``; ``date``: the parsed Date header) and ``facts["dkim"]``, which
:func:`authenticity.analyse._verify_dkim` fills with :func:`authenticity.dkim.verify_message`
before the checks run.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import itertools
import re
from collections.abc import Iterator
from typing import Any

from authenticity.dkim import body_signed
from authenticity.extract.email import MAX_ARRIVAL_STAMPS
from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc, fmt_span, stored_datetime

#: Servers' clocks disagree a little: a hop may look this much earlier than the one before.
HOP_TOLERANCE = dt.timedelta(minutes=10)
#: The Date header is set by the sender's client just before submission.
DATE_AFTER_FIRST_HOP = dt.timedelta(minutes=15)
#: A message may wait in an outbox (offline client, queue retries) before its first hop.
DATE_BEFORE_FIRST_HOP = dt.timedelta(days=7)
#: A Date this far after the first relay's stamp is no clock drift: high.
DATE_AFTER_FIRST_HOP_HIGH = dt.timedelta(days=30)
#: A Date up to this far after it is low: a sender's clock set to the wrong zone (zones
#: span 26 hours) or running ahead, which spam and misconfigured machines show daily; a
#: forger moving a Date forward moves it by days.
DATE_AFTER_FIRST_HOP_LOW = dt.timedelta(days=1)
#: A naive datetime may be local time anywhere on Earth.
NAIVE_SLACK = dt.timedelta(hours=14)
#: Signed headers whose absence from h= leaves them editable without breaking DKIM.
KEY_HEADERS = ("subject", "date", "to", "message-id")


def _slack(tolerance: dt.timedelta, *values: dt.datetime) -> dt.timedelta:
    return tolerance + (NAIVE_SLACK if any(v.tzinfo is None for v in values) else dt.timedelta())


def _iso(value: dt.datetime) -> str:
    return value.isoformat()


def _where(hop: dict[str, Any]) -> str:
    by = hop.get("by")
    return f" by {by}" if by else ""


# --------------------------------------------------------------------------- DKIM / ARC


def _sig_evidence(sig: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "domain",
        "selector",
        "algorithm",
        "result",
        "detail",
        "timestamp",
        "body_length",
        "expired",
        "header_signature_valid",
        "key_bits",
        "body_hash_valid",
        "checked_without_key",
    )
    return {k: sig[k] for k in keys if sig.get(k) is not None}


def _signer(sig: dict[str, Any]) -> str:
    return f"d={sig.get('domain') or '?'}, s={sig.get('selector') or '?'}"


def _appended_text(sig: dict[str, Any], evidence: dict[str, Any]) -> Iterator[Finding]:
    """Text after the l= length a signature's body hash covers, when that hash matches
    (verified with the key, or checked without it)."""
    tail = sig.get("unsigned_body_text") if sig.get("unsigned_body_bytes") else None
    if not tail:
        return
    how = (
        "the signature still verifies either way"
        if sig.get("result") == "pass"
        else "the signed part still hashes to the body hash (bh=, checked without the key) "
        "either way"
    )
    yield Finding(
        "EMAIL_DKIM_UNSIGNED_APPENDED_TEXT",
        Severity.MEDIUM,
        f"The DKIM signature of {sig.get('domain')} covers only the first "
        f"{sig['body_length']} bytes of the body (l=); "
        f"{sig['unsigned_body_bytes']} more bytes follow that no signature "
        "covers. They may be a mailing-list footer, or text added to a genuine "
        f"signed message: {how}.",
        {**evidence, "unsigned_body_bytes": sig["unsigned_body_bytes"], "unsigned_body_text": tail},
    )


def check_dkim(meta: Metadata, facts: dict[str, Any], ctx: object) -> Iterator[Finding]:
    dkim = facts.get("dkim")
    if not isinstance(dkim, dict):
        return
    sigs = [s for s in dkim.get("signatures") or [] if isinstance(s, dict)]
    passing = [s for s in sigs if s.get("result") == "pass"]
    for sig in sigs:
        result = sig.get("result")
        evidence = _sig_evidence(sig)
        if result == "pass":
            unsigned = [h for h in KEY_HEADERS if h not in (sig.get("signed_headers") or [])]
            extra = ""
            if unsigned:
                extra += f" Not covered by the signature: {', '.join(unsigned)}."
                evidence["unsigned_headers"] = unsigned
            tail = sig.get("unsigned_body_text") if sig.get("unsigned_body_bytes") else None
            if sig.get("body_length") is not None:
                extra += (
                    f" Only the first {sig['body_length']} bytes of the body are signed (l=); "
                    + (
                        "the text after them is not covered (see the next finding)."
                        if tail
                        else "nothing follows them."
                    )
                )
            yield Finding(
                "EMAIL_DKIM_VERIFIED",
                Severity.INFO,
                f"The DKIM signature of {sig.get('domain')} (selector {sig.get('selector')}) "
                "verifies: the signed headers and the body are as that domain's server sent "
                f"them.{extra}",
                evidence,
            )
            yield from _appended_text(sig, evidence)
        elif result == "body_hash_mismatch":
            headers = (
                " The signed headers still verify, so only the body was changed."
                if sig.get("header_signature_valid")
                else ""
            )
            if passing:
                yield Finding(
                    "EMAIL_DKIM_BODY_HASH_MISMATCH",
                    Severity.LOW,
                    f"The body no longer matches the DKIM signature ({_signer(sig)}), but "
                    f"another signature ({_signer(passing[0])}) verifies the current body: a "
                    "relay such as a mailing list changed the body and signed it again." + headers,
                    evidence,
                )
            elif sig.get("checked_without_key"):
                # The key would prove the bh= value itself is the signer's; without it, a
                # mismatch still means this body is not the one that was signed.
                yield Finding(
                    "EMAIL_DKIM_BODY_HASH_MISMATCH",
                    Severity.HIGH,
                    "The body is not the one that was signed: it no longer hashes to the body "
                    f"hash (bh=) of the DKIM signature ({_signer(sig)}). Checked without the "
                    "public key, which is not in the key archive: the key would also show "
                    "whether the signature itself is genuine.",
                    evidence,
                )
            else:
                yield Finding(
                    "EMAIL_DKIM_BODY_HASH_MISMATCH",
                    Severity.CRITICAL,
                    f"The body was altered after the message was signed: it no longer hashes "
                    f"to the body hash in the DKIM signature ({_signer(sig)}).{headers}",
                    evidence,
                )
        elif result == "signature_mismatch":
            severity = Severity.LOW if passing else Severity.HIGH
            tail = (
                f" Another signature ({_signer(passing[0])}) verifies the message as it is."
                if passing
                else ""
            )
            yield Finding(
                "EMAIL_DKIM_SIGNATURE_INVALID",
                severity,
                f"The DKIM signature ({_signer(sig)}) does not verify although the body is "
                "unchanged: a signed header field (one of "
                f"{', '.join(sig.get('signed_headers') or []) or '?'}) was altered after "
                f"signing.{tail}",
                {**evidence, "signed_headers": sig.get("signed_headers")},
            )
        elif result == "key_unavailable":
            body = (
                " The body still hashes to the signed body hash (bh=), which needs no key; "
                "the signed headers could not be checked."
                if sig.get("body_hash_valid")
                else ""
            )
            yield Finding(
                "EMAIL_DKIM_KEY_UNAVAILABLE",
                Severity.INFO,
                f"The message carries a DKIM signature ({_signer(sig)}) that could not be "
                f"checked: {sig.get('detail') or 'no public key'}. Adding that key to the key "
                f"archive (--dkim-keys) would allow verifying it.{body}",
                evidence,
            )
            if sig.get("body_hash_valid"):
                yield from _appended_text(sig, evidence)
        else:
            yield Finding(
                "EMAIL_DKIM_ERROR",
                Severity.INFO,
                f"The DKIM signature ({_signer(sig)}) could not be evaluated: "
                f"{sig.get('detail') or 'unknown error'}.",
                evidence,
            )
    arc = dkim.get("arc")
    if isinstance(arc, dict):
        yield Finding(
            "EMAIL_ARC_RESULT",
            Severity.INFO,
            f"ARC chain ({arc.get('instances', 0)} set(s)): {arc.get('result')} "
            f"({arc.get('detail')}).",
            {k: arc.get(k) for k in ("result", "detail", "instances", "sets")},
        )


# --------------------------------------------------------------------------- Received chain


def dated_hops(facts: dict[str, Any]) -> list[tuple[int, dict[str, Any], dt.datetime]]:
    """(position from the top, hop, date) of every hop with a date, oldest first."""
    hops = facts.get("received")
    if not isinstance(hops, list):
        return []
    out = []
    for i, hop in enumerate(hops):
        if isinstance(hop, dict) and (when := stored_datetime(hop.get("date"))) is not None:
            out.append((i, hop, when))
    out.reverse()
    return out


def check_received_order(meta: Metadata, facts: dict[str, Any], ctx: object) -> Iterator[Finding]:
    """Each relay adds its Received on top: going down the list, time goes back."""
    dated = dated_hops(facts)
    worst: tuple[dt.timedelta, Any, Any] | None = None
    for (_, older_hop, older), (pos, newer_hop, newer) in itertools.pairwise(dated):
        gap = as_utc(older) - as_utc(newer)  # > 0: the later hop claims an earlier time
        if gap > _slack(HOP_TOLERANCE, older, newer) and (worst is None or gap > worst[0]):
            worst = (gap, (older_hop, older), (pos, newer_hop, newer))
    if worst is None:
        return
    gap, (older_hop, older), (pos, newer_hop, newer) = worst
    yield Finding(
        "EMAIL_RECEIVED_OUT_OF_ORDER",
        Severity.MEDIUM,
        f"The Received chain goes back in time: hop {pos + 1} from the top{_where(newer_hop)} "
        f"says {_iso(newer)}, {fmt_span(gap)} before the hop below it{_where(older_hop)} "
        f"({_iso(older)}), which handled the message first. Relays only add Received headers "
        "on top, so a header was inserted, edited, or a server clock was far off.",
        {
            "later_hop": newer_hop.get("raw"),
            "later_hop_date": newer,
            "earlier_hop": older_hop.get("raw"),
            "earlier_hop_date": older,
            "gap_seconds": gap.total_seconds(),
            "tolerance_seconds": HOP_TOLERANCE.total_seconds(),
        },
    )


def _gap_severity(
    delta: dt.timedelta, *values: dt.datetime, back_high: bool = True
) -> Severity | None:
    """How far a Date ``delta`` after (> 0) or before (< 0) a record of the message's
    sending is off: more than 15 minutes after it is low up to a day (a clock in the
    wrong zone), then medium; more than a week before it (an outbox's wait) is medium;
    beyond 30 days high (``back_high``: also before it). None within those bounds.
    ``values``: the times compared (zone-less ones widen the bounds)."""
    if delta > _slack(DATE_AFTER_FIRST_HOP, *values):
        if delta <= _slack(DATE_AFTER_FIRST_HOP_LOW, *values):
            return Severity.LOW
        high = delta > _slack(DATE_AFTER_FIRST_HOP_HIGH, *values)
    elif -delta > _slack(DATE_BEFORE_FIRST_HOP, *values):
        high = back_high and -delta > _slack(DATE_AFTER_FIRST_HOP_HIGH, *values)
    else:
        return None
    return Severity.HIGH if high else Severity.MEDIUM


def check_date_vs_received(meta: Metadata, facts: dict[str, Any], ctx: object) -> Iterator[Finding]:
    """The Date header is written before the first (oldest) relay receives the message."""
    date = stored_datetime(facts.get("date"))
    dated = dated_hops(facts)
    if date is None or not dated:
        return
    _pos, hop, first = dated[0]
    delta = as_utc(date) - as_utc(first)
    evidence = {
        "date": date,
        "date_header": facts.get("date_header"),
        "first_hop_date": first,
        "first_hop": hop.get("raw"),
        "difference_seconds": delta.total_seconds(),
    }
    # After: minutes to hours is a sender's clock off or in the wrong zone; a month or more,
    # the Date was rewritten (or the Received headers were copied from another message).
    # Before: a week in an outbox happens (a laptop closed over a holiday); a month does not.
    severity = _gap_severity(delta, date, first)
    if severity is None:
        return
    if delta > dt.timedelta(0):
        yield Finding(
            "EMAIL_DATE_VS_RECEIVED",
            severity,
            f"The Date header ({_iso(date)}) is {fmt_span(delta)} later than the first relay "
            f"received the message{_where(hop)} ({_iso(first)}): a message cannot be written "
            "after it was sent, so the Date or the Received header was changed.",
            evidence,
        )
    else:
        yield Finding(
            "EMAIL_DATE_VS_RECEIVED",
            severity,
            f"The Date header ({_iso(date)}) is {fmt_span(-delta)} earlier than the first relay "
            f"received the message{_where(hop)} ({_iso(first)}); mail waits in an outbox for "
            "hours, rarely over a week, so the Date looks back-dated (or the message was "
            "re-sent much later).",
            evidence,
        )


def _signatures(facts: dict[str, Any]) -> list[dict[str, Any]]:
    """The DKIM signature results :func:`authenticity.dkim.verify_message` stored."""
    dkim = facts.get("dkim")
    sigs = dkim.get("signatures") if isinstance(dkim, dict) else None
    return [s for s in sigs or [] if isinstance(s, dict)]


def signing_time(facts: dict[str, Any]) -> dt.datetime | None:
    """The earliest signing time (``t=``) of the message's DKIM signatures (UTC): when
    the first signer, normally the sender's outgoing server, signed it."""
    stamps = [
        s["timestamp"]
        for s in _signatures(facts)
        if isinstance(s.get("timestamp"), int) and s["timestamp"] > 0
    ]
    return _unix(min(stamps)) if stamps else None


#: An arrival stamp this close to a Received hop's time restates that hop (the same server
#: wrote both as the message arrived).
ARRIVAL_SAME_HOP = dt.timedelta(minutes=5)


def independent_arrival(facts: dict[str, Any]) -> tuple[str, dt.datetime] | None:
    """The earliest server stamp outside the Received lines (fact ``arrival_stamps``:
    Exchange's arrival stamp, Gmail's X-Received, Exim's Delivery-date) that no Received hop
    states too: a stamp within minutes of a hop's time is that hop's second record, not a
    clock of its own. (header, time) or None."""
    stamps = facts.get("arrival_stamps")
    if not isinstance(stamps, list):
        return None
    hops = [as_utc(when) for _pos, _hop, when in dated_hops(facts)]
    best: tuple[str, dt.datetime] | None = None
    for item in stamps[:MAX_ARRIVAL_STAMPS]:
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        when = stored_datetime(item[1])
        if when is None:
            continue
        when = as_utc(when)
        if any(abs(when - hop) <= ARRIVAL_SAME_HOP for hop in hops):
            continue
        if best is None or when < best[1]:
            best = (str(item[0]), when)
    return best


def check_date_vs_arrival_stamp(
    meta: Metadata, facts: dict[str, Any], ctx: object
) -> Iterator[Finding]:
    """The Date header against servers' stamps outside the Received lines.

    Exchange writes when the message reached its first Exchange server in a header of its
    own (``X-OriginalArrivalTime``: for mail sent from Exchange, seconds after the Date),
    Gmail its internal hops in ``X-Received`` lines, Exim the delivery in
    ``Delivery-date``. Someone who moves the Date, and even every Received line with it,
    rarely knows these. A stamp that restates a Received hop's time (the same server, the
    same minute) is left to the Received checks; the earliest other one is compared."""
    date = stored_datetime(facts.get("date"))
    found = independent_arrival(facts)
    if date is None or found is None:
        return
    name, arrived = found
    delta = as_utc(date) - arrived
    evidence = {
        "date": date,
        "date_header": facts.get("date_header"),
        "arrival_time": arrived,
        "arrival_header": name,
        "difference_seconds": delta.total_seconds(),
    }
    severity = _gap_severity(delta, date)
    if severity is None:
        return
    if delta > dt.timedelta(0):
        yield Finding(
            "EMAIL_DATE_VS_ARRIVAL_STAMP",
            severity,
            f"The Date header ({_iso(date)}) is {fmt_span(delta)} later than a server's "
            f"stamp of the message's passage ({name}: {_iso(arrived)}): a message cannot be "
            "written after it reached a server, so the Date was moved forward.",
            evidence,
        )
    else:
        yield Finding(
            "EMAIL_DATE_VS_ARRIVAL_STAMP",
            severity,
            f"The Date header ({_iso(date)}) is {fmt_span(-delta)} earlier than a server's "
            f"stamp of the message's passage ({name}: {_iso(arrived)}); mail waits in an "
            "outbox for hours, rarely over a week, so the Date looks back-dated.",
            evidence,
        )


def _date_verified(facts: dict[str, Any]) -> bool:
    """A signature that verifies with the domain's key covers the Date: the signer signed
    the message with this very Date, however long after it was written."""
    return any(
        s.get("result") == "pass" and "date" in (s.get("signed_headers") or [])
        for s in _signatures(facts)
    )


def check_date_vs_signing_time(
    meta: Metadata, facts: dict[str, Any], ctx: object
) -> Iterator[Finding]:
    """The Date header against the DKIM signature's own time stamp (``t=``).

    The sending server signs a message as it leaves, seconds after the Date, and the time
    it writes into the signature stays readable without the domain's key, as leaked mail
    is read years later. A Date after the signing time was moved forward; a Date weeks
    before it was moved back, or the message was signed again much later (a mailing list
    holding it for moderation, a re-send). A signature verified with the key that covers
    the Date settles it: the Date is the one that was signed."""
    date = stored_datetime(facts.get("date"))
    signed = signing_time(facts)
    if date is None or signed is None or _date_verified(facts):
        return
    delta = as_utc(date) - signed
    evidence = {
        "date": date,
        "date_header": facts.get("date_header"),
        "signed_at": signed,
        "difference_seconds": delta.total_seconds(),
    }
    # before it: medium only (a mailing list or a re-send signs again, any time later)
    severity = _gap_severity(delta, date, back_high=False)
    if severity is None:
        return
    if delta > dt.timedelta(0):
        yield Finding(
            "EMAIL_DATE_VS_SIGNING_TIME",
            severity,
            f"The Date header ({_iso(date)}) is {fmt_span(delta)} later than the DKIM "
            f"signature says the message was signed ({_iso(signed)}, its t= tag): a message "
            "cannot be written after it was signed for sending, so the Date was moved forward "
            "(or the sender's clock was that far off).",
            evidence,
        )
    else:
        yield Finding(
            "EMAIL_DATE_VS_SIGNING_TIME",
            severity,
            f"The Date header ({_iso(date)}) is {fmt_span(-delta)} earlier than the DKIM "
            f"signature says the message was signed ({_iso(signed)}, its t= tag): servers "
            "sign mail as it leaves, so the Date looks back-dated (or the message was signed "
            "again much later, by a mailing list or a re-send).",
            evidence,
        )


def check_received_after_leak(meta: Metadata, facts: dict[str, Any], ctx: Any) -> Iterator[Finding]:
    """A message of the dump cannot have been relayed after the dump was taken."""
    leak_date = getattr(getattr(ctx, "settings", None), "leak_date", None)
    if leak_date is None:
        return
    cutoff = dt.datetime.combine(leak_date, dt.time(23, 59, 59), tzinfo=dt.UTC)
    dated = dated_hops(facts)
    if not dated:
        return
    _pos, hop, last = dated[-1]
    if as_utc(last) - cutoff > _slack(dt.timedelta(minutes=2), last):
        yield Finding(
            "EMAIL_RECEIVED_AFTER_LEAK",
            Severity.HIGH,
            f"A relay{_where(hop)} received this message on {_iso(last)}, after the leak date "
            f"{leak_date.isoformat()}: it cannot have been in the dump when it was taken.",
            {"hop": hop.get("raw"), "hop_date": last, "leak_date": leak_date},
        )


#: Message-IDs made by Python's ``email.utils.make_msgid``: ``<time*100.pid.random64@host>``.
_PYTHON_MSGID = re.compile(r"^<?\d{11,13}\.\d{1,7}\.\d{15,20}@[^>\s]+>?$")
#: Mail clients that generate their own Message-IDs (never Python's shape).
_CLIENTS = (
    "outlook",
    "thunderbird",
    "apple mail",
    "iphone mail",
    "ipad mail",
    "evolution",
    "kmail",
    "mutt",
    "the bat",
    "eudora",
    "lotus notes",
    "ibm notes",
    "windows live mail",
    "seamonkey",
    "postbox",
    "mailbird",
    "em client",
    "sylpheed",
    "claws mail",
    "alpine",
    "k-9 mail",
    "roundcube",
    "squirrelmail",
    "horde",
    "zimbra",
)


#: Sending programs written in Python, or that hand Python's Message-IDs on: naming one
#: beside a ``make_msgid`` Message-ID is no contradiction.
_PYTHON_SENDERS = re.compile(
    r"python|django|flask|odoo|openerp|mailman|\btrac\b|roundup|plone|zope|sentry"
    r"|airflow|home ?assistant|superset|redash|buildbot|pagure|hyperkitty|\bscript\b",
    re.IGNORECASE,
)


def check_message_id_vs_client(
    meta: Metadata, facts: dict[str, Any], ctx: object
) -> Iterator[Finding]:
    """A message that names its sending program (a mail client, a bulk mailer, a groupware
    server) but carries a Message-ID made by Python's ``email.utils.make_msgid``: written
    by a script, with that program's header copied. Programs written in Python
    (:data:`_PYTHON_SENDERS`) are not held against it."""
    mid = facts.get("message_id")
    client = facts.get("x_mailer") or facts.get("user_agent")
    if not isinstance(mid, str) or not isinstance(client, str) or not client.strip():
        return
    if not _PYTHON_MSGID.match(mid.strip()) or _PYTHON_SENDERS.search(client):
        return
    named = next((c for c in _CLIENTS if c in client.casefold()), None)
    what = "that client never uses" if named else "that program does not write"
    yield Finding(
        "EMAIL_MESSAGE_ID_UNLIKE_CLIENT",
        Severity.HIGH,
        f"The message says it was written with {client!r}, but its Message-ID {mid.strip()!r} "
        f"has the shape Python's email library generates (time.pid.random@host), which {what}: "
        "a script wrote the message and copied the program's header.",
        {
            "message_id": mid.strip(),
            "client": client,
            "id_shape": "python make_msgid",
            "known_client": named is not None,
        },
    )


#: Headers of mailing-list software (Mailman is written in Python and re-wraps messages).
_LIST_HEADERS = ("list-id", "x-mailman-version", "list-post")


def check_python_layout(meta: Metadata, facts: dict[str, Any], ctx: object) -> Iterator[Finding]:
    """The message was put together by Python's ``email`` package (header layout, boundary,
    per-part MIME-Version): high when it names a sending program that is not written in
    Python (a mail client, a bulk mailer, a mail component such as Microsoft CDO), which
    writes its own layout; info otherwise (automated senders and conversion tools write
    such messages too)."""
    traces = facts.get("python_email_traces")
    if not isinstance(traces, list) or not traces:
        return
    raw = meta.raw if isinstance(meta.raw, dict) else {}
    headers = raw.get("headers") if isinstance(raw.get("headers"), list) else []
    names = {str(h[0]).strip().lower() for h in headers if isinstance(h, list | tuple) and h}
    if names & set(_LIST_HEADERS):
        return
    client = facts.get("x_mailer") or facts.get("user_agent")
    named = (
        next((c for c in _CLIENTS if c in client.casefold()), None)
        if isinstance(client, str)
        else None
    )
    # since 2026-12-07 any named sender not written in Python, as for the Message-ID
    other = isinstance(client, str) and bool(client.strip()) and not _PYTHON_SENDERS.search(client)
    evidence = {"traces": traces, "client": client, "known_client": named is not None}
    if named or other:
        what = "that client never produces" if named else "that program does not write"
        yield Finding(
            "EMAIL_SCRIPT_LAYOUT_UNDER_CLIENT",
            Severity.HIGH,
            f"The message says it was written with {client!r}, but it has the layout of "
            f"Python's email package ({'; '.join(traces)}), which {what}: a script wrote "
            "or rebuilt the message and kept the program's header.",
            evidence,
        )
        return
    yield Finding(
        "EMAIL_WRITTEN_BY_SCRIPT",
        Severity.INFO,
        f"The message was put together by Python's email package ({'; '.join(traces)}): "
        "an automated sender, a conversion tool, or someone writing the message by script.",
        evidence,
    )


#: A calendar stamp that opens a Message-ID's local part (or follows a separator):
#: YYYYMMDDhhmm or YYYYMMDDhhmmss, as Postfix, sendmail, KMail, Exchange relays and many
#: list servers write them; or Python's make_msgid, whose first number is the time in
#: centiseconds.
_MSGID_STAMP = re.compile(r"(?:^|[<.\-_])((?:19|20)\d{10}(?:\d{2})?)(?=[.\-_@])")
#: Wall clock vs UTC: a stamp may be written in either, so up to 14 h apart, plus the time
#: a message waits between getting its id and its Date (or the reverse).
MSGID_SLACK = dt.timedelta(hours=15)


#: Outlook (97-2010 and Outlook Express): ``<xxxx01c4e8a2$2f8b1d40$...@host>``, the
#: FILETIME (100 ns since 1601, UTC) of the message's creation as two hex dwords.
_OUTLOOK_MSGID = re.compile(r"^[0-9a-f]{4}(0[0-9a-f]{7})\$([0-9a-f]{8})\$[0-9a-f]{8}", re.I)
#: Mozilla clients before 2017 (Thunderbird, SeaMonkey, Netscape): ``<4ACBDD83.6080307@host>``,
#: the Unix time in hex, then a salt. Read under a Mozilla client's name or with Mozilla's
#: salt shape: two hex numbers alone could be anything.
_MOZILLA_MSGID = re.compile(r"^([0-9A-F]{8})\.([0-9A-F]{1,8})$")
#: Mozilla's salt as it appears in real ids: decimal digits with zeros between them
#: (``6080307``, ``5020004``); a shape that random hex seldom takes.
_MOZILLA_SALT = re.compile(r"^(?:[1-9]0)?[0-9]0[0-9]0[0-9]$")
_MOZILLA_CLIENT = re.compile(r"mozilla|thunderbird|seamonkey|icedove|netscape|postbox", re.I)
#: JavaMail: ``<hash.counterMILLIS.JavaMail.user@host>``, the clock in milliseconds as the
#: last 13 digits of the second number.
_JAVAMAIL_MSGID = re.compile(r"^-?\d+\.\d*?(1\d{12})\.JavaMail\.", re.I)
#: Evolution ``<seconds.pid.counter.camel@host>``; Yahoo Mail ``<seconds.n.YahooMail...@``.
_UNIX_MSGID = re.compile(r"^(1\d{9})\.\d+\.(?:\d+\.camel$|YahooMail)")
#: Pine and Alpine: ``<alpine.DEB.2.20.1704180914020.1234@host>``, yymmddhhmmss wall clock.
_PINE_MSGID = re.compile(r"^(?:Pine|alpine)\.[\w.-]*?\.(\d{12})\d\.\d+$")


#: Longer Message-IDs are not read for a time stamp (real ones are well under this; the
#: shape patterns backtrack on long digit runs).
MAX_MSGID = 512


#: Client id shapes read as clocks. Another program's id of the same shape (random hex
#: digits) spells a time years off: a clock further than CLOCK_PLAUSIBLE from the Date is
#: taken for such a look-alike, not read (a forger moves a date by days, months, a year).
CLIENT_CLOCK_FORMS = frozenset(
    {"Outlook FILETIME", "Mozilla hex Unix time", "JavaMail milliseconds", "Unix time"}
)
CLOCK_PLAUSIBLE = dt.timedelta(days=3 * 365)


def _filetime(high: str, low: str) -> dt.datetime | None:
    ticks = (int(high, 16) << 32) | int(low, 16)
    try:
        return dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


def _unix(seconds: float) -> dt.datetime | None:
    try:
        return dt.datetime.fromtimestamp(seconds, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _clock_stamp(local: str, client: str) -> tuple[dt.datetime | None, str] | None:
    """(UTC time, form) of a client's clock-derived Message-ID, if it is one."""
    if m := _OUTLOOK_MSGID.match(local):
        return _filetime(m.group(1), m.group(2)), "Outlook FILETIME"
    if (m := _MOZILLA_MSGID.match(local)) and (
        _MOZILLA_CLIENT.search(client) or _MOZILLA_SALT.match(m.group(2))
    ):
        return _unix(int(m.group(1), 16)), "Mozilla hex Unix time"
    if m := _JAVAMAIL_MSGID.match(local):
        return _unix(int(m.group(1)) / 1000), "JavaMail milliseconds"
    if m := _UNIX_MSGID.match(local):
        return _unix(int(m.group(1))), "Unix time"
    return None


def _stamp_of(mid: str, client: str = "") -> tuple[dt.datetime, str] | None:
    """(time, form) of a timestamp embedded in a Message-ID, if it has one: aware (UTC)
    for clock counts, naive for a calendar stamp that may be wall clock or UTC. ``client``
    is the X-Mailer or User-Agent (some shapes are only read under their client's name)."""
    if len(mid) > MAX_MSGID:
        return None
    local = mid.strip().strip("<>").rpartition("@")[0]
    clock = _clock_stamp(local, client)
    if clock is not None:
        return (clock[0], clock[1]) if clock[0] is not None else None
    if m := _PINE_MSGID.match(local):
        try:
            return dt.datetime.strptime(m.group(1), "%y%m%d%H%M%S"), "Pine/Alpine yymmddhhmmss"
        except ValueError:
            return None
    m = _PYTHON_MSGID.match(mid.strip())
    if m:
        centis = int(local.split(".", 1)[0])
        stamp = _unix(centis / 100)
        return (stamp, "python make_msgid") if stamp is not None else None
    m = _MSGID_STAMP.search(local)
    if not m:
        return None
    digits = m.group(1)
    fmt = "%Y%m%d%H%M%S" if len(digits) == 14 else "%Y%m%d%H%M"
    try:
        return dt.datetime.strptime(digits, fmt), "YYYYMMDDhhmm" + (
            "ss" if len(digits) == 14 else ""
        )
    except ValueError:
        return None


def message_id_stamp(facts: dict[str, Any]) -> tuple[dt.datetime, str] | None:
    """(time, form) of the time stamp in the message's Message-ID (read under its X-Mailer
    or User-Agent), when there is one dated 1990-2100."""
    mid = facts.get("message_id")
    if not isinstance(mid, str):
        return None
    client = " ".join(str(facts.get(k) or "") for k in ("x_mailer", "user_agent"))
    found = _stamp_of(mid, client)
    return found if found is not None and 1990 <= found[0].year <= 2100 else None


def check_message_id_time(meta: Metadata, facts: dict[str, Any], ctx: object) -> Iterator[Finding]:
    """The Date header far from the time stamped into the Message-ID.

    The Message-ID is made when the message is written, often from the clock; editing the
    Date of an unsigned message (no DKIM signature to break) leaves that stamp behind.
    """
    mid = facts.get("message_id")
    date = stored_datetime(facts.get("date"))
    found = message_id_stamp(facts)
    if not isinstance(mid, str) or date is None or found is None:
        return
    stamp, form = found
    # A zone-less stamp may be local time or UTC: compare wall clocks, with the zone slack.
    wall = as_utc(date) if stamp.tzinfo is not None else date.replace(tzinfo=None)
    delta = wall - stamp
    if abs(delta) <= MSGID_SLACK or (form in CLIENT_CLOCK_FORMS and abs(delta) > CLOCK_PLAUSIBLE):
        return
    yield Finding(
        "EMAIL_MESSAGE_ID_TIME_MISMATCH",
        Severity.MEDIUM,
        f"The Message-ID {mid.strip()!r} carries a time stamp ({form}: {stamp.isoformat()}) "
        f"{fmt_span(delta)} {'before' if delta > dt.timedelta(0) else 'after'} the Date header "
        f"({_iso(date)}). The id is made when the message is written: the Date was changed, "
        "or the id was copied from another message.",
        {
            "message_id": mid.strip(),
            "id_time": stamp,
            "id_time_form": form,
            "date": date,
            "difference_seconds": delta.total_seconds(),
        },
    )


#: Outlook's Thread-Index: base64 of a 22-byte header (the conversation's start as a
#: FILETIME, then a GUID) and a 5-byte block per reply level.
THREAD_INDEX_HEADER = 22
THREAD_INDEX_CHILD = 5
#: A first message's Date and Thread-Index come from one clock at once (a draft sent later
#: only makes the Date later); a reply's thread start comes from the first sender's clock.
THREAD_START_SLACK = dt.timedelta(hours=1)
THREAD_REPLY_SLACK = dt.timedelta(hours=12)
THREAD_HIGH_GAP = dt.timedelta(days=30)


def thread_index_time(value: object) -> tuple[dt.datetime, int] | None:
    """(conversation start in UTC, reply levels) of an Outlook Thread-Index header, or None
    when it is not one. Outlook 2003-2007 write the FILETIME's top six bytes; later versions
    a 0x01 byte and then its top five (the FILETIME's own top byte is 0x01 from 1973 to
    2057, which tells the two apart)."""
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode("".join(value.split()), validate=True)
    except (ValueError, binascii.Error):
        return None
    extra = len(raw) - THREAD_INDEX_HEADER
    if extra < 0 or extra % THREAD_INDEX_CHILD or raw[0] != 0x01:
        return None
    if raw[1] == 0x01:
        ticks = int.from_bytes(raw[1:6], "big") << 24
    else:
        ticks = int.from_bytes(raw[0:6], "big") << 16
    try:
        start = dt.datetime(1601, 1, 1, tzinfo=dt.UTC) + dt.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None
    if not 1995 <= start.year <= 2100:
        return None
    return start, extra // THREAD_INDEX_CHILD


def check_thread_index_time(
    meta: Metadata, facts: dict[str, Any], ctx: object
) -> Iterator[Finding]:
    """The Date header before the conversation start that Outlook's Thread-Index records.

    Outlook stamps a new conversation's Thread-Index from the clock when the message is
    created and a reply carries its thread's start forward, so no message of the thread
    can be dated before it. A Date moved back (an unsigned message has no signature to
    break) leaves the Thread-Index behind. A later Date says nothing: a draft is sent when
    its writer chooses.
    """
    found = thread_index_time(facts.get("thread_index"))
    date = stored_datetime(facts.get("date"))
    if found is None or date is None or date.tzinfo is None:
        return
    start, replies = found
    early = start - as_utc(date)
    if early <= (THREAD_REPLY_SLACK if replies else THREAD_START_SLACK):
        return
    if early > CLOCK_PLAUSIBLE:
        return  # random bytes in Outlook's shape (a generator's imitation), not its clock
    what = (
        f"a reply {replies} level{'s' if replies > 1 else ''} into a conversation that "
        "Outlook's Thread-Index says began"
        if replies
        else "a message whose Outlook Thread-Index says it was created"
    )
    yield Finding(
        "EMAIL_DATED_BEFORE_THREAD_INDEX",
        Severity.HIGH if early > THREAD_HIGH_GAP else Severity.MEDIUM,
        f"The Date header ({_iso(date)}) is {fmt_span(early)} before the time of {what} "
        f"({start.isoformat(timespec='seconds')}): no message is written before its "
        "conversation starts. The Date was moved back, or the Thread-Index was copied from "
        "a later message.",
        {
            "thread_index": str(facts.get("thread_index")).strip(),
            "thread_start": start,
            "reply_levels": replies,
            "date": date,
            "difference_seconds": early.total_seconds(),
        },
    )


#: Clocks that contradict the Date together: each at least this far from it, the same way.
CLOCKS_GAP = dt.timedelta(days=3)
#: ... and within this of each other (a zone-less stamp is read as UTC: 14 h either way).
CLOCKS_AGREE = dt.timedelta(days=1)


def message_clocks(facts: dict[str, Any]) -> dict[str, dt.datetime]:
    """Independent records of when a message was written or sent, apart from its Date:
    the first relay's Received time, a time stamp in the Message-ID, the creation time
    in Outlook's Thread-Index (for a thread's first message only), the earliest DKIM
    signing time and Exchange's arrival stamp. Zone-less ones as UTC."""
    out: dict[str, dt.datetime] = {}
    dated = dated_hops(facts)
    if dated:
        out["first relay (Received)"] = dated[0][2]
    found = message_id_stamp(facts)
    if found is not None:
        out[f"Message-ID ({found[1]})"] = found[0]
    thread = thread_index_time(facts.get("thread_index"))
    if thread is not None and thread[1] == 0:
        out["Thread-Index"] = thread[0]
    signed = signing_time(facts)
    if signed is not None:
        out["DKIM signature (t=)"] = signed
    found = independent_arrival(facts)
    if found is not None:
        out[found[0]] = found[1]
    return {name: as_utc(when) for name, when in out.items()}


def check_date_against_clocks(
    meta: Metadata, facts: dict[str, Any], ctx: object
) -> Iterator[Finding]:
    """Two or more independent clocks agree with each other and not with the Date.

    One clock off the Date has innocent readings (an outbox's wait, a server's clock, an id
    copied by a resend); the relay, the client's id generator and Outlook's thread stamp
    agreeing to within a day on a time days away from the Date leave one: the Date was
    changed after the message was written."""
    date = stored_datetime(facts.get("date"))
    if date is None:
        return
    clocks = message_clocks(facts)
    if len(clocks) < 2:
        return
    when = as_utc(date)
    gaps = {name: clock - when for name, clock in clocks.items()}
    if max(clocks.values()) - min(clocks.values()) > CLOCKS_AGREE:
        return
    if all(g > CLOCKS_GAP for g in gaps.values()):
        moved = "back"
    elif all(g < -CLOCKS_GAP for g in gaps.values()):
        moved = "forward"
    else:
        return
    listed = "; ".join(
        f"{name}: {clock.isoformat(timespec='seconds')}" for name, clock in clocks.items()
    )
    smallest = min(gaps.values(), key=abs)
    yield Finding(
        "EMAIL_DATE_CONTRADICTED_BY_CLOCKS",
        Severity.HIGH,
        f"The Date header ({_iso(date)}) is at least {fmt_span(smallest)} "
        f"{'before' if moved == 'back' else 'after'} {len(clocks)} independent records of "
        f"when the message was written or sent, which agree with each other ({listed}): "
        f"the Date was moved {moved}.",
        {
            "date": date,
            "clocks": {name: clock.isoformat() for name, clock in clocks.items()},
            "moved": moved,
            "min_difference_seconds": abs(smallest.total_seconds()),
        },
    )


#: Outlook stores the Date header's time as the message's submit time: they agree to the
#: second. Beyond this they were edited apart (high beyond a day).
MSG_TIMES_TOLERANCE = dt.timedelta(hours=1)
MSG_TIMES_HIGH = dt.timedelta(days=1)


def check_msg_times(meta: Metadata, facts: dict[str, Any], ctx: object) -> Iterator[Finding]:
    """An Outlook ``.msg`` keeps the time it was sent twice: in the transport headers' Date
    and in its MAPI properties (``PR_CLIENT_SUBMIT_TIME``, the "Sent" Outlook shows), and
    when it arrived (``PR_MESSAGE_DELIVERY_TIME``). A message editor changes the property
    Outlook displays; the headers keep the original, and a delivery cannot precede the
    sending."""
    submit = stored_datetime(facts.get("mapi_client_submit_time"))
    if submit is None:
        return
    # (label, other time, evidence key, only a submit time after it counts)
    pairs: list[tuple[str, dt.datetime, str, bool]] = []
    date = stored_datetime(facts.get("date"))
    if facts.get("has_transport_headers") and date is not None:
        pairs.append(("the Date header", date, "date", False))
    delivered = stored_datetime(facts.get("mapi_delivery_time"))
    if delivered is not None:
        pairs.append(("its delivery time (PR_MESSAGE_DELIVERY_TIME)", delivered, "delivery", True))
    for label, other, key, after_only in pairs:
        delta = as_utc(submit) - as_utc(other)
        if (after_only and delta <= dt.timedelta()) or abs(delta) <= _slack(
            MSG_TIMES_TOLERANCE, submit, other
        ):
            continue
        high = abs(delta) > _slack(MSG_TIMES_HIGH, submit, other)
        yield Finding(
            "EMAIL_MSG_TIMES_DISAGREE",
            Severity.HIGH if high else Severity.MEDIUM,
            f"The Outlook message says it was sent at {_iso(submit)} (PR_CLIENT_SUBMIT_TIME, "
            f'what Outlook shows as "Sent"), {fmt_span(delta)} '
            f"{'after' if delta > dt.timedelta() else 'before'} {label} ({_iso(other)}). "
            "Outlook writes both from one clock; a message editor that changes the shown "
            "date leaves the other.",
            {
                "client_submit_time": submit,
                key: other,
                "difference_seconds": delta.total_seconds(),
            },
        )


#: Below this share of aligned words the two parts are not renderings of one text
#: (newsletters often send a short text part that only points at the HTML).
MIN_ALIGNED = 0.85
_DIGIT = re.compile(r"\d")


def check_alternatives_disagree(
    meta: Metadata, facts: dict[str, Any], ctx: object
) -> Iterator[Finding]:
    """The text part and the HTML part of a ``multipart/alternative``, which a mail client
    writes together from one body, say different things at a place where they are
    otherwise word for word the same: one of them was edited afterwards. High when a
    number differs (amounts, dates, account numbers), medium for words."""
    alternatives = facts.get("alternatives")
    # A body verified with the signer's key is what the sender's server sent, whatever
    # its renderings say.
    if not isinstance(alternatives, list) or body_signed(facts, need_key=True):
        return
    subs: list[list[str]] = []
    count = 0
    aligned = 1.0
    for alt in alternatives:
        if not isinstance(alt, dict) or float(alt.get("aligned") or 0.0) < MIN_ALIGNED:
            continue
        found = [s for s in alt.get("substitutions") or [] if isinstance(s, list) and len(s) >= 2]
        if found:
            subs.extend(found)
            count += int(alt.get("substitution_count") or len(found))
            aligned = min(aligned, float(alt.get("aligned") or 0.0))
    if not subs:
        return
    numeric = [s for s in subs if all(_DIGIT.search(str(w)) for w in s[:2])]
    shown = numeric[0] if numeric else subs[0]
    after = f"after \u201c{shown[2]}\u201d " if len(shown) > 2 and shown[2] else ""
    more = f" ({count - 1} more such place{'s' if count > 2 else ''})" if count > 1 else ""
    yield Finding(
        "EMAIL_ALTERNATIVES_DISAGREE",
        Severity.HIGH if numeric else Severity.MEDIUM,
        f"{after.capitalize()}the message's text part reads {shown[0]!r} where its HTML "
        f"part reads {shown[1]!r}{more}, and the two are otherwise word for word the same. A mail "
        "client writes both renderings from one body, so one of them was edited after "
        "the message was written; nothing in the file tells which one is the original.",
        {
            "substitutions": subs[:10],
            "substitution_count": count,
            "numbers_differ": bool(numeric),
            "aligned_share": aligned,
        },
    )


CHECKS = (
    check_dkim,
    check_received_order,
    check_date_vs_received,
    check_date_vs_signing_time,
    check_date_vs_arrival_stamp,
    check_received_after_leak,
    check_message_id_vs_client,
    check_message_id_time,
    check_thread_index_time,
    check_date_against_clocks,
    check_msg_times,
    check_python_layout,
    check_alternatives_disagree,
)
