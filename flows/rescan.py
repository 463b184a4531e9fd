"""Prefect flow ``rescan``: one incremental scan of a drop location, for a scheduled deployment.

Every run scans the whole drop location (a path or an fsspec URL) into the same output folder
and results store, through the ``scan`` flow (run as a subflow, so the same steps and batch
tasks). What that gives a rescan:

- content already analysed (same sha256, same analyser version and analysis settings) is not
  analysed again; only new content goes to the worker processes (``analysed``);
- every path is recorded, including new paths to known content (a copied or renamed file);
- scores come from the current scorer, so a new model re-scores all old results, and a new
  analyser version (code fingerprint) re-analyses all content.

:func:`compare_runs` tells, against the previous complete run of the same source and output
folder, how many paths are new, gone, or new paths to known content, and whether the analyser
or the scorer changed. :func:`build_deployment` makes the scheduled deployment that
``authenticity serve`` serves (docs/rescan.md).
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NO_CACHE
from prefect.schedules import Cron, Interval
from prefect.types.entrypoint import EntrypointType

from flows.scan import scan_flow

if TYPE_CHECKING:
    from collections.abc import Callable

    from prefect.deployments.runner import RunnerDeployment

FLOW_NAME = "rescan"


@task(name="compare-runs", cache_policy=NO_CACHE)
def compare_task(db_url: str, run_id: int) -> dict[str, Any]:
    return compare_runs(db_url, run_id)


def compare_runs(db_url: str, run_id: int) -> dict[str, Any]:
    """What run ``run_id`` changed against the previous complete run of its source and folder.

    Returns ``previous_run`` (id or None), ``new_paths``, ``removed_paths``,
    ``new_paths_known_content`` (new paths whose content the previous run already had),
    ``analyser_changed`` and ``scorer_changed`` (False when there is no previous run), and the
    ``analyser``/``scorer`` versions of both runs.
    """
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from authenticity.store import Occurrence, Run, Store

    store = Store(db_url)
    try:
        with Session(store.engine) as session:
            run = session.get(Run, run_id)
            if run is None:
                raise ValueError(f"no run {run_id} in {db_url}")
            previous = session.execute(
                select(Run)
                .where(
                    Run.source == run.source,
                    Run.out_dir == run.out_dir,
                    Run.status == "complete",
                    Run.id < run_id,
                )
                .order_by(Run.id.desc())
                .limit(1)
            ).scalar_one_or_none()

            def paths(rid: int) -> dict[str, str]:
                rows = session.execute(
                    select(Occurrence.path, Occurrence.sha256).where(Occurrence.run_id == rid)
                )
                return dict(rows.tuples().all())

            def scorer(rid: int) -> str | None:
                card = session.execute(
                    select(Occurrence.scorecard).where(Occurrence.run_id == rid).limit(1)
                ).scalar_one_or_none()
                model = (card or {}).get("model") or {}
                return f"{model.get('name')} {model.get('version')}" if model else None

            now = paths(run_id)
            out: dict[str, Any] = {
                "previous_run": previous.id if previous else None,
                "analyser": (run.options or {}).get("analyser_version"),
                "scorer": scorer(run_id),
            }
            if previous is None:
                out.update(
                    new_paths=len(now),
                    removed_paths=0,
                    new_paths_known_content=0,
                    previous_analyser=None,
                    previous_scorer=None,
                    analyser_changed=False,
                    scorer_changed=False,
                )
                return out
            before = paths(previous.id)
            known = set(before.values())
            new = [p for p in now if p not in before]
            out.update(
                new_paths=len(new),
                removed_paths=sum(1 for p in before if p not in now),
                new_paths_known_content=sum(1 for p in new if now[p] in known),
                previous_analyser=(previous.options or {}).get("analyser_version"),
                previous_scorer=scorer(previous.id),
            )
            out["analyser_changed"] = out["previous_analyser"] != out["analyser"]
            out["scorer_changed"] = out["previous_scorer"] != out["scorer"]
            return out
    finally:
        store.engine.dispose()


@flow(name=FLOW_NAME, flow_run_name="rescan {source}")
def rescan_flow(
    source: str,
    out: str,
    db: str | None = None,
    leak_date: dt.date | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    dkim_keys: str | None = None,
    dns: bool = False,
    model: str | None = None,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Scan the drop location ``source`` again into ``out`` and its store; only new content is
    analysed. Returns the scan summary plus what changed since the previous run
    (:func:`compare_runs`)."""
    logger = get_run_logger()
    summary = scan_flow(
        source=source,
        out=out,
        db=db,
        leak_date=leak_date,
        workers=workers,
        batch_size=batch_size,
        progress=False,
        dkim_keys=dkim_keys,
        dns=dns,
        model=model,
        dask_address=dask_address,
    )
    changes = compare_task(summary["db"], summary["run_id"])
    summary.update(changes)
    logger.info(
        "rescan of %s: %d documents, %d new paths (%d to known content), %d removed; "
        "%d contents analysed now; analyser changed: %s, scorer changed: %s",
        source,
        summary["documents"],
        summary["new_paths"],
        summary["new_paths_known_content"],
        summary["removed_paths"],
        summary["analysed"],
        summary["analyser_changed"],
        summary["scorer_changed"],
    )
    create_markdown_artifact(
        key="rescan-summary",
        markdown=summary_markdown(source, summary),
        description=f"rescan of {source}: {summary['new_paths']} new paths",
    )
    return summary


def summary_markdown(source: str, summary: dict[str, Any]) -> str:
    def esc(value: Any) -> str:
        return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>])", r"\\\1", str(value))

    rows = [
        ("source", source),
        ("store run", summary["run_id"]),
        ("previous run", summary["previous_run"] or "none"),
        ("documents", summary["documents"]),
        ("new paths", summary["new_paths"]),
        ("new paths to known content", summary["new_paths_known_content"]),
        ("removed paths", summary["removed_paths"]),
        ("contents analysed now", summary["analysed"]),
        ("analyser", summary["analyser"]),
        ("scorer", summary["scorer"]),
        ("analyser changed (all content re-analysed)", summary["analyser_changed"]),
        ("scorer changed (all documents re-scored)", summary["scorer_changed"]),
        ("verdicts", ", ".join(f"{k}: {v}" for k, v in sorted(summary["verdicts"].items()))),
        ("report", summary["report"]),
    ]
    lines = ["# Rescan", "", "| | |", "|---|---|"]
    lines += [f"| {esc(k)} | {esc(v)} |" for k, v in rows]
    return "\n".join(lines) + "\n"


def default_name(source: str) -> str:
    """Deployment name from the drop location: its last path component, as a slug."""
    tail = source.rstrip("/").rsplit("/", 1)[-1].rsplit("::", 1)[-1]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", tail).strip("-.")
    return slug or "drop"


def _absolute(source: str) -> str:
    """A local source as an absolute path (served runs may start in another directory)."""
    if "://" in source:
        return source
    return str(Path(source).expanduser().resolve())


def _absolute_db(db: str | None) -> str | None:
    """A relative ``sqlite:///file`` URL made absolute, for the same reason."""
    if db is None or not db.startswith("sqlite:///") or db.startswith("sqlite:////"):
        return db
    rest = db.removeprefix("sqlite:///")
    if not rest or rest.startswith(":memory:"):
        return db
    return "sqlite:///" + str(Path(rest).expanduser().resolve())


def build_deployment(
    source: str,
    out: str,
    *,
    interval: dt.timedelta | float | None = None,
    cron: str | None = None,
    timezone: str | None = None,
    name: str | None = None,
    db: str | None = None,
    leak_date: dt.date | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    dkim_keys: str | None = None,
    dns: bool = False,
    model: str | None = None,
    dask_address: str | None = None,
) -> RunnerDeployment:
    """The ``rescan`` deployment of ``source`` with one schedule: ``interval`` (timedelta or
    seconds) or ``cron`` (with an optional IANA ``timezone``). Offline: nothing is sent to a
    Prefect API until the deployment is applied or served. Raises ValueError on a bad
    schedule."""
    if (interval is None) == (cron is None):
        raise ValueError("give exactly one schedule: an interval or a cron expression")
    if timezone is not None:
        import zoneinfo

        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(
                f"unknown time zone {timezone!r} (IANA name, e.g. Europe/Berlin)"
            ) from exc
    if interval is not None:
        if not isinstance(interval, dt.timedelta):
            interval = dt.timedelta(seconds=interval)
        if interval.total_seconds() <= 0:
            raise ValueError(f"the interval must be positive, not {interval}")
        schedule = Interval(interval, timezone=timezone)
    else:
        assert cron is not None
        try:
            schedule = Cron(cron, timezone=timezone)
        except ValueError as exc:
            raise ValueError(f"not a cron expression: {cron!r}") from exc
    parameters: dict[str, Any] = {
        "source": _absolute(source),
        "out": str(Path(out).expanduser().resolve()),
        "db": _absolute_db(db),
        "leak_date": leak_date.isoformat() if leak_date else None,
        "workers": workers,
        "batch_size": batch_size,
        "dkim_keys": dkim_keys,
        "dns": True if dns else None,
        "model": model,
        "dask_address": dask_address,
    }
    return rescan_flow.to_deployment(
        name=name or default_name(source),
        schedule=schedule,
        parameters={k: v for k, v in parameters.items() if v is not None},
        description=f"Rescan {source} into {parameters['out']}; only new content is analysed.",
        tags=["authenticity", "rescan"],
        entrypoint_type=EntrypointType.MODULE_PATH,
    )


def serve_deployment(
    deployment: RunnerDeployment, limit: int = 1, on_ready: Callable[[], None] | None = None
) -> None:
    """``prefect.serve`` for one deployment, stopping cleanly on SIGTERM at any moment.

    ``prefect.serve`` registers the deployment first and installs the runner's SIGTERM
    handler only when the runner starts; a service manager's SIGTERM in between killed the
    process without pausing the schedule, and one during the runner's start-up made its
    handler fail ("Runner has not yet started"). Here SIGTERM is caught from the beginning
    and acted on once the runner has started. ``on_ready`` is called as soon as SIGTERM is
    handled (``authenticity serve`` prints its "serving ..." line there).
    """
    import asyncio
    import signal
    import threading

    from prefect.runner import Runner

    runner = Runner(pause_on_shutdown=True, limit=limit)
    pending = threading.Event()
    graceful = runner.handle_sigterm

    def on_sigterm(*args: Any) -> None:
        if runner.started:
            graceful(*args)  # pauses the schedule and exits
        else:
            pending.set()  # acted on by run() once the runner has started

    # Runner.start() installs ``self.handle_sigterm``: make that ours too.
    runner.handle_sigterm = on_sigterm  # type: ignore[method-assign]
    previous = signal.signal(signal.SIGTERM, on_sigterm)
    if on_ready is not None:
        on_ready()

    async def run() -> None:
        started = asyncio.create_task(runner.start())
        while not runner.started and not started.done():
            await asyncio.sleep(0.05)
        if pending.is_set() and runner.started:
            graceful()
        await started

    try:
        if pending.is_set():
            return
        runner.add_deployment(deployment)
        asyncio.run(run())  # even when stopped meanwhile: the runner pauses the schedule
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        # The runner pauses the schedule while its loop is torn down by ``sys.exit`` from
        # the signal handler, a race it can lose under load (the pause request is cancelled
        # with the loop's tasks). Pausing again here, on a fresh client, makes "a stopped
        # service leaves its schedule paused" hold every time; it is a no-op when paused.
        pause_deployment(deployment.full_name)


def pause_deployment(full_name: str) -> bool:
    """Pause the deployment ``flow/name`` if it exists; True when it is paused afterwards.

    A failure to reach the server is logged, never raised: this runs on the way out."""
    import logging

    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    try:
        with get_client(sync_client=True) as client:
            found = client.read_deployment_by_name(full_name)
            if not found.paused:
                client.pause_deployment(found.id)
            return True
    except ObjectNotFound:
        return False
    except Exception as exc:  # on shutdown: report, do not mask the exit
        logging.getLogger("authenticity.serve").warning(
            "could not pause deployment %s on shutdown: %s", full_name, exc
        )
        return False


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    print(rescan_flow(sys.argv[1], sys.argv[2]))
