"""End-to-end scans through the library (no orchestrator) on real bytes."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import mailbox
import zipfile
from pathlib import Path

import pytest

from authenticity import classifier
from authenticity.config import Settings
from authenticity.pipeline import run_scan
from tests import factories
from tests.conftest import assert_contract

SENT = dt.datetime(2017, 4, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def read_cards(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "scorecards.jsonl").read_text().splitlines()]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def nested_dump(tmp_path: Path) -> tuple[Path, dict[str, bytes]]:
    """A zip holding an mbox whose message carries a docx (plus a loose copy of the docx)."""
    docx = factories.make_docx(modified=dt.datetime(2017, 4, 1, 9))
    eml = factories.make_email(date=SENT, attachments=[("note.docx", docx, DOCX_MIME)])
    box_path = tmp_path / "box.mbox"
    box = mailbox.mbox(str(box_path))
    box.add(mailbox.mboxMessage(eml))
    box.flush()
    box.close()
    mbox_bytes = box_path.read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("mail/box.mbox", mbox_bytes)
        zf.writestr("loose/copy.docx", docx)
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "leak.zip").write_bytes(buf.getvalue())
    return dump, {"zip": buf.getvalue(), "mbox": mbox_bytes, "docx": docx}


def test_nested_dump_paths_hashes_and_dedup(tmp_path):
    dump, parts = nested_dump(tmp_path)
    out = tmp_path / "out"
    result = run_scan(str(dump), out, Settings(workers=1, leak_date=dt.date(2017, 5, 5)))
    cards = {c["path"]: c for c in read_cards(out)}
    for card in cards.values():
        assert_contract(card)
    msg_path = "leak.zip!/mail/box.mbox!/00001.eml"
    assert set(cards) == {
        "leak.zip",
        "leak.zip!/mail/box.mbox",
        msg_path,
        f"{msg_path}!/note.docx",
        "leak.zip!/loose/copy.docx",
    }
    assert cards["leak.zip"]["sha256"] == sha(parts["zip"])
    assert cards["leak.zip!/mail/box.mbox"]["sha256"] == sha(parts["mbox"])
    att = cards[f"{msg_path}!/note.docx"]
    assert att["sha256"] == sha(parts["docx"]) == cards["leak.zip!/loose/copy.docx"]["sha256"]
    assert att["size"] == len(parts["docx"])
    assert att["parent"] == msg_path
    assert att["declared_mime"] == DOCX_MIME
    assert att["mime"] == DOCX_MIME
    assert att["metadata"]["author"] == "Alice Martin"
    assert cards[msg_path]["mime"] == "message/rfc822"
    assert cards[msg_path]["metadata"]["created"] == SENT.isoformat()
    # The same docx at two paths is analysed once.
    assert result.documents == 5
    assert result.contents == 4
    assert result.analysed == 4


def test_forged_attachment_is_flagged_and_authentic_is_not(tmp_path):
    good = factories.make_xlsx(modified=dt.datetime(2017, 4, 20, 9))
    bad = factories.make_xlsx(
        last_modified_by="Рошка Георгий", modified=dt.datetime(2017, 5, 6, 12)
    )
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    dump = tmp_path / "dump"
    (dump / "mail").mkdir(parents=True)
    (dump / "mail" / "1.eml").write_bytes(
        factories.make_email(date=SENT, attachments=[("budget.xlsx", good, xlsx)])
    )
    (dump / "mail" / "2.eml").write_bytes(
        factories.make_email(
            date=SENT, subject="Budget v2", attachments=[("budget-v2.xlsx", bad, xlsx)]
        )
    )
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=2, leak_date=dt.date(2017, 5, 5)))
    cards = {c["path"]: c for c in read_cards(out)}
    forged = cards["mail/2.eml!/budget-v2.xlsx"]
    assert forged["verdict"] in {"suspicious", "likely_forged"}
    found = {f["code"] for f in forged["findings"]}
    assert {"TS_MODIFIED_AFTER_LEAK", "TS_ATTACHMENT_MODIFIED_AFTER_EMAIL"} <= found
    assert cards["mail/1.eml!/budget.xlsx"]["verdict"] == "consistent"
    html = (out / "report.html").read_text()
    assert "Рошка Георгий" in html and "TS_MODIFIED_AFTER_LEAK" in html


def test_unreadable_file_under_a_false_name_still_ranks_as_suspicious(tmp_path):
    """A password-protected PDF cannot be read, so its verdict is ``unreadable``; named as a
    photo, the contradiction needs no reading and its score ranks it with flagged files."""
    from tests.conftest import corpus_file

    encrypted = corpus_file("pdf/pdfminer__samples_encryption_aes-256-m.pdf")
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "scan-0042.jpg").write_bytes(encrypted)
    (dump / "coffre.pdf").write_bytes(encrypted)
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1))
    cards = {c["path"]: c for c in read_cards(out)}
    renamed, honest = cards["scan-0042.jpg"], cards["coffre.pdf"]
    assert renamed["verdict"] == honest["verdict"] == "unreadable"
    assert "TYPE_EXTENSION_MISMATCH" in {f["code"] for f in renamed["findings"]}
    suspicious = classifier.load(classifier.DEFAULT_MODEL).thresholds["suspicious"]
    assert renamed["score"] > suspicious >= honest["score"]
    assert renamed["model_score"] <= renamed["score"]  # the model's own probability kept


def test_unparseable_file_is_unreadable_and_scan_goes_on(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    good = factories.make_pdf()
    (dump / "good.pdf").write_bytes(good)
    (dump / "broken.pdf").write_bytes(good[: len(good) // 3])
    (dump / "empty.docx").write_bytes(b"PK\x03\x04garbage")
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1))
    cards = {c["path"]: c for c in read_cards(out)}
    assert cards["good.pdf"]["verdict"] != "unreadable"
    assert cards["broken.pdf"]["verdict"] == "unreadable"
    reasons = [
        f["message"] for f in cards["broken.pdf"]["findings"] if f["code"] == "EXTRACT_FAILED"
    ]
    assert reasons and "could not be parsed" in reasons[0]
    for card in cards.values():
        assert_contract(card)


def test_rescan_reuses_stored_analyses(tmp_path):
    dump, _ = nested_dump(tmp_path)
    out = tmp_path / "out"
    first = run_scan(str(dump), out, Settings(workers=1))
    assert first.analysed == 4
    (dump / "extra.pdf").write_bytes(factories.make_pdf(title="new"))
    second = run_scan(str(dump), out, Settings(workers=1))
    assert second.analysed == 1
    assert second.documents == 6
    assert second.run_id != first.run_id


def test_html_report_escapes_metadata(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    evil = '<script>alert("x")</script>'
    (dump / "evil.docx").write_bytes(factories.make_docx(author=evil))
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=0))
    html = (out / "report.html").read_text()
    assert evil not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "default-src 'none'" in html


def test_rescan_with_another_leak_date_reanalyses(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "b.xlsx").write_bytes(factories.make_xlsx(modified=dt.datetime(2017, 5, 9, 12)))
    out = tmp_path / "out"
    first = run_scan(str(dump), out, Settings(workers=0))
    # (the factory's zip entries carry today's time under 2017 dates: the model may read
    # that as inconclusive, never as more)
    card = read_cards(out)[0]
    assert card["verdict"] in {"consistent", "inconclusive"}
    assert "TS_MODIFIED_AFTER_LEAK" not in {f["code"] for f in card["findings"]}
    second = run_scan(str(dump), out, Settings(workers=0, leak_date=dt.date(2017, 5, 5)))
    assert second.analysed == 1 and first.analysed == 1
    assert "TS_MODIFIED_AFTER_LEAK" in {f["code"] for f in read_cards(out)[0]["findings"]}


def test_qpdf_linearized_pdf_is_not_flagged_by_the_shipped_model(tmp_path):
    # "Fast Web View" by qpdf (pikepdf) keeps the Producer under qpdf's layout; the model
    # learnt that layout from script forgeries, and read the linearization note as an
    # incremental update until PDF_LINEARIZED_BY_REWRITER was left unread (model 1.14.0).
    import pikepdf

    from tests.conftest import corpus_file

    dump = tmp_path / "dump"
    dump.mkdir()
    # A two-page note as LibreOffice exports it: its name in Producer and Creator, only a
    # CreationDate (the shape of the desktop-made PDFs in benchmarks/outside_tools.py).
    with pikepdf.open(io.BytesIO(corpus_file("pdf/py-pdf__021-pdfa_crazyones-pdfa.pdf"))) as pdf:
        del pdf.Root.Metadata
        pdf.docinfo = pdf.make_indirect(
            pikepdf.Dictionary(
                Producer="LibreOffice 7.4",
                Creator="Writer",
                Title="Note 1",
                CreationDate="D:20261124190000Z",
            )
        )
        pdf.save(dump / "web.pdf", linearize=True)
    out = tmp_path / "out"
    run_scan(str(dump), str(out), Settings(workers=0))
    (card,) = [json.loads(line) for line in (out / "scorecards.jsonl").open()]
    assert [f["code"] for f in card["findings"]] == ["PDF_LINEARIZED_BY_REWRITER"]
    assert card["verdict"] == "consistent", card["score"]


@pytest.mark.parametrize("options", [{"in_memory": True}, {}])
def test_xlsxwriter_web_export_is_not_flagged_by_the_shipped_model(tmp_path, options):
    # A web application's export (XlsxWriter in memory: Office's zip time, zlib streams)
    # scored 0.99 as a recompressed Excel file until its LF declarations identified it. In
    # its default mode, XlsxWriter's fixed 1980-01-31 entry time was read as a clock 46
    # years before the stated save (0.70) until 1980 times counted as writers' constants.
    from tests.test_heuristics_office import xlsxwriter_workbook

    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "orders.xlsx").write_bytes(xlsxwriter_workbook(options))
    out = tmp_path / "out"
    run_scan(str(dump), str(out), Settings(workers=0))
    (card,) = [json.loads(line) for line in (out / "scorecards.jsonl").open()]
    assert "OOXML_RECOMPRESSED" not in [f["code"] for f in card["findings"]]
    assert not any(r["feature"].startswith("zip.latest_entry") for r in card["reasons"])
    assert card["verdict"] == "consistent", card["score"]
