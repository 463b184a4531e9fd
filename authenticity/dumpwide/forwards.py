"""Dump-level email evidence: a body against the copy a forward holds of it.

A forwarded message keeps the original under a separator and a short header (Gmail's
``---------- Forwarded message ---------`` with From/Date/Subject/To, Apple Mail's ``Begin
forwarded message:``, Outlook's ``-----Original Message-----`` or From/Sent/To/Subject
block, in the client's language). Forwards carry no In-Reply-To, so the original is found
by its header: an email of the dump with the same subject (``Re:``/``Fwd:``/``TR:``...
prefixes aside), the same sender (address, or display name when the header shows only
that) and a Date within a day of the header's date. Its body is then compared with the
forwarded text as a reply's quote is (:func:`authenticity.dumpwide.quotes.compare`), and
differences give ``EMAIL_BODY_DIFFERS_FROM_QUOTE`` with ``role`` ``forward`` on the
forward's side: medium on the original, info on the forward (reversed when the original's
DKIM body hash verifies).

Emails that answer another (In-Reply-To or References) are left to the quoted-text pass,
which finds their original by its Message-ID: an Outlook reply heads its quote with the
same ``-----Original Message-----`` block and would otherwise be compared twice.

When several emails of the dump fit one header (a message sent again the same day with a
correction) and one of them matches the forwarded text exactly, the others are different
messages, not altered copies, and nothing is said about them.
"""

from __future__ import annotations

import datetime as dt
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parseaddr

from authenticity.dumpwide._common import Resolver
from authenticity.dumpwide.attribution import (
    HEADER_FIELD,
    MAX_LINE,
    SEPARATOR,
    parse_header_date,
)
from authenticity.dumpwide.email import hash64
from authenticity.dumpwide.quotes import BATCH, body_signed, compare, pair_findings, single_email
from authenticity.model import Analysis, Finding
from authenticity.timeutil import as_utc, stored_datetime

#: Lines of a forward searched for its separator.
MAX_LINES = 400
#: Lines after the separator searched for the forwarded header.
HEADER_LINES = 12
#: Emails of the dump compared with one forward (same subject and sender, within a day).
MAX_CANDIDATES = 10
#: Days between the forwarded header's date and the original's Date.
DAY_SLACK = 1
#: Forwards whose originals are looked for, per dump.
MAX_FORWARDS = 50_000

_FROM = {"from", "de", "von", "da", "van"}
_DATE = {
    "date", "sent", "envoyé", "envoye", "gesendet", "datum", "fecha", "enviado", "inviato",
    "data", "verzonden",
}  # fmt: skip
_SUBJECT = {"subject", "objet", "betreff", "asunto", "oggetto", "onderwerp"}
_SUBJECT_PREFIX = re.compile(
    r"^(?:\s*(?:re|fw|fwd|tr|aw|wg|rv|r|sv|vs|antw|res|enc|rif|i)\s*(?:\[\d{1,3}\])?\s*:\s*)+",
    re.IGNORECASE,
)


def subject_key(subject: object) -> int:
    """Hash of a subject without its reply/forward prefixes; 0 for none."""
    if not isinstance(subject, str):
        return 0
    text = " ".join(_SUBJECT_PREFIX.sub("", subject.strip()[:500]).split()).casefold()
    return hash64(text) if text else 0


@dataclass(frozen=True, slots=True)
class Forwarded:
    """The forwarded message a text holds: its header's sender, subject and date, and its
    text below the header."""

    sender: str
    subject: str
    day: dt.date
    text: str


def forwarded(text: str) -> Forwarded | None:
    """The first forwarded message of a text that names its sender, subject and date."""
    lines = text.splitlines()
    for n, line in enumerate(lines[:MAX_LINES]):
        if len(line) > MAX_LINE or not SEPARATOR.match(line):
            continue
        fields: dict[str, str] = {}
        day: dt.date | None = None
        end = n + 1
        for end in range(n + 1, min(len(lines), n + 1 + HEADER_LINES)):
            current = lines[end]
            if not current.strip():
                if fields:
                    break
                continue
            m = HEADER_FIELD.match(current) if len(current) <= MAX_LINE else None
            if m is None:
                continue
            name = m["name"].casefold()
            if name in _FROM:
                fields.setdefault("from", m["value"].strip())
            elif name in _SUBJECT:
                fields.setdefault("subject", m["value"].strip())
            elif day is None and name in _DATE:
                day = parse_header_date(current)
        if fields.get("from") and fields.get("subject") and day is not None:
            return Forwarded(fields["from"], fields["subject"], day, "\n".join(lines[end + 1 :]))
        return None
    return None


def same_sender(header: str, from_field: object) -> bool:
    """Whether a forwarded header's From names the sender of an email's From field: the
    same address, or, when the header shows only a name, the same display name."""
    if not isinstance(from_field, str):
        return False
    e_name, e_addr = parseaddr(from_field)
    if "@" in header:
        return "@" in e_addr and parseaddr(header)[1].casefold() == e_addr.casefold()
    name = " ".join(header.strip().strip('"').split()).casefold()
    return bool(name) and name == " ".join(e_name.strip().strip('"').split()).casefold()


def _day(analysis: Analysis) -> int:
    sent = stored_datetime(analysis.facts.get("date"))
    if sent is None:
        return 0
    return as_utc(sent).date().toordinal()  # a naive Date is read as UTC


class ForwardCollector:
    """Streaming form of the pass: per email its subject key and Date's day; per forward
    its sha256 (the text is read back at the end)."""

    def __init__(self) -> None:
        self._shas: list[str] = []
        self._subject = array("Q")
        self._day = array("i")
        self._forwards: list[tuple[str, int, int]] = []  # sha256, subject key, header day

    def add(self, sha256: str, analysis: Analysis) -> None:
        if not single_email(analysis):
            return  # not an email, or an mbox file whose messages are scanned one by one
        facts = analysis.facts
        key, day = subject_key(facts.get("subject")), _day(analysis)
        if key and day:
            self._shas.append(sha256)
            self._subject.append(key)
            self._day.append(day)
        if facts.get("parent_message_id"):
            return  # a reply (or a forward within a thread): the quoted-text pass has it
        found = forwarded(analysis.text) if analysis.text else None
        if found is not None and len(self._forwards) < MAX_FORWARDS:
            fkey = subject_key(found.subject)
            if fkey:
                self._forwards.append((sha256, fkey, found.day.toordinal()))

    def pairs(self) -> list[tuple[str, list[str]]]:
        """(forward sha256, candidate originals' sha256) for each forward with candidates."""
        by_subject: dict[int, list[int]] = {}
        for i, key in enumerate(self._subject):
            by_subject.setdefault(key, []).append(i)
        out: list[tuple[str, list[str]]] = []
        for sha, key, day in self._forwards:
            near = [
                self._shas[i]
                for i in by_subject.get(key, [])
                if abs(self._day[i] - day) <= DAY_SLACK and self._shas[i] != sha
            ]
            if near:
                out.append((sha, sorted(set(near))[:MAX_CANDIDATES]))
        return out

    def findings(self, resolver: Resolver | None = None) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_BODY_DIFFERS_FROM_QUOTE findings (role ``forward``)."""
        out: dict[str, list[Finding]] = {}
        pairs = self.pairs()
        if not pairs or resolver is None:
            return out
        for start in range(0, len(pairs), BATCH):
            batch = pairs[start : start + BATCH]
            analyses = resolver.analyses({s for fwd, cands in batch for s in (fwd, *cands)})
            differing = [d for fwd, cands in batch for d in _differing(fwd, cands, analyses)]
            if not differing:
                continue
            paths = resolver.paths({s for d in differing for s in d[:2]})
            for fwd, original, changes, compared, signed in differing:
                for sha, found in pair_findings(
                    fwd, original, changes, compared, signed, paths, kind="forward"
                ):
                    out.setdefault(sha, []).append(found)
        return out


def _differing(
    fwd: str, candidates: Iterable[str], analyses: dict[str, Analysis]
) -> list[tuple[str, str, list, int, bool]]:
    """The candidates that hold the forwarded message with other words; none when one of
    them holds it word for word (the others are other messages of that subject)."""
    f = analyses.get(fwd)
    held = forwarded(f.text) if f is not None and f.text else None
    if held is None:
        return []
    out: list[tuple[str, str, list, int, bool]] = []
    for sha in candidates:
        o = analyses.get(sha)
        if o is None or not o.text or not same_sender(held.sender, o.facts.get("from")):
            continue
        result = compare(o.text, held.text)
        if result is None:
            continue
        if not result[0]:
            return []  # an exact copy of the forwarded message is in the dump
        out.append((fwd, sha, result[0], result[1], body_signed(o)))
    return out
