"""A scan flow killed with SIGKILL shows as Crashed in Prefect once the scan is started again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy

from tests import factories
from tests.conftest import REPO


@pytest.mark.flows
def test_killed_flow_run_is_marked_crashed_when_resumed(tmp_path, prefect_backend):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.objects import StateType
    from prefect.settings import PREFECT_API_URL

    from flows.scan import scan_flow

    dump = tmp_path / "dump"
    dump.mkdir()
    for i in range(160):
        (dump / f"memo{i:03}.docx").write_bytes(factories.make_docx(text=f"memo {i}"))
    out = tmp_path / "out"
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "PREFECT_API_URL": str(PREFECT_API_URL.value()),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "authenticity",
            "scan",
            str(dump),
            "--out",
            str(out),
            "--workers",
            "1",
            "--batch-size",
            "4",
            "-q",
        ],
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = out / "results.sqlite"
    engine = sqlalchemy.create_engine(f"sqlite:///{db}")
    killed_flow_run = None
    deadline = time.time() + 120
    try:
        while time.time() < deadline and killed_flow_run is None:
            time.sleep(0.2)
            if not db.exists():
                continue
            try:
                with engine.connect() as conn:
                    row = conn.execute(
                        sqlalchemy.text("select flow_run_id, documents from runs where id = 1")
                    ).first()
                    analysed = conn.execute(
                        sqlalchemy.text("select count(*) from contents")
                    ).scalar()
            except sqlalchemy.exc.OperationalError:
                continue  # tables not created yet
            if row is not None and row[0] and analysed:
                killed_flow_run = row[0]
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        engine.dispose()
    assert killed_flow_run, "the scan never recorded its flow run"

    with get_client(sync_client=True) as client:
        before = client.read_flow_run(killed_flow_run)
    assert before.state is not None and before.state.type == StateType.RUNNING

    state = scan_flow(source=str(dump), out=str(out), workers=1, batch_size=40, return_state=True)
    assert state.is_completed()
    summary = state.result()
    assert summary["documents"] == 160 and summary["run_id"] == 1  # the same run, resumed

    with get_client(sync_client=True) as client:
        after = client.read_flow_run(killed_flow_run)
    assert after.state is not None and after.state.type == StateType.CRASHED
    assert "interrupted" in (after.state.message or "")
