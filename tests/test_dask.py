"""Scale-out: the scan flow's batch tasks on a Dask cluster (a LocalCluster here).

The same dump is scanned with the local engine and through ``scan_flow(dask_address=...)``
on SQLite and on PostgreSQL; the scorecards must be the same, and the batches must really
have run in the cluster's worker processes.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from authenticity import cluster
from authenticity.analyse import ANALYSER_VERSION
from authenticity.config import Settings
from authenticity.model import Document
from authenticity.pipeline import run_scan
from tests import factories
from tests.conftest import CORPUS, REPO
from tests.test_store import pg_schema_url

LEAK = dt.date(2017, 5, 5)


# -- checks without a cluster -------------------------------------------------------------


def _facts(**overrides: Any) -> dict[str, Any]:
    facts = {
        "host": socket.gethostname(),
        "pid": 1,
        "daemon": False,
        "analyser_version": ANALYSER_VERSION,
        "nthreads": 2,
    }
    return {**facts, **overrides}


def test_plan_local_sqlite_gets_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    plan = cluster.plan({"a": _facts(), "b": _facts(nthreads=1)}, "sqlite:///out/r.sqlite")
    assert plan.local and plan.workers == 2 and plan.threads == 3
    assert plan.db_url == f"sqlite:///{tmp_path / 'out' / 'r.sqlite'}"


def test_plan_refuses_what_cannot_work():
    remote = {"a": _facts(host="elsewhere.example")}
    with pytest.raises(cluster.ClusterError, match="PostgreSQL"):
        cluster.plan(remote, "sqlite:////tmp/r.sqlite")
    pg = "postgresql+psycopg2://scan:secret@db.example/leaks"
    plan = cluster.plan(remote, pg)
    assert not plan.local and plan.db_url == pg
    with pytest.raises(cluster.ClusterError, match="DAEMON=False"):
        cluster.plan({"a": _facts(daemon=True)}, pg)
    with pytest.raises(cluster.ClusterError, match="analyser version"):
        cluster.plan({"a": _facts(analyser_version="0.0.1+old")}, pg)
    with pytest.raises(cluster.ClusterError, match="no workers"):
        cluster.plan({}, pg)
    with pytest.raises(cluster.ClusterError, match="in-memory"):
        cluster.plan({"a": _facts()}, "sqlite://")


def test_prepare_batch_sends_bytes_to_other_hosts(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"hello")
    on_disk = Document("a.txt", "x" * 64, 5, file=str(tmp_path / "a.txt"))
    member = Document("z.zip!/b.txt", "y" * 64, 2, data=b"hi")
    gone = Document("gone.txt", "z" * 64, 1, file=str(tmp_path / "gone.txt"))
    remote = cluster.prepare_batch([on_disk, member, gone], local=False)
    assert remote[0].data == b"hello" and remote[0].file is None
    assert remote[1] == member and remote[2] == gone  # unreadable: the worker says why
    local = cluster.prepare_batch([on_disk], local=True)
    assert local[0].data is None and Path(local[0].file).is_absolute()


def test_analyse_and_store_in_process(tmp_path):
    """The unit of work outside Dask: same count and store rows as Scan.analyse."""
    from authenticity.analyse import analysis_key
    from authenticity.store import Store

    settings = Settings(workers=0, leak_date=LEAK)
    data = factories.make_pdf()
    import hashlib

    doc = Document("a.pdf", hashlib.sha256(data).hexdigest(), len(data), data=data)
    url = Store.sqlite_url(str(tmp_path / "r.sqlite"))
    key = analysis_key(settings)
    assert cluster.analyse_and_store([doc], settings, url, key) == 1
    assert Store(url).known_contents([doc.sha256], key) == {doc.sha256}
    with pytest.raises(cluster.ClusterError, match="analyser"):
        cluster.analyse_and_store([doc], settings, url, "0.0.1+old:abc")


def test_cli_refuses_dask_address_with_local_engine(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "authenticity",
            "scan",
            str(tmp_path),
            "--out",
            str(tmp_path / "out"),
            "--engine",
            "local",
            "--dask-address",
            "tcp://127.0.0.1:8786",
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "--dask-address" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_cli_names_the_extra_when_prefect_dask_is_missing(monkeypatch):
    import importlib.util

    from authenticity import cli
    from authenticity.errors import AuthenticityError

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "prefect_dask" else real(name)
    )
    with pytest.raises(AuthenticityError, match=r"'dask' extra.*authenticity\[dask\]"):
        cli._check_dask("prefect")


# -- the flow on a LocalCluster -----------------------------------------------------------


@pytest.fixture(scope="module")
def dask_cluster():
    pytest.importorskip("prefect_dask", reason="the 'dask' extra is not installed")
    import dask
    import distributed

    # Worker processes must not be daemonic: they start the isolated parser processes.
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local, set_as_default=False) as client,
    ):
        yield local, client


@pytest.fixture(scope="module")
def dump(tmp_path_factory) -> Path:
    """A small dump: producer-made files, corpus files, a zip (members travel as bytes)."""
    root = tmp_path_factory.mktemp("dask") / "dump"
    root.mkdir()
    for i in range(3):
        (root / f"memo{i}.docx").write_bytes(factories.make_docx(text=f"memo {i}"))
    (root / "forged.docx").write_bytes(
        factories.make_docx(
            author="Иван Петров",
            created=dt.datetime(2017, 4, 20),
            modified=dt.datetime(2017, 5, 9),
        )
    )
    (root / "budget.xlsx").write_bytes(factories.make_xlsx())
    (root / "photo.jpg").write_bytes(factories.make_jpeg())
    pdf = factories.make_pdf()
    (root / "mail.eml").write_bytes(
        factories.make_email(
            date=dt.datetime(2017, 4, 3, 10, 0, tzinfo=dt.UTC),
            attachments=[("cr.pdf", pdf, "application/pdf")],
        )
    )
    with zipfile.ZipFile(root / "archive.zip", "w") as zf:
        zf.writestr("inner/notes.docx", factories.make_docx(text="inner"))
        zf.writestr("inner/copy.pdf", pdf)  # the same content twice: analysed once
    if CORPUS.is_dir():
        for sub, pattern in (("pdf", "*.pdf"), ("ooxml", "*.docx"), ("ole", "*.doc")):
            for path in sorted((CORPUS / sub).glob(pattern))[:2]:
                shutil.copy(path, root / path.name)
    return root


@pytest.fixture(scope="module")
def expected(dump, tmp_path_factory) -> dict[str, tuple]:
    out = tmp_path_factory.mktemp("local")
    result = run_scan(
        str(dump), out, Settings(workers=1, batch_size=3, leak_date=LEAK), model="none"
    )
    assert result.analysed > 0
    return _cards(out)


def _cards(out: Path) -> dict[str, tuple]:
    cards = [json.loads(x) for x in (out / "scorecards.jsonl").read_text().splitlines()]
    return {
        c["path"]: (c["sha256"], c["verdict"], c["score"], sorted(f["code"] for f in c["findings"]))
        for c in cards
    }


def _stats(client) -> dict[int, dict[str, Any]]:
    return {s["pid"]: s for s in client.run(cluster.worker_stats).values()}


def _scan_on_dask(dump: Path, out: Path, db: str | None, dask_cluster) -> dict[str, Any]:
    from flows.scan import scan_flow

    local, client = dask_cluster
    before = _stats(client)
    state = scan_flow(
        source=str(dump),
        out=str(out),
        db=db,
        leak_date=LEAK,
        workers=1,
        batch_size=3,
        model="none",
        dask_address=local.scheduler_address,
        return_state=True,
    )
    assert state.is_completed()
    summary = state.result()
    after = _stats(client)
    ran = {
        pid: s["documents"] - before.get(pid, {}).get("documents", 0) for pid, s in after.items()
    }
    # Every analysed document went through a Dask worker process, not this one.
    assert os.getpid() not in ran
    assert sum(ran.values()) == summary["analysed"] > 0
    batches = sum(s["batches"] for s in after.values()) - sum(s["batches"] for s in before.values())
    assert batches >= 2
    # ... and each batch was a Prefect task run of this flow run.
    names = [r.name.rsplit("-", 1)[0] for r in _task_runs(state.state_details.flow_run_id)]
    assert names.count("analyse-batch") == batches
    return summary


def _task_runs(flow_run_id: Any) -> list[Any]:
    import asyncio

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async def read() -> list[Any]:
        async with get_client() as prefect:
            return await prefect.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
                limit=200,
            )

    return asyncio.run(read())


@pytest.mark.flows
def test_scan_on_dask_sqlite(dump, expected, dask_cluster, prefect_backend, tmp_path):
    summary = _scan_on_dask(dump, tmp_path / "out", None, dask_cluster)
    assert summary["documents"] == len(expected)
    assert _cards(tmp_path / "out") == expected
    assert any(v[1] in {"suspicious", "likely_forged"} for v in expected.values())


@pytest.mark.flows
@pytest.mark.postgres
def test_scan_on_dask_postgres(dump, expected, dask_cluster, prefect_backend, tmp_path):
    with pg_schema_url() as url:
        summary = _scan_on_dask(dump, tmp_path / "out", url, dask_cluster)
        assert summary["db"] == url
        assert _cards(tmp_path / "out") == expected


def test_document_is_picklable_with_settings():
    import pickle

    doc = Document("a", "b" * 64, 1, data=b"x")
    settings = dataclasses.replace(Settings(), leak_date=LEAK)
    assert pickle.loads(pickle.dumps((doc, settings))) == (doc, settings)
