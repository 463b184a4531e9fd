"""Rule-based score and verdict from findings (`--model none`, and the floors under the model).

The score is a noisy-OR over findings: each finding is treated as independent evidence
that the file is a forged insert with a probability set by its severity:

    score = 1 - prod(1 - weight(severity))

so one high finding gives 0.6, two give 0.84, one critical gives 0.9. Every score can be
traced back to the findings listed in the scorecard.
"""

from __future__ import annotations

from collections.abc import Iterable

from authenticity.model import Finding, Metadata, Severity, Verdict

NAME = "rules"
VERSION = "1"

WEIGHTS = {
    Severity.INFO: 0.0,
    Severity.LOW: 0.1,
    Severity.MEDIUM: 0.3,
    Severity.HIGH: 0.6,
    Severity.CRITICAL: 0.9,
}

#: Lower bounds of each verdict's score band.
THRESHOLDS = {
    Verdict.LIKELY_FORGED: 0.8,
    Verdict.SUSPICIOUS: 0.5,
    Verdict.INCONCLUSIVE: 0.25,
}

#: Normalized fields that give the checks something to test.
EVIDENCE_FIELDS = (
    "author",
    "last_modified_by",
    "created",
    "modified",
    "application",
    "producer",
    "make",
)


def score(findings: Iterable[Finding]) -> float:
    remaining = 1.0
    for finding in findings:
        remaining *= 1.0 - WEIGHTS[finding.severity]
    return round(1.0 - remaining, 6)


def verdict(
    value: float, status: str, metadata: Metadata, *, cryptographically_verified: bool = False
) -> Verdict:
    """Map a score to a verdict.

    ``unreadable`` when the file could not be parsed; ``verified`` only with cryptographic
    proof and nothing against it; ``inconclusive`` when there was nothing to check.
    """
    if status in ("failed", "encrypted"):
        return Verdict.UNREADABLE
    if value >= THRESHOLDS[Verdict.LIKELY_FORGED]:
        return Verdict.LIKELY_FORGED
    if value >= THRESHOLDS[Verdict.SUSPICIOUS]:
        return Verdict.SUSPICIOUS
    if value >= THRESHOLDS[Verdict.INCONCLUSIVE]:
        return Verdict.INCONCLUSIVE
    if cryptographically_verified:
        return Verdict.VERIFIED
    if status == "unsupported" or not any(getattr(metadata, f) for f in EVIDENCE_FIELDS):
        return Verdict.INCONCLUSIVE
    return Verdict.CONSISTENT
