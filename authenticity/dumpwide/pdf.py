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
from authenticity.model import Analysis, Finding, Severity

#: Writers named by a file's own marker that are libraries or converters run by scripts,
#: not the applications documents are made with.
LIBRARY_WRITERS = frozenset({"qpdf", "reportlab", "pypdf"})
#: More PDFs than this sharing a creation date and page count are a template, not copies.
MAX_GROUP = 20
#: Findings per PDF (one per other copy it was rewritten from).
MAX_FINDINGS = 3


@dataclass(frozen=True, slots=True)
class _Pdf:
    sha256: str
    writer: str | None
    producer: str | None


class PdfCollector:
    """Streaming form of the PDF pass: per (creation date, page count), the PDFs."""

    def __init__(self) -> None:
        self.groups: dict[tuple[str, int], list[_Pdf]] = {}

    def add(self, sha256: str, analysis: Analysis) -> None:
        if analysis.mime != "application/pdf" or analysis.status != "ok":
            return
        meta = analysis.metadata
        created = meta.created
        pages = meta.page_count
        if not isinstance(created, dt.datetime) or not isinstance(pages, int) or pages < 1:
            return
        facts = analysis.facts if isinstance(analysis.facts, dict) else {}
        writer = facts.get("header_writer")
        key = (created.isoformat(), pages)
        self.groups.setdefault(key, []).append(
            _Pdf(sha256, writer if isinstance(writer, str) else None, meta.producer or None)
        )

    def findings(self, resolver: Resolver | None = None) -> dict[str, list[Finding]]:
        """sha256 -> NEARDUP_PDF_REWRITTEN_COPY findings."""
        pairs: list[tuple[str, _Pdf, _Pdf]] = []
        for (created, _pages), group in self.groups.items():
            if not 2 <= len(group) <= MAX_GROUP:
                continue
            for copy in group:
                if copy.writer not in LIBRARY_WRITERS:
                    continue
                originals = [
                    o for o in group if o.sha256 != copy.sha256 and o.writer not in LIBRARY_WRITERS
                ]
                pairs.extend((created, copy, o) for o in originals[:MAX_FINDINGS])
        if not pairs:
            return {}
        paths = resolver.paths({o.sha256 for _c, _copy, o in pairs}) if resolver else {}
        out: dict[str, list[Finding]] = {}
        for created, copy, original in pairs:
            out.setdefault(copy.sha256, []).append(_finding(created, copy, original, paths))
        return out


def _finding(created: str, copy: _Pdf, original: _Pdf, paths: dict[str, list[str]]) -> Finding:
    other_paths, where = other_copy(paths, original.sha256, "another PDF of the dump")
    theirs = original.writer or original.producer or "its original program"
    message = (
        f"This PDF claims the same creation date ({created}) and page count as {where}, but "
        f"this file was written by {copy.writer} (its own marker in the file) and that one "
        f"by {theirs}. A program keeps a document's creation date through its saves; a copy "
        f"in a PDF library's layout with the same date was written again from the other, "
        f"keeping its metadata: a script's edit or a regeneration."
    )
    evidence: dict[str, Any] = {
        "other_sha256": [original.sha256],
        "other_paths": other_paths,
        "created": created,
        "writer": copy.writer,
        "other_writer": original.writer,
        "other_producer": original.producer,
    }
    return Finding("NEARDUP_PDF_REWRITTEN_COPY", Severity.MEDIUM, message, evidence)
