"""Forgery heuristics: small pure functions that turn extracted facts into findings.

Two layers:
- content checks (:data:`CONTENT_CHECKS`) see one file's metadata and facts; they run in the
  worker process right after extraction;
- occurrence checks (:mod:`authenticity.heuristics.dump`) need where a file sits in the dump
  (its extension, the email that carries it, the parent's metadata) and run once all
  contents are analysed.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from authenticity.config import Settings
from authenticity.heuristics import dates
from authenticity.model import Finding, Metadata


@dataclass(frozen=True)
class CheckContext:
    """What a content check may know besides the file itself."""

    mime: str
    settings: Settings


ContentCheck = Callable[[Metadata, dict, CheckContext], Iterable[Finding]]

CONTENT_CHECKS: tuple[ContentCheck, ...] = (
    lambda meta, facts, ctx: dates.check_created_after_modified(meta),
    lambda meta, facts, ctx: dates.check_after_leak(meta, ctx.settings.leak_date),
    lambda meta, facts, ctx: dates.check_in_future(meta, ctx.settings.now),
)


def run_content_checks(meta: Metadata, facts: dict, ctx: CheckContext) -> Iterator[Finding]:
    for check in CONTENT_CHECKS:
        yield from check(meta, facts, ctx)
