"""An archive member saved after the archive recorded it (TS_SAVED_AFTER_ARCHIVED), scanned
end to end: real workbooks (openpyxl) in real zip and tar archives, read back through the
results store."""

from __future__ import annotations

import datetime as dt
import io
import json
import tarfile
import zipfile
from pathlib import Path

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from tests import factories

CODE = "TS_SAVED_AFTER_ARCHIVED"


def _zip(members: list[tuple[str, bytes, tuple[int, ...]]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data, when in members:
            zf.writestr(zipfile.ZipInfo(name, date_time=when), data)
    return buf.getvalue()


def _tar(name: str, data: bytes, mtime: dt.datetime) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as tf:
        info = tarfile.TarInfo(name)
        info.size, info.mtime = len(data), int(mtime.timestamp())
        tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _codes(out: Path) -> dict[str, list[dict]]:
    cards = [json.loads(line) for line in (out / "scorecards.jsonl").open()]
    return {c["path"]: [f for f in c["findings"] if f["code"] == CODE] for c in cards}


def test_member_dated_after_its_archive_entry_is_flagged(tmp_path: Path) -> None:
    april = factories.make_xlsx(modified=dt.datetime(2017, 4, 20, 9))
    may = factories.make_xlsx(modified=dt.datetime(2017, 5, 6, 12))  # set forward
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "projets.zip").write_bytes(
        _zip(
            [
                ("compta/budget-avril.xlsx", april, (2017, 4, 20, 18, 2, 0)),
                ("compta/budget-mai.xlsx", may, (2017, 4, 21, 10, 0, 0)),
            ]
        )
    )
    (dump / "envoi.tar").write_bytes(
        _tar("budget.xlsx", may, dt.datetime(2017, 4, 25, 8, tzinfo=dt.UTC))
    )
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1), model="none")
    found = _codes(out)
    assert found["projets.zip!/compta/budget-avril.xlsx"] == []
    (zipped,) = found["projets.zip!/compta/budget-mai.xlsx"]
    assert zipped["severity"] == "high"
    assert zipped["evidence"]["archived"].startswith("2017-04-21T10:00")
    assert zipped["evidence"]["archive"] == "projets.zip"
    (tarred,) = found["envoi.tar!/budget.xlsx"]
    assert tarred["evidence"]["archived"].startswith("2017-04-25T08:00")


def test_normalized_or_placeholder_entry_times_are_not_compared(tmp_path: Path) -> None:
    may = factories.make_xlsx(modified=dt.datetime(2017, 5, 6, 12))
    dump = tmp_path / "dump"
    dump.mkdir()
    same = (2016, 6, 1, 12, 0, 0)  # every entry one time: a reproducible archive
    (dump / "build.zip").write_bytes(_zip([("a.xlsx", may, same), ("b.xlsx", may, same)]))
    (dump / "dos.zip").write_bytes(_zip([("c.xlsx", may, (1980, 1, 1, 0, 0, 0))]))
    (dump / "bazel.zip").write_bytes(_zip([("d.xlsx", may, (2010, 1, 1, 0, 0, 0))]))
    out = tmp_path / "out"
    run_scan(str(dump), out, Settings(workers=1), model="none")
    found = _codes(out)
    members = [p for p in found if "!/" in p]
    assert len(members) == 4
    assert all(found[p] == [] for p in members)
