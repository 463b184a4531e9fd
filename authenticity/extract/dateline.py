"""The date a document states on its face: its dateline.

Letters, memos, minutes and decrees carry the date they were written on a line of its own
near the top ("14 March 2017", "Paris, le 14 mars 2017", "Date: 2017-03-14", "Moscow,
14 марта 2017 г."). :func:`find_dateline` reads that line out of the extracted text; the
``TS_DATELINE_AFTER_SAVED`` check (:mod:`authenticity.heuristics.dateline`) holds it against
the file's own save dates: a file last saved before the date its text carries was
back-dated, or its text was written later than its metadata says.

Only a line that *is* a date (with an optional place, label or weekday before it) or a
labelled date ("Date:", "Datum:", "Fecha:", "Дата:") counts: a date inside a sentence may be
a deadline or a meeting to come. Numeric dates are read day first (14.03.2017,
14/03/2017) unless only the month-first reading is a date; an ambiguous slash date
(03/04/2017) yields its earlier reading.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from authenticity.dumpwide.attribution import MONTHS, find_date

#: Characters of text read (the dateline sits at the top of the first page).
MAX_CHARS = 3000
#: Lines read from the top for a line that is only a date.
MAX_LINES = 25
#: A dateline line longer than this is a sentence, not a dateline.
MAX_LINE = 80
#: Years a dateline may name.
YEARS = (1990, 2100)

_WORD = re.compile(r"[^\W\d_]+")

#: What may stand before the date on a dateline: a label, a weekday, a place ("Paris, le").
_LABEL = re.compile(
    r"^(?:date[ds]?|datum|fecha|data|дата|le|den|am|on|dated)\b\s*[:.]?\s*", re.IGNORECASE
)
_LABELLED = re.compile(r"(?:^|\n)\s*(?:date|datum|fecha|дата)\s*:\s*(?P<rest>[^\n]{6,60})", re.I)
_WEEKDAY = re.compile(
    r"^(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|lundi|mardi|mercredi|"
    r"jeudi|vendredi|samedi|dimanche|montag|dienstag|mittwoch|donnerstag|freitag|samstag|"
    r"sonntag|mon|tue|wed|thu|fri|sat|sun)\.?,?\s+",
    re.IGNORECASE,
)
_PLACE = re.compile(r"^[^\d,;:]{2,40},\s*(?:(?:le|den|am|el|il|the)\s+)?", re.IGNORECASE)


def parse_date(value: str) -> tuple[dt.date, str] | None:
    """The date written in ``value`` (the earlier reading of an ambiguous slashed date) and
    the text it was read from; None outside :data:`YEARS`."""
    found = find_date(value)
    if found is None:
        return None
    readings, text = found
    when = min(readings)
    return (when, text) if YEARS[0] <= when.year <= YEARS[1] else None


def _starts_with_month(value: str) -> bool:
    m = _WORD.match(value)
    return bool(m and m.group(0).casefold() in MONTHS)


def _only_a_date(line: str) -> tuple[dt.date, str] | None:
    """The date of a line that holds nothing else (besides a label, weekday or place)."""
    line = line.strip().rstrip(".")
    if not line or len(line) > MAX_LINE or not any(c.isdigit() for c in line):
        return None
    rest = _LABEL.sub("", line, count=1)
    rest = _WEEKDAY.sub("", rest, count=1)
    if not rest[:1].isdigit() and not _starts_with_month(rest):
        rest = _PLACE.sub("", rest, count=1)
        rest = _WEEKDAY.sub("", rest, count=1)
    parsed = parse_date(rest)
    if parsed is None:
        return None
    when, text = parsed
    leftover = rest.replace(text, "", 1).strip(" ,.;:")
    leftover = re.sub(r"^(?:г|года|r|roku)\.?$", "", leftover, flags=re.IGNORECASE)
    if leftover or not rest.startswith(text):
        return None
    return when, line


def find_dateline(text: str | None) -> dict[str, Any] | None:
    """``{"date", "text", "line"}``: the document's dateline, or None.

    The first of the top :data:`MAX_LINES` lines that is only a date, else the first date
    labelled "Date:" in the first :data:`MAX_CHARS` characters.
    """
    if not text:
        return None
    head = text[:MAX_CHARS]
    lines = [ln for ln in head.splitlines() if ln.strip()][:MAX_LINES]
    for number, line in enumerate(lines, start=1):
        found = _only_a_date(line)
        if found:
            return {"date": found[0].isoformat(), "text": found[1], "line": number}
    m = _LABELLED.search(head)
    if m:
        parsed = parse_date(m["rest"])
        if parsed and m["rest"].lstrip().startswith(parsed[1]):
            line = head[: m.start("rest")].count("\n") + 1
            return {"date": parsed[0].isoformat(), "text": m.group(0).strip(), "line": line}
    return None


def dateline_facts(extraction: Any) -> None:
    """Record ``facts["text_dateline"]`` for a document with text (not for emails, whose
    Date header is their dateline)."""
    facts = extraction.facts
    if "message_id" in facts or facts.get("parsed_as") == "rfc822":
        return
    found = find_dateline(extraction.text)
    if found:
        facts["text_dateline"] = found
