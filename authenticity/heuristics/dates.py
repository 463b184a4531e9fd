"""Timestamp checks on one document's normalized metadata."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

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


CHECKS = (
    lambda meta, facts, ctx: check_created_after_modified(meta),
    lambda meta, facts, ctx: check_after_leak(meta, ctx.settings.leak_date),
    lambda meta, facts, ctx: check_in_future(meta, ctx.settings.now),
)
