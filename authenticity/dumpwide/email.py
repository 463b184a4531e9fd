"""Dump-level email evidence: an unsigned email from a domain that signs its mail.

``EMAIL_UNSIGNED_FROM_SIGNING_DOMAIN``: an email without any DKIM-Signature header whose
sender domain's *other* emails in the dump carry a DKIM signature of that domain (``d=`` equal
to the sender domain, or one being a subdomain of the other) at least
:data:`MIN_SIGNED` times and in at least :data:`MIN_SIGNED_SHARE` of them. Counted once per
distinct content (sha256).

Severity is ``medium``; ``low`` when the unsigned email has no ``Received`` header at all,
because a sender's own copy (a Sent folder) is saved before the outgoing server signs it.
Only the presence of a signature is used here, not whether it verifies.

``EMAIL_RECEIVED_ID_REUSED``: two emails with different Message-IDs whose ``Received``
headers name the same relay (``by``) and the same queue id (``id``). A mail server gives
every message it queues its own id, so a second message carrying it copied the first
one's relay chain: the trace a careful fabrication leaves when it imitates a real email.
Ids that are not queue ids (Exchange writes its version, ``id 15.1.1713.5``, on every
message; ids shorter than :data:`MIN_QUEUE_ID`) and ids shared by more than
:data:`MAX_SHARING` messages are ignored. ``medium`` on the unsigned side when exactly one
of the two carries a DKIM signature (the original was signed, the imitation is not; that
side gets ``info``), ``low`` on both otherwise.

``EMAIL_COPIES_DATES_DIFFER`` (low, on each copy): distinct files of the dump carrying the
same Message-ID (the sender's Sent copy and each recipient's copy of one message) whose Date
headers differ by more than :data:`COPY_DATE_SLACK`. The sender's client writes the Date
once and relays do not touch it, so one copy's Date was edited; the check cannot tell which.

``EMAIL_LAYOUT_SHARED_BY_DUMP`` (info, on each such email): at least
:data:`SHARED_LAYOUT_MIN` emails, and at least :data:`SHARED_LAYOUT_SHARE` of the dump's
distinct emails, have the layout of Python's email package (fact ``python_email_traces``).
A forger builds a few messages; a dump whose mail nearly all looks built by a script went
through a conversion tool (a PST or mailbox export rebuilt with the stdlib), and the layout
says nothing about any one message. The finding lists ``EMAIL_SCRIPT_LAYOUT_UNDER_CLIENT``
under ``demotes``: the scorecard keeps that finding at ``low``
(:func:`authenticity.pipeline.document_findings`).

``EMAIL_AUTOMATED_SENDER`` (info, on each such email): a sender address with at least
:data:`AUTOMATED_MIN` distinct messages (Message-IDs) in the dump, every one of them built
by Python's email package without a mail client's name (fact ``python_email_traces``, no
X-Mailer or User-Agent). Monitoring, web applications and report jobs send series like
that; a forger imitating a person's mail adds script-built messages beside that person's
real ones, which breaks the "every one" condition. The finding lists
``EMAIL_WRITTEN_BY_SCRIPT`` under ``explains``: the classifier does not read that finding
on these emails (:func:`authenticity.features.to_features`); it stays on the scorecard.
What is given up: a forger who fabricates a whole series from a sender with no real mail
in the dump.

``EMAIL_REPLY_BEFORE_ORIGINAL``: an email whose In-Reply-To (else the last References id)
names a message of the dump dated more than :data:`REPLY_SLACK` after it. A reply cannot be
written before the message it answers: the reply was back-dated or the original
forward-dated. ``medium`` on the reply (a forged insert is usually the reply to a real
thread; ``high`` beyond :data:`REPLY_HIGH_GAP`), ``low`` on the original. The slack covers a
sender's clock set to the wrong zone.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from array import array
from collections.abc import Sequence
from email.utils import parseaddr

import numpy as np

from authenticity.dumpwide._common import EMAIL_MIMES, by_path, distinct_contents
from authenticity.model import Analysis, Document, Finding, Severity
from authenticity.timeutil import as_utc, stored_datetime

MIN_SIGNED = 3
MIN_SIGNED_SHARE = 0.8
#: Queue ids shorter than this are not trusted to be unique.
MIN_QUEUE_ID = 6
#: A (relay, id) pair on more messages than this is a constant, not a queue id.
MAX_SHARING = 10
#: Reuse findings per email (and reply-order findings per original).
MAX_REUSE_FINDINGS = 5
#: Copies of one message whose Dates differ by more than this had one Date edited.
COPY_DATE_SLACK = 60.0  # seconds
#: A reply dated more than this before the message it answers (a wrong zone setting on a
#: sender's machine moves a Date by up to 14 h).
REPLY_SLACK = 24 * 3600.0  # seconds
#: Beyond this the reply's finding is high (as a Date a month off its first relay is).
REPLY_HIGH_GAP = 30 * 86400.0  # seconds
#: A layout is the dump's own (a conversion), not a message's, from this many emails and
#: this share of the dump's distinct emails: a conversion rebuilds every message, while a
#: share of one half would let a forger who adds as many fabrications as the dump has
#: real emails hide them all (it happened in the training set's half-size dumps).
SHARED_LAYOUT_MIN = 20
SHARED_LAYOUT_SHARE = 0.9
#: Findings that a layout shared by the dump's mail explains.
LAYOUT_FINDINGS = ("EMAIL_SCRIPT_LAYOUT_UNDER_CLIENT",)
#: Distinct script-built messages from one address, and none other, that make it an
#: automated sender.
AUTOMATED_MIN = 3
#: What an automated sender's series explains (not read by the classifier on them).
AUTOMATED_EXPLAINS = ("EMAIL_WRITTEN_BY_SCRIPT",)
_VERSION_LIKE = re.compile(r"^\d+(?:\.\d+)+$")


def hash64(text: str) -> int:
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big")


def relay_host(hop: dict) -> str | None:
    """The relay a Received hop names in its ``by`` clause (first word, lower case)."""
    by = hop.get("by")
    words = by.split(maxsplit=1) if isinstance(by, str) else []
    return words[0].lower() if words else None


def queue_ids(facts: dict) -> list[tuple[str, str]]:
    """(relay, queue id) of every Received hop that states both and whose id can be unique."""
    out: list[tuple[str, str]] = []
    for hop in facts.get("received") or ():
        if not isinstance(hop, dict):
            continue
        host, qid = relay_host(hop), hop.get("id")
        if host is None or not isinstance(qid, str):
            continue
        qid = qid.strip().strip(";").strip()
        if len(qid) < MIN_QUEUE_ID or _VERSION_LIKE.match(qid):
            continue
        out.append((host, qid))
    return out


def sender_domain(analysis: Analysis) -> str | None:
    value = analysis.facts.get("from") or analysis.metadata.author
    if not isinstance(value, str):
        return None
    addr = parseaddr(value)[1]
    if "@" not in addr:
        return None
    domain = addr.rpartition("@")[2].strip().strip(".>").lower()
    return domain or None


def aligned(sender: str, signer: str) -> bool:
    """Relaxed DKIM alignment: same domain, or one is a subdomain of the other."""
    signer = signer.strip().strip(".").lower()
    return sender == signer or sender.endswith("." + signer) or signer.endswith("." + sender)


def _is_email(a: Analysis) -> bool:
    if a.mime not in EMAIL_MIMES or "has_dkim_signature" not in a.facts:
        return False
    # An Outlook .msg without its transport headers cannot show a signature at all.
    return a.facts.get("has_transport_headers", True) is not False


class EmailCollector:
    """Streaming form of the email pass: per sender domain, a small tuple per email."""

    def __init__(self) -> None:
        #: domain -> [(sha256, has_signature, signed_by_domain, has_received_headers)]
        self.by_domain: dict[str, list[tuple[str, bool, bool, bool]]] = {}
        # Received queue ids, as parallel arrays (12 bytes per hop): 64-bit hash of
        # "relay id", index of the email; per email: sha256, Message-ID hash, signed.
        self._qid_keys = array("Q")
        self._qid_owner = array("I")
        self._emails: list[str] = []
        self._email_mid = array("Q")
        self._email_signed = array("b")
        # Threads: per dated email with a Message-ID, its sha256, the hashes of its
        # Message-ID and of the id it answers (0: none), its Date (UTC seconds).
        self._dated: list[str] = []
        self._dated_mid = array("Q")
        self._dated_parent = array("Q")
        self._dated_when = array("d")
        # Layout of Python's email package: the emails showing it, and all emails.
        self._scripted: list[str] = []
        self._n_emails = 0
        # Sender address -> [(sha256, Message-ID hash, built by script without a client)].
        self._by_sender: dict[str, list[tuple[str, int, bool]]] = {}

    def add(self, sha256: str, analysis: Analysis) -> None:
        if not _is_email(analysis):
            return
        self._n_emails += 1
        if analysis.facts.get("python_email_traces"):
            self._scripted.append(sha256)
        self._add_sender(sha256, analysis)
        self._add_queue_ids(sha256, analysis.facts)
        self._add_thread(sha256, analysis.facts)
        domain = sender_domain(analysis)
        if not domain:
            return
        facts = analysis.facts
        has_sig = bool(facts.get("has_dkim_signature"))
        signed = has_sig and any(
            isinstance(d, str) and aligned(domain, d) for d in facts.get("dkim_domains") or ()
        )
        received = bool(facts.get("received"))
        self.by_domain.setdefault(domain, []).append((sha256, has_sig, signed, received))

    def _add_sender(self, sha256: str, analysis: Analysis) -> None:
        facts = analysis.facts
        value = facts.get("from") or analysis.metadata.author
        addr = parseaddr(value)[1].strip().lower() if isinstance(value, str) else ""
        if "@" not in addr:
            return
        mid = facts.get("message_id")
        key = id_hash(mid) or hash64(sha256)
        scripted = bool(facts.get("python_email_traces")) and not (
            facts.get("x_mailer") or facts.get("user_agent")
        )
        self._by_sender.setdefault(addr, []).append((sha256, key, scripted))

    def automated_senders(self) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_AUTOMATED_SENDER, for the messages of an address whose every
        message in the dump (at least AUTOMATED_MIN distinct ones) a script built."""
        out: dict[str, list[Finding]] = {}
        for addr, emails in self._by_sender.items():
            if not all(scripted for _sha, _key, scripted in emails):
                continue
            messages = len({key for _sha, key, _scripted in emails})
            if messages < AUTOMATED_MIN:
                continue
            finding = Finding(
                "EMAIL_AUTOMATED_SENDER",
                Severity.INFO,
                f"All {messages} messages from {addr} in this dump were built by Python's "
                "email package with no mail client named: an automated sender (monitoring, "
                "a web application, a report job) sends series like that. That layout says "
                "nothing about this message; a fabricated message stands among a person's "
                "real ones.",
                {"sender": addr, "messages": messages, "explains": list(AUTOMATED_EXPLAINS)},
            )
            for sha, _key, _scripted in emails:
                out[sha] = [finding]
        return out

    def _add_queue_ids(self, sha256: str, facts: dict) -> None:
        ids = queue_ids(facts)
        if not ids:
            return
        index = len(self._emails)
        self._emails.append(sha256)
        mid = facts.get("message_id")
        self._email_mid.append(hash64(mid.strip().lower()) if isinstance(mid, str) else index)
        self._email_signed.append(1 if facts.get("has_dkim_signature") else 0)
        for by, qid in dict.fromkeys(ids):
            self._qid_keys.append(hash64(f"{by} {qid}"))
            self._qid_owner.append(index)

    def _add_thread(self, sha256: str, facts: dict) -> None:
        mid, when = facts.get("message_id"), stored_datetime(facts.get("date"))
        if not isinstance(mid, str) or not mid.strip() or when is None:
            return
        parent = facts.get("parent_message_id")
        self._dated.append(sha256)
        self._dated_mid.append(id_hash(mid))
        self._dated_parent.append(id_hash(parent))
        self._dated_when.append(as_utc(when).timestamp())

    def thread_dates(self) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_COPIES_DATES_DIFFER and EMAIL_REPLY_BEFORE_ORIGINAL findings."""
        out: dict[str, list[Finding]] = {}
        by_mid: dict[int, list[int]] = {}
        for i, mid in enumerate(self._dated_mid):
            by_mid.setdefault(mid, []).append(i)
        for members in by_mid.values():
            if not 1 < len(members) <= MAX_SHARING:
                continue
            for i in members:
                far = [
                    j
                    for j in members
                    if abs(self._dated_when[j] - self._dated_when[i]) > COPY_DATE_SLACK
                ]
                if far:
                    out.setdefault(self._dated[i], []).append(self._copy_finding(i, far[0]))
        for i, parent in enumerate(self._dated_parent):
            originals = by_mid.get(parent) if parent else None
            if not originals or len(originals) > MAX_SHARING:
                continue
            first = min(originals, key=lambda j: self._dated_when[j])
            gap = self._dated_when[first] - self._dated_when[i]
            if gap <= REPLY_SLACK or self._dated[first] == self._dated[i]:
                continue
            out.setdefault(self._dated[i], []).append(self._reply_finding(i, first, gap, True))
            on_original = out.setdefault(self._dated[first], [])
            if sum(f.code == "EMAIL_REPLY_BEFORE_ORIGINAL" for f in on_original) < (
                MAX_REUSE_FINDINGS
            ):
                on_original.append(self._reply_finding(first, i, gap, False))
        return out

    def _date(self, i: int) -> str:
        return dt.datetime.fromtimestamp(self._dated_when[i], dt.UTC).isoformat()

    def _copy_finding(self, mine: int, other: int) -> Finding:
        return Finding(
            "EMAIL_COPIES_DATES_DIFFER",
            Severity.LOW,
            f"Another copy of this message (same Message-ID, sha256 "
            f"{self._dated[other][:12]}...) is dated {self._date(other)}, this one "
            f"{self._date(mine)}. A message's Date is written once by the sender's client and "
            "relays do not change it: the Date of one of the copies was edited. This check "
            "cannot tell which.",
            {
                "other_sha256": self._dated[other],
                "date_utc": self._date(mine),
                "other_date_utc": self._date(other),
            },
        )

    def _reply_finding(self, mine: int, other: int, gap: float, is_reply: bool) -> Finding:
        days = gap / 86400
        if is_reply:
            message = (
                f"This email answers a message of the dump (sha256 {self._dated[other][:12]}...) "
                f"dated {self._date(other)}, {days:.1f} days after this reply's own Date "
                f"({self._date(mine)}): a reply cannot be written before the message it "
                "answers, so this Date was moved back (or the other's forward)."
            )
        else:
            message = (
                f"A reply to this email in the dump (sha256 {self._dated[other][:12]}...) is "
                f"dated {self._date(other)}, {days:.1f} days before this email's Date "
                f"({self._date(mine)}): one of the two Dates was moved."
            )
        return Finding(
            "EMAIL_REPLY_BEFORE_ORIGINAL",
            (Severity.HIGH if gap > REPLY_HIGH_GAP else Severity.MEDIUM)
            if is_reply
            else Severity.LOW,
            message,
            {
                "role": "reply" if is_reply else "original",
                "other_sha256": self._dated[other],
                "date_utc": self._date(mine),
                "other_date_utc": self._date(other),
                "gap_days": round(days, 2),
            },
        )

    def reused_queue_ids(self) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_RECEIVED_ID_REUSED findings."""
        keys = np.frombuffer(self._qid_keys, dtype=np.uint64)
        owners = np.frombuffer(self._qid_owner, dtype=np.uint32)
        out: dict[str, list[Finding]] = {}
        if len(keys) < 2:
            return out
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
        sizes = np.diff(np.r_[starts, len(ordered)])
        pairs: dict[tuple[int, int], int] = {}
        for start, size in zip(starts[sizes > 1], sizes[sizes > 1], strict=True):
            members = sorted({int(owners[i]) for i in order[start : start + size]})
            by_mid: dict[int, int] = {}
            for m in members:
                by_mid.setdefault(int(self._email_mid[m]), m)
            if not 1 < len(by_mid) <= MAX_SHARING:
                continue
            firsts = sorted(by_mid.values())
            for i, a in enumerate(firsts):
                for b in firsts[i + 1 :]:
                    pairs[(a, b)] = pairs.get((a, b), 0) + 1
        for (a, b), shared in sorted(pairs.items()):
            for mine, other in ((a, b), (b, a)):
                found = out.setdefault(self._emails[mine], [])
                if len(found) < MAX_REUSE_FINDINGS:
                    found.append(self._reuse_finding(mine, other, shared))
        return out

    def _reuse_finding(self, mine: int, other: int, shared: int) -> Finding:
        signed_mine, signed_other = self._email_signed[mine], self._email_signed[other]
        if signed_mine != signed_other:
            severity = Severity.INFO if signed_mine else Severity.MEDIUM
        else:
            severity = Severity.LOW
        message = (
            f"{shared} relay queue id{'s' if shared != 1 else ''} in this email's Received "
            f"headers also appear in another email with a different Message-ID "
            f"(sha256 {self._emails[other][:12]}...). A server gives every message its own "
            "queue id: one of the two copied the other's relay chain."
        )
        if severity is Severity.MEDIUM:
            message += " The other one is DKIM-signed and this one is not: this is the copy."
        elif severity is Severity.INFO:
            message += " This one is DKIM-signed and the other is not: the other is the copy."
        return Finding(
            "EMAIL_RECEIVED_ID_REUSED",
            severity,
            message,
            {"other_sha256": self._emails[other], "shared_queue_ids": shared},
        )

    def shared_layout(self) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_LAYOUT_SHARED_BY_DUMP, when nearly all of the dump's mail has
        the layout of Python's email package."""
        scripted, total = len(self._scripted), self._n_emails
        if scripted < SHARED_LAYOUT_MIN or scripted < SHARED_LAYOUT_SHARE * total:
            return {}
        finding = Finding(
            "EMAIL_LAYOUT_SHARED_BY_DUMP",
            Severity.INFO,
            f"{scripted} of the {total} emails of this dump have the layout of Python's "
            "email package: the mail went through a conversion tool that rebuilt the "
            "messages, so that layout says nothing about this one (a mail client's name "
            "over it counts as low here).",
            {"scripted_emails": scripted, "emails": total, "demotes": list(LAYOUT_FINDINGS)},
        )
        return {sha: [finding] for sha in self._scripted}

    def findings(self) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_UNSIGNED_FROM_SIGNING_DOMAIN, EMAIL_RECEIVED_ID_REUSED, the
        thread-date findings, EMAIL_LAYOUT_SHARED_BY_DUMP and EMAIL_AUTOMATED_SENDER."""
        out: dict[str, list[Finding]] = self.reused_queue_ids()
        for sha, found in self.thread_dates().items():
            out.setdefault(sha, []).extend(found)
        for sha, found in self.shared_layout().items():
            out.setdefault(sha, []).extend(found)
        for sha, found in self.automated_senders().items():
            out.setdefault(sha, []).extend(found)
        for domain, emails in self.by_domain.items():
            total_signed = sum(1 for e in emails if e[2])
            if total_signed < MIN_SIGNED:
                continue
            for sha, has_sig, _signed, received in emails:
                if has_sig:
                    continue
                others = len(emails) - 1
                if others <= 0 or total_signed / others < MIN_SIGNED_SHARE:
                    continue
                out.setdefault(sha, []).append(_finding(domain, total_signed, others, received))
        return out


def _finding(domain: str, total_signed: int, others: int, received: bool) -> Finding:
    local_copy = not received
    severity = Severity.LOW if local_copy else Severity.MEDIUM
    message = (
        f"This email from {domain} has no DKIM signature, while {total_signed} of the "
        f"{others} other emails from {domain} in the dump are signed by that domain."
    )
    if local_copy:
        message += (
            " It has no Received header either, so it may be the sender's own copy, "
            "saved before the outgoing server signed it."
        )
    return Finding(
        "EMAIL_UNSIGNED_FROM_SIGNING_DOMAIN",
        severity,
        message,
        {
            "sender_domain": domain,
            "signed_others": total_signed,
            "other_emails": others,
            "has_received_headers": not local_copy,
        },
    )


def _norm_id(value: str) -> str:
    return value.strip().strip("<>").strip().lower()


def id_hash(message_id: object) -> int:
    """64-bit hash of a Message-ID as threads match it (no angle brackets, lower case);
    0 for a missing or empty one."""
    if not isinstance(message_id, str) or not message_id.strip():
        return 0
    return hash64(_norm_id(message_id))


def email_findings(items: Sequence[tuple[Document, Analysis]]) -> dict[str, list[Finding]]:
    """The email pass's findings per path."""
    contents = distinct_contents(items)
    collector = EmailCollector()
    for content in contents:
        collector.add(content.sha256, content.analysis)
    return by_path(collector.findings(), contents)
