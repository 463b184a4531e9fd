"""Dump-wide pass: findings that need every document of the dump at once.

:func:`dump_findings` is pure (no I/O): it takes every occurrence ``(Document, Analysis)``
of a scan and returns, per provenance path, the extra findings to merge into that path's
scorecard. See ``docs/dumpwide.md`` for each finding, its thresholds and its limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from authenticity.dumpwide.baseline import baseline_findings, script_of
from authenticity.dumpwide.email import email_findings
from authenticity.dumpwide.neardup import neardup_findings
from authenticity.model import Analysis, Document, Finding

__all__ = [
    "baseline_findings",
    "dump_findings",
    "email_findings",
    "neardup_findings",
    "script_of",
]


def dump_findings(
    items: Sequence[tuple[Document, Analysis]], *, settings: Any = None
) -> dict[str, list[Finding]]:
    """Provenance path -> extra findings from the baseline, near-duplicate and email passes.

    ``items`` holds every occurrence (the same sha256 may sit at several paths; each pass
    works per distinct content and gives its findings to every path holding it). Paths
    without a finding are absent. ``settings`` is accepted for the pipeline's convenience and
    not used yet.
    """
    del settings
    items = list(items)
    out: dict[str, list[Finding]] = {}
    for step in (baseline_findings, neardup_findings, email_findings):
        for path, findings in step(items).items():
            out.setdefault(path, []).extend(findings)
    return out
