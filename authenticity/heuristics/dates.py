"""Timestamp checks on one document's normalized metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from authenticity.model import Finding, Metadata, Severity
from authenticity.timeutil import as_utc

#: A naive datetime may be local time anywhere on Earth: allow the widest offset span.
NAIVE_SLACK = dt.timedelta(hours=14)


def slack(*values: dt.datetime) -> dt.timedelta:
    """Tolerance for comparing datetimes: 14 h if any is naive (zone unknown), else 2 min."""
    if any(v.tzinfo is None for v in values):
        return NAIVE_SLACK
    return dt.timedelta(minutes=2)


def later_than(a: dt.datetime, b: dt.datetime) -> bool:
    """True when ``a`` is certainly later than ``b`` (beyond the time-zone doubt)."""
    return as_utc(a) - as_utc(b) > slack(a, b)


def latest_claimed(meta: Metadata) -> tuple[str, dt.datetime] | None:
    """("modified" or "created", value): the latest date the document claims. Whatever
    wrote the file last did so at that date at the earliest, so it is the one to hold
    against lower bounds (a release, a font build, a container's write stamp)."""
    dates = [(a, getattr(meta, a)) for a in ("modified", "created") if getattr(meta, a)]
    if not dates:
        return None
    return max(dates, key=lambda item: as_utc(item[1]))


def check_created_after_modified(meta: Metadata) -> Iterator[Finding]:
    if meta.created and meta.modified and later_than(meta.created, meta.modified):
        yield Finding(
            "TS_CREATED_AFTER_MODIFIED",
            Severity.HIGH,
            "The file claims to have been created after it was last modified "
            f"(created {meta.created.isoformat()}, modified {meta.modified.isoformat()}); "
            "writers set both together, so one of the dates was edited.",
            {"created": meta.created, "modified": meta.modified},
        )


_LEAK_FIELDS = (
    ("modified", "TS_MODIFIED_AFTER_LEAK", "last modified"),
    ("created", "TS_CREATED_AFTER_LEAK", "created"),
    ("printed", "TS_PRINTED_AFTER_LEAK", "last printed"),
)


def check_after_leak(meta: Metadata, leak_date: dt.date | None) -> Iterator[Finding]:
    """A file of the dump cannot have been touched after the dump was taken."""
    if leak_date is None:
        return
    # End of the leak day, in the earliest time zone on Earth, is the last possible moment.
    cutoff = dt.datetime.combine(leak_date, dt.time(23, 59, 59), tzinfo=dt.UTC)
    for attr, code, label in _LEAK_FIELDS:
        value: dt.datetime | None = getattr(meta, attr)
        if value is not None and later_than(value, cutoff):
            yield Finding(
                code,
                Severity.HIGH,
                f"The file says it was {label} on {value.isoformat()}, after the leak date "
                f"{leak_date.isoformat()}: it cannot be part of the original dump unchanged.",
                {attr: value, "leak_date": leak_date},
            )


def check_in_future(meta: Metadata, now: dt.datetime) -> Iterator[Finding]:
    for attr in ("created", "modified", "printed"):
        value: dt.datetime | None = getattr(meta, attr)
        if value is not None and later_than(value, now + dt.timedelta(days=1)):
            yield Finding(
                "TS_IN_FUTURE",
                Severity.MEDIUM,
                f"The {attr} date {value.isoformat()} lies in the future of this scan "
                f"({now.date().isoformat()}); a clock was wrong or the date was typed in.",
                {attr: value, "scan_time": now},
            )


#: Where documents keep a date per edit, and what such an edit is called.
_EDIT_DATES = (
    ("markup_latest_date", "markup_latest_kind", "a tracked change or comment"),
    ("annotation_latest_date", "annotation_latest_subtype", "an annotation"),
    ("xmp_history_latest", "xmp_history_latest_agent", "a save logged in the XMP history"),
    ("media_latest_capture", "media_latest_capture_part", "an embedded photo taken"),
    ("xmp_id_latest", "xmp_id_latest_field", "a time-based XMP id generated at a save"),
)
#: Beyond this gap the finding is high: a clock or zone error does not reach it.
EDIT_GAP_HIGH = dt.timedelta(days=30)


def check_edit_after_modified(meta: Metadata, facts: dict[str, Any]) -> Iterator[Finding]:
    """A dated edit inside the document (a Word tracked change or comment, ``w:date``; a
    PDF annotation or form field, ``/M``; an event of the XMP history that Adobe programs,
    GIMP and others log at each save, ``stEvt:when``) later than the date the document
    says it was last modified.

    Word stamps ``modified`` at every save, after every edit the save contains; PDF tools
    that add an annotation set the Info ModDate when they rewrite the file. An edit dated
    after the last modification means the document's dates were set back afterwards. A PDF
    with appended updates is left out: tools that annotate by appending an update often
    leave ModDate as it was, which ``PDF_INCREMENTAL_UPDATE_UNCHANGED_MODDATE`` reports.
    Word writes ``w:date`` in the editing machine's local time: 14 h of zone doubt apply.
    The reference is the latest last-modified date the file states (metadata, XMP
    ``xmp:ModifyDate`` and ``xmp:MetadataDate``), so only dates set back everywhere count.
    """
    # The latest "last modified" the file states anywhere: a photo manager may reset the
    # EXIF DateTime while the XMP packet keeps the date of the last save.
    claims = [meta.modified, facts.get("xmp_modified"), facts.get("xmp_metadata_date")]
    dated = [c for c in claims if isinstance(c, dt.datetime)]
    if not dated:
        return
    modified = max(dated, key=as_utc)
    for key, kind_key, label in _EDIT_DATES:
        edit = facts.get(key)
        if not isinstance(edit, dt.datetime) or not later_than(edit, modified):
            continue
        if key == "annotation_latest_date" and (facts.get("revision_count") or 1) > 1:
            continue
        gap = as_utc(edit) - as_utc(modified)
        kind = facts.get(kind_key) or label
        yield Finding(
            "TS_EDIT_AFTER_MODIFIED",
            Severity.HIGH if gap > EDIT_GAP_HIGH + slack(edit, modified) else Severity.MEDIUM,
            f"The document contains {label} ({kind}) dated {edit.isoformat()}, "
            f"{gap.days} days after the date it says it was last modified "
            f"({modified.isoformat()}): the edit was made after that date, so the "
            "document's dates were set back.",
            {"edit_date": edit, "edit_kind": kind, "modified": modified},
        )
        return


CHECKS = (
    lambda meta, facts, ctx: check_created_after_modified(meta),
    lambda meta, facts, ctx: check_after_leak(meta, ctx.settings.leak_date),
    lambda meta, facts, ctx: check_in_future(meta, ctx.settings.now),
    lambda meta, facts, ctx: check_edit_after_modified(meta, facts),
)
