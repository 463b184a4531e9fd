"""Occurrence checks: findings that depend on where a file sits in the dump."""

from __future__ import annotations

from collections.abc import Iterator

from authenticity.heuristics.dates import later_than
from authenticity.heuristics.filename import check_name_date
from authenticity.heuristics.filetype import check_declared, check_extension
from authenticity.model import Analysis, Document, Finding, Severity

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


def occurrence_findings(doc: Document, own: Analysis, parent: Analysis | None) -> Iterator[Finding]:
    if doc.extension:
        yield from check_extension(doc.extension, own.mime)
    yield from check_declared(doc.declared_mime, own.mime)
    yield from check_attachment_after_email(doc, own, parent)
    yield from check_name_date(doc.name, own.metadata, image=own.mime.startswith("image/"))
