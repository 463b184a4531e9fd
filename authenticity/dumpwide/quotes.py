"""Dump-level email evidence: a body against its replies' quotes and its other copies.

A reply quotes the message it answers (``> ...`` lines, or the whole message below an
``On ... wrote:`` / ``-----Original Message-----`` / ``From: ... Sent:`` header, as
Gmail, Outlook and Apple Mail write them). That quote is a second copy of the original's
text, made when the reply was written and kept in another mailbox, which a forger who
changes a figure in the original does not think of (the 2017 leak's analysts compared
such copies by hand).

``EMAIL_BODY_DIFFERS_FROM_QUOTE``: an email of the dump answers another email of the dump
(``parent_message_id``: In-Reply-To, else the last References id) and a quoted block of
it matches the answered body word for word over at least :data:`MIN_MATCH` of its words
(:data:`MIN_WORDS` at least), but inside the matching stretch words differ: a number or a
name replaced, or words present in the quote and missing from the body. Words the quote
leaves out are not counted (repliers trim quotes), nor addresses, links, inline image and
attachment placeholders (clients render them differently), nor words only split or
joined otherwise. Medium on the answered email: its body was changed after the reply was
written (or the reply's quote was); info on the reply, with the same differences, as a
pointer. When the answered email's body is covered by a DKIM
body hash that still verifies, its body is as sent, so it is the reply that gets the
medium finding (its quote was altered) and the original the pointer.

``EMAIL_DATE_DIFFERS_FROM_QUOTE``: the date in the reply's quote header (``On Mon, Apr 10,
2017 ... wrote:``, Outlook's ``Sent:`` line; :mod:`authenticity.dumpwide.attribution`) is
more than a day from the answered email's Date: medium on the answered email (its Date
was moved after the reply was written), info on the reply.

``EMAIL_DATE_BEFORE_QUOTED_MESSAGE`` needs no other file: an email whose own Date is
more than a day before the date its quote header gives the quoted message
(:func:`quoted_later`).

``EMAIL_COPY_BODY_ALTERED`` / ``EMAIL_COPIES_BODIES_DIFFER``: copies of one message
(same Message-ID: the sender's and the recipients' mailboxes, a forward as attachment)
whose texts differ (:func:`copy_verdicts`).

Kept in memory: per email a sha256 and two 64-bit hashes (its Message-ID and, for a reply
whose text quotes something, the id it answers). At the end the texts of at most
:data:`MAX_PAIRS` reply/original pairs are read back through the resolver, :data:`BATCH`
pairs at a time.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
from array import array
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from authenticity.dkim import body_signed as dkim_body_signed
from authenticity.dumpwide._common import Resolver, other_copy
from authenticity.dumpwide.attribution import HEADER_FIELD, attribution_date, is_quote_header
from authenticity.dumpwide.email import id_hash
from authenticity.model import Analysis, Finding, Severity
from authenticity.timeutil import as_utc, stored_datetime

#: Words a quoted block must have to be compared.
MIN_WORDS = 8
#: Share of a block's words that must match the answered body in order.
MIN_MATCH = 0.7
#: Longest run of differing words counted as a change (longer: another text).
MAX_CHANGE = 12
#: Reply/original pairs whose texts are compared per dump (the 2017 leak's 72,000 emails
#: hold fewer replies than that).
MAX_PAIRS = 100_000
#: Longest run of differing words between two copies of one message (a sentence or two).
MAX_COPY_CHANGE = 60
#: Copies of one Message-ID compared with each other (more: a template, not a message).
MAX_COPIES = 20
#: Calendar days a reply's quote header may differ from the answered Date (the header is
#: in the replier's time zone, up to a day off).
HEADER_DATE_SLACK_DAYS = 1
#: A quote-header date further than this from the Date makes the date finding high.
HEADER_DATE_HIGH_DAYS = 30
#: A changed figure is high evidence when at least this many quoted words agree around it
#: and there are no more than MAX_CHANGES_HIGH changes.
MIN_WORDS_HIGH = 20
MAX_CHANGES_HIGH = 3
#: Pairs whose texts are fetched at once.
BATCH = 200
#: Changes listed in a finding.
MAX_LISTED = 5
#: Words before a change shown as its context.
CONTEXT_WORDS = 4
#: Words of a body, and of a quoted block, compared (the alignment is quadratic at worst).
MAX_WORDS = 2_000
#: Quoted blocks of one reply compared.
MAX_BLOCKS = 20

#: Links, addresses and inline-image placeholders (every repetition bounded: no backtracking
#: across a long run of letters).
_NOISE = re.compile(
    r"(?<![\w+.-])[A-Za-z][\w+.-]{0,15}://\S{0,2000}|mailto:\S{0,500}"
    r"|\[(?:cid|image):[^\]]{0,500}\]|<[^<>\s]{1,200}@[^<>\s]{1,200}>"
    r"|<[^<>\n]{1,200}\.[A-Za-z0-9]{2,5}>"
    r"|(?<![\w.+-])[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}"
)
_WORD = re.compile(r"\w+")


def words(text: str) -> list[str]:
    """Lower-case words of a text, addresses, links and image placeholders left out."""
    return _WORD.findall(_NOISE.sub(" ", text).lower())


def quoted_blocks(text: str) -> list[str]:
    """The quoted stretches of a reply's text: runs of ``>`` lines (one level of ``>``
    removed, so the answered message's own quotes stay as it wrote them), else what follows
    the first ``On ... wrote:`` / original-message header of a top-posted reply."""
    blocks: list[str] = []
    current: list[str] = []
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped.startswith(">"):
            current.append(stripped[1:])
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    if blocks:
        return blocks[:MAX_BLOCKS]
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if is_quote_header(line):
            start = i + 1  # past the header block's fields (From, Sent, To, Subject...)
            while start < len(lines) and (
                HEADER_FIELD.match(lines[start]) or (start == i + 1 and not lines[start].strip())
            ):
                start += 1
            rest = "\n".join(lines[start:])
            return [rest] if rest.strip() else []
    return []


@dataclass(frozen=True, slots=True)
class Change:
    """One stretch where a quote and the answered body differ."""

    body: str  # the body's words there ("" when the quote has words the body lacks)
    quoted: str
    context: str  # the matching words before it


def compare(body: str, quote: str) -> tuple[list[Change], int] | None:
    """(changes, words compared) when ``quote`` is a copy of (part of) ``body``; None when
    it is too short or not from that body. Words the quote leaves out are not changes."""
    q = words(quote)[:MAX_WORDS]
    if len(q) < MIN_WORDS:
        return None
    b = words(body)[: 2 * MAX_WORDS]
    return _changes(b, q, len(q), MAX_CHANGE, trimmed=True)


def compare_copies(a: str, b: str) -> tuple[list[Change], int] | None:
    """(changes, words compared) between two copies of one message's text (``body``: the
    first's words, ``quoted``: the second's); None when either is too short or they are
    not the same text (rendered differently, e.g. an Outlook file against its .eml)."""
    wa, wb = words(a)[: 2 * MAX_WORDS], words(b)[: 2 * MAX_WORDS]
    if min(len(wa), len(wb)) < MIN_WORDS:
        return None
    return _changes(wa, wb, min(len(wa), len(wb)), MAX_COPY_CHANGE, trimmed=False)


def _changes(
    b: list[str], q: list[str], base: int, max_change: int, *, trimmed: bool
) -> tuple[list[Change], int] | None:
    """Differences between ``b`` and ``q`` inside the stretch where they match (at least
    :data:`MIN_MATCH` of ``base`` words); ``trimmed``: words only ``b`` has do not count."""
    sm = difflib.SequenceMatcher(None, b, q, autojunk=False)
    blocks = [m for m in sm.get_matching_blocks() if m.size]
    matched = sum(m.size for m in blocks)
    if not blocks or matched < MIN_MATCH * base:
        return None
    first_b, last_b = blocks[0].a, blocks[-1].a + blocks[-1].size
    first_q, last_q = blocks[0].b, blocks[-1].b + blocks[-1].size
    changes: list[Change] = []
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal" or (trimmed and tag == "delete"):
            continue  # matching, or trimmed by a replier
        if j1 < first_q or j2 > last_q or i1 < first_b or i2 > last_b:
            continue  # outside the matching stretch (a banner, a footer, a cut)
        if max(i2 - i1, j2 - j1) > max_change:
            return None  # a rewritten passage: not a copy of this text
        if "".join(b[i1:i2]) == "".join(q[j1:j2]):
            continue  # words split or joined differently (an HTML body turned into text)
        context = " ".join(b[max(0, i1 - CONTEXT_WORDS) : i1])
        changes.append(Change(" ".join(b[i1:i2]), " ".join(q[j1:j2]), context))
    return changes, last_q - first_q


def quoted_later(text: str, sent: dt.datetime | None) -> Finding | None:
    """``EMAIL_DATE_BEFORE_QUOTED_MESSAGE`` when an email's own Date is more than a day
    before the date its first quote header gives the message it quotes: nobody quotes a
    message before it was written, so this Date was moved back (or the header line was
    edited). Medium; high beyond :data:`HEADER_DATE_HIGH_DAYS`. Needs no other file."""
    header = attribution_date(text) if sent is not None else None
    if header is None or sent is None:
        return None
    day = as_utc(sent).date()  # a naive Date is read as UTC
    when = header[0][0]  # the earliest reading: both must be after this Date
    gap = (when - day).days
    if gap <= HEADER_DATE_SLACK_DAYS:
        return None
    return Finding(
        "EMAIL_DATE_BEFORE_QUOTED_MESSAGE",
        Severity.HIGH if gap > HEADER_DATE_HIGH_DAYS else Severity.MEDIUM,
        f"This email quotes a message that its quote header dates {when.isoformat()} "
        f"(\u201c{header[1][:200]}\u201d), {gap} days after this email's own Date "
        f"({sent.isoformat()}). Nobody quotes a message before it was written: this Date was "
        "moved back, or the header line was edited.",
        {
            "header_date": when.isoformat(),
            "header_readings": [d.isoformat() for d in header[0]],
            "header_line": header[1][:300],
            "date": sent.isoformat(),
            "gap_days": gap,
        },
    )


def changed_figure(changes: list[Change], compared: int) -> bool:
    """Whether a comparison shows a number replaced by another number in a stretch that
    otherwise agrees (at least :data:`MIN_WORDS_HIGH` words, at most
    :data:`MAX_CHANGES_HIGH` changes): the forger's usual edit, and one no client's
    rendering makes (renderings differ in spaces, punctuation, links, accents, not digits)."""
    return (
        compared >= MIN_WORDS_HIGH
        and 0 < len(changes) <= MAX_CHANGES_HIGH
        and any(
            any(ch.isdigit() for ch in c.body) and any(ch.isdigit() for ch in c.quoted)
            for c in changes
        )
    )


def body_signed(analysis: Analysis) -> bool:
    """Whether a DKIM signature covers the whole body as it is now: verified with the key,
    or its body hash still matching without it (:func:`authenticity.dkim.body_signed`)."""
    return isinstance(analysis.facts, dict) and dkim_body_signed(analysis.facts)


#: An mbox envelope line ("From sender weekday month day hh:mm:ss year").
_ENVELOPE = re.compile(r"^From \S{1,300} +\w{3} \w{3} +\d{1,2} \d\d:\d\d:\d\d \d{4}\s*$", re.M)


def holds_mailbox(text: str) -> bool:
    """Whether a text holds further messages of an mbox (an envelope line after its
    start): a whole mailbox read as its first message, whose text carries the other
    messages' raw headers. Such a text is not one email's and is not compared."""
    return any(m.start() > 0 for m in _ENVELOPE.finditer(text or ""))


def single_email(analysis: Analysis) -> bool:
    """Whether an analysis is one email's: read by the email extractor (whatever the
    detected type: a message saved with its DKIM-Signature header first is sniffed as text),
    and not a whole mbox read as its first message (:func:`holds_mailbox`)."""
    facts = analysis.facts if isinstance(analysis.facts, dict) else {}
    if "has_dkim_signature" not in facts and facts.get("parsed_as") != "rfc822":
        return False  # every email the extractor reads has that fact
    return not holds_mailbox(analysis.text)


def _quotes(text: str) -> bool:
    """Whether a text holds a quoted block (only such replies are read back)."""
    return bool(text) and ("\n>" in text or text.startswith(">") or bool(quoted_blocks(text)))


class QuoteCollector:
    """Streaming form of the pass: per email its sha256, Message-ID and answered id.

    Emails are what the email extractor read, whatever the detected type: a message saved
    with its DKIM-Signature header first is sniffed as text and still read as an email."""

    def __init__(self) -> None:
        self._shas: list[str] = []
        self._mid = array("Q")
        self._parent = array("Q")
        #: Emails dated before the message they quote (found in the email alone).
        self._own: dict[str, Finding] = {}

    def add(self, sha256: str, analysis: Analysis) -> None:
        if not single_email(analysis):
            return  # not an email, or an mbox file whose messages are scanned one by one
        facts = analysis.facts
        mid = id_hash(facts.get("message_id"))
        parent = id_hash(facts.get("parent_message_id"))
        quotes = _quotes(analysis.text)
        if parent and not quotes:
            parent = 0  # only a reply that quotes is read back
        if mid or parent:
            self._shas.append(sha256)
            self._mid.append(mid)
            self._parent.append(parent)
        if quotes:
            found = quoted_later(analysis.text, stored_datetime(facts.get("date")))
            if found is not None:
                self._own[sha256] = found

    def pairs(self) -> list[tuple[str, str]]:
        """(reply sha256, answered sha256) for every answered email held in the dump."""
        by_mid: dict[int, list[int]] = {}
        for i, mid in enumerate(self._mid):
            if mid:
                by_mid.setdefault(mid, []).append(i)
        out: list[tuple[str, str]] = []
        for i, parent in enumerate(self._parent):
            for j in by_mid.get(parent, []) if parent else []:
                if self._shas[j] != self._shas[i]:
                    out.append((self._shas[i], self._shas[j]))
        return sorted(set(out))[:MAX_PAIRS]

    def copy_groups(self) -> list[list[str]]:
        """The distinct contents of each Message-ID held more than once (sorted)."""
        by_mid: dict[int, set[str]] = {}
        for sha, mid in zip(self._shas, self._mid, strict=True):
            if mid:
                by_mid.setdefault(mid, set()).add(sha)
        return sorted(sorted(g) for g in by_mid.values() if 1 < len(g) <= MAX_COPIES)

    def findings(self, resolver: Resolver | None = None) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_DATE_BEFORE_QUOTED_MESSAGE, EMAIL_BODY_DIFFERS_FROM_QUOTE,
        EMAIL_DATE_DIFFERS_FROM_QUOTE, EMAIL_COPY_BODY_ALTERED and EMAIL_COPIES_BODIES_DIFFER
        findings."""
        out: dict[str, list[Finding]] = {}
        for sha, found in self._own.items():
            out.setdefault(sha, []).append(found)
        if resolver is None:
            return out
        self._quote_findings(resolver, out)
        self._copy_findings(resolver, out)
        return out

    def _copy_findings(self, resolver: Resolver, out: dict[str, list[Finding]]) -> None:
        groups = self.copy_groups()
        start = 0
        while start < len(groups):
            batch: list[list[str]] = []
            while start < len(groups) and sum(map(len, batch)) < 2 * BATCH:
                batch.append(groups[start])
                start += 1
            texts = resolver.analyses({s for group in batch for s in group})
            found = [f for group in batch for f in copy_verdicts(group, texts)]
            if not found:
                continue
            paths = resolver.paths({s for sha, _f, others in found for s in (sha, *others)})
            for sha, finding, others in found:
                listed = [p for o in others for p in paths.get(o, [])[:1]]
                where = ", ".join(listed) if listed else "another copy"
                out.setdefault(sha, []).append(
                    dataclasses.replace(
                        finding,
                        message=finding.message.replace("{others}", where),
                        evidence={**finding.evidence, "other_paths": listed},
                    )
                )

    def _quote_findings(self, resolver: Resolver, out: dict[str, list[Finding]]) -> None:
        pairs = self.pairs()
        for start in range(0, len(pairs), BATCH):
            batch = pairs[start : start + BATCH]
            texts = resolver.analyses({s for pair in batch for s in pair})
            differing = list(_differing(batch, texts))
            redated = list(_redated(batch, texts))
            if not differing and not redated:
                continue
            paths = resolver.paths(
                {s for reply, original, *_ in differing + redated for s in (reply, original)}
            )
            for reply, original, changes, compared, signed in differing:
                for sha, found in pair_findings(reply, original, changes, compared, signed, paths):
                    out.setdefault(sha, []).append(found)
            for reply, original, header, line, sent in redated:
                for sha, found in _date_findings(reply, original, header, line, sent, paths):
                    out.setdefault(sha, []).append(found)


def copy_verdicts(
    group: list[str], analyses: dict[str, Analysis]
) -> Iterable[tuple[str, Finding, list[str]]]:
    """(sha256, finding, other copies' sha256) for the copies of one message whose texts
    differ. The copy that disagrees with a copy whose DKIM body hash verifies, or with
    every other copy while those agree (three or more), was altered:
    ``EMAIL_COPY_BODY_ALTERED`` (medium; high for a changed figure, :func:`changed_figure`).
    Otherwise each differing copy gets
    ``EMAIL_COPIES_BODIES_DIFFER`` (low): one of them was altered, this check cannot tell
    which. The message text holds ``{others}`` for the other copies' paths."""
    members = [s for s in group if s in analyses and analyses[s].text and analyses[s].text.strip()]
    signed = {s for s in members if body_signed(analyses[s])}
    diff: dict[tuple[str, str], list[Change]] = {}
    span: dict[tuple[str, str], int] = {}  # words compared
    same: dict[str, set[str]] = {s: set() for s in members}
    for i, a in enumerate(members):
        for b in members[i + 1 :]:
            result = compare_copies(analyses[a].text, analyses[b].text)
            if result is None:
                continue
            if result[0]:
                diff[(a, b)] = result[0]
                diff[(b, a)] = [Change(c.quoted, c.body, c.context) for c in result[0]]
                span[(a, b)] = span[(b, a)] = result[1]
            else:
                same[a].add(b)
                same[b].add(a)
    differing = {x: [y for y in members if (x, y) in diff] for x in members}
    altered = {
        x
        for x, others in differing.items()
        if others
        and x not in signed
        and (
            any(y in signed for y in others)
            or (
                len(others) >= 2
                and not same[x]
                and all(same[y] >= set(others) - {y} for y in others)
            )
        )
    }
    for x in members:
        others = differing[x]
        if not others or x in signed or (x not in altered and set(others) <= altered):
            continue  # as sent, or its differences are the altered copies'
        against_signed = [y for y in others if y in signed]
        other = against_signed[0] if against_signed else others[0]
        changes = diff[(x, other)]
        shown = "; ".join(
            f"after \u201c{c.context}\u201d this copy has \u201c{c.body or '(nothing)'}\u201d, "
            f"the other \u201c{c.quoted or '(nothing)'}\u201d"
            for c in changes[:2]
        )
        evidence: dict[str, Any] = {
            "changes": [
                {"here": c.body, "other": c.quoted, "context": c.context}
                for c in changes[:MAX_LISTED]
            ],
            "n_changes": len(changes),
            "other_sha256": others[:MAX_LISTED],
            "copies": len(members),
            "other_signed": bool(against_signed),
        }
        if x in altered:
            if against_signed:
                where = (
                    "Another copy of this message (same Message-ID) is in the dump ({others}), "
                    "whose body still matches its DKIM body hash, so it is as sent; this "
                    f"copy's text differs from it ({shown})."
                )
            else:
                where = (
                    f"{len(others)} other copies of this message (same Message-ID) are in the "
                    "dump ({others}) and agree with each other; this copy's text differs from "
                    f"them ({shown})."
                )
            message = f"{where} Relays do not rewrite a message's text: this copy was altered."
            figure = changed_figure(changes, span[(x, other)])
            severity = Severity.HIGH if figure else Severity.MEDIUM
            yield x, Finding("EMAIL_COPY_BODY_ALTERED", severity, message, evidence), others
        else:
            message = (
                f"Another copy of this message (same Message-ID) is in the dump ({{others}}) "
                f"with a different text ({shown}). Relays do not rewrite a message's text: "
                "one of the copies was altered. This check cannot tell which."
            )
            yield x, Finding("EMAIL_COPIES_BODIES_DIFFER", Severity.LOW, message, evidence), others


def _differing(
    pairs: Iterable[tuple[str, str]], analyses: dict[str, Analysis]
) -> Iterable[tuple[str, str, list[Change], int, bool]]:
    for reply, original in pairs:
        r, o = analyses.get(reply), analyses.get(original)
        if r is None or o is None or not r.text or not o.text:
            continue
        for block in quoted_blocks(r.text):
            result = compare(o.text, block)
            if result is not None and result[0]:
                yield reply, original, result[0], result[1], body_signed(o)
                break


def _redated(
    pairs: Iterable[tuple[str, str]], analyses: dict[str, Analysis]
) -> Iterable[tuple[str, str, dt.date, str, dt.datetime]]:
    """(reply, original, date in the reply's quote header, that line, original's Date) when
    the two calendar dates are more than :data:`HEADER_DATE_SLACK_DAYS` apart."""
    for reply, original in pairs:
        r, o = analyses.get(reply), analyses.get(original)
        if r is None or o is None or not r.text:
            continue
        sent = stored_datetime(o.facts.get("date")) if isinstance(o.facts, dict) else None
        header = attribution_date(r.text)
        if sent is None or header is None:
            continue
        day = as_utc(sent).date()  # a naive Date is read as UTC
        nearest = min(header[0], key=lambda d: abs((d - day).days))  # every reading must differ
        if abs((nearest - day).days) > HEADER_DATE_SLACK_DAYS:
            yield reply, original, nearest, header[1], sent


def _date_findings(
    reply: str,
    original: str,
    header: dt.date,
    line: str,
    sent: dt.datetime,
    paths: dict[str, list[str]],
) -> Iterable[tuple[str, Finding]]:
    reply_paths, reply_name = other_copy(paths, reply, "a reply in the dump")
    orig_paths, orig_name = other_copy(paths, original, "the email it answers")
    gap = abs((header - as_utc(sent).date()).days)
    evidence: dict[str, Any] = {
        "header_date": header.isoformat(),
        "header_line": line[:300],
        "date": sent.isoformat(),
        "gap_days": gap,
    }
    yield (
        original,
        Finding(
            "EMAIL_DATE_DIFFERS_FROM_QUOTE",
            Severity.HIGH if gap > HEADER_DATE_HIGH_DAYS else Severity.MEDIUM,
            f"A reply in the dump ({reply_name}) heads its quote of this email with "
            f"\u201c{line[:200]}\u201d: sent on {header.isoformat()}, {gap} days from this "
            f"email's Date ({sent.isoformat()}). The reply's client wrote that line from the "
            "Date it received, so this Date was changed afterwards (or the reply's header "
            "line was).",
            {**evidence, "role": "quoted", "other_sha256": reply, "other_paths": reply_paths},
        ),
    )
    yield (
        reply,
        Finding(
            "EMAIL_DATE_DIFFERS_FROM_QUOTE",
            Severity.INFO,
            f"This reply's quote header (\u201c{line[:200]}\u201d) dates {orig_name} "
            f"{header.isoformat()}, {gap} days from that email's Date ({sent.isoformat()}): "
            "one of the two was changed after the reply was written; the answered email gets "
            "the finding that counts.",
            {**evidence, "role": "reply", "other_sha256": original, "other_paths": orig_paths},
        ),
    )


#: How a finding names the email holding the copy of the text, by kind.
_HOLDER = {
    "reply": ("reply", "quotes", "the email it answers"),
    "forward": ("forward", "forwards", "the email it forwards"),
}


def pair_findings(
    reply: str,
    original: str,
    changes: list[Change],
    compared: int,
    signed: bool,
    paths: dict[str, list[str]],
    kind: str = "reply",
) -> Iterable[tuple[str, Finding]]:
    """The pair of findings for an answered (or forwarded) email whose text differs from
    the copy a reply quotes (or a forward holds); ``kind``: "reply" or "forward"."""
    noun, verb, answered = _HOLDER[kind]
    strong = Severity.HIGH if changed_figure(changes, compared) else Severity.MEDIUM
    listed = changes[:MAX_LISTED]
    shown = "; ".join(
        f"after \u201c{c.context}\u201d the body has \u201c{c.body or '(nothing)'}\u201d, "
        f"the {noun} \u201c{c.quoted}\u201d"
        for c in listed[:2]
    )
    evidence: dict[str, Any] = {
        "changes": [{"body": c.body, "quoted": c.quoted, "context": c.context} for c in listed],
        "n_changes": len(changes),
        "words_compared": compared,
        "body_signed": signed,
    }
    reply_paths, reply_name = other_copy(paths, reply, f"a {noun} in the dump")
    orig_paths, orig_name = other_copy(paths, original, answered)
    count = f"{len(changes)} difference(s) in {compared} quoted words"
    if signed:
        on_original = (
            f"A {noun} in the dump ({reply_name}) {verb} this email with other words ({count}: "
            f"{shown}). This body still matches its DKIM body hash, so it is as sent: the "
            f"{noun}'s copy was altered."
        )
        on_reply = (
            f"This {noun} {verb} {orig_name} with other words than that email holds ({count}: "
            f"{shown}), and that email's body still matches its DKIM signature: the copy "
            f"here was altered after the {noun} was written, or the {noun} was made up."
        )
        sev_original, sev_reply = Severity.INFO, strong
    else:
        on_original = (
            f"A {noun} in the dump ({reply_name}) {verb} this email, and its copy differs from "
            f"this body where the rest agrees word for word ({count}: {shown}). That copy was "
            f"written when the {noun} was sent, so this body was changed after that (or the "
            f"{noun}'s copy was)."
        )
        on_reply = (
            f"This {noun}'s copy of {orig_name} differs from that email's body ({count}: "
            f"{shown}): one of the two texts was changed after the {noun} was written; the "
            f"{answered[4:]} gets the finding that counts."
        )
        sev_original, sev_reply = strong, Severity.INFO
    yield (
        original,
        Finding(
            "EMAIL_BODY_DIFFERS_FROM_QUOTE",
            sev_original,
            on_original,
            {**evidence, "role": "quoted", "other_sha256": reply, "other_paths": reply_paths},
        ),
    )
    yield (
        reply,
        Finding(
            "EMAIL_BODY_DIFFERS_FROM_QUOTE",
            sev_reply,
            on_reply,
            {**evidence, "role": kind, "other_sha256": original, "other_paths": orig_paths},
        ),
    )
