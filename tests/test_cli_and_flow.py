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
def test_prefect_flow_runs_batches_and_records_task_runs(tmp_path, prefect_backend):
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    from flows.scan import scan_flow

    dump = tmp_path / "dump"
    dump.mkdir()
    for i in range(5):
        (dump / f"memo{i}.docx").write_bytes(factories.make_docx(text=f"memo {i}"))
    state = scan_flow(
        source=str(dump), out=str(tmp_path / "out"), workers=1, batch_size=2, return_state=True
    )
    assert state.is_completed()
    summary = state.result()
    assert summary["documents"] == 5 and summary["analysed"] == 5
    cards = [
        json.loads(x) for x in (tmp_path / "out" / "scorecards.jsonl").read_text().splitlines()
    ]
    assert len(cards) == 5

    async def task_names() -> list[str]:
        async with get_client() as client:
            runs = await client.read_task_runs(
                flow_run_filter=FlowRunFilter(
                    id=FlowRunFilterId(any_=[state.state_details.flow_run_id])
                )
            )
            return sorted(r.name.rsplit("-", 1)[0] for r in runs)

    names = asyncio.run(task_names())
    # 5 documents in batches of 2: three batch tasks and one finishing task, not one per file.
    assert names.count("analyse-batch") == 3
    assert names.count("finish-scan") == 1
