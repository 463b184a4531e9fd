"""The console script and the Prefect flow itself."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests import factories
from tests.conftest import REPO, assert_contract


def test_missing_source_is_one_line_error_and_nonzero_exit(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "authenticity",
            "scan",
            str(tmp_path / "nope"),
            "--out",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "source not found" in lines[0]


def test_bad_leak_date_is_rejected(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "authenticity",
            "scan",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
            "--leak-date",
            "05/05/2017",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 2 and "not a date" in proc.stderr


def test_cli_local_engine(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "a.pdf").write_bytes(factories.make_pdf())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "authenticity",
            "scan",
            str(dump),
            "--out",
            str(tmp_path / "out"),
            "--engine",
            "local",
            "--workers",
            "1",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "1 documents scanned" in proc.stdout
    card = json.loads((tmp_path / "out" / "scorecards.jsonl").read_text())
    assert_contract(card)
    assert card["metadata"]["author"] == "Alice Martin"


@pytest.mark.flows
def test_prefect_flow_runs_batches_and_publishes_artifacts(tmp_path, prefect_backend):
    import asyncio
    import datetime as dt

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        ArtifactFilter,
        ArtifactFilterFlowRunId,
        FlowRunFilter,
        FlowRunFilterId,
    )
    from prefect.client.schemas.sorting import TaskRunSort

    from flows.scan import scan_flow

    dump = tmp_path / "dump"
    dump.mkdir()
    for i in range(4):
        (dump / f"memo{i}.docx").write_bytes(factories.make_docx(text=f"memo {i}"))
    evil = '<script>alert("x")</script>'
    (dump / "forged.docx").write_bytes(
        factories.make_docx(
            author=evil, created=dt.datetime(2017, 4, 20), modified=dt.datetime(2017, 3, 2)
        )
    )
    # Created after the leak (and after it was last modified): impossible for a leaked file,
    # flagged by the rule floor whatever the model's calibration.
    state = scan_flow(
        source=str(dump),
        out=str(tmp_path / "out"),
        workers=1,
        batch_size=2,
        leak_date=dt.date(2017, 4, 1),
        return_state=True,
    )
    assert state.is_completed()
    summary = state.result()
    assert summary["documents"] == 5 and summary["analysed"] == 5
    assert summary["flagged"] == 1
    cards = [
        json.loads(x) for x in (tmp_path / "out" / "scorecards.jsonl").read_text().splitlines()
    ]
    assert len(cards) == 5
    flow_run_id = state.state_details.flow_run_id

    async def read_back():
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                sort=TaskRunSort.EXPECTED_START_TIME_ASC,
                limit=100,
            )
            arts = await client.read_artifacts(
                artifact_filter=ArtifactFilter(
                    flow_run_id=ArtifactFilterFlowRunId(any_=[flow_run_id])
                ),
                limit=100,
            )
            return runs, arts

    runs, arts = asyncio.run(read_back())
    names = sorted(r.name.rsplit("-", 1)[0] for r in runs)
    # 5 documents in batches of 2: three batch tasks, not one per file.
    assert names.count("analyse-batch") == 3
    assert names.count("finish-scan") == 1
    by_type = {}
    for art in arts:
        by_type.setdefault(art.type, []).append(art)
    table = by_type["table"][0]
    rows = json.loads(table.data) if isinstance(table.data, str) else table.data
    assert [r["path"] for r in rows] == ["forged\\.docx"]
    assert "TS\\_CREATED\\_AFTER\\_MODIFIED" in rows[0]["findings"]
    (doc_md,) = by_type["markdown"]
    assert "TS\\_CREATED\\_AFTER\\_MODIFIED" in doc_md.data
    assert "<script>" not in doc_md.data and "&lt;script&gt;" in doc_md.data


@pytest.mark.parametrize("workers", ["0", "1"])
def test_parser_warnings_stay_out_of_the_scan_log(tmp_path, workers):
    from tests.conftest import corpus_file

    dump = tmp_path / "dump"
    dump.mkdir()
    # pdfminer logs "Could not get FontBBox ..." and "Data-loss while decompressing ..."
    # for these two real files
    (dump / "simple3.pdf").write_bytes(corpus_file("pdf/pdfminer__samples_simple3.pdf"))
    (dump / "corrupted.pdf").write_bytes(
        corpus_file("pdf/pdfminer__samples_zen_of_python_corrupted.pdf")
    )
    cmd = [sys.executable, "-m", "authenticity", "scan", str(dump), "--out",
           str(tmp_path / "out"), "--engine", "local", "--workers", workers]  # fmt: skip
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "2 documents scanned" in proc.stdout
    assert "FontBBox" not in proc.stderr and "Data-loss" not in proc.stderr, proc.stderr
