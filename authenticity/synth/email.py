"""Email techniques: altering a DKIM-signed message, redating, editing the body of an
unsigned one, and fabricating a look-alike email."""

from __future__ import annotations

import datetime as dt
import email.utils
import html as html_lib
import random
import re
import threading
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from unittest import mock

import dkim

from authenticity.extract.text import html_to_text
from authenticity.synth._common import (
    Forgery,
    alter_number,
    alter_text,
    forged_name,
    make,
    technique,
)
from authenticity.timeutil import parse_email_date

#: The generator's own DKIM key (RSA 2048, made for this fixture only, never published in
#: DNS). Messages that carry no signature are signed with it under selector ``SELECTOR``;
#: the matching TXT record is in each forgery's ``notes["dkim_keys"]``.
FIXTURE_KEY = b"""-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAxbgIIBBuankQjloiMWMkVwsfuyZVIimW/fgC6o5hDT0EhRV4
Ea6ejpaB6Nc9wEfi9eO9XsRBKijNYJtCdpaEZOGyotdLQMSql8LKQRq9/AF59UOA
LZzprxFi6kOjupHOziscg92nZErS0vpJvKER9xZQ5KYHMGsMrcK2J1TCOO/Gx9ol
6PSfV9vd48uMLFyvLg5udEh+rIFcVdiNxMmm2fqJiNR8dCSFHMQNfblhhM59NbaJ
+YXnLelQ7QT/qJwVsen+nSo0sdio7p3t4i+3TXe5xLnY2chvCsE/eV/gVM3/xiov
QBanh6GLmPqncUyutFkv8aG7i8aetc7Ru18gAwIDAQABAoIBAD1AkQvV608C6HUh
STyBmU15/b+N1Yv61HMjdUvTBhAC2jacexEHRsmnqOFIZTH/UzmX7x+/ruxvrYiD
MOjqImPaY+v8xKxxAOR5DQ10Sm0ay/yGh9wZo29/9GPcxolTCH1ob7IOZgA1CfEg
Zt2QDK++cxsSsGF4mHnwO1wd7vmSCxliUDz5kDKfcrKGlKpD0LZfLfFJEquUbnNV
8fn29Opga0roqYGAJjQrPBRWJDg5OEK2PEe1GnplU2yCgtotkYh/AcXxH6gEvCcI
DRvki1jcvQlDbjFfE5UVGNpXwwHhK8DkQwWGPaCf3rlqngdCuyjoOLvBQv5EFCT3
aVrJrdECgYEA72ZV4pGmrFeW4n6uR812dXAogILz/pA4V6izDqMqt80MhvPNV5oj
idaYbbRdkFYGrZrPC1izyLWCKNnmfPI2UP0vYfIWpIwcW5ILJiLGuHsv078OWA4i
r0rUPLice3SzBifby1wwdgvHrDE7O0UWUqnAA1jq6YoP1csF3F2hotsCgYEA023O
IZVK7vn4LT0Ty5qYxNd1OftHQvYaneqI2fR00kKQZ71jyhpNJLp4VYMzFUd51/P+
N1M+20IZPEBJDHgt9vbrVGTvGl18zR5iIhEFEPXpqQuNbMmdMCgeKU5A38eUI6sk
VyH1Dq9KFpDfuJweuZrDuK66vrIZm9oiVuTh+/kCgYEAj4Wwk6ZyX/wa7yq3XUCm
df2JqpHXqZPY02TGBE55+7soeXeMcaptB+PpekuZlECevFGFMu44ymlW4RrRfbLQ
MXm4gGXcgUWmcpd5q6FJtavUnoN6G/xNev3Hg6fB2Jm8AkK/GInqW7rwOCFDu2LN
4Tz3aopSOzSUDb4rg1N25eUCgYBglhILz3ra70DL0dIgOjC+A7ue0Eb+tRT1vTXl
c8KGZzg23BMhOaCyPalJT1VfzDZCTEl/Fr1pRqnml2uHkcNVxfk9pZqBTeH8hnvI
GkRZOi4TNp7V6sivPjSBJCmI0VDAdqd0UqPzoGpVIrvBRzjWC3iL/u56vTvrsdvs
HEWMaQKBgHuRx+UDGSaSZC51LIc1ge5ZQuhiNtTBJcZYHlodCQPAhC1gNfX+4qr9
UhcYUoxgSjMsF4eDelcUrEU3GMhKttooLQy9esTh9vM1jyhem28THMmesYBHwHcA
i2CfdeH9VExfqFCeh3YLEkaBKNz3RBLV6JJeOGPRb/WdvCUbDSp9
-----END RSA PRIVATE KEY-----"""
FIXTURE_PUBLIC = (
    "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAxbgIIBBuankQjloiMWMkVwsfuyZVIimW/fgC"
    "6o5hDT0EhRV4Ea6ejpaB6Nc9wEfi9eO9XsRBKijNYJtCdpaEZOGyotdLQMSql8LKQRq9/AF59UOALZzp"
    "rxFi6kOjupHOziscg92nZErS0vpJvKER9xZQ5KYHMGsMrcK2J1TCOO/Gx9ol6PSfV9vd48uMLFyvLg5u"
    "dEh+rIFcVdiNxMmm2fqJiNR8dCSFHMQNfblhhM59NbaJ+YXnLelQ7QT/qJwVsen+nSo0sdio7p3t4i+3"
    "TXe5xLnY2chvCsE/eV/gVM3/xiovQBanh6GLmPqncUyutFkv8aG7i8aetc7Ru18gAwIDAQAB"
)
SELECTOR = "synth2017"

_SIGN_LOCK = threading.Lock()
_DKIM_HEADERS = [
    b"from",
    b"to",
    b"cc",
    b"subject",
    b"date",
    b"message-id",
    b"mime-version",
    b"content-type",
]


def fixture_record() -> str:
    return f"v=DKIM1; k=rsa; p={FIXTURE_PUBLIC}"


def _split(data: bytes) -> tuple[bytes, bytes, bytes]:
    """(headers, separator, body) of a raw message."""
    for sep in (b"\r\n\r\n", b"\n\n"):
        at = data.find(sep)
        if at >= 0:
            return data[:at], sep, data[at + len(sep) :]
    return data, b"", b""


def _eol(head: bytes) -> bytes:
    return b"\r\n" if b"\r\n" in head else b"\n"


def _fields(head: bytes) -> list[tuple[str, int, int]]:
    """(lower-case name, start, end) of each header field, continuation lines included."""
    out: list[tuple[str, int, int]] = []
    for m in re.finditer(rb"^([!-9;-~]+):.*(?:\r?\n[ \t].*)*", head, re.M):
        out.append((m.group(1).decode("ascii").lower(), m.start(), m.end()))
    return out


def _header(head: bytes, name: str) -> str | None:
    for n, s, e in _fields(head):
        if n == name:
            raw = head[s:e].split(b":", 1)[1]
            return re.sub(r"\r?\n[ \t]", " ", raw.decode("utf-8", "replace")).strip()
    return None


def sign(data: bytes, domain: str, when: dt.datetime | None) -> bytes:
    """DKIM-sign ``data`` with the fixture key, ``t=`` pinned to ``when`` (stable bytes)."""
    head, _, _ = _split(data)
    eol = _eol(head)
    stamp = int((when or dt.datetime(2017, 4, 20, tzinfo=dt.UTC)).timestamp())
    present = {n for n, _, _ in _fields(head)}
    include = [h for h in _DKIM_HEADERS if h.decode() in present]
    with _SIGN_LOCK, mock.patch.object(dkim.time, "time", return_value=stamp):
        sig = dkim.sign(
            data,
            SELECTOR.encode(),
            domain.encode("idna"),
            FIXTURE_KEY,
            include_headers=include,
            linesep=eol,
        )
    return sig + data


def _edit_body(body: bytes, rng: random.Random) -> tuple[bytes, str, str]:
    """Change a number (or add a sentence) on a text-looking line of the body."""
    lines = body.split(b"\n")
    candidates = [
        i
        for i, line in enumerate(lines)
        if b" " in line.strip()
        and not line.startswith((b"--", b"Content-", b"content-"))
        and re.search(rb"[a-z]", line)
    ]
    numeric = [i for i in candidates if re.search(rb"\d", lines[i])]
    if numeric or candidates:
        i = rng.choice(numeric or candidates)
        text = lines[i].decode("latin-1")
        cr = text.endswith("\r")
        new, old, frag = alter_text(text.rstrip("\r"), rng)
        lines[i] = (new + ("\r" if cr else "")).encode("latin-1", "replace")
        return b"\n".join(lines), old, frag
    phrase = "Merci de confirmer le virement."
    return phrase.encode() + b"\n" + body, "", phrase


def _edit_header(head: bytes, rng: random.Random) -> tuple[bytes, str, str, str]:
    fields = {n: (s, e) for n, s, e in reversed(_fields(head))}
    choices = [n for n in ("subject", "date") if n in fields]
    if not choices:
        raise LookupError("no Subject or Date")
    name = rng.choice(choices)
    s, e = fields[name]
    raw = head[s:e].decode("utf-8", "replace")
    label, value = raw.split(":", 1)
    value = re.sub(r"\r?\n[ \t]", " ", value).strip()
    if name == "date":
        when = parse_email_date(value)
        if when is None:
            raise LookupError("unparsable Date")
        new_value = email.utils.format_datetime(
            when - dt.timedelta(days=rng.randint(1, 20), hours=rng.randint(0, 5))
        )
    else:
        new_value, _, _ = alter_text(value, rng)
        if new_value == value or "=?" in value:
            new_value = rng.choice(["TR: ", "RE: ", "URGENT - "]) + value
    new = f"{label}: {new_value}".encode()
    return head[:s] + new + head[e:], name, value, new_value


@technique(
    "email_alter_signed",
    {"email"},
    "Alter a DKIM-signed email (messages without a signature are first signed with the "
    "generator's fixture key). Careless: edit the body (the bh= body hash no longer "
    "matches); careful: edit only a header (Subject or Date), body intact, so only the "
    "header signature fails when the header is covered by h=.",
)
def email_alter_signed(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    source = data
    head, sep, body = _split(data)
    if not sep:
        return None
    notes: dict = {}
    if b"dkim-signature" not in head.lower():
        sender = email.utils.parseaddr(_header(head, "from") or "")[1]
        domain = sender.rpartition("@")[2].strip().lower()
        if not domain or not re.fullmatch(r"[a-z0-9.-]+", domain):
            return None
        try:
            data = sign(data, domain, parse_email_date(_header(head, "date")))
        except Exception:
            return None
        head, sep, body = _split(data)
        notes["signed_by_generator"] = True
        notes["dkim_keys"] = {f"{SELECTOR}._domainkey.{domain}": fixture_record()}
    sig = _header(head, "dkim-signature") or ""
    m = re.search(r"\bh=([^;]*)", sig)
    signed = {h.strip().lower() for h in (m.group(1) if m else "").split(":")}
    if careful:
        try:
            head, field, old, new = _edit_header(head, rng)
        except LookupError:
            return None
        notes.update(edited="header", field=field, old=old, new=new, covered=field in signed)
    else:
        body, old, new = _edit_body(body, rng)
        notes.update(edited="body", old=old, new=new)
    out = head + sep + body
    return make(out, source, forged_name(name, rng), "email_alter_signed", careful, **notes)


def _mimic_id(mid: str, rng: random.Random) -> str:
    """A new Message-ID of the same shape (same domain, same character classes)."""
    local, at, domain = mid.strip("<> ").rpartition("@")
    if not at:
        local, domain = mid.strip("<> "), "localhost"
    hexchars = "0123456789ABCDEF" if local.upper() == local else "0123456789abcdef"
    out = []
    for ch in local:
        if ch in "0123456789ABCDEFabcdef":
            out.append(rng.choice(hexchars))
        elif ch.isalpha():
            out.append(
                rng.choice(
                    "abcdefghijklmnopqrstuvwxyz" if ch.islower() else "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                )
            )
        else:
            out.append(ch)
    return f"<{''.join(out)}@{domain}>"


def _body_text(msg: EmailMessage, subtype: str) -> str:
    """The message's body part of that subtype, decoded ("" when absent or unreadable)."""
    try:
        part = msg.get_body(preferencelist=(subtype,))
        text = part.get_content() if part is not None else ""
    except Exception:
        return ""
    return text if isinstance(text, str) else ""


def _edit_html(html: str, old: str, new: str) -> str | None:
    """``html`` with the first ``old`` of its visible text (not inside a tag, not part of a
    longer number) replaced by ``new``; None when the text has no such occurrence (or when
    ``old`` is empty: a sentence was added)."""
    if not old:
        return None
    pattern = re.compile(r"(?<![\w.,])" + re.escape(old) + r"(?![\w])")
    for m in re.finditer(r">([^<]+)", html):
        hit = pattern.search(m.group(1))
        if hit:
            at = m.start(1) + hit.start()
            return html[:at] + new + html[at + len(old) :]
    return None


def _render_html(text: str) -> str:
    """Plain text as a mail client's HTML part shows it (escaped, a <br> per line)."""
    lines = "<br>\n".join(html_lib.escape(line) for line in text.splitlines())
    return f'<html><head><meta charset="utf-8"></head><body>{lines}</body></html>\n'


_RECEIVED_DATE = re.compile(r";\s*([^;]+)$")


def _shift_received(value: str, delta: dt.timedelta) -> str:
    m = _RECEIVED_DATE.search(value)
    when = parse_email_date(m.group(1)) if m else None
    if m is None or when is None:
        return value
    return value[: m.start(1)] + email.utils.format_datetime(when + delta)


@technique(
    "email_fabricate",
    {"email"},
    "Write a new email imitating a real one: its From/To/Cc/Subject/X-Mailer copied, a new "
    "body (the original's with a number changed), a new Message-ID and a Date shortly "
    "after, no DKIM signature. Careful: Message-ID of the same shape and domain, Date in "
    "the sender's time zone, the original Received chain copied with shifted times (queue "
    "ids reused), an HTML alternative when the original has one; careless: generic "
    "Message-ID, UTC Date, no Received chain at all, plain text only.",
)
def email_fabricate(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    try:
        orig = BytesParser(policy=policy.default).parsebytes(data)
    except Exception:
        return None
    sender = orig.get("From")
    date = parse_email_date(orig.get("Date"))
    if not sender or date is None:
        return None
    text = _body_text(orig, "plain")
    html = _body_text(orig, "html") if careful else ""
    if not text.strip() and html.strip():
        text = html_to_text(html)
    if not text.strip():
        text = "Bonjour,\n\nCi-joint les éléments demandés.\n\nCordialement\n"
    new_body, old, new = alter_text(text, rng)
    delta = dt.timedelta(
        days=rng.randint(1, 20), hours=rng.randint(0, 8), minutes=rng.randint(0, 59)
    )
    when = date + delta
    msg = EmailMessage()
    notes: dict = {"old": old, "new": new}
    if careful:
        received = [str(v) for v in orig.get_all("Received") or []]
        if received and rng.random() < 0.5:
            received = received[1:]  # partial: the outermost hop dropped
        for value in received:
            msg["Received"] = _shift_received(" ".join(value.split()), delta)
        notes["received"] = len(received)
    else:
        when = when.astimezone(dt.UTC)
        notes["received"] = 0
    for key in ("From", "To", "Cc", "Subject"):
        value = orig.get(key)
        if value:
            msg[key] = str(value)
    msg["Date"] = email.utils.format_datetime(when)
    if careful:
        mid = _mimic_id(str(orig.get("Message-ID") or f"<x@{sender}>"), rng)
    else:
        mid = f"<{rng.getrandbits(64)}.{rng.randint(1000, 99999)}.{rng.getrandbits(40)}@localhost>"
    msg["Message-ID"] = mid
    for key in ("X-Mailer", "User-Agent", "Content-Language"):
        value = orig.get(key)
        if value and (careful or key != "Content-Language"):
            msg[key] = str(value)
    msg.set_content(new_body)
    if html.strip():
        # A mail client sends the text and an HTML rendering of it: the same change in
        # both, else the edited text rendered as the client's HTML would be.
        msg.add_alternative(_edit_html(html, old, new) or _render_html(new_body), subtype="html")
        msg.set_boundary(f"==============={rng.getrandbits(63):019d}==")  # by the seed
        notes["html"] = True
    notes.update(message_id=mid, date=when.isoformat())
    out = msg.as_bytes(policy=policy.default)
    return make(out, data, forged_name(name, rng, "eml"), "email_fabricate", careful, **notes)


def _redate_header(head: bytes, name: str, delta: dt.timedelta, *, received: bool) -> bytes:
    """``head`` with the date of every ``name`` field moved by ``delta`` in place (the
    field's other bytes, folding included, kept); for Received fields, the stamp after
    the last ``;``."""
    edits = []
    for n, s, e in _fields(head):
        if n != name:
            continue
        raw = head[s:e].decode("utf-8", "surrogateescape")
        if received:
            m = re.search(r";\s*([^;]+?)\s*$", raw)
        else:
            m = re.search(r":\s*(.+?)\s*$", raw, re.S)
        when = parse_email_date(" ".join(m.group(1).split())) if m else None
        if m is None or when is None:
            continue
        moved = _like(m.group(1), email.utils.format_datetime(when + delta))
        start = s + len(raw[: m.start(1)].encode("utf-8", "surrogateescape"))
        end = s + len(raw[: m.end(1)].encode("utf-8", "surrogateescape"))
        edits.append((start, end, moved.encode()))
    return _splice(head, edits)


def _splice(data: bytes, edits: list[tuple[int, int, bytes]]) -> bytes:
    """``data`` with each ``(start, end, new)`` span replaced by ``new`` (spans apart)."""
    out, last = [], 0
    for start, end, new in sorted(edits):
        out += [data[last:start], new]
        last = end
    out.append(data[last:])
    return b"".join(out)


def _like(old: str, new: str) -> str:
    """``new`` (RFC 5322 form) written the way ``old`` was: without a weekday when it had
    none, its trailing comment (``(GMT)``, ``(CEST)``) kept."""
    if not re.match(r"\s*[A-Za-z]{3},", old):
        new = new.split(", ", 1)[-1]
    comment = re.search(r"\s*\([^()]*\)\s*$", old)
    return new + (comment.group(0).rstrip() if comment else "")


@technique(
    "email_redate",
    {"email"},
    "Move an email's Date in a text editor, every other byte kept (body, attachments, "
    "Message-ID, any signature): back by days to months (three in four), else forward. "
    "Careless: the Date alone, so the relays' Received stamps still tell when it was sent; "
    "careful: every Received stamp moved by the same amount too.",
)
def email_redate(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    head, sep, body = _split(data)
    when = parse_email_date(_header(head, "date")) if sep else None
    if when is None:
        return None
    backward = rng.random() < 0.75
    if rng.random() < 0.6:
        delta = dt.timedelta(days=rng.randint(2, 30), hours=rng.randint(0, 12))
    else:
        delta = dt.timedelta(days=30 * rng.randint(1, 8) + rng.randint(0, 29))
    delta = -delta if backward else delta
    new_head = _redate_header(head, "date", delta, received=False)
    if careful:
        new_head = _redate_header(new_head, "received", delta, received=True)
    if new_head == head:
        return None
    notes = {"old": when.isoformat(), "new": (when + delta).isoformat(), "days": delta.days}
    out = new_head + sep + body
    return make(out, data, forged_name(name, rng), "email_redate", careful, **notes)


#: A number as a text editor shows it in a raw part: not a quoted-printable escape (=20,
#: =C3=A9), not inside a word.
_RAW_NUMBER = re.compile(r"(?<![=\w.,])\d+(?:[.,]\d+)*(?![\w=])")
_IN_PLACE_ENCODINGS = {"", "7bit", "8bit", "quoted-printable"}


def _alternative_spans(data: bytes) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """Byte spans of the raw (encoded) text part and HTML part of the message's first
    ``multipart/alternative``, when both can be edited in place (not base64)."""
    msg = email.message_from_bytes(data, policy=policy.compat32)
    for part in msg.walk():
        if part.get_content_type() != "multipart/alternative":
            continue
        spans: dict[str, tuple[int, int]] = {}
        for sub in part.get_payload():
            ctype = sub.get_content_type()
            cte = str(sub.get("Content-Transfer-Encoding") or "").strip().lower()
            if ctype not in ("text/plain", "text/html") or ctype in spans:
                continue
            if cte not in _IN_PLACE_ENCODINGS or not isinstance(sub.get_payload(), str):
                return None
            try:
                raw = sub.get_payload().encode("ascii", "surrogateescape")
            except UnicodeError:  # the parser replaced undecodable bytes: no raw copy
                return None
            at = data.find(raw) if raw.strip() else -1
            if at < 0:
                return None
            spans[ctype] = (at, at + len(raw))
        if len(spans) == 2:
            return spans["text/plain"], spans["text/html"]
        return None
    return None


def _visible_numbers(html: str) -> list[re.Match[str]]:
    """Numbers in the text between an HTML part's tags (not in attributes or styles)."""
    out = []
    for seg in re.finditer(r">([^<]+)", html):
        out.extend(
            m
            for m in _RAW_NUMBER.finditer(html, seg.start(1), seg.end(1))
            if not seg.group(1).lstrip().startswith(("{", "@"))  # CSS
        )
    return out


@technique(
    "email_edit_body",
    {"email"},
    "Edit a number in the body of an email that carries no DKIM signature, in a text "
    "editor (every other byte kept: headers, Message-ID, attachments). Only messages with "
    "a text and an HTML rendering of the body (multipart/alternative, not base64) are "
    "used, and only a number both renderings show. Careless: the text part alone, so the "
    "HTML part still shows the old number; careful: the same change in both parts (no "
    "trace inside the file).",
)
def email_edit_body(data: bytes, name: str, rng: random.Random, careful: bool) -> Forgery | None:
    head, sep, _ = _split(data)
    if not sep or b"dkim-signature" in head.lower():
        return None
    spans = _alternative_spans(data)
    if spans is None:
        return None
    (ps, pe), (hs, he) = spans
    plain, html = data[ps:pe].decode("latin-1"), data[hs:he].decode("latin-1")
    shown = _visible_numbers(html)
    in_html = {m.group(0) for m in shown}
    candidates = [m for m in _RAW_NUMBER.finditer(plain) if m.group(0) in in_html]
    if not candidates:
        return None
    m = rng.choice(candidates)
    changed = alter_number(m.group(0), rng)
    if changed is None:
        return None
    new, old, _ = changed
    edits = [(ps + m.start(), ps + m.end(), new.encode("latin-1"))]
    if careful:
        hit = next(h for h in shown if h.group(0) == old)
        edits.append((hs + hit.start(), hs + hit.end(), new.encode("latin-1")))
    notes = {"old": old, "new": new, "edited": "text and html" if careful else "text"}
    out = _splice(data, edits)
    return make(out, data, forged_name(name, rng), "email_edit_body", careful, **notes)
