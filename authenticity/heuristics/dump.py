"""Occurrence checks: findings that depend on where a file sits in the dump."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

from authenticity.heuristics.dates import later_than, latest_claimed, slack
from authenticity.heuristics.filename import check_name_date
from authenticity.heuristics.filetype import check_declared, check_extension
from authenticity.ingest._core import member_name
from authenticity.model import MEMBER_SEP, Analysis, Document, Finding, Severity
from authenticity.timeutil import as_utc, stored_datetime

EMAIL_MIMES = {"message/rfc822", "application/vnd.ms-outlook"}


def check_attachment_after_email(
    doc: Document, own: Analysis, parent: Analysis | None
) -> Iterator[Finding]:
    """An attachment cannot have been modified after the email carrying it was sent."""
    if parent is None or doc.container_mime != "message/rfc822":
        return
    sent = parent.metadata.created
    if sent is None:
        return
    for attr in ("modified", "created"):
        value = getattr(own.metadata, attr)
        if value is not None and later_than(value, sent):
            yield Finding(
                "TS_ATTACHMENT_MODIFIED_AFTER_EMAIL"
                if attr == "modified"
                else "TS_ATTACHMENT_CREATED_AFTER_EMAIL",
                Severity.HIGH,
                f"The attachment says it was {attr} on {value.isoformat()}, after the email "
                f"that carries it was sent ({sent.isoformat()}).",
                {attr: value, "email_date": sent, "email": doc.parent},
            )
            return


#: Keys under which extract/archive.py records an entry's last-write time (zip: the DOS
#: time, local; tar: mtime, UTC; 7z: the NTFS time, UTC).
_ENTRY_TIME_KEYS = ("date_time", "mtime", "time")
#: Beyond the time-zone doubt: file systems round times (FAT: 2 s) and a save's own steps
#: take a while; a day covers any of that.
ARCHIVE_SLACK = dt.timedelta(days=1)


def _recorded(stamp: dt.datetime | None) -> bool:
    """A time an archiver copied from a file, not a placeholder: not the DOS epoch (1980)
    or earlier, not a midnight on New Year's Day (the constants reproducible archives
    write, e.g. 2010-01-01 00:00)."""
    if stamp is None or stamp.year <= 1980:
        return False
    return not (stamp.month == 1 and stamp.day == 1 and stamp.time() == dt.time(0))


def archived_time(doc: Document, parent: Analysis) -> dt.datetime | None:
    """The last-write time the containing archive records for this member, or None
    (not an archive member, an entry beyond the listing's first 200, a placeholder time,
    or an archive whose entries all carry one normalized time)."""
    if not doc.parent or not doc.path.startswith(doc.parent + MEMBER_SEP):
        return None
    raw = parent.metadata.raw if isinstance(parent.metadata.raw, dict) else {}
    entries = raw.get("entries")
    if not isinstance(entries, list):
        stamp = stored_datetime(raw.get("mtime"))  # gzip: one member, the compressed file's mtime
        return stamp if _recorded(stamp) else None
    name = doc.path[len(doc.parent) + len(MEMBER_SEP) :]
    times: set[dt.datetime] = set()
    found: dt.datetime | None = None
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            continue
        times_of = (stored_datetime(entry.get(k)) for k in _ENTRY_TIME_KEYS if entry.get(k))
        stamp = next(times_of, None)
        if stamp is not None:
            times.add(stamp)
        raw_name = entry.get("name")
        if found is None and isinstance(raw_name, str) and member_name(raw_name, index) == name:
            found = stamp
    if found is None or not _recorded(found) or (len(entries) > 1 and len(times) == 1):
        return None
    return found


def check_saved_after_archived(
    doc: Document, own: Analysis, parent: Analysis | None
) -> Iterator[Finding]:
    """A member of an archive cannot have been saved after the archive recorded its file:
    zip, tar and 7z copy each file's last-write time, which the save that wrote the
    document's own last date set (or a later copy did)."""
    if parent is None:
        return
    claimed = latest_claimed(own.metadata)
    archived = archived_time(doc, parent)
    if claimed is None or archived is None:
        return
    attr, value = claimed
    gap = as_utc(value) - as_utc(archived)
    if gap <= slack(value, archived) + ARCHIVE_SLACK:
        return
    camera = own.mime.startswith("image/")
    yield Finding(
        "TS_SAVED_AFTER_ARCHIVED",
        # a photo's dates come from the camera's clock, not the one that wrote the file
        Severity.MEDIUM if camera else Severity.HIGH,
        f"The document says it was {attr} on {value.isoformat()}, {gap.days} days after "
        f"the archive that holds it recorded the file ({archived.isoformat()}): the file "
        "was in the archive before the date it claims, so that date was set forward (or "
        + ("the camera's clock ran ahead)." if camera else "the writer's clock was wrong)."),
        {attr: value, "archived": archived, "archive": doc.parent},
    )


def occurrence_findings(doc: Document, own: Analysis, parent: Analysis | None) -> Iterator[Finding]:
    if doc.extension:
        yield from check_extension(doc.extension, own.mime)
    yield from check_declared(doc.declared_mime, own.mime)
    yield from check_attachment_after_email(doc, own, parent)
    yield from check_saved_after_archived(doc, own, parent)
    yield from check_name_date(doc.name, own.metadata, image=own.mime.startswith("image/"))
