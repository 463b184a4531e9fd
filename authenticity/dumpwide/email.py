"""Dump-level email evidence: an unsigned email from a domain that signs its mail.

``EMAIL_UNSIGNED_FROM_SIGNING_DOMAIN``: an email without any DKIM-Signature header whose
sender domain's *other* emails in the dump carry a DKIM signature of that domain (``d=`` equal
to the sender domain, or one being a subdomain of the other) at least
:data:`MIN_SIGNED` times and in at least :data:`MIN_SIGNED_SHARE` of them. Counted once per
distinct content (sha256).

Severity is ``medium``; ``low`` when the unsigned email has no ``Received`` header at all,
because a sender's own copy (a Sent folder) is saved before the outgoing server signs it.
Only the presence of a signature is used here, not whether it verifies.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.utils import parseaddr

from authenticity.dumpwide._common import EMAIL_MIMES, by_path, distinct_contents
from authenticity.model import Analysis, Document, Finding, Severity

MIN_SIGNED = 3
MIN_SIGNED_SHARE = 0.8


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

    def add(self, sha256: str, analysis: Analysis) -> None:
        if not _is_email(analysis):
            return
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

    def findings(self) -> dict[str, list[Finding]]:
        """sha256 -> EMAIL_UNSIGNED_FROM_SIGNING_DOMAIN findings."""
        out: dict[str, list[Finding]] = {}
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


def email_findings(items: Sequence[tuple[Document, Analysis]]) -> dict[str, list[Finding]]:
    """EMAIL_UNSIGNED_FROM_SIGNING_DOMAIN findings per provenance path."""
    contents = distinct_contents(items)
    collector = EmailCollector()
    for content in contents:
        collector.add(content.sha256, content.analysis)
    return by_path(collector.findings(), contents)
