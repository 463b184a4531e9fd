"""A document's dateline (the date its text states on its face) against its save dates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from authenticity.heuristics.dates import latest_claimed
from authenticity.heuristics.office import declared_generator
from authenticity.model import Finding, Metadata, Severity

#: A dateline this long after the file's last save is reported (low), and this long (medium).
DATELINE_LOW = dt.timedelta(days=30)
DATELINE_MEDIUM = dt.timedelta(days=180)
#: Kinds of document that open with a dateline: word-processing files and PDFs. A
#: spreadsheet's or a slide's date-only cells are schedules and talks to come.
DATELINE_MIMES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml",
    "application/msword",
    "application/vnd.oasis.opendocument.text",
    "application/rtf",
    "text/rtf",
)


def check_dateline_after_saved(
    meta: Metadata, facts: dict[str, Any], mime: str
) -> Iterator[Finding]:
    """The date a letter, memo or decree states on its face (``text_dateline``,
    :mod:`authenticity.extract.dateline`) is weeks after the file was last saved: its
    metadata was moved back, or the text was written after the date the file claims."""
    line = facts.get("text_dateline")
    latest = latest_claimed(meta)
    if not isinstance(line, dict) or latest is None or not mime.startswith(DATELINE_MIMES):
        return
    if declared_generator(meta):
        return  # python-docx keeps its template's 2013 dates on every letter it writes
    try:
        stated = dt.date.fromisoformat(str(line.get("date")))
    except ValueError:
        return
    field, saved = latest
    gap = stated - saved.date()
    if gap <= DATELINE_LOW:
        return
    yield Finding(
        "TS_DATELINE_AFTER_SAVED",
        Severity.MEDIUM if gap > DATELINE_MEDIUM else Severity.LOW,
        f"The text is dated {stated.isoformat()} ({line.get('text')!r}, line "
        f"{line.get('line')}), {gap.days} days after the file was last saved "
        f"({field} {saved.isoformat()}): a document cannot be saved before the date "
        "written on it, unless it was drafted ahead (a letter dated for sending later). "
        "Either the dates in its metadata were moved back or the text is newer than the "
        "file claims.",
        {"dateline": line, field: saved, "gap_days": gap.days},
    )


CHECKS = (lambda meta, facts, ctx: check_dateline_after_saved(meta, facts, ctx.mime),)
