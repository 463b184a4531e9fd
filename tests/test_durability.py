"""A scan killed with SIGKILL at any point and started again scores every document once."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import sqlalchemy

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from authenticity.store import Store
from tests import factories
from tests.conftest import REPO

N_FILES = 240


def _dump(tmp_path):
    dump = tmp_path / "dump"
    dump.mkdir()
    for i in range(N_FILES):
        if i % 2:
            (dump / f"memo{i:03}.docx").write_bytes(factories.make_docx(text=f"memo {i}"))
        else:
            (dump / f"note{i:03}.pdf").write_bytes(factories.make_pdf(title=f"note {i}"))
    return dump


def _run_statuses(out) -> list[str]:
    db = out / "results.sqlite"
    if not db.exists():
        return []
    engine = sqlalchemy.create_engine(Store.sqlite_url(str(db)))
    try:
        with engine.connect() as conn:
            rows = conn.execute(sqlalchemy.text("SELECT status FROM runs ORDER BY id")).all()
    except sqlalchemy.exc.OperationalError:  # killed before the schema was written
        return []
    finally:
        engine.dispose()
    return [r[0] for r in rows]


def _scan_cmd(dump, out):
    return [
        sys.executable,
        "-m",
        "authenticity",
        "scan",
        str(dump),
        "--out",
        str(out),
        "--engine",
        "local",
        "--workers",
        "1",
        "--batch-size",
        "4",
        "-q",
    ]


def test_sigkill_at_several_points_then_resume(tmp_path):
    dump = _dump(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    for delay in (1.0, 2.0, 3.0):
        proc = subprocess.Popen(
            _scan_cmd(dump, out),
            cwd=REPO,
            env=env,
            start_new_session=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)  # the scan and its worker processes
        proc.wait(timeout=60)
        if _run_statuses(out) == ["complete"]:
            # The resumed scan finished before the kill landed (a fast machine): it was the
            # final one; starting another would be a rescan, a new run.
            break
    else:
        final = subprocess.run(
            _scan_cmd(dump, out), cwd=REPO, env=env, capture_output=True, text=True, timeout=600
        )
        assert final.returncode == 0, final.stderr

    lines = (out / "scorecards.jsonl").read_text().splitlines()
    paths = [json.loads(x)["path"] for x in lines]
    assert len(paths) == len(set(paths)) == N_FILES
    engine = sqlalchemy.create_engine(Store.sqlite_url(str(out / "results.sqlite")))
    with engine.connect() as conn:
        dup = conn.execute(
            sqlalchemy.text(
                "SELECT count(*) FROM (SELECT sha256 FROM contents GROUP BY sha256, "
                "analyser_version HAVING count(*) > 1)"
            )
        ).scalar()
        contents = conn.execute(sqlalchemy.text("SELECT count(*) FROM contents")).scalar()
        runs = conn.execute(sqlalchemy.text("SELECT status, resumed FROM runs ORDER BY id")).all()
        occurrences = conn.execute(
            sqlalchemy.text(
                "SELECT run_id, count(*), count(DISTINCT path) FROM occurrences GROUP BY run_id"
            )
        ).all()
    engine.dispose()
    assert dup == 0 and contents == N_FILES
    # Killed runs were resumed, not duplicated: one run, complete, resumed at least once.
    assert [r[0] for r in runs] == ["complete"]
    assert runs[0][1] >= 1
    assert occurrences == [(1, N_FILES, N_FILES)]


def test_killed_run_is_visible_as_interrupted(tmp_path):
    dump = _dump(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        _scan_cmd(dump, out),
        cwd=REPO,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    db = out / "results.sqlite"
    deadline = time.time() + 60
    while not db.exists() and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    # Opening the store for another source marks the dead run, without resuming it.
    store = Store(Store.sqlite_url(str(db)))
    _, resumed = store.start_run("elsewhere", {}, out_dir="other")
    assert not resumed
    first = store.run(1)
    assert first is not None and first.status == "interrupted"
    assert "killed or crashed" in (first.error or "")
    store.close()


def test_failed_run_resumes_in_process(tmp_path):
    dump = _dump(tmp_path)
    settings = Settings(workers=0)
    first = run_scan(str(dump), tmp_path / "out", settings)
    second = run_scan(str(dump), tmp_path / "out", settings)
    assert not first.resumed and not second.resumed and second.run_id == first.run_id + 1


def test_worker_processes_exit_when_the_scan_process_is_killed(tmp_path):
    import psutil

    dump = _dump(tmp_path)
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    cmd = _scan_cmd(dump, out)
    cmd[cmd.index("--workers") + 1] = "2"
    proc = subprocess.Popen(
        cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    scan = psutil.Process(proc.pid)
    children: list = []
    deadline = time.time() + 60
    while len(children) < 2 and time.time() < deadline:
        time.sleep(0.1)
        children = [c for c in scan.children(recursive=True) if _is_worker(c)]
    assert len(children) >= 2, "the scan never started its worker processes"
    proc.send_signal(signal.SIGKILL)  # only the scan process, not its group
    proc.wait(timeout=30)
    _, alive = psutil.wait_procs(children, timeout=15)
    alive = [c for c in alive if _running(c)]
    for child in alive:
        child.kill()
    assert not alive, f"worker processes outlived the killed scan: {[c.pid for c in alive]}"


def _is_worker(proc) -> bool:
    """A multiprocessing worker; a short-lived helper that already exited (a zombie whose
    command line cannot be read any more) is not."""
    import psutil

    try:
        return "spawn_main" in " ".join(proc.cmdline())
    except psutil.Error:
        return False


def _running(proc) -> bool:
    import psutil

    try:
        return proc.status() != psutil.STATUS_ZOMBIE  # a zombie has exited already
    except psutil.NoSuchProcess:
        return False
