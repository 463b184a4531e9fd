#!/usr/bin/env python3
"""Batch size for scans on a Dask cluster: documents/s of the scan flow per batch size.

Usage::

    .venv/bin/python benchmarks/dask_batches.py [--n 1000] [--sizes 50,200,500] [--repeat 1]
        [--workers 2] [--threads 1] [--dump DIR] [--no-threadpool] [--json FILE]

Generates (or reuses) a dump of N documents with ``benchmarks/make_dump.py``, starts a
``distributed.LocalCluster`` (``--workers`` processes x ``--threads`` threads, workers not
daemonic so they can start the parser processes), and runs the real ``scan`` flow with
``dask_address`` once per batch size into a fresh output folder and SQLite store, so every
content is analysed. For reference it also runs the flow's default thread-pool path
(``--workers`` local parser processes) at batch size 200.

Set ``PREFECT_API_URL`` to a running ``prefect server start``; without it the flow runs in
ephemeral mode and every Dask worker starts its own temporary Prefect server (slower; see
docs/scale-out.md). Results (docs/s = analysed contents per second of flow wall time, and
documents scored per second) print as a table and optionally go to ``--json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_DIR = Path("/tmp/authenticity-bench")

for _key, _value in {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "PREFECT_LOGGING_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(_key, _value)


def ensure_dump(n: int, seed: int, dump: Path) -> dict[str, Any]:
    """The dump of N documents (reused when its manifest matches): throughput.py's."""
    sys.path.insert(0, str(HERE))
    from throughput import ensure_dump as ensure

    return ensure(n, seed, dump)


def run_once(
    dump: Path, out: Path, batch_size: int, workers: int, address: str | None
) -> dict[str, Any]:
    from flows.scan import scan_flow

    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    summary = scan_flow(
        source=str(dump),
        out=str(out),
        leak_date=None,
        workers=workers,
        batch_size=batch_size,
        model="none",
        dask_address=address,
    )
    seconds = time.perf_counter() - started
    return {
        "engine": "dask" if address else "threadpool",
        "batch_size": batch_size,
        "seconds": round(seconds, 2),
        "analysed": summary["analysed"],
        "documents": summary["documents"],
        "analysed_per_s": round(summary["analysed"] / seconds, 1),
        "documents_per_s": round(summary["documents"] / seconds, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="documents in the dump")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default="50,200,500", help="batch sizes, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="runs per batch size")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per Dask worker")
    parser.add_argument("--dump", type=Path, help="dump folder (generated when missing)")
    parser.add_argument("--no-threadpool", action="store_true", help="skip the reference run")
    parser.add_argument("--json", type=Path, help="also write the results as JSON here")
    args = parser.parse_args()

    import dask
    import distributed

    dump = args.dump or BENCH_DIR / f"dump-{args.n}-s{args.seed}"
    manifest = ensure_dump(args.n, args.seed, dump)
    print(f"dump {dump}: {manifest['files']} files", flush=True)
    if not os.environ.get("PREFECT_API_URL"):
        print("note: PREFECT_API_URL is not set; ephemeral Prefect (slower)", flush=True)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    results: list[dict[str, Any]] = []
    with (
        dask.config.set({"distributed.worker.daemon": False}),
        distributed.LocalCluster(
            n_workers=args.workers,
            threads_per_worker=args.threads,
            processes=True,
            dashboard_address=None,
        ) as cluster,
    ):
        for size in sizes:
            for i in range(args.repeat):
                out = BENCH_DIR / f"dask-out-{size}-{i}"
                result = run_once(dump, out, size, args.workers, cluster.scheduler_address)
                results.append(result)
                print(json.dumps(result), flush=True)
    if not args.no_threadpool:
        for i in range(args.repeat):
            result = run_once(dump, BENCH_DIR / f"thread-out-{i}", 200, args.workers, None)
            results.append(result)
            print(json.dumps(result), flush=True)

    print()
    print(f"{'engine':<11} {'batch':>5} {'seconds':>8} {'analysed/s':>10} {'documents/s':>11}")
    for r in results:
        print(
            f"{r['engine']:<11} {r['batch_size']:>5} {r['seconds']:>8} "
            f"{r['analysed_per_s']:>10} {r['documents_per_s']:>11}"
        )
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                    "dump": {"path": str(dump), "n": args.n, "files": manifest["files"]},
                    "cluster": {"workers": args.workers, "threads": args.threads},
                    "prefect_api_url": bool(os.environ.get("PREFECT_API_URL")),
                    "results": results,
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
