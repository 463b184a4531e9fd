"""Forgery heuristics: small pure functions that turn extracted facts into findings.

Two layers:
- content checks see one file's metadata and facts; they run in the worker process right
  after extraction. Each module listed in :data:`CHECK_MODULES` exposes ``CHECKS``, a tuple
  of functions ``check(meta, facts, ctx) -> Iterable[Finding]``;
- occurrence checks (:mod:`authenticity.heuristics.dump`) need where a file sits in the dump
  (its extension, the email that carries it, the parent's metadata) and run once all
  contents are analysed.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from authenticity.config import Settings
from authenticity.model import Finding, Metadata


@dataclass(frozen=True)
class CheckContext:
    """What a content check may know besides the file's metadata and facts."""

    mime: str
    settings: Settings


ContentCheck = Callable[[Metadata, dict[str, Any], CheckContext], Iterable[Finding]]

#: Modules whose ``CHECKS`` run on every document, in this order.
CHECK_MODULES = ("dates", "dateline", "software", "pdf", "office", "exif", "email", "names")


def _collect() -> tuple[ContentCheck, ...]:
    checks: list[ContentCheck] = []
    for name in CHECK_MODULES:
        module = importlib.import_module(f"authenticity.heuristics.{name}")
        checks.extend(module.CHECKS)
    return tuple(checks)


CONTENT_CHECKS: tuple[ContentCheck, ...] = _collect()


def run_content_checks(
    meta: Metadata, facts: dict[str, Any], ctx: CheckContext
) -> Iterator[Finding]:
    for check in CONTENT_CHECKS:
        yield from check(meta, facts, ctx)
