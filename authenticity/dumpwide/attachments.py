"""An email dated before the files it carries were last saved.

A file is attached as the bytes it had when the message was written, so the message's Date
cannot come before the date its attachment says it was last modified (or created). The
attachment side of that contradiction is the occurrence check
``TS_ATTACHMENT_MODIFIED_AFTER_EMAIL`` (``heuristics/dump.py``), which sits on the
attachment; this pass puts the same evidence on the email, because the usual forgery is the
email's: a Date moved back in a text editor, or a message written around a file made later.
It needs the whole dump because an email and its attachments are separate documents that
the scan analyses apart.

``EMAIL_SENT_BEFORE_ATTACHMENT_SAVED`` (high; medium when the only later date is a photo's,
which comes from a camera's clock): an email (RFC 5322; Outlook ``.msg`` attachments are not
expanded into documents) whose Date is more than :data:`MIN_GAP` earlier than the
last-modified or created date of one of its attachments, whatever zones both state (a
writer that stamps local time as UTC, or in the wrong zone, is off by up to 14 hours). The
attachment is matched by the sha256 of its decoded bytes, which the email's extraction
records. Attached messages (``message/rfc822`` parts) are not compared.

What it cannot see: an attachment without dates (plain text, most images from phones'
messaging apps), and a forger who back-dated the attachment's metadata together with the
email.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from authenticity.dumpwide._common import EMAIL_MIMES
from authenticity.heuristics.dates import latest_claimed
from authenticity.model import Analysis, Finding, Severity
from authenticity.timeutil import as_utc, fmt_span

#: A Date at least this much before the attachment's date: beyond any zone mix-up.
MIN_GAP = dt.timedelta(hours=15)
#: Attachments compared per email (a message with hundreds of parts is not a letter).
MAX_ATTACHMENTS = 50


class AttachmentCollector:
    """Each email's Date and attachment hashes; each content's latest claimed date."""

    def __init__(self) -> None:
        self._emails: list[tuple[str, dt.datetime, tuple[tuple[str, str], ...]]] = []
        self._dated: dict[str, tuple[str, dt.datetime, bool]] = {}

    def add(self, sha256: str, analysis: Analysis) -> None:
        if analysis.mime in EMAIL_MIMES:
            sent = analysis.metadata.created
            parts = analysis.facts.get("attachments")
            if isinstance(sent, dt.datetime) and isinstance(parts, list):
                found = tuple(
                    (str(p["sha256"]), str(p.get("filename") or ""))
                    for p in parts[:MAX_ATTACHMENTS]
                    if isinstance(p, dict) and isinstance(p.get("sha256"), str)
                )
                if found:
                    self._emails.append((sha256, sent, found))
            return
        claimed = latest_claimed(analysis.metadata)
        if claimed is not None:
            attr, value = claimed
            self._dated[sha256] = (attr, value, analysis.mime.startswith("image/"))

    def findings(self) -> dict[str, list[Finding]]:
        """Email sha256 -> EMAIL_SENT_BEFORE_ATTACHMENT_SAVED."""
        out: dict[str, list[Finding]] = {}
        for sha, sent, parts in self._emails:
            later = []
            for part_sha, name in parts:
                if part_sha not in self._dated:
                    continue
                attr, value, photo = self._dated[part_sha]
                gap = as_utc(value) - as_utc(sent)
                if gap > MIN_GAP:
                    later.append((gap, name, attr, value, photo))
            if later:
                # a document's date outranks a photo's (a camera clock may simply be wrong)
                worst = max(later, key=lambda c: (not c[4], c[0]))
                out[sha] = [_finding(sent, *worst)]
        return out


def _finding(
    sent: dt.datetime, gap: dt.timedelta, name: str, attr: str, value: dt.datetime, photo: bool
) -> Finding:
    evidence: dict[str, Any] = {
        "email_date": sent,
        "attachment": name,
        f"attachment_{attr}": value,
        "gap_seconds": gap.total_seconds(),
    }
    label = f"'{name}'" if name else "one of its attachments"
    return Finding(
        "EMAIL_SENT_BEFORE_ATTACHMENT_SAVED",
        Severity.MEDIUM if photo else Severity.HIGH,
        f"The email is dated {sent.isoformat()}, {fmt_span(gap)} before its attachment {label} "
        f"says it was {attr} ({value.isoformat()}): a file is attached as it was when the "
        "message was written, so the Date was moved back or the message was written later "
        "around that file" + (" (or the camera's clock ran ahead)." if photo else "."),
        evidence,
    )
