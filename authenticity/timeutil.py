"""Parsing of the date formats found in document metadata.

Every parser returns ``None`` for values it cannot read (metadata is hostile and often
malformed); aware datetimes are returned only where the source states an offset.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import re

_PDF_DATE = re.compile(
    r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?"
    r"(?:(Z)|([+\-])(\d{2})'?(\d{2})?'?)?"
)
_ISO = re.compile(
    r"^\s*(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?"
    r"\s*(Z|[+\-]\d{2}:?\d{2})?)?)?)?\s*$"
)
_EXIF = re.compile(r"^\s*(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})")

#: Windows FILETIME epoch (100 ns ticks since 1601-01-01 UTC).
_FILETIME_EPOCH = dt.datetime(1601, 1, 1, tzinfo=dt.UTC)


def _build(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    micro: int = 0,
    tz: dt.tzinfo | None = None,
) -> dt.datetime | None:
    try:
        if second == 60:
            second = 59
        return dt.datetime(year, month, day, hour, minute, second, micro, tzinfo=tz)
    except (ValueError, OverflowError):
        return None


def _offset(sign: str, hours: str, minutes: str | None) -> dt.tzinfo | None:
    try:
        delta = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
        if delta >= dt.timedelta(hours=24):
            return None
        return dt.timezone(-delta if sign == "-" else delta)
    except ValueError:
        return None


def parse_pdf_date(value: object) -> dt.datetime | None:
    """Parse a PDF date string (``D:YYYYMMDDHHmmSSOHH'mm'``), tolerant of common variants."""
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if not isinstance(value, str):
        return None
    text = value.strip().replace("\x00", "")
    m = _PDF_DATE.match(text)
    if not m:
        return parse_iso8601(text)
    year, month, day, hour, minute, second, zulu, sign, oh, om = m.groups()
    tz: dt.tzinfo | None = None
    if zulu:
        tz = dt.UTC
    elif sign:
        tz = _offset(sign, oh, om)
    return _build(
        int(year),
        int(month or 1),
        int(day or 1),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        0,
        tz,
    )


def parse_iso8601(value: object) -> dt.datetime | None:
    """Parse W3CDTF / ISO 8601 as used by XMP and OOXML core properties."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str):
        return None
    m = _ISO.match(value)
    if not m:
        return None
    year, month, day, hour, minute, second, frac, zone = m.groups()
    tz: dt.tzinfo | None = None
    if zone == "Z":
        tz = dt.UTC
    elif zone:
        digits = zone[1:].replace(":", "")
        tz = _offset(zone[0], digits[:2], digits[2:4])
    micro = int((frac or "0")[:6].ljust(6, "0"))
    return _build(
        int(year),
        int(month or 1),
        int(day or 1),
        int(hour or 0),
        int(minute or 0),
        int(second or 0),
        micro,
        tz,
    )


def parse_exif_datetime(value: object, offset: object = None) -> dt.datetime | None:
    """Parse an EXIF ``YYYY:MM:DD HH:MM:SS`` value; ``offset`` is an OffsetTime tag (``+02:00``)."""
    if isinstance(value, bytes):
        value = value.decode("latin-1", "replace")
    if not isinstance(value, str):
        return None
    m = _EXIF.match(value)
    if not m:
        return None
    tz: dt.tzinfo | None = None
    if isinstance(offset, bytes):
        offset = offset.decode("latin-1", "replace")
    if isinstance(offset, str):
        om = re.match(r"^\s*([+\-])(\d{2}):?(\d{2})", offset)
        if om:
            tz = _offset(om.group(1), om.group(2), om.group(3))
    y, mo, d, h, mi, s = (int(g) for g in m.groups())
    return _build(y, mo, d, h, mi, s, 0, tz)


_IIM_DATE = re.compile(rb"^\s*(\d{4})(\d{2})(\d{2})\s*$")
_IIM_TIME = re.compile(rb"^\s*(\d{2})(\d{2})(\d{2})(?:\.\d+)?(?:([+\-])(\d{2})(\d{2}))?\s*$")


def parse_iim_datetime(date: object, time: object) -> dt.datetime | None:
    """An IPTC IIM date (``CCYYMMDD``) and time (``HHMMSS±HHMM``) as one datetime; None
    without a time of day (a date alone names a day, not a moment). A time without an
    offset gives a naive datetime."""
    if not isinstance(date, bytes) or not isinstance(time, bytes):
        return None
    d, t = _IIM_DATE.match(date), _IIM_TIME.match(time)
    if d is None or t is None:
        return None
    tz = _offset(t.group(4).decode(), t.group(5), t.group(6)) if t.group(4) else None
    y, mo, da = (int(g) for g in d.groups())
    return _build(y, mo, da, int(t.group(1)), int(t.group(2)), int(t.group(3)), 0, tz)


def parse_email_date(value: object) -> dt.datetime | None:
    """Parse an RFC 5322 ``Date`` header; ``-0000`` yields a naive datetime (zone unknown)."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return parsed


def from_filetime(ticks: int) -> dt.datetime | None:
    """Convert a Windows FILETIME (100 ns since 1601, UTC) to an aware datetime."""
    if not isinstance(ticks, int) or ticks <= 0:
        return None
    try:
        return _FILETIME_EPOCH + dt.timedelta(microseconds=ticks // 10)
    except OverflowError:
        return None


def stored_datetime(value: object) -> dt.datetime | None:
    """A datetime as facts hold it: the object itself, or its ISO text once the analysis
    went through the results store's JSON; None for anything else."""
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
    return value if isinstance(value, dt.datetime) else None


def as_utc(value: dt.datetime) -> dt.datetime:
    """Compare-ready form: aware values in UTC, naive ones assumed UTC (callers note the doubt)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC)


def fmt_span(delta: dt.timedelta) -> str:
    """A duration in words for messages: minutes, hours (1 decimal) or days (1 decimal)."""
    seconds = abs(delta.total_seconds())
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"
