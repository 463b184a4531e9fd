"""Dump-wide pass: findings that need every document of the dump at once.

:func:`dump_findings` is pure (no I/O): it takes every occurrence ``(Document, Analysis)``
of a scan and returns, per provenance path, the extra findings to merge into that path's
scorecard. See ``docs/dumpwide.md`` for each finding, its thresholds and its limits.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from authenticity.dumpwide._common import MemoryResolver, Resolver, by_path, distinct_contents
from authenticity.dumpwide.attachments import AttachmentCollector
from authenticity.dumpwide.baseline import BaselineCollector, baseline_findings, script_of
from authenticity.dumpwide.email import EmailCollector, email_findings
from authenticity.dumpwide.exiflayout import ExifLayoutCollector
from authenticity.dumpwide.forwards import ForwardCollector
from authenticity.dumpwide.images import ImageCollector
from authenticity.dumpwide.neardup import NeardupCollector, neardup_findings
from authenticity.dumpwide.numbering import NumberingCollector
from authenticity.dumpwide.pdf import PdfCollector
from authenticity.dumpwide.quotes import QuoteCollector
from authenticity.dumpwide.relays import RelayCollector
from authenticity.model import Analysis, Document, Finding

__all__ = [
    "DumpWide",
    "MemoryResolver",
    "Resolver",
    "baseline_findings",
    "dump_findings",
    "email_findings",
    "neardup_findings",
    "script_of",
]


class DumpWide:
    """The whole dump-wide pass in streaming form: :meth:`add` every distinct content once
    (only compact values are kept: categorical metadata, LSH band keys, email signing
    facts, image fingerprints, PDF creation dates and writers, photos' cameras, capture
    times and EXIF layouts, email thread ids and subjects, each email's first relay and
    send delay), then
    :meth:`findings` returns the extra findings per sha256, fetching the few texts (and
    pictures, and photos' names) it needs again through a :class:`Resolver` (the results
    store, and the source, at scan time)."""

    def __init__(self) -> None:
        self.baseline = BaselineCollector()
        self.neardup = NeardupCollector()
        self.email = EmailCollector()
        self.images = ImageCollector()
        self.pdfs = PdfCollector()
        self.numbering = NumberingCollector()
        self.exiflayout = ExifLayoutCollector()
        self.quotes = QuoteCollector()
        self.forwards = ForwardCollector()
        self.relays = RelayCollector()
        self.attachments = AttachmentCollector()
        self.contents = 0

    def add(self, sha256: str, analysis: Analysis) -> None:
        self.contents += 1
        self.baseline.add(sha256, analysis)
        self.neardup.add(sha256, analysis)
        self.email.add(sha256, analysis)
        self.images.add(sha256, analysis)
        self.pdfs.add(sha256, analysis)
        self.numbering.add(sha256, analysis)
        self.exiflayout.add(sha256, analysis)
        self.quotes.add(sha256, analysis)
        self.forwards.add(sha256, analysis)
        self.relays.add(sha256, analysis)
        self.attachments.add(sha256, analysis)

    def findings(self, resolver: Resolver) -> dict[str, list[Finding]]:
        out: dict[str, list[Finding]] = {}
        for part in (
            self.baseline.findings(),
            self.neardup.findings(resolver),
            self.email.findings(),
            self.images.findings(resolver),
            self.pdfs.findings(resolver),
            self.numbering.findings(resolver),
            self.exiflayout.findings(resolver),
            self.quotes.findings(resolver),
            self.forwards.findings(resolver),
            self.relays.findings(),
            self.attachments.findings(),
        ):
            for sha, found in part.items():
                out.setdefault(sha, []).extend(found)
        return out


def dump_findings(
    items: Sequence[tuple[Document, Analysis]], *, settings: Any = None
) -> dict[str, list[Finding]]:
    """Provenance path -> extra findings from the baseline, near-duplicate, email, image,
    PDF, camera-numbering, EXIF-layout, quoted-text, forwarded-text, relay-delay and attachment-date
    passes.

    ``items`` holds every occurrence (the same sha256 may sit at several paths; each pass
    works per distinct content and gives its findings to every path holding it). Paths
    without a finding are absent. ``settings`` is accepted for the pipeline's convenience and
    not used yet. The scan itself uses :class:`DumpWide` over the results store.
    """
    del settings
    contents = distinct_contents(items)
    wide = DumpWide()
    for content in contents:
        wide.add(content.sha256, content.analysis)
    return by_path(wide.findings(MemoryResolver(contents)), contents)
