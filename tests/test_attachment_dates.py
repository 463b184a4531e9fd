"""An email dated before its attachment was saved (dumpwide/attachments.py), on messages
built with Python's email package around a real corpus Word file, scanned end to end so
the email's recorded attachment hash has to match the document the ingest layer made."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from tests.conftest import corpus_file

CODE = "EMAIL_SENT_BEFORE_ATTACHMENT_SAVED"
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: dcterms:modified 2016-02-17T14:24:00Z
DOCX = "ooxml/apache__test-data_document_59030.docx"
SAVED = dt.datetime(2016, 2, 17, 14, 24, tzinfo=dt.UTC)


def _mail(dated: dt.datetime, attachment: bytes, name: str = "note.docx") -> bytes:
    msg = EmailMessage()
    msg["Received"] = (
        "from [10.0.3.7] by relay1.campagne.example (Postfix) with ESMTPSA id 4A1B2; "
        + format_datetime(dated + dt.timedelta(seconds=40))
    )
    msg["From"] = "Agent <agent@campagne.example>"
    msg["To"] = "equipe@campagne.example"
    msg["Subject"] = "La note"
    msg["Date"] = format_datetime(dated)
    msg["Message-ID"] = f"<{int(dated.timestamp())}.77@campagne.example>"
    msg.set_content("Bonjour,\n\nLa note en piece jointe.\n")
    maintype, subtype = DOCX_MIME.split("/")
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=name)
    return bytes(msg)


def _scan(tmp_path: Path, files: dict[str, bytes]) -> dict[str, list[dict]]:
    dump = tmp_path / "dump"
    for rel, data in files.items():
        (dump / rel).parent.mkdir(parents=True, exist_ok=True)
        (dump / rel).write_bytes(data)
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1), model="none")
    cards = [json.loads(line) for line in (out / "scorecards.jsonl").read_text().splitlines()]
    return {c["path"]: [f for f in c["findings"] if f["code"] == CODE] for c in cards}


def test_an_email_dated_before_its_attachment_was_saved_is_flagged(tmp_path: Path) -> None:
    docx = corpus_file(DOCX)
    found = _scan(
        tmp_path,
        {
            "mail/redated.eml": _mail(SAVED - dt.timedelta(days=9), docx),
            "mail/sent.eml": _mail(SAVED + dt.timedelta(hours=3), docx, "note-finale.docx"),
        },
    )
    (finding,) = found["mail/redated.eml"]
    assert finding["severity"] == "high"
    assert finding["evidence"]["attachment"] == "note.docx"
    assert finding["evidence"]["attachment_modified"].startswith("2016-02-17T14:24")
    assert round(finding["evidence"]["gap_seconds"] / 86400) == 9
    # the email sent after the file was saved, and the attachments themselves, get none
    assert found["mail/sent.eml"] == []
    assert found["mail/redated.eml!/note.docx"] == []
    assert found["mail/sent.eml!/note-finale.docx"] == []


def test_the_time_zone_doubt_is_not_a_finding(tmp_path: Path) -> None:
    """A Date hours before the save may be a writer that stamps local time as UTC (or a
    clock a minute off); a day is not."""
    docx = corpus_file(DOCX)
    found = _scan(
        tmp_path,
        {
            "a.eml": _mail(SAVED - dt.timedelta(seconds=60), docx),
            "b.eml": _mail(SAVED - dt.timedelta(hours=14), docx, "b.docx"),
            "c.eml": _mail(SAVED - dt.timedelta(hours=26), docx, "c.docx"),
        },
    )
    assert found["a.eml"] == [] and found["b.eml"] == []
    assert [f["severity"] for f in found["c.eml"]] == ["high"]
