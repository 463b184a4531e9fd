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

from authenticity.dumpwide._common import EMAIL_MIMES, Content, distinct_contents
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


def _is_email(content: Content) -> bool:
    a = content.analysis
    if a.mime not in EMAIL_MIMES or "has_dkim_signature" not in a.facts:
        return False
    # An Outlook .msg without its transport headers cannot show a signature at all.
    return a.facts.get("has_transport_headers", True) is not False


def email_findings(items: Sequence[tuple[Document, Analysis]]) -> dict[str, list[Finding]]:
    """EMAIL_UNSIGNED_FROM_SIGNING_DOMAIN findings per provenance path."""
    by_domain: dict[str, list[tuple[Content, bool, bool]]] = {}
    for content in distinct_contents(items):
        if not _is_email(content):
            continue
        domain = sender_domain(content.analysis)
        if not domain:
            continue
        facts = content.analysis.facts
        has_sig = bool(facts.get("has_dkim_signature"))
        signed = has_sig and any(
            isinstance(d, str) and aligned(domain, d) for d in facts.get("dkim_domains") or ()
        )
        by_domain.setdefault(domain, []).append((content, has_sig, signed))
    out: dict[str, list[Finding]] = {}
    for domain, emails in by_domain.items():
        total_signed = sum(1 for _, _, s in emails if s)
        if total_signed < MIN_SIGNED:
            continue
        for content, has_sig, _signed in emails:
            if has_sig:
                continue
            others = len(emails) - 1
            if others <= 0 or total_signed / others < MIN_SIGNED_SHARE:
                continue
            local_copy = not content.analysis.facts.get("received")
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
            finding = Finding(
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
            for path in content.paths:
                out.setdefault(path, []).append(finding)
    return out
