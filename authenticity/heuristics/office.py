"""Office documents: edit time vs the dates, and the zip fingerprint of the claimed writer."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc

#: Edit time may exceed the created->modified span by rounding (Word stores minutes) and by
#: documents whose creation date was reset while the edit counter was kept: allow one hour.
EDIT_SLACK = dt.timedelta(hours=1)
#: Edit-time counters above this are corrupt fields, not evidence.
EDIT_TIME_MAX = dt.timedelta(days=3650)
#: Revision count from which a zero edit-time counter is odd (PowerPoint leaves it at zero
#: over up to 10 saves in the corpus).
ZERO_EDIT_MIN_REVISIONS = 20
#: Microsoft Office writes every zip entry with this DOS time (1980-01-01 00:00:00).
OFFICE_ZIP_TIME = "1980-01-01T00:00:00"
_OOXML_PREFIX = "application/vnd.openxmlformats-officedocument."
_OOXML_MS = "application/vnd.ms-"


def _is_office(facts: dict[str, Any]) -> bool:
    return "zip_entries" in facts or "ole_kind" in facts


def _fmt(delta: dt.timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    return f"{days} d {hours} h {mins} min" if days else f"{hours} h {mins} min"


def check_edit_time(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    if not _is_office(facts) or meta.edit_time is None or meta.edit_time < 0:
        return
    edit = dt.timedelta(seconds=meta.edit_time)
    if edit > EDIT_TIME_MAX:
        return
    if meta.created and meta.modified:
        span = as_utc(meta.modified) - as_utc(meta.created)
        if span >= dt.timedelta(0) and edit > span + EDIT_SLACK:
            yield Finding(
                "OFFICE_EDIT_TIME_EXCEEDS_SPAN",
                Severity.MEDIUM,
                f"The document records {_fmt(edit)} of editing, but only {_fmt(span)} passed "
                f"between its creation ({meta.created.isoformat()}) and its last save "
                f"({meta.modified.isoformat()}): the dates were moved closer together, or "
                "the creation date was reset by a copy.",
                {
                    "edit_time_seconds": meta.edit_time,
                    "created": meta.created,
                    "modified": meta.modified,
                    "span_seconds": span.total_seconds(),
                },
            )
    if meta.edit_time == 0 and (meta.revision or 0) >= ZERO_EDIT_MIN_REVISIONS:
        yield Finding(
            "OFFICE_ZERO_EDIT_TIME_MANY_REVISIONS",
            Severity.LOW,
            f"The document was saved {meta.revision} times yet records no editing time: "
            "the editing counter was reset, or the properties were written by another tool.",
            {"edit_time_seconds": meta.edit_time, "revision": meta.revision},
        )


def _claims_microsoft(meta: Metadata) -> bool:
    app = (meta.application or "").strip().lower()
    if not app.startswith("microsoft") or "compatible" in app:
        return False  # openpyxl says "Microsoft Excel Compatible / Openpyxl"
    version = (meta.app_version or "").split(".", 1)[0]
    return not version.isdigit() or int(version) >= 12  # Office 2007 introduced OOXML


def check_rezipped(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """An OOXML package claiming Microsoft Office but not zipped the way Office zips."""
    entries = facts.get("zip_entries")
    if not isinstance(entries, list) or not entries or facts.get("zip_recovered"):
        return
    if not _claims_microsoft(meta):
        return
    files = [e for e in entries if isinstance(e, dict) and not str(e.get("name", "")).endswith("/")]
    if not files:
        return
    real = [e for e in files if e.get("date_time") != OFFICE_ZIP_TIME]
    first = str(files[0].get("name", ""))
    first_ok = first.lower() == "[content_types].xml"
    if not real and first_ok:
        return
    evidence: dict[str, Any] = {
        "application": meta.application,
        "app_version": meta.app_version,
        "first_entry": first,
        "entries": len(files),
        "entries_with_real_time": len(real),
    }
    if real:
        evidence["real_times"] = sorted({str(e.get("date_time")) for e in real})[:5]
    if len(real) == len(files) or (not first_ok and real):
        yield Finding(
            "OOXML_REZIPPED",
            Severity.MEDIUM,
            f"The package claims to be saved by {meta.application}, which writes every zip "
            "entry with the fixed time 1980-01-01 and [Content_Types].xml first, but "
            f"{len(real)} of {len(files)} entries carry real times and the first entry is "
            f"'{first}': another tool re-zipped it after (or instead of) Office.",
            evidence,
        )
    elif real:
        names = ", ".join(str(e.get("name")) for e in real[:5])
        yield Finding(
            "OOXML_PARTS_REPLACED",
            Severity.LOW,
            f"The package claims to be saved by {meta.application}, which dates every zip entry "
            f"1980-01-01, but {len(real)} of {len(files)} entries carry real times ({names}): "
            "those parts were added or replaced by another tool after Office saved it.",
            evidence,
        )
    else:
        yield Finding(
            "OOXML_REZIPPED",
            Severity.LOW,
            f"The package claims to be saved by {meta.application}, which writes "
            f"[Content_Types].xml first, but the first entry is '{first}': the package "
            "was re-zipped by another tool.",
            evidence,
        )


CHECKS = (
    lambda meta, facts, ctx: check_edit_time(meta, facts),
    lambda meta, facts, ctx: check_rezipped(meta, facts),
)
