"""The date a document states on its face: its dateline.

Letters, memos, minutes and decrees carry the date they were written on a line of its own
near the top ("14 March 2017", "Paris, le 14 mars 2017", "Date: 2017-03-14", "Moscow,
14 марта 2017 г."). :func:`find_dateline` reads that line out of the extracted text; the
``TS_DATELINE_AFTER_SAVED`` check (:mod:`authenticity.heuristics.dates`) holds it against
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

#: Characters of text read (the dateline sits at the top of the first page).
MAX_CHARS = 3000
#: Lines read from the top for a line that is only a date.
MAX_LINES = 25
#: A dateline line longer than this is a sentence, not a dateline.
MAX_LINE = 80
#: Years a dateline may name.
YEARS = (1990, 2100)

_MONTHS: dict[str, int] = {}
for _n, _names in enumerate(
    (
        "january janvier januar enero gennaio janeiro января январь stycznia",
        "february février fevrier februar febrero febbraio fevereiro февраля февраль lutego",
        "march mars märz maerz marzo março marco марта март marca",
        "april avril abril aprile апреля апрель kwietnia",
        "may mai mayo maggio maio мая май maja",
        "june juin juni junio giugno junho июня июнь czerwca",
        "july juillet juli julio luglio julho июля июль lipca",
        "august août aout agosto августа август sierpnia",
        "september septembre settembre setembro septiembre сентября сентябрь września",
        "october octobre oktober octubre ottobre outubro октября октябрь października",
        "november novembre noviembre novembro ноября ноябрь listopada",
        "december décembre decembre dezember diciembre dicembre dezembro декабря декабрь grudnia",
    ),
    start=1,
):
    for _name in _names.split():
        _MONTHS[_name] = _n
for _name, _n in list(_MONTHS.items()):
    if _name.isascii() and len(_name) > 3:
        _MONTHS.setdefault(_name[:3], _n)  # Jan, Feb, Mar ... (and "Sept" below)
_MONTHS["sept"] = 9

_MONTH = "|".join(sorted((re.escape(m) for m in _MONTHS), key=len, reverse=True))
_YEAR = r"(?P<y>(?:19|20|21)\d\d)"
_DAY = r"(?P<d>[0-3]?\d)"
_TEXTUAL = (
    # 14 March 2017, 14. März 2017, 14 de marzo de 2017, 14 марта 2017 г., 1er mars 2017
    re.compile(
        rf"{_DAY}(?:st|nd|rd|th|er|º|°)?\.?\s+(?:de\s+)?(?P<m>{_MONTH})\.?,?\s+(?:de\s+)?{_YEAR}",
        re.IGNORECASE,
    ),
    # March 14, 2017
    re.compile(rf"(?P<m>{_MONTH})\.?\s+{_DAY}(?:st|nd|rd|th)?,?\s+{_YEAR}", re.IGNORECASE),
)
_MONTH_START = re.compile(rf"(?:{_MONTH})", re.IGNORECASE)
_ISO = re.compile(rf"{_YEAR}-(?P<mo>[01]\d)-(?P<d>[0-3]\d)(?![\d:])")
_NUMERIC = re.compile(rf"(?P<a>[0-3]?\d)(?P<sep>[./])(?P<b>[0-3]?\d)(?P=sep){_YEAR}(?!\d)")

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


def _date(year: int, month: int, day: int) -> dt.date | None:
    if not YEARS[0] <= year <= YEARS[1]:
        return None
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def parse_date(value: str) -> tuple[dt.date, str] | None:
    """The first full date written in ``value`` and the text it was read from."""
    found: list[tuple[int, dt.date, str]] = []
    for pattern in _TEXTUAL:
        for m in pattern.finditer(value):
            month = _MONTHS.get(m["m"].casefold())
            when = _date(int(m["y"]), month, int(m["d"])) if month else None
            if when:
                found.append((m.start(), when, m.group(0)))
                break
    m = _ISO.search(value)
    if m and (when := _date(int(m["y"]), int(m["mo"]), int(m["d"]))):
        found.append((m.start(), when, m.group(0)))
    m = _NUMERIC.search(value)
    if m:
        a, b, year = int(m["a"]), int(m["b"]), int(m["y"])
        readings = [_date(year, b, a)]  # day first
        if m["sep"] == "/":
            readings.append(_date(year, a, b))  # month first (US)
        dates = [r for r in readings if r is not None]
        if dates:
            found.append((m.start(), min(dates), m.group(0)))
    if not found:
        return None
    _, when, text = min(found, key=lambda t: t[0])
    return when, text


def _only_a_date(line: str) -> tuple[dt.date, str] | None:
    """The date of a line that holds nothing else (besides a label, weekday or place)."""
    line = line.strip().rstrip(".")
    if not line or len(line) > MAX_LINE or not any(c.isdigit() for c in line):
        return None
    rest = _LABEL.sub("", line, count=1)
    rest = _WEEKDAY.sub("", rest, count=1)
    if not rest[:1].isdigit() and not _MONTH_START.match(rest):
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
