"""Incremental rescans: unchanged files are not read again, unchanged dumps reuse scorecards,
and the streaming scoring step keeps every occurrence (library only, real producer files)."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from authenticity.store import Store
from tests import factories
from tests.conftest import assert_contract

SENT = dt.datetime(2017, 4, 27, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def cards_of(out: Path) -> dict[str, dict]:
    lines = (out / "scorecards.jsonl").read_text(encoding="utf-8").splitlines()
    return {c["path"]: c for c in map(json.loads, lines)}


def make_dump(root: Path) -> Path:
    dump = root / "dump"
    (dump / "mail").mkdir(parents=True)
    docx = factories.make_docx(author="Alice Martin", modified=dt.datetime(2017, 3, 1, 9))
    (dump / "mail" / "1.eml").write_bytes(
        factories.make_email(date=SENT, attachments=[("plan.docx", docx, DOCX_MIME)])
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("a/budget.xlsx", factories.make_xlsx(modified=dt.datetime(2017, 2, 1)))
        zf.writestr("a/copy.docx", docx)
    (dump / "files.zip").write_bytes(buf.getvalue())
    tbuf = io.BytesIO()
    with tarfile.open(fileobj=tbuf, mode="w") as tf:
        link = tarfile.TarInfo("etc-passwd")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)  # an ingest problem inside the tar
        note = factories.make_pdf(title="Note")
        info = tarfile.TarInfo("note.pdf")
        info.size = len(note)
        tf.addfile(info, io.BytesIO(note))
    (dump / "more.tar").write_bytes(tbuf.getvalue())
    (dump / "minutes.pdf").write_bytes(factories.make_pdf(title="Minutes"))
    return dump


def test_unchanged_rescan_reads_nothing_and_reuses_scorecards(tmp_path):
    dump = make_dump(tmp_path)
    out = tmp_path / "out"
    first = run_scan(str(dump), out, Settings(workers=1))
    first_cards = cards_of(out)
    assert first.analysed == first.contents and first.reused_files == 0
    report_mtime = (out / "report.html").stat().st_mtime_ns

    second = run_scan(str(dump), out, Settings(workers=1))
    assert second.unchanged and second.reused_files == 4 and second.analysed == 0
    assert second.documents == first.documents == len(first_cards)
    assert second.contents == first.contents > 0
    assert cards_of(out) == first_cards  # same scorecards, every path, byte for byte
    assert (out / "report.html").stat().st_mtime_ns == report_mtime  # not rendered again
    # The zip's ingest problem (a symbolic link member) is still on the tar's scorecard.
    assert "ARCHIVE_UNSAFE_MEMBER" in {f["code"] for f in first_cards["more.tar"]["findings"]}
    store = Store(second.db_url)
    assert store.run(second.run_id).status == "complete"
    assert {c["path"] for c in store.scorecards(second.run_id)} == set(first_cards)


def test_rescan_after_an_upgrade_rescores_the_unchanged_dump(tmp_path, monkeypatch):
    # The dump-wide pass and the features are not part of the analysis key: another version
    # of the package must not serve the old scorecards of an unchanged dump.
    from authenticity import pipeline

    dump = make_dump(tmp_path)
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1))
    monkeypatch.setattr(pipeline, "scoring_code", lambda: "another-version")
    second = run_scan(str(dump), out, Settings(workers=1))
    assert not second.unchanged and second.analysed == 0 and second.reused_files == 4
    third = run_scan(str(dump), out, Settings(workers=1))
    assert third.unchanged


def test_added_file_is_the_only_one_read_and_everything_is_rescored(tmp_path):
    dump = make_dump(tmp_path)
    out = tmp_path / "out"
    first = run_scan(str(dump), out, Settings(workers=1))
    (dump / "mail" / "2.eml").write_bytes(factories.make_email(date=SENT, subject="new drop"))
    second = run_scan(str(dump), out, Settings(workers=1))
    assert not second.unchanged
    assert second.reused_files == 4 and second.analysed == 1
    cards = cards_of(out)
    assert set(cards) == set(cards_of_first(first)) | {"mail/2.eml"}
    for card in cards.values():
        assert_contract(card)
        assert card["verdict"] != "pending"


def cards_of_first(result) -> set[str]:
    store = Store(result.db_url)
    return {c["path"] for c in store.scorecards(result.run_id)}


def test_edited_file_with_restored_mtime_is_read_again(tmp_path):
    dump = make_dump(tmp_path)
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1))
    pdf = dump / "minutes.pdf"
    before = pdf.stat()
    pdf.write_bytes(factories.make_pdf(title="Minutes (edited)"))
    os.utime(pdf, ns=(before.st_atime_ns, before.st_mtime_ns))  # a forger's touch -d
    second = run_scan(str(dump), out, Settings(workers=1))
    assert second.reused_files == 3 and second.analysed == 1
    assert cards_of(out)["minutes.pdf"]["metadata"]["title"] == "Minutes (edited)"


def test_deleted_file_disappears_and_leak_date_change_rescores(tmp_path):
    dump = make_dump(tmp_path)
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1))
    (dump / "minutes.pdf").unlink()
    second = run_scan(str(dump), out, Settings(workers=1))
    assert not second.unchanged and second.analysed == 0
    assert "minutes.pdf" not in cards_of(out)
    # Another leak date changes the analysis key: nothing is reused, all is analysed again.
    third = run_scan(str(dump), out, Settings(workers=1, leak_date=dt.date(2017, 5, 5)))
    assert third.reused_files == 0 and third.analysed == third.contents > 0


def test_report_is_capped_but_scorecards_are_complete(tmp_path):
    dump = make_dump(tmp_path)
    out = tmp_path / "out"
    result = run_scan(str(dump), out, Settings(workers=1, report_max_documents=2))
    cards = cards_of(out)
    assert len(cards) == result.documents > 2
    pages = list((out / "docs").glob("*.html"))
    assert len(pages) == 2
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"2 most suspicious of {result.documents}" in html


@pytest.mark.postgres
def test_unchanged_rescan_on_postgresql(tmp_path):
    # The unchanged path copies the previous run's rows inside the database (INSERT ...
    # SELECT): the same result on PostgreSQL as on SQLite.
    from tests.test_store import pg_schema_url

    with pg_schema_url() as url:
        dump = make_dump(tmp_path)
        out = tmp_path / "out"
        first = run_scan(str(dump), out, Settings(workers=1), url)
        first_cards = cards_of(out)
        second = run_scan(str(dump), out, Settings(workers=1), url)
        assert second.unchanged and second.documents == first.documents == len(first_cards)
        assert cards_of(out) == first_cards
        store = Store(url)
        assert {c["path"] for c in store.scorecards(second.run_id)} == set(first_cards)
        store.close()


def test_single_archive_source_is_not_read_again_when_unchanged(tmp_path):
    # One zip or mbox given as the source is the whole dump: an unchanged file is not
    # hashed again, its members and scorecards are reused; an edited one is read again.
    dump = make_dump(tmp_path)
    source = dump / "files.zip"
    out = tmp_path / "out"
    first = run_scan(str(source), out, Settings(workers=1))
    first_cards = cards_of(out)
    assert set(first_cards) == {"a/budget.xlsx", "a/copy.docx"}  # the zip is the dump root

    second = run_scan(str(source), out, Settings(workers=1))
    assert second.unchanged and second.reused_files == 1 and second.analysed == 0
    assert cards_of(out) == first_cards

    # another scorer: nothing read or analysed, every document scored again
    rules = run_scan(str(source), out, Settings(workers=1), model="none")
    assert not rules.unchanged and rules.reused_files == 1 and rules.analysed == 0
    rescored = cards_of(out)
    assert set(rescored) == set(first_cards)
    assert all(c.get("model_score") is None for c in rescored.values())
    assert all(c.get("model_score") is not None for c in first_cards.values())

    with zipfile.ZipFile(source, "a") as zf:
        zf.writestr("a/minutes.pdf", factories.make_pdf(title="Minutes"))
    third = run_scan(str(source), out, Settings(workers=1))
    assert not third.unchanged and third.reused_files == 0 and third.analysed == 1
    assert set(cards_of(out)) == set(first_cards) | {"a/minutes.pdf"}
    assert first.contents == 2
