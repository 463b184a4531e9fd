"""Prefect flow ``train``: a thin wrapper over :mod:`authenticity.training`.

One library call per task: build the training dump (authentic files + synthetic forgeries),
analyse it with the scan pipeline, evaluate and write ``models/``. See docs/classifier.md.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from authenticity import training


@task(name="build-training-dump", cache_policy=NO_CACHE)
def build_dump(
    work: str,
    corpus: list[str] | None,
    seed: int,
    max_forgeries: int,
    labels: str | None,
) -> tuple[list[training.Item], str | None, dict[str, Any]]:
    return training.build_dump(
        Path(work) / "dump",
        corpus=corpus,
        seed=seed,
        max_forgeries=max_forgeries,
        labels=labels,
    )


@task(name="analyse-training-dump", cache_policy=NO_CACHE)
def analyse_dump(
    work: str,
    items: list[training.Item],
    keys: str | None,
    workers: int,
    overrides: dict[str, int],
) -> training.TrainingSet:
    return training.analyse_dump(
        Path(work) / "dump",
        items,
        Path(work) / "scan",
        workers=workers,
        dkim_keys=keys,
        overrides=overrides,
    )


@task(name="evaluate-train-write", cache_policy=NO_CACHE)
def train_and_write(
    ts: training.TrainingSet,
    out: str,
    seed: int,
    data: dict[str, Any],
    evaluate: bool,
    workers: int = 1,
) -> dict[str, Any]:
    return training.train_and_write(
        ts, out, seed=seed, data=data, evaluate_model=evaluate, workers=workers
    )


@flow(name="train", flow_run_name="train seed={seed}")
def train_flow(
    out: str = "models",
    seed: int = 0,
    corpus: list[str] | None = None,
    labels: str | None = None,
    max_forgeries: int | None = None,
    workers: int = 2,
    evaluate: bool = True,
) -> dict[str, Any]:
    """Train the forgery classifier; writes ``OUT/authenticity-<version>.skops`` and its card."""
    logger = get_run_logger()
    work = tempfile.mkdtemp(prefix="authenticity-train-")
    try:
        items, keys, data = build_dump(
            work, corpus, seed, max_forgeries or training.DEFAULT_MAX_FORGERIES, labels
        )
        overrides = data.pop("label_overrides", {})
        ts = analyse_dump(work, items, keys, workers, overrides)
        result = train_and_write(ts, out, seed, data, evaluate, workers)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    logger.info("model %s, thresholds %s", result["model"], result["thresholds"])
    return result


if __name__ == "__main__":  # pragma: no cover - manual use
    print(train_flow())
