"""Scheduled rescans: the ``rescan`` flow, its deployment and ``authenticity serve`` (issue 7).

Offline: the deployment's schedule and parameters (``build_deployment``), the duration parser,
the refusal to serve without a Prefect server. Against a real ``prefect server start`` (the
test harness is an ephemeral server, which runs no scheduler): ``authenticity serve`` in a
subprocess, its deployment and scheduled runs read back through the Prefect client without
waiting for them. With the harness: the rescan flow run again on a grown dump.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from authenticity.cli import main, parse_duration
from tests import factories
from tests.conftest import REPO, assert_contract

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")


# -- offline -------------------------------------------------------------------------------


def test_deployment_with_interval(tmp_path: Path) -> None:
    from flows.rescan import build_deployment

    dep = build_deployment(
        str(tmp_path),
        str(tmp_path / "out"),
        interval=dt.timedelta(hours=1),
        name="drop",
        leak_date=dt.date(2017, 5, 5),
        model="none",
        dask_address="tcp://10.0.0.5:8786",
    )
    assert dep.name == "drop" and dep.flow_name == "rescan"
    assert dep.entrypoint == "flows.rescan.rescan_flow"  # importable wherever it is served
    (sched,) = dep.schedules
    assert sched.active
    assert sched.schedule.interval == dt.timedelta(seconds=3600)
    assert dep.parameters == {
        "source": str(tmp_path.resolve()),
        "out": str((tmp_path / "out").resolve()),
        "leak_date": "2017-05-05",
        "model": "none",
        "dask_address": "tcp://10.0.0.5:8786",
    }


def test_deployment_with_cron_and_timezone(tmp_path: Path) -> None:
    from prefect.server.schemas.schedules import CronSchedule

    from flows.rescan import build_deployment

    dep = build_deployment(
        "drop",  # relative: made absolute, served runs may start elsewhere
        "out",
        cron="0 3 * * *",
        timezone="Europe/Berlin",
        db="sqlite:///store.sqlite",
        workers=1,
    )
    (sched,) = dep.schedules
    assert (sched.schedule.cron, sched.schedule.timezone, sched.active) == (
        "0 3 * * *",
        "Europe/Berlin",
        True,
    )
    assert dep.name == "drop"
    assert dep.parameters == {
        "source": str(Path("drop").resolve()),
        "out": str(Path("out").resolve()),
        "db": "sqlite:///" + str(Path("store.sqlite").resolve()),
        "workers": 1,
    }
    # next fire times, computed offline: 03:00 Berlin time, summer and winter alike
    start = dt.datetime(2027, 3, 26, 12, tzinfo=dt.UTC)
    dates = asyncio.run(
        CronSchedule(cron="0 3 * * *", timezone="Europe/Berlin").get_dates(n=3, start=start)
    )
    assert [d.astimezone(BERLIN).hour for d in dates] == [3, 3, 3]
    assert [d.astimezone(dt.UTC).hour for d in dates] == [2, 1, 1]  # DST starts 28 March


def test_deployment_name_url_source_and_bad_schedules(tmp_path: Path) -> None:
    from flows.rescan import build_deployment

    dep = build_deployment("s3://bucket/Drop Zone/", str(tmp_path), interval=90)
    assert dep.name == "Drop-Zone"
    assert dep.parameters["source"] == "s3://bucket/Drop Zone/"  # URLs stay as given
    assert dep.schedules[0].schedule.interval == dt.timedelta(seconds=90)
    bad: list[dict[str, Any]] = [
        {},
        {"interval": 60, "cron": "0 3 * * *"},
        {"interval": 0},
        {"interval": dt.timedelta(seconds=-5)},
        {"cron": "every night"},
        {"cron": "0 3 * * *", "timezone": "Mars/Olympus_Mons"},
    ]
    for kwargs in bad:
        with pytest.raises(ValueError):
            build_deployment(str(tmp_path), str(tmp_path / "out"), **kwargs)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("90", 90),
        ("90s", 90),
        ("30m", 1800),
        ("1h", 3600),
        ("1d", 86400),
        ("2w", 1209600),
        ("1h30m", 5400),
        ("1.5h", 5400),
        (" 2H ", 7200),
        ("0.5", 0.5),
    ],
)
def test_parse_duration(text: str, seconds: float) -> None:
    assert parse_duration(text) == dt.timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "h", "1x", "-5", "0", "0m", "1h-", "1 h", "soon", "1e3"])
def test_parse_duration_rejects(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        parse_duration(text)


def test_serve_arguments(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base = ["serve", "--watch", str(tmp_path), "--out", str(tmp_path / "out")]
    for extra in ([], ["--interval", "1h", "--cron", "0 3 * * *"], ["--interval", "soon"]):
        with pytest.raises(SystemExit) as exc:
            main(base + extra)
        assert exc.value.code == 2
    assert "not a duration: 'soon'" in capsys.readouterr().err
    missing = ["serve", "--watch", str(tmp_path / "nope"), "--out", "x", "--interval", "1h"]
    assert main(missing) == 2
    assert "source not found" in capsys.readouterr().err


def _env(home: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(
        PREFECT_HOME=str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        DO_NOT_TRACK="1",
        **extra,
    )
    return env


def test_serve_without_prefect_server_is_refused(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            *(sys.executable, "-m", "authenticity", "serve", "--watch", str(tmp_path)),
            *("--out", str(tmp_path / "out"), "--interval", "1h"),
        ],
        capture_output=True,
        text=True,
        cwd=REPO,
        env=_env(tmp_path / "prefect-home"),
        timeout=120,
    )
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "prefect server start" in lines[0] and "PREFECT_API_URL" in lines[0]
    assert not (tmp_path / "out").exists()


# -- a real Prefect server: the served deployment and its schedule --------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """``prefect server start`` (with its scheduler) on a free port and a temporary home."""
    home = tmp_path_factory.mktemp("prefect-server")
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api"
    env = _env(home, PREFECT_UI_ENABLED="false", PREFECT_API_URL=url)
    # the scheduler looks at new deployments every 5 s by default
    env["PREFECT_SERVER_SERVICES_SCHEDULER_RECENT_DEPLOYMENTS_LOOP_SECONDS"] = "1"
    log = (home / "server.log").open("wb")
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "prefect", "server", "start"),
            *("--host", "127.0.0.1", "--port", str(port)),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"prefect server did not start: {home / 'server.log'}")
            time.sleep(0.25)
        yield env
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        text = (home / "server.log").read_text(errors="replace")
        assert "Traceback" not in text, text[-3000:]


async def _served(
    url: str, name: str, *, runs: int, completed: int = 0, timeout: float = 45
) -> tuple[Any, list[Any]]:
    """Poll the API (no waiting for a schedule to fire) until the deployment ``rescan/name``
    exists with ``runs`` scheduled runs and ``completed`` completed ones."""
    from prefect.client.orchestration import PrefectClient
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId
    from prefect.client.schemas.sorting import FlowRunSort
    from prefect.exceptions import ObjectNotFound

    deadline = time.monotonic() + timeout
    deployment, flow_runs = None, []
    async with PrefectClient(url) as client:
        while time.monotonic() < deadline:
            try:
                deployment = await client.read_deployment_by_name(f"rescan/{name}")
            except ObjectNotFound:
                await asyncio.sleep(0.25)
                continue
            flow_runs = await client.read_flow_runs(
                deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment.id])),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC,
            )
            scheduled = [r for r in flow_runs if r.state and r.state.is_scheduled()]
            done = [r for r in flow_runs if r.state and r.state.is_completed()]
            if len(scheduled) >= runs and len(done) >= completed:
                return deployment, flow_runs
            await asyncio.sleep(0.25)
    states = [(r.name, r.state_name) for r in flow_runs]
    raise AssertionError(f"rescan/{name}: deployment {deployment is not None}, runs {states}")


async def _paused(url: str, name: str) -> bool:
    from prefect.client.orchestration import PrefectClient

    async with PrefectClient(url) as client:
        return (await client.read_deployment_by_name(f"rescan/{name}")).paused


def _serve(env: dict[str, str], tmp_path: Path, *args: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "authenticity", "serve", *args],
        cwd=tmp_path,
        env=env,
        stdout=(tmp_path / "serve.log").open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _stop(proc: subprocess.Popen[bytes], tmp_path: Path) -> str:
    """SIGTERM, as a service manager stops it; the runner pauses its deployment and exits."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    return (tmp_path / "serve.log").read_text(errors="replace")


def test_served_interval_schedule_and_run_now(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    url = prefect_server["PREFECT_API_URL"]
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "memo.pdf").write_bytes(factories.make_pdf())
    env = dict(prefect_server, PREFECT_RUNNER_POLL_FREQUENCY="1")
    started = dt.datetime.now(dt.UTC)
    proc = _serve(
        env,
        tmp_path,
        *("--watch", "drop", "--out", "out", "--interval", "1h", "--name", "hourly"),
        *("--model", "none", "--workers", "1", "--run-now"),
    )
    try:
        deployment, runs = asyncio.run(_served(url, "hourly", runs=3, completed=1, timeout=90))
    finally:
        log = _stop(proc, tmp_path)
    assert proc.returncode == 0, log
    (sched,) = deployment.schedules
    assert sched.active and sched.schedule.interval == dt.timedelta(hours=1)
    assert deployment.parameters == {
        "source": str(drop.resolve()),
        "out": str((tmp_path / "out").resolve()),
        "workers": 1,
        "model": "none",
    }
    scheduled = [r for r in runs if r.state.is_scheduled()]
    # the API does not order them; the server's scheduler may insert a second run for a time
    # it already holds when the runner re-applies the schedule under a new schedule id
    # (PrefectHQ/prefect#17703): harmless here, the runner's limit of 1 runs them one after
    # the other and the second rescan finds nothing new. Distinct times are what is checked.
    times = sorted({r.expected_start_time for r in scheduled})
    assert all(t > started for t in times)  # in the future, none has fired
    # one hour apart; a run the scheduler is still inserting when the API is read leaves a
    # gap of whole hours, never a shorter step (that would be a second schedule)
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps and all(g >= 3600 and g % 3600 == 0 for g in gaps), times
    assert all(r.auto_scheduled and r.parameters == deployment.parameters for r in scheduled)
    # --run-now: one rescan ran at once in the served process and wrote the scorecards
    (manual,) = [r for r in runs if r.state.is_completed()]
    assert not manual.auto_scheduled
    (card,) = [json.loads(x) for x in (tmp_path / "out" / "scorecards.jsonl").open()]
    assert_contract(card)
    assert card["path"] == "memo.pdf"
    assert asyncio.run(_paused(url, "hourly"))  # stopped cleanly: schedule paused


def test_sigterm_while_starting_up_stops_cleanly(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    # A service manager may stop the service while it is still registering its deployment
    # (before Prefect's runner installs its own handler): the exit is still clean. With
    # --run-now the deployment is registered before serving starts, so stopping at this
    # moment must still leave its schedule paused (it was left active before).
    (tmp_path / "drop").mkdir()
    proc = _serve(
        prefect_server,
        tmp_path,
        *("--watch", "drop", "--out", "out", "--interval", "1h", "--name", "early", "--run-now"),
    )
    log_path = tmp_path / "serve.log"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and proc.poll() is None:
        if "serving rescan/" in log_path.read_text(errors="replace"):
            break
        time.sleep(0.02)
    log = _stop(proc, tmp_path)
    assert proc.returncode == 0, log
    assert asyncio.run(_paused(prefect_server["PREFECT_API_URL"], "early")), log


def test_served_cron_schedule_with_timezone(tmp_path: Path, prefect_server: dict[str, str]) -> None:
    url = prefect_server["PREFECT_API_URL"]
    (tmp_path / "drop").mkdir()
    proc = _serve(
        prefect_server,
        tmp_path,
        *("--watch", "drop", "--out", "out", "--cron", "0 3 * * *"),
        *("--timezone", "Europe/Berlin", "--leak-date", "2017-05-05"),
    )
    try:
        deployment, runs = asyncio.run(_served(url, "drop", runs=3))
    finally:
        log = _stop(proc, tmp_path)
    assert proc.returncode == 0, log
    (sched,) = deployment.schedules
    assert (sched.schedule.cron, sched.schedule.timezone) == ("0 3 * * *", "Europe/Berlin")
    assert deployment.parameters["leak_date"] == "2017-05-05"
    now = dt.datetime.now(dt.UTC)
    days = set()
    for run in runs:
        assert run.state.is_scheduled() and run.expected_start_time > now
        local = run.expected_start_time.astimezone(BERLIN)
        assert (local.hour, local.minute) == (3, 0)
        days.add(local.date())
    assert len(days) == len(runs)  # one a day
    assert not (tmp_path / "out").exists()  # nothing ran


# -- the rescan flow: only new content is analysed ----------------------------------------


@pytest.mark.flows
def test_rescan_analyses_only_new_content(
    tmp_path: Path, prefect_backend: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.rescan import rescan_flow

    drop, out = tmp_path / "drop", tmp_path / "out"
    drop.mkdir()
    (drop / "memo.docx").write_bytes(factories.make_docx(text="memo"))
    (drop / "budget.xlsx").write_bytes(factories.make_xlsx())
    (drop / "minutes.pdf").write_bytes(factories.make_pdf())
    params = {"source": str(drop), "out": str(out), "workers": 1, "model": "none"}

    def cards() -> dict[str, dict[str, Any]]:
        rows = [json.loads(x) for x in (out / "scorecards.jsonl").read_text().splitlines()]
        return {c["path"]: c for c in rows}

    first = rescan_flow(**params)
    assert (first["documents"], first["analysed"], first["new_paths"]) == (3, 3, 3)
    assert first["previous_run"] is None

    # the drop grows: one new document, one new path to known content
    (drop / "memo2.docx").write_bytes(factories.make_docx(text="another memo"))
    (drop / "sub").mkdir()
    shutil.copy(drop / "minutes.pdf", drop / "sub" / "minutes-copy.pdf")
    second = rescan_flow(**params)
    assert second["previous_run"] == first["run_id"]
    assert second["documents"] == 5 and second["analysed"] == 1
    assert (second["new_paths"], second["new_paths_known_content"]) == (2, 1)
    assert second["removed_paths"] == 0
    assert not second["analyser_changed"] and not second["scorer_changed"]
    by_path = cards()
    assert set(by_path) == {
        "memo.docx",
        "budget.xlsx",
        "minutes.pdf",
        "memo2.docx",
        "sub/minutes-copy.pdf",
    }
    for card in by_path.values():
        assert_contract(card)
    assert by_path["sub/minutes-copy.pdf"]["sha256"] == by_path["minutes.pdf"]["sha256"]

    # another scorer: nothing re-analysed, every document re-scored
    (drop / "memo.docx").unlink()
    third = rescan_flow(**{**params, "model": None})
    assert third["analysed"] == 0 and third["scorer_changed"] and not third["analyser_changed"]
    assert third["removed_paths"] == 1 and third["documents"] == 4
    assert {c["model"]["name"] for c in cards().values()} != {"rules"}

    # another analyser version (an extractor changed): all content analysed again
    import authenticity.pipeline as pipeline

    real_key = pipeline.analysis_key
    monkeypatch.setattr(pipeline, "ANALYSER_VERSION", pipeline.ANALYSER_VERSION + "-next")
    monkeypatch.setattr(pipeline, "analysis_key", lambda s: real_key(s) + "-next")
    fourth = rescan_flow(**params)
    assert fourth["analysed"] == 3  # budget, minutes (+ its copy), memo2
    assert fourth["analyser_changed"] and fourth["scorer_changed"]
    assert fourth["new_paths"] == 0 and len(cards()) == 4


def test_stop_before_runner_starts_still_pauses_the_deployment(
    tmp_path: Path, prefect_server: dict[str, str]
) -> None:
    # SIGTERM handled before the runner has registered anything (the moment `serve --run-now`
    # has already applied the deployment): the runner never starts, so it pauses nothing;
    # serve_deployment does, on its way out.
    from prefect.settings import PREFECT_API_URL, temporary_settings

    from flows.rescan import build_deployment, pause_deployment, serve_deployment

    url = prefect_server["PREFECT_API_URL"]
    (tmp_path / "drop").mkdir()
    with temporary_settings({PREFECT_API_URL: url}):
        deployment = build_deployment(
            str(tmp_path / "drop"), str(tmp_path / "out"), interval=3600, name="stopped-early"
        )
        deployment.apply()
        assert not asyncio.run(_paused(url, "stopped-early"))  # applied: schedule active
        serve_deployment(deployment, on_ready=lambda: os.kill(os.getpid(), signal.SIGTERM))
        assert asyncio.run(_paused(url, "stopped-early"))
        assert pause_deployment("rescan/no-such-deployment") is False
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler given back
