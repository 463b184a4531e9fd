"""Dump-level PDF evidence: a copy of a PDF written again by a PDF library.

``NEARDUP_PDF_REWRITTEN_COPY`` (medium, on one copy): two distinct PDFs of the dump that
claim to be one document — the same creation date to the second (with its time zone, when
written) and the same page count — where one file was written by a PDF library or
converter whose own marker it carries (``header_writer``: qpdf/pikepdf's binary comment,
ReportLab's, pypdf's layout) and the other was not written by that tool. A document keeps
its creation date through every save of the program that made it; a copy with the same
creation date in another writer's layout was written again from the other, keeping its
metadata: what a script's edit (pikepdf, pypdf) or a regeneration that copies the
original's Info dictionary (ReportLab) leaves. The finding goes to the library-written
copy only; the other copy is named in the evidence.

The same goes for a copy that carries the other's document properties: the same author,
title, subject and creator (at least two of them set, defaults such as ReportLab's
"anonymous" / "untitled" counting as unset), written by a library while the other was not,
and created no earlier than it. That is what a regeneration leaves that types the text
again and copies the Info dictionary but lets the library stamp a new date (careless
``pdf_regenerate``); the evidence says ``matched_on`` which properties.

Nothing is said when both copies carry a library marker, or neither does (two saves by
one program: a batch of reports made in the same second, versions of one document), or
when more than :data:`MAX_GROUP` PDFs share the date (a generator stamping one constant
date). Limits: a rewrite by a program that leaves no marker (Acrobat, a "print to PDF")
is not seen here; a copy that was OCR'd or optimised by a qpdf-based tool (OCRmyPDF) is
named too, which is true: it was written again.

Kept in memory: one small record per dated PDF.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from authenticity.dumpwide._common import Resolver, other_copy
from authenticity.heuristics.dates import later_than
from authenticity.model import Analysis, Finding, Severity

#: Writers named by a file's own marker that are libraries or converters run by scripts,
#: not the applications documents are made with.
LIBRARY_WRITERS = frozenset({"qpdf", "reportlab", "pypdf"})
#: More PDFs than this sharing a creation date and page count are a template, not copies.
MAX_GROUP = 20
#: Findings per PDF (one per other copy it was rewritten from).
MAX_FINDINGS = 3


#: Document properties compared for a regenerated copy, in the Info dictionary's names.
PROPERTIES = ("Author", "Title", "Subject", "Creator")
#: Values that say nothing: ReportLab's defaults for unset properties, and placeholders.
PLACEHOLDERS = frozenset(
    {"anonymous", "untitled", "unspecified", "(unspecified)", "unknown", "none", "n/a", "-"}
)
#: Properties that must be set (and equal) for two PDFs to claim to be one document.
MIN_PROPERTIES = 2


@dataclass(frozen=True, slots=True)
class _Pdf:
    sha256: str
    writer: str | None
    producer: str | None
    created: dt.datetime | None = None
    #: Author, title, subject, creator as the file spells them (whitespace collapsed).
    properties: tuple[str | None, ...] = ()


def _spelled(value: Any) -> str | None:
    """The property as the file spells it (whitespace collapsed); None when unset or a
    placeholder."""
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    folded = text.casefold()
    if not text or folded in PLACEHOLDERS or folded.startswith("reportlab pdf library"):
        return None
    return text


def _properties(analysis: Analysis) -> tuple[str | None, ...]:
    """Author, title, subject and creator as the file spells them (None: unset or a
    placeholder), or () when fewer than MIN_PROPERTIES are set."""
    meta = analysis.metadata
    found = tuple(_spelled(v) for v in (meta.author, meta.title, meta.subject, meta.application))
    return found if sum(v is not None for v in found) >= MIN_PROPERTIES else ()


class PdfCollector:
    """Streaming form of the PDF pass: the PDFs per (creation date, page count) and per
    document properties."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, int], list[_Pdf]] = {}
        self.by_properties: dict[tuple[str | None, ...], list[_Pdf]] = {}

    def add(self, sha256: str, analysis: Analysis) -> None:
        if analysis.mime != "application/pdf" or analysis.status != "ok":
            return
        meta = analysis.metadata
        created = meta.created if isinstance(meta.created, dt.datetime) else None
        pages = meta.page_count
        facts = analysis.facts if isinstance(analysis.facts, dict) else {}
        writer = facts.get("header_writer")
        props = _properties(analysis)
        pdf = _Pdf(
            sha256,
            writer if isinstance(writer, str) else None,
            meta.producer or None,
            created,
            props,
        )
        if created is not None and isinstance(pages, int) and pages >= 1:
            self.groups.setdefault((created.isoformat(), pages), []).append(pdf)
        if props:  # compared casefolded
            key = tuple(v.casefold() if v else None for v in props)
            self.by_properties.setdefault(key, []).append(pdf)

    def findings(self, resolver: Resolver | None = None) -> dict[str, list[Finding]]:
        """sha256 -> NEARDUP_PDF_REWRITTEN_COPY findings."""
        # (copy, original) -> the shared creation date, or None when matched on properties
        pairs: dict[tuple[str, str], tuple[_Pdf, _Pdf, str | None]] = {}
        for (created, _pages), group in self.groups.items():
            for copy, original in _library_copies(group):
                pairs.setdefault((copy.sha256, original.sha256), (copy, original, created))
        for group in self.by_properties.values():
            for copy, original in _library_copies(group):
                if _later_or_undated(copy, original):
                    pairs.setdefault((copy.sha256, original.sha256), (copy, original, None))
        found: dict[str, list[tuple[_Pdf, _Pdf, str | None]]] = {}
        for (copy_sha, _), pair in pairs.items():
            if len(found.setdefault(copy_sha, [])) < MAX_FINDINGS:
                found[copy_sha].append(pair)
        shown = {original.sha256 for listed in found.values() for _c, original, _d in listed}
        paths = resolver.paths(shown) if resolver and shown else {}
        return {sha: [_finding(*pair, paths) for pair in listed] for sha, listed in found.items()}


def _library_copies(group: list[_Pdf]) -> list[tuple[_Pdf, _Pdf]]:
    """(library-written copy, copy not written by a library) pairs of a group of PDFs that
    claim to be one document; none for a group larger than MAX_GROUP."""
    if not 2 <= len(group) <= MAX_GROUP:
        return []
    return [
        (copy, other)
        for copy in group
        if copy.writer in LIBRARY_WRITERS
        for other in group
        if other.sha256 != copy.sha256 and other.writer not in LIBRARY_WRITERS
    ]


def _later_or_undated(copy: _Pdf, original: _Pdf) -> bool:
    """The copy is not dated before the other (a regeneration comes after its source)."""
    if copy.created is None or original.created is None:
        return True
    try:
        return not later_than(original.created, copy.created)
    except (TypeError, ValueError):
        return True


def _finding(
    copy: _Pdf, original: _Pdf, created: str | None, paths: dict[str, list[str]]
) -> Finding:
    """The finding on ``copy``: same creation date (``created``) or, when None, same
    document properties as ``original``."""
    other_paths, where = other_copy(paths, original.sha256, "another PDF of the dump")
    theirs = original.writer or original.producer or "its original program"
    evidence: dict[str, Any] = {
        "other_sha256": [original.sha256],
        "other_paths": other_paths,
        "writer": copy.writer,
        "other_writer": original.writer,
        "other_producer": original.producer,
    }
    if created is not None:
        evidence["created"] = created
        message = (
            f"This PDF claims the same creation date ({created}) and page count as {where}, "
            f"but this file was written by {copy.writer} (its own marker in the file) and "
            f"that one by {theirs}. A program keeps a document's creation date through its "
            f"saves; a copy in a PDF library's layout with the same date was written again "
            f"from the other, keeping its metadata: a script's edit or a regeneration."
        )
    else:
        matched = {n: v for n, v in zip(PROPERTIES, copy.properties, strict=True) if v is not None}
        evidence["created"] = copy.created.isoformat() if copy.created else None
        evidence["other_created"] = original.created.isoformat() if original.created else None
        evidence["matched_on"] = matched
        listed = ", ".join(f"{name} '{v}'" for name, v in matched.items())
        message = (
            f"This PDF carries the same document properties ({listed}) as {where}, but this "
            f"file was written by {copy.writer} (its own marker in the file) and that one by "
            f"{theirs}, and this one is not dated earlier. A copy typed again by a PDF library "
            f"under another document's properties is a regeneration of that document that "
            f"copied its metadata."
        )
    return Finding("NEARDUP_PDF_REWRITTEN_COPY", Severity.MEDIUM, message, evidence)
