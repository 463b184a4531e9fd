"""Prefect flow ``scan``: a thin wrapper over :class:`authenticity.pipeline.Scan`.

Work is mapped over batches of documents (``batch_size`` each, default 200), never one task
per file: Prefect sustains only ~10-250 task runs/s. Per-file parsing happens in the
library's isolated worker processes; the task runner's threads only feed them.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.task_runners import ThreadPoolTaskRunner

from authenticity import artifacts, cluster
from authenticity.config import Settings
from authenticity.model import Document
from authenticity.pipeline import Scan


@task(name="analyse-batch", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def analyse_batch(scan: Scan, batch: list[Document]) -> int:
    return scan.analyse(batch)


@task(name="analyse-batch", cache_policy=NO_CACHE, retries=1, retry_delay_seconds=2)
def analyse_batch_on_cluster(
    batch: list[Document], settings: Settings, db_url: str, analysis_key: str
) -> int:
    """The batch task of a Dask scan: plain data in, runs on a Dask worker."""
    return cluster.analyse_and_store(batch, settings, db_url, analysis_key)


@task(name="finish-scan", cache_policy=NO_CACHE)
def finish_scan(scan: Scan) -> dict[str, Any]:
    result = scan.finish()
    return {
        "run_id": result.run_id,
        "scorecards": str(result.scorecards_path),
        "report": str(result.report_path),
        "db": result.db_url,
        "documents": result.documents,
        "contents": result.contents,
        "analysed": result.analysed,
        "verdicts": result.verdicts,
    }


@task(name="publish-artifacts", cache_policy=NO_CACHE)
def publish_artifacts(scorecards: str, report: str, max_documents: int = 50) -> int:
    """Table of the most suspicious documents plus one markdown artifact per flagged one."""
    import json

    with open(scorecards, encoding="utf-8") as fh:
        cards = [json.loads(line) for line in fh]
    rows = artifacts.top_table(cards)
    create_table_artifact(
        key="scan-top-suspicious",
        table=rows or [{"verdict": "-", "score": 0, "path": "no flagged documents"}],
        description=f"Most suspicious documents (full report: {report})",
    )
    flagged = [c for c in artifacts.ranked(cards) if c["verdict"] in artifacts.FLAGGED]
    for card in flagged[:max_documents]:
        create_markdown_artifact(
            key=artifacts.artifact_key(card["path"]),
            markdown=artifacts.card_markdown(card, report),
            description=f"{card['verdict']} {card['score']:.2f}",
        )
    return len(flagged)


@flow(
    name="scan",
    task_runner=ThreadPoolTaskRunner(max_workers=8),
    flow_run_name="scan {source}",
)
def scan_flow(
    source: str,
    out: str,
    db: str | None = None,
    leak_date: dt.date | None = None,
    workers: int | None = None,
    batch_size: int | None = None,
    progress: bool = False,
    dkim_keys: str | None = None,
    dns: bool = False,
    model: str | None = None,
    dask_address: str | None = None,
) -> dict[str, Any]:
    """Scan one dump into per-document scorecards (``OUT/scorecards.jsonl``, ``report.html``).

    ``model``: classifier file (None = the shipped model, "none" = rule-based scores).
    ``dask_address``: run the batch tasks on the Dask cluster with this scheduler address
    (``tcp://host:8786``) through prefect-dask; see docs/scale-out.md.
    """
    logger = get_run_logger()
    settings = Settings.from_env(
        leak_date=leak_date,
        workers=workers,
        batch_size=batch_size,
        dkim_keys=dkim_keys,
        dns=dns,
    )
    scan = Scan(source, out, settings, db, model=model)
    _claim_run(scan, logger)
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(unit="doc", desc="analysing", dynamic_ncols=True)
    scan.load_model_early = True
    try:
        if dask_address:
            _analyse_on_dask(scan, dask_address, logger, bar)
        else:
            futures = []
            limit = 2 * max(1, settings.workers)  # batches (and their bytes) queued at most
            for batch in scan.batches():
                futures.append(analyse_batch.submit(scan, batch))
                if len(futures) >= limit:
                    _collect(futures.pop(0), logger, bar)
            for fut in futures:
                _collect(fut, logger, bar)
        summary = finish_scan(scan)
    except BaseException as exc:
        scan.fail(exc)
        raise
    finally:
        if bar is not None:
            bar.close()
    summary["flagged"] = publish_artifacts(summary["scorecards"], summary["report"])
    logger.info(
        "scan complete: %d documents, %d analysed, verdicts %s; scorecards in %s",
        summary["documents"],
        summary["analysed"],
        summary["verdicts"],
        summary["scorecards"],
    )
    return summary


def _claim_run(scan: Scan, logger: Any) -> None:
    """Record this flow run on the store's run, and mark Crashed the flow runs of scans that
    were killed without telling Prefect (they would stay Running forever otherwise)."""
    from uuid import UUID

    from prefect.client.orchestration import get_client
    from prefect.runtime import flow_run
    from prefect.states import Crashed

    current = flow_run.get_id()
    stale = [(r, f) for r, f in scan.store.stale_flow_runs(scan.run_id) if f != current]
    scan.store.set_flow_run(scan.run_id, current)
    if not stale:
        return
    try:
        with get_client(sync_client=True) as client:
            for run_id, flow_run_id in stale:
                found = client.read_flow_run(UUID(flow_run_id))
                if found.state is None or found.state.is_final():
                    continue
                client.set_flow_run_state(
                    found.id,
                    Crashed(
                        message=f"scan run {run_id} was interrupted (its process ended "
                        f"without finishing); resumed or superseded by flow run {current}"
                    ),
                    force=True,
                )
                logger.warning(
                    "flow run %s of interrupted scan run %d marked Crashed", flow_run_id, run_id
                )
    except Exception as exc:  # another Prefect server, a deleted flow run: never fail the scan
        logger.warning("could not mark interrupted flow runs as crashed: %s", exc)


def _collect(future: Any, logger: Any, bar: Any) -> int:
    n = future.result()
    logger.info("analysed a batch of %d documents", n)
    if bar is not None:
        bar.update(n)
    return n


def _analyse_on_dask(scan: Scan, address: str, logger: Any, bar: Any) -> None:
    """Ingest here, batch tasks on the Dask cluster at ``address`` (docs/scale-out.md)."""
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError as exc:
        raise cluster.ClusterError(cluster.DASK_EXTRA_MESSAGE) from exc

    with DaskTaskRunner(address=address) as runner:
        try:
            facts = runner.client.run(cluster.worker_facts)
        except OSError as exc:
            raise cluster.ClusterError(f"Dask scheduler {address} unreachable: {exc}") from exc
        plan = cluster.plan(facts, scan.db_url, address=address)
        runner.client.register_plugin(cluster.worker_plugin())  # stops parser pools on close
        logger.info(
            "Dask cluster %s: %d workers, %d threads, %s",
            address,
            plan.workers,
            plan.threads,
            "all on this host" if plan.local else "content sent with the batches",
        )
        futures = []
        for batch in scan.batches():
            scan.prefetch_model()
            parameters = {
                "batch": cluster.prepare_batch(batch, local=plan.local),
                "settings": scan.settings,
                "db_url": plan.db_url,
                "analysis_key": scan.analysis_key,
            }
            futures.append(runner.submit(analyse_batch_on_cluster, parameters))
            if len(futures) >= 2 * plan.threads:  # batches (and their bytes) in flight
                scan.analysed += _collect(futures.pop(0), logger, bar)
        for fut in futures:
            scan.analysed += _collect(fut, logger, bar)


if __name__ == "__main__":  # pragma: no cover - manual use
    import sys

    print(scan_flow(sys.argv[1], sys.argv[2]))
