"""PDF date and XMP helpers shared by the PDF and metadata techniques."""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Iterator

from authenticity.timeutil import parse_iso8601, parse_pdf_date

__all__ = ["parse_iso8601", "parse_pdf_date", "pdf_date", "set_xmp_dates", "xmp_date"]


def pdf_date(when: dt.datetime) -> str:
    """``D:YYYYMMDDHHmmSS+HH'mm'`` (naive datetimes are written without an offset)."""
    off = when.utcoffset()
    if off is None:
        return f"D:{when:%Y%m%d%H%M%S}"
    minutes = int(off.total_seconds()) // 60
    if minutes == 0:
        return f"D:{when:%Y%m%d%H%M%S}Z"
    sign = "+" if minutes >= 0 else "-"
    hh, mm = divmod(abs(minutes), 60)
    return f"D:{when:%Y%m%d%H%M%S}{sign}{hh:02d}'{mm:02d}'"


def xmp_date(when: dt.datetime) -> str:
    return when.isoformat()


_XMP_DATE = {
    "created": ("xmp:CreateDate",),
    "modified": ("xmp:ModifyDate", "xmp:MetadataDate"),
}


def set_xmp_dates(xmp: bytes, values: dict[str, dt.datetime]) -> tuple[bytes, list[str]]:
    """Replace xmp:CreateDate / ModifyDate / MetadataDate (element or attribute form)."""
    text = xmp.decode("utf-8", "replace")
    changed: list[str] = []
    for key, when in values.items():
        for tag in _XMP_DATE[key]:
            new = xmp_date(when)
            esc = re.escape(tag)
            text, n1 = re.subn(rf"(<{esc}>)([^<]*)(</{esc}>)", rf"\g<1>{new}\g<3>", text)
            text, n2 = re.subn(rf'({esc}=")([^"]*)(")', rf"\g<1>{new}\g<3>", text)
            if n1 or n2:
                changed.append(tag)
    return text.encode("utf-8"), changed


def set_xmp_creator(xmp: bytes, name: str) -> tuple[bytes, bool]:
    """Replace the first dc:creator list item (or pdf:Author attribute)."""
    text = xmp.decode("utf-8", "replace")
    esc = name.replace("&", "&amp;").replace("<", "&lt;")
    text, n = re.subn(
        r"(<dc:creator>\s*<rdf:Seq>\s*<rdf:li[^>]*>)([^<]*)(</rdf:li>)",
        lambda m: m.group(1) + esc + m.group(3),
        text,
        count=1,
    )
    return text.encode("utf-8"), bool(n)


def info_dates(
    info: dict, xmp: bytes | None = None
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(created, modified) from Info, falling back to the XMP packet's dates."""
    created = parse_pdf_date(info.get("/CreationDate"))
    modified = parse_pdf_date(info.get("/ModDate"))
    if xmp and (created is None or modified is None):
        text = xmp.decode("utf-8", "replace")

        def find(tag: str) -> dt.datetime | None:
            m = re.search(rf"<{tag}>([^<]*)</{tag}>|{tag}=\"([^\"]*)\"", text)
            return parse_iso8601((m.group(1) or m.group(2)).strip()) if m else None

        created = created or find("xmp:CreateDate")
        modified = modified or find("xmp:ModifyDate")
    return created, modified


@contextlib.contextmanager
def quiet_pypdf() -> Iterator[None]:
    """pypdf logs a warning per oddity of a real-world file; keep them out of the output."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)
