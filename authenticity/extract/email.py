"""Email metadata: RFC 822 messages (stdlib ``email``) and Outlook .msg files (extract-msg).

Messages are parsed with ``compat32`` (:mod:`authenticity.mime`, cheap); header parsing is
defensive: every header is decoded with ``policy.default`` and falls back to ``compat32``
(then to the raw value) when the modern parser raises. Attachment
bytes are never returned (the ingest layer expands attachments itself).
"""

from __future__ import annotations

import base64
import datetime as dt
import difflib
import email
import email.header
import email.policy
import email.utils
import functools
import hashlib
import itertools
import logging
import re
import unicodedata
from collections import Counter
from email.headerregistry import UnstructuredHeader
from email.message import Message
from typing import Any

from authenticity.errors import ExtractionError
from authenticity.extract import register
from authenticity.mime import parse_message, part_filename
from authenticity.model import Extraction, Finding, Metadata, Severity
from authenticity.timeutil import parse_email_date

MAX_TEXT = 100_000
#: A conversation index: 22 bytes and 5 per reply; longer is no Outlook value.
MAX_CONVERSATION_INDEX = 4096
MAX_HEADER_VALUE = 10_000
MAX_HEADERS = 500
#: Only the header block is ever inspected for NULs / header syntax.
_HEADER_PROBE = 64 * 1024
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

_WS = re.compile(r"\s+")
_RECEIVED_KEYWORDS = r"(?:from|by|via|with|id|for)"
_RECEIVED_CLAUSE = {
    key: re.compile(rf"(?:^|\s){key}\s+(.+?)(?=\s+{_RECEIVED_KEYWORDS}\s|\s*;|$)", re.IGNORECASE)
    for key in ("from", "by", "with", "id", "for")
}
_DKIM_DOMAIN = re.compile(r"(?:^|;)\s*d\s*=\s*([^;\s]+)", re.IGNORECASE)

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- headers


_LINE_BREAKS = re.compile(r"\r\n|\r|\n")


@functools.lru_cache(maxsize=512)
def _unstructured(name: str) -> bool:
    """policy.default reads this header as free text (Subject, Received, X-...)."""
    return issubclass(email.policy.default.header_factory[name], UnstructuredHeader)


def _decode_header(name: str, value: Any) -> str:
    """Decode one header value: policy.default first, compat32 when it raises, else raw.

    Free-text headers in plain ASCII without encoded words (most Received, DKIM-Signature
    and X- headers) read as the unfolded value itself, so that is returned directly.
    """
    if not isinstance(value, str):
        value = str(value)
    if value.isascii() and "=?" not in value and _unstructured(name.lower()):
        return _LINE_BREAKS.sub("", value)
    if len(value) <= MAX_CACHED_VALUE:
        return _parsed_header(name, value)
    return _parsed_header.__wrapped__(name, value)


#: Structured header values repeat across a mailbox (the same senders, recipients, MIME
#: version and content types in thousands of messages; on the 5k benchmark dump 5,073
#: parses held 1,652 distinct values): each is parsed once, if no longer than this.
MAX_CACHED_VALUE = 1000


@functools.lru_cache(maxsize=4096)
def _parsed_header(name: str, value: str) -> str:
    """A header value as policy.default reads it (compat32's reading when it raises)."""
    try:
        return str(email.policy.default.header_fetch_parse(name, value))
    except Exception:  # the modern header parser raises on hostile input
        pass
    try:
        decoded = email.header.make_header(email.header.decode_header(value))
        return "".join(str(decoded).splitlines())
    except Exception:
        return "".join(value.splitlines())


def _headers(msg: Message) -> list[list[str]]:
    """All headers in order, decoded, capped (values and count)."""
    out: list[list[str]] = []
    for name, value in msg.raw_items() if hasattr(msg, "raw_items") else msg.items():
        if len(out) >= MAX_HEADERS:
            break
        out.append([str(name), _decode_header(str(name), value)[:MAX_HEADER_VALUE]])
    return out


def _first(headers: list[list[str]], name: str) -> str | None:
    lname = name.lower()
    for key, value in headers:
        if key.lower() == lname:
            return value.strip()
    return None


_MSG_ID = re.compile(r"<[^<>\s]{1,250}>")


def _parent_id(headers: list[list[str]]) -> str | None:
    """The Message-ID this email answers: In-Reply-To's, else the last of References."""
    for name, last in (("In-Reply-To", False), ("References", True)):
        ids = _MSG_ID.findall(_first(headers, name) or "")
        if ids:
            return ids[-1] if last else ids[0]
    return None


def _all(headers: list[list[str]], name: str) -> list[str]:
    lname = name.lower()
    return [value for key, value in headers if key.lower() == lname]


def parse_received(value: str) -> dict[str, Any]:
    """Split a Received header into its from/by/with/id/for clauses and its date."""
    flat = _WS.sub(" ", value).strip()
    clauses, _, date_part = flat.rpartition(";")
    if not clauses:  # no ';': no date stated
        clauses, date_part = flat, ""
    # Keywords inside (comments) do not start clauses: search a copy with comments masked.
    masked: list[str] = []
    depth = 0
    for ch in clauses:
        if ch == "(":
            depth += 1
        masked.append("_" if depth else ch)
        if ch == ")" and depth:
            depth -= 1
    masked_text = "".join(masked)
    hop: dict[str, Any] = {}
    for key, pattern in _RECEIVED_CLAUSE.items():
        m = pattern.search(masked_text)
        clause = clauses[m.start(1) : m.end(1)].strip() if m else None
        if clause and key in ("with", "id"):  # single atoms by the grammar
            clause = clause.split()[0]
        hop[key] = clause
    hop["date"] = parse_email_date(date_part) if date_part.strip() else None
    hop["raw"] = value[:MAX_HEADER_VALUE]
    return hop


def _dkim_domains(signatures: list[str]) -> list[str]:
    domains: list[str] = []
    for sig in signatures:
        m = _DKIM_DOMAIN.search(_WS.sub("", sig))
        if m and m.group(1).lower() not in domains:
            domains.append(m.group(1).lower())
    return domains


#: Exchange's stamp of when a message reached its first Exchange server (the sender's, for
#: mail sent from Exchange): ``13 Feb 2018 17:19:38.0500 (UTC) FILETIME=[...]``.
ARRIVAL_HEADERS = ("X-OriginalArrivalTime", "X-MS-Exchange-CrossTenant-OriginalArrivalTime")
_ARRIVAL = re.compile(r"(\d{1,2} [A-Za-z]{3} \d{4} \d{1,2}:\d\d:\d\d)(?:\.\d+)?\s*\(UTC\)")
#: Arrival stamps kept per message.
MAX_ARRIVAL_STAMPS = 20


def parse_arrival(value: str | None) -> dt.datetime | None:
    """The UTC time of an Exchange arrival stamp (:data:`ARRIVAL_HEADERS`)."""
    m = _ARRIVAL.search(value or "")
    if m is None:
        return None
    try:
        return dt.datetime.strptime(m.group(1), "%d %b %Y %H:%M:%S").replace(tzinfo=dt.UTC)
    except ValueError:
        return None


_SEAL_TIME = re.compile(r"(?:^|;)\s*t\s*=\s*(\d{1,12})\s*(?:;|$)")


def _seal_time(value: str) -> dt.datetime | None:
    """The ``t=`` of an ARC-Seal: when that intermediary sealed the message (UTC)."""
    m = _SEAL_TIME.search(_WS.sub(" ", value))
    if m is None:
        return None
    try:
        return dt.datetime.fromtimestamp(int(m.group(1)), dt.UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _arrival_stamps(headers: list[list[str]]) -> list[tuple[str, dt.datetime]]:
    """Servers' records of when the message passed through them, outside the Received
    lines: Exchange's arrival stamps, Gmail's ``X-Received`` lines, Exim's
    ``Delivery-date`` and the ``t=`` of ARC seals, as (header, time)."""
    out: list[tuple[str, dt.datetime]] = []
    for key, value in headers:
        name = key.lower()
        when = None
        if name in ("x-originalarrivaltime", "x-ms-exchange-crosstenant-originalarrivaltime"):
            when = parse_arrival(value)
        elif name == "x-received":
            when = parse_received(value).get("date")
        elif name == "delivery-date":
            when = parse_email_date(value)
        elif name == "arc-seal":
            when = _seal_time(value)
        if isinstance(when, dt.datetime):
            out.append((key, when))
            if len(out) >= MAX_ARRIVAL_STAMPS:
                break
    return out


def _header_facts(headers: list[list[str]]) -> dict[str, Any]:
    date_value = _first(headers, "Date")
    dkim = _all(headers, "DKIM-Signature")
    stamps = _arrival_stamps(headers)
    return {
        "arrival_stamps": [[name, when] for name, when in stamps],
        "message_id": _first(headers, "Message-ID"),
        "parent_message_id": _parent_id(headers),
        "date": parse_email_date(date_value),
        "date_header": date_value,
        "from": _first(headers, "From"),
        "to": _first(headers, "To"),
        "cc": _first(headers, "Cc"),
        "reply_to": _first(headers, "Reply-To"),
        "return_path": _first(headers, "Return-Path"),
        "subject": _first(headers, "Subject"),
        "received": [parse_received(v) for v in _all(headers, "Received")],
        "x_mailer": _first(headers, "X-Mailer"),
        "user_agent": _first(headers, "User-Agent"),
        "thread_index": _first(headers, "Thread-Index"),
        "has_dkim_signature": bool(dkim),
        "dkim_domains": _dkim_domains(dkim),
        "has_arc_seal": bool(_all(headers, "ARC-Seal")),
        "authentication_results": _all(headers, "Authentication-Results"),
    }


def _header_metadata(headers: list[list[str]], facts: dict[str, Any]) -> Metadata:
    return Metadata(
        author=facts["from"] or None,
        title=facts["subject"] or None,
        created=facts["date"],
        application=facts["x_mailer"] or facts["user_agent"] or None,
        language=_first(headers, "Content-Language") or None,
        raw={"headers": headers},
    )


# --------------------------------------------------------------------------- bodies


def _html_to_text(html: str) -> str:
    from authenticity.extract.text import html_to_text

    return html_to_text(html)


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        payload = str(part.get_payload() or "").encode("utf-8", "replace")
    charset = "utf-8"
    try:
        charset = part.get_content_charset() or "utf-8"
        return payload.decode(charset, "replace")
    except (LookupError, ValueError):
        return payload.decode("latin-1", "replace")


def _safe(fn: Any, default: Any = None) -> Any:
    try:
        return fn()
    except Exception:
        return default


def _walk(msg: Message, plain: list[str], html: list[str], attachments: list[dict[str, Any]]):
    """Collect body parts and attachment descriptions; attached messages are not entered."""
    stack: list[tuple[Message, int]] = [(msg, 0)]
    while stack:
        part, depth = stack.pop(0)
        ctype = _safe(part.get_content_type, "text/plain")
        payload = part.get_payload()
        if part.is_multipart() and ctype.startswith("multipart/") and depth < 50:
            children = payload if isinstance(payload, list) else []
            stack[0:0] = [(child, depth + 1) for child in children]
            continue
        disposition = _safe(part.get_content_disposition)
        filename = _safe(lambda p=part: part_filename(p))
        if filename is not None:
            filename = _decode_header("filename", filename)
        is_attachment = (
            disposition == "attachment"
            or filename is not None
            or ctype.startswith("message/")
            or (depth > 0 and not ctype.startswith("text/"))
        )
        if is_attachment and part is not msg:
            entry: dict[str, Any] = {"filename": filename, "content_type": ctype}
            if part.is_multipart():
                entry["size"] = len(_safe(part.as_bytes, b"") or b"")
            else:
                decoded = _safe(lambda p=part: p.get_payload(decode=True), b"")
                entry["size"] = len(decoded) if isinstance(decoded, bytes) else 0
                if decoded and not ctype.startswith("message/"):
                    # the bytes the ingest layer hands on as the attachment's document
                    entry["sha256"] = hashlib.sha256(decoded).hexdigest()
            attachments.append(entry)
            continue
        if ctype == "text/plain":
            plain.append(_safe(lambda p=part: _part_text(p), ""))
        elif ctype == "text/html":
            html.append(_safe(lambda p=part: _part_text(p), ""))


#: The multipart boundary Python's email generator makes: 15 "=", a 19-digit number, "==".
_PYTHON_BOUNDARY = re.compile(r"^={15}\d{1,20}==$")
#: Headers a transport adds on top of what the writer wrote.
_TRACE = re.compile(
    r"^(received|return-path|delivered-to|x-original-to|envelope-to|dkim-signature|arc-.*"
    r"|authentication-results|received-spf|x-received|x-google-.*|x-gm-.*)$",
    re.IGNORECASE,
)
_MAX_PARTS = 200


def python_email_traces(headers: list[list[str]], msg: Message) -> list[str]:
    """Signs that Python's ``email`` package wrote (not re-parsed) this message.

    - ``EmailMessage.set_content`` leaves Content-Type, Content-Transfer-Encoding and then
      ``MIME-Version: 1.0`` as the last three headers; the legacy ``MIMEText`` writes
      Content-Type, MIME-Version, Content-Transfer-Encoding before every header the script
      adds. Mail clients put MIME-Version before the content headers, or with a comment
      (Apple Mail's ``1.0 (Mac OS X Mail ...)``).
    - its generator's boundary ``===============<19 digits>==``;
    - ``MIME-Version`` repeated in the parts of a multipart (both APIs add it to every part;
      attached messages are whole messages and are not looked into).
    """
    traces: list[str] = []
    names = [name.strip().lower() for name, _ in headers]
    mime_version = next((v.strip() for k, v in headers if k.strip().lower() == "mime-version"), "")
    own = [n for n in names if not _TRACE.match(n)]
    if mime_version == "1.0":
        if names[-3:] == ["content-type", "content-transfer-encoding", "mime-version"]:
            traces.append("MIME-Version written last, after Content-Transfer-Encoding")
        elif own[:3] == ["content-type", "mime-version", "content-transfer-encoding"]:
            traces.append("Content-Type, MIME-Version, Content-Transfer-Encoding first")
    parts_version = boundary_seen = False
    stack: list[tuple[Message, bool]] = [(msg, True)]
    seen = 0
    while stack and seen < _MAX_PARTS:
        part, top = stack.pop()
        seen += 1
        parts_version |= not top and part.get("MIME-Version") is not None
        if not part.is_multipart() or part.get_content_maintype() != "multipart":
            continue
        boundary = _safe(part.get_boundary)
        boundary_seen |= isinstance(boundary, str) and bool(_PYTHON_BOUNDARY.match(boundary))
        payload = part.get_payload()
        if isinstance(payload, list):
            stack.extend((child, False) for child in payload if isinstance(child, Message))
    if boundary_seen:
        traces.append("Python's multipart boundary")
    if parts_version:
        traces.append("MIME-Version in the parts of a multipart")
    return traces


# --------------------------------------------------------------------------- alternatives

#: URLs and bracketed addresses: clients spell links out in the text part
#: ("here <https://...>") and keep them in attributes in the HTML one.
_LINKISH = re.compile(
    r"(?:https?|ftp|mailto|tel):[^\s<>\"')\]]+|www\.[^\s<>\"')\]]+|<[^<>\s]+@[^<>\s]+>",
    re.IGNORECASE,
)
#: A word or a number, with its inner separators (5,000.00 · 10:30 · 2017-04-03 · l'été).
_WORD = re.compile(r"\w+(?:[.,:/'\-]\w+)*")
#: Words compared per rendering (longer bodies: their start).
MAX_COMPARED_WORDS = 4000
#: A substitution counts when at most this many words changed on either side, with the
#: same number of words on both sides give or take one, and this many identical words
#: before and after it: the two renderings are aligned around it.
MAX_SUBSTITUTION_WORDS = 4
SUBSTITUTION_CONTEXT = 3
MAX_REPORTED = 10
#: Pairs of equal words across the two renderings beyond which they are not compared:
#: difflib's time grows with it on repetitive text (a hostile body of a few words repeated
#: took 44 s at 4,000 words; capped here, about 1 s). Natural text of 4,000 words: ~200,000.
MAX_COMPARISON_COST = 400_000
#: Renderings longer than this are not compared (an HTML part of megabytes is a
#: newsletter or an archive, not a letter; parsing it would cost more than it tells).
MAX_RENDERING_CHARS = 1_000_000
#: Alternatives compared per message (forwarded messages carry their own).
MAX_ALTERNATIVES = 5


def _words(text: str) -> list[str]:
    # symbols first: NFKC spells ™ as "TM", which one rendering may show as "(TM)" or drop
    text = "".join(ch for ch in text if not unicodedata.category(ch).startswith("S"))
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").casefold()
    return _WORD.findall(_LINKISH.sub(" ", text))[:MAX_COMPARED_WORDS]


def _same_words(a: str, b: str) -> bool:
    """Two spellings one client's two renderings may give the same text: punctuation or
    spacing (all'attività / all attività), or characters lost or mis-decoded in one
    charset (martedì / marted, Ã© / é)."""
    if re.sub(r"\W", "", a) == re.sub(r"\W", "", b):
        return True
    if a.isascii() != b.isascii() and re.sub(r"[^a-z0-9]", "", a) == re.sub(r"[^a-z0-9]", "", b):
        return True
    for x, y in ((a, b), (b, a)):
        for codec in ("cp1252", "latin-1"):
            try:
                if x.encode(codec).decode("utf-8") == y:
                    return True
            except (UnicodeError, LookupError):
                pass
    return False


def compare_renderings(plain: str, html_text: str) -> dict[str, Any] | None:
    """Where a message's text part and the visible text of its HTML part, two renderings
    of one body by one client, say different things: the aligned share of words and each
    local substitution (a few words swapped for as many others, same words around it) as
    [text part's words, HTML part's words, the words before]. None when either part is
    too short to compare."""
    a, b = _words(plain), _words(html_text)
    if min(len(a), len(b)) < 2 * SUBSTITUTION_CONTEXT + 1:
        return None
    counts = Counter(b)
    if sum(counts[w] for w in a) > MAX_COMPARISON_COST:
        return None  # repetitive text: too costly to align, and no rendering of a letter
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    aligned = sum(block.size for block in matcher.get_matching_blocks()) / min(len(a), len(b))
    ops = matcher.get_opcodes()
    subs: list[list[str]] = []
    for k, (tag, i1, i2, j1, j2) in enumerate(ops):
        if (
            tag != "replace"
            or max(i2 - i1, j2 - j1) > MAX_SUBSTITUTION_WORDS
            or abs((i2 - i1) - (j2 - j1)) > 1
            or k == 0
            or k + 1 == len(ops)
        ):
            continue
        before, after = ops[k - 1], ops[k + 1]
        if min(before[2] - before[1], after[2] - after[1]) < SUBSTITUTION_CONTEXT:
            continue
        in_text, in_html = " ".join(a[i1:i2]), " ".join(b[j1:j2])
        if not _same_words(in_text, in_html):
            subs.append([in_text, in_html, " ".join(a[i1 - SUBSTITUTION_CONTEXT : i1])])
    return {
        "text_words": len(a),
        "html_words": len(b),
        "aligned": round(aligned, 3),
        "substitutions": subs[:MAX_REPORTED],
        "substitution_count": len(subs),
    }


def rendering_pairs(msg: Message) -> list[tuple[str, str]]:
    """(text part, HTML part) of each ``multipart/alternative`` in the message: the first
    of each kind among its parts that are not attachments."""
    out: list[tuple[str, str]] = []
    parts = list(itertools.islice(msg.walk(), _MAX_PARTS))
    for part in parts:
        if _safe(part.get_content_type) != "multipart/alternative":
            continue
        plain = html = None
        for sub in itertools.islice(part.walk(), _MAX_PARTS):
            ctype = _safe(sub.get_content_type)
            if _safe(sub.get_content_disposition) == "attachment":
                continue
            if ctype == "text/plain" and plain is None:
                plain = _safe(lambda p=sub: _part_text(p), "")
            elif ctype == "text/html" and html is None:
                html = _safe(lambda p=sub: _part_text(p), "")
        if plain and html and max(len(plain), len(html)) <= MAX_RENDERING_CHARS:
            out.append((plain, html))
    return out


def compare_alternatives(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """:func:`compare_renderings` of each (text, HTML) pair that is long enough."""
    out = []
    for plain, html in pairs[:MAX_ALTERNATIVES]:
        result = _safe(lambda p=plain, h=html: compare_renderings(p, _html_to_text(h)))
        if result is not None:
            out.append(result)
    return out


# --------------------------------------------------------------------------- RFC 822


def _header_block(data: bytes) -> bytes:
    head = data[:_HEADER_PROBE]
    m = re.search(rb"\r?\n\r?\n", head)
    return head[: m.start()] if m else head


def extract_rfc822(data: bytes) -> Extraction:
    """Extract an RFC 822 / MIME message (also used by the text extractor for .eml-as-text)."""
    if data.startswith(b"From ") and b"\n" in data[:1000]:  # mbox "From " envelope line
        envelope, _, rest = data.partition(b"\n")
    else:
        envelope, rest = b"", data
    if b"\x00" in _header_block(rest):
        raise ExtractionError("no RFC 822 headers (binary data)")
    try:
        msg = parse_message(rest)
    except Exception as exc:
        raise ExtractionError(f"cannot parse RFC 822 message: {exc}") from exc
    headers = _headers(msg)
    if not headers:
        raise ExtractionError("no RFC 822 headers")

    facts = _header_facts(headers)
    if envelope:
        facts["mbox_envelope"] = envelope.decode("utf-8", "replace").strip()
    plain: list[str] = []
    html: list[str] = []
    attachments: list[dict[str, Any]] = []
    _walk(msg, plain, html, attachments)
    if any(part.strip() for part in plain):
        text = "\n".join(part for part in plain if part.strip())
    elif html:
        text = _html_to_text("\n".join(html))
    else:
        text = ""
    facts["attachments"] = attachments
    facts["has_html_body"] = bool(html)
    defects = [type(d).__name__ for d in getattr(msg, "defects", [])]
    facts["defects"] = defects
    facts["python_email_traces"] = _safe(lambda: python_email_traces(headers, msg), [])
    facts["alternatives"] = _safe(lambda: compare_alternatives(rendering_pairs(msg)), [])

    meta = _header_metadata(headers, facts)
    findings: list[Finding] = []
    if defects:
        findings.append(
            Finding(
                "email.mime_defects",
                Severity.INFO,
                "The message structure has MIME defects the parser had to work around.",
                {"defects": defects[:50]},
            )
        )
    return Extraction(metadata=meta, text=text[:MAX_TEXT], facts=facts, findings=findings)


@register("message/rfc822", "message/news", "text/x-mail", extensions=("eml", "mbox"))
def extract_eml(data: bytes) -> Extraction:
    return extract_rfc822(data)


# --------------------------------------------------------------------------- Outlook


def _prop(msg: Any, key: str) -> Any:
    try:
        prop = msg.props.get(key)
    except Exception:
        return None
    return getattr(prop, "value", None) if prop is not None else None


def _str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value).replace("\x00", "").strip()
    return text or None


def _msg_attachments(msg: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for att in _safe(lambda: list(msg.attachments), []) or []:
        name = _str(_safe(lambda a=att: a.longFilename)) or _str(
            _safe(lambda a=att: a.shortFilename)
        )
        data = _safe(lambda a=att: a.data)
        out.append(
            {
                "filename": name,
                "content_type": _str(_safe(lambda a=att: a.mimetype)),
                "size": len(data) if isinstance(data, bytes) else None,
                "embedded_message": not isinstance(data, (bytes, type(None))),
            }
        )
    return out


def _extract_outlook(data: bytes) -> Extraction:
    import extract_msg

    try:
        msg = extract_msg.openMsg(data, delayAttachments=True)
    except Exception as exc:
        raise ExtractionError(f"cannot open Outlook message: {type(exc).__name__}: {exc}") from exc
    try:
        header_text = _str(_safe(lambda: msg.headerText))
        headers: list[list[str]] = []
        if header_text:
            parsed = email.message_from_string(
                header_text.replace("\r\n", "\n") + "\n\n", policy=email.policy.compat32
            )
            headers = _headers(parsed)
        facts = _header_facts(headers)
        mapi = {
            "MessageClass": _str(_safe(lambda: msg.classType)),
            "Sender": _str(_safe(lambda: msg.sender)),
            "Subject": _str(_safe(lambda: msg.subject)),
            "To": _str(_safe(lambda: msg.to)),
            "Cc": _str(_safe(lambda: msg.cc)),
            "MessageId": _str(_safe(lambda: msg.messageId)),
            "Date": _safe(lambda: msg.date),
            "CreationTime": _prop(msg, "30070040"),
            "LastModificationTime": _prop(msg, "30080040"),
            "ClientSubmitTime": _prop(msg, "00390040"),
            "MessageDeliveryTime": _prop(msg, "0E060040"),
        }
        mapi = {k: v for k, v in mapi.items() if v is not None}
        for key, value in mapi.items():
            if isinstance(value, dt.datetime) or value is None:
                continue
            mapi[key] = _str(value)
        facts["from"] = facts["from"] or mapi.get("Sender")
        facts["to"] = facts["to"] or mapi.get("To")
        facts["subject"] = facts["subject"] or mapi.get("Subject")
        facts["message_id"] = facts["message_id"] or mapi.get("MessageId")
        if facts["date"] is None and isinstance(mapi.get("Date"), dt.datetime):
            facts["date"] = mapi["Date"]
        facts["mapi_creation_time"] = mapi.get("CreationTime")
        facts["mapi_last_modification_time"] = mapi.get("LastModificationTime")
        facts["mapi_client_submit_time"] = mapi.get("ClientSubmitTime")
        facts["mapi_delivery_time"] = mapi.get("MessageDeliveryTime")
        facts["has_transport_headers"] = bool(headers)
        if not facts.get("thread_index"):
            # Outlook keeps the Thread-Index as PR_CONVERSATION_INDEX (binary), also in
            # messages saved without transport headers (sent items, drafts).
            raw = _safe(lambda: msg.getStream("__substg1.0_00710102"))
            if isinstance(raw, bytes) and 22 <= len(raw) <= MAX_CONVERSATION_INDEX:
                facts["thread_index"] = base64.b64encode(raw).decode("ascii")
                facts["thread_index_source"] = "PR_CONVERSATION_INDEX"
        facts["attachments"] = _msg_attachments(msg)

        body = _str(_safe(lambda: msg.body))
        html_body = _safe(lambda: msg.htmlBody)
        facts["has_html_body"] = bool(html_body)
        if body and html_body:
            html_str = (
                html_body.decode("utf-8", "replace")
                if isinstance(html_body, bytes)
                else str(html_body)
            )
            facts["alternatives"] = compare_alternatives([(body, html_str)])
        if body:
            text = body
        elif html_body:
            if isinstance(html_body, bytes):
                html_body = html_body.decode("utf-8", "replace")
            text = _html_to_text(str(html_body))
        else:
            text = ""

        meta = _header_metadata(headers, facts)
        if isinstance(mapi.get("LastModificationTime"), dt.datetime):
            meta.modified = mapi["LastModificationTime"]
        meta.raw["mapi"] = mapi
        return Extraction(metadata=meta, text=text[:MAX_TEXT], facts=facts)
    finally:
        _safe(msg.close)


@register("application/vnd.ms-outlook", extensions=("msg",))
def extract_msg_file(data: bytes) -> Extraction:
    """Outlook .msg (OLE2); a text .msg (RFC 822 saved with that extension) is parsed as such."""
    if not data.startswith(_OLE_MAGIC):
        return extract_rfc822(data)
    return _extract_outlook(data)
