"""Scan work on a Dask cluster: the picklable unit of work and the checks before using one.

The flow process keeps ingest, the dump-wide pass and scoring (:class:`authenticity.pipeline.
Scan`, which holds a store engine, locks and parser processes and cannot be pickled). Each
batch of new content goes to a Dask worker as plain data, and :func:`analyse_and_store`
runs there: it analyses the batch in the worker process's own isolated parser processes
(:class:`authenticity.workers.WorkerPool`, cached per process and reused across batches,
with the same per-file time and memory limits as a local scan) and writes the analyses to
the results store in one transaction, exactly like :meth:`Scan.analyse`.

Constraints of a cluster, checked up front by :func:`plan` from :func:`worker_facts`:

- Worker processes must not be daemonic (``distributed.worker.daemon: False``, or
  ``DASK_DISTRIBUTED__WORKER__DAEMON=False`` when starting ``dask worker``): a daemonic
  process may not start the parser processes, and analysing hostile files inside the Dask
  worker itself would lose the per-file limits (its task threads cannot use SIGALRM).
- Workers must run the same analyser code (the analysis key names its version).
- A SQLite store is a local file: it works only when every worker is on this host. A
  cluster with workers elsewhere needs a server store (PostgreSQL).
- Workers on this host read plain files from their (absolute) paths; workers on other
  hosts get the file's bytes with the batch.

No Prefect imports here, and Dask is only needed on the workers (``distributed`` is
imported lazily, for the worker's thread count).
"""

from __future__ import annotations

import atexit
import dataclasses
import multiprocessing
import os
import socket
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from authenticity.analyse import ANALYSER_VERSION
from authenticity.config import Settings
from authenticity.errors import AuthenticityError
from authenticity.model import Document
from authenticity.store import Store
from authenticity.workers import WorkerPool

#: Shown when ``--dask-address`` is used without the optional dependencies installed.
DASK_EXTRA_MESSAGE = (
    "--dask-address needs the optional 'dask' extra (prefect-dask, distributed): "
    "pip install 'authenticity[dask]'  (in a checkout: pip install -e '.[dask]')"
)

#: Environment variable that makes ``dask worker`` processes non-daemonic.
DAEMON_ENV = "DASK_DISTRIBUTED__WORKER__DAEMON=False"

#: Name of the worker plugin that closes the parser pools (:func:`worker_plugin`).
PLUGIN_NAME = "authenticity-parser-pools"

#: Parser pools (one per scan settings) and stores kept per worker process.
_MAX_POOLS = 2
_MAX_STORES = 4


class ClusterError(AuthenticityError):
    """The Dask cluster cannot run this scan (unreachable, misconfigured, wrong store)."""


# -- checks in the flow process ---------------------------------------------------------


def worker_facts() -> dict[str, Any]:
    """What :func:`plan` needs to know about one worker process (run with ``Client.run``)."""
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "daemon": bool(multiprocessing.current_process().daemon),
        "analyser_version": ANALYSER_VERSION,
        "nthreads": _worker_threads(),
    }


@dataclass(frozen=True)
class ClusterPlan:
    """How a scan uses a given cluster."""

    workers: int  # worker processes
    threads: int  # batches the cluster runs at once
    local: bool  # every worker is on this host (it can read local paths and SQLite files)
    db_url: str  # the store URL as the workers must open it


def plan(
    facts: dict[str, dict[str, Any]],
    db_url: str,
    *,
    host: str | None = None,
    address: str = "",
) -> ClusterPlan:
    """Check the workers' facts against this scan; raise :class:`ClusterError` if unusable."""
    where = f" at {address}" if address else ""
    if not facts:
        raise ClusterError(f"the Dask cluster{where} has no workers")
    daemonic = sorted(a for a, f in facts.items() if f.get("daemon"))
    if daemonic:
        raise ClusterError(
            f"Dask workers{where} are daemonic and cannot start the isolated parser "
            f"processes; start them with {DAEMON_ENV} (or distributed.worker.daemon: "
            f"False in the Dask config): {', '.join(daemonic)}"
        )
    versions = {f.get("analyser_version") for f in facts.values()}
    if versions != {ANALYSER_VERSION}:
        other = sorted(str(v) for v in versions - {ANALYSER_VERSION})
        raise ClusterError(
            f"Dask workers{where} run another analyser version ({', '.join(other)}; "
            f"this process: {ANALYSER_VERSION}); install the same authenticity on them"
        )
    host = host or socket.gethostname()
    local = all(f.get("host") == host for f in facts.values())
    return ClusterPlan(
        workers=len(facts),
        threads=sum(max(1, int(f.get("nthreads") or 1)) for f in facts.values()),
        local=local,
        db_url=worker_db_url(db_url, local=local, address=address),
    )


def worker_db_url(db_url: str, *, local: bool, address: str = "") -> str:
    """The store URL for the workers: SQLite only on this host, with an absolute path."""
    from sqlalchemy.engine import make_url

    url = make_url(db_url)
    if not url.get_backend_name().startswith("sqlite"):
        return db_url
    database = url.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        raise ClusterError(
            f"an in-memory SQLite store cannot be shared with Dask workers: {db_url!r}"
        )
    if not local:
        where = f" at {address}" if address else ""
        raise ClusterError(
            f"the Dask cluster{where} has workers on other hosts, and a SQLite store is a "
            "local file they cannot write; use a PostgreSQL store "
            "(--db postgresql+psycopg2://user@host/dbname)"
        )
    return url.set(database=str(Path(database).resolve())).render_as_string(hide_password=False)


def prepare_batch(batch: list[Document], *, local: bool) -> list[Document]:
    """A batch the workers can read: absolute paths on this host, bytes for other hosts."""
    out: list[Document] = []
    for doc in batch:
        if doc.file is None:
            out.append(doc)
        elif local:
            out.append(dataclasses.replace(doc, file=str(Path(doc.file).resolve())))
        else:
            try:
                out.append(dataclasses.replace(doc, data=doc.read(), file=None))
            except OSError:  # the worker reports it as unreadable, as a local scan does
                out.append(doc)
    return out


# -- the unit of work, on a worker ------------------------------------------------------


@dataclass
class _Cached:
    pool: WorkerPool
    users: int = 0


_lock = threading.Lock()
_pools: OrderedDict[Settings, _Cached] = OrderedDict()
_stores: OrderedDict[str, Store] = OrderedDict()
_stats = {"batches": 0, "documents": 0}


def analyse_and_store(
    batch: list[Document], settings: Settings, db_url: str, analysis_key: str
) -> int:
    """Analyse one batch in this process's parser pool and store it in one transaction.

    Returns the number of analyses stored (as :meth:`Scan.analyse`). Safe to call from
    several threads of one worker; the pool and the store are created once per process.
    """
    version = analysis_key.split(":", 1)[0]
    if version != ANALYSER_VERSION:
        raise ClusterError(
            f"this worker runs analyser {ANALYSER_VERSION}, the scan expects {version}"
        )
    pool_settings = dataclasses.replace(
        settings, workers=0 if settings.workers == 0 else _worker_threads()
    )
    if pool_settings.workers and multiprocessing.current_process().daemon:
        raise ClusterError(
            "this Dask worker is daemonic and cannot start parser processes; "
            f"start workers with {DAEMON_ENV}"
        )
    cached = _acquire_pool(pool_settings)
    try:
        analyses = cached.pool.analyse(batch)
    finally:
        with _lock:
            cached.users -= 1
    _store(db_url).save_analyses(analyses, analysis_key)
    with _lock:
        _stats["batches"] += 1
        _stats["documents"] += len(analyses)
    return len(analyses)


def worker_stats() -> dict[str, Any]:
    """Batches and documents this process analysed (run with ``Client.run``)."""
    with _lock:
        return {"host": socket.gethostname(), "pid": os.getpid(), **_stats}


def _acquire_pool(settings: Settings) -> _Cached:
    idle: list[WorkerPool] = []
    with _lock:
        cached = _pools.get(settings)
        if cached is None:
            cached = _pools[settings] = _Cached(WorkerPool(settings))
        _pools.move_to_end(settings)
        cached.users += 1
        # Pools of earlier scans (other settings) are closed once idle.
        for key in list(_pools)[:-1]:
            if len(_pools) <= _MAX_POOLS:
                break
            if _pools[key].users == 0:
                idle.append(_pools.pop(key).pool)
    for pool in idle:
        pool.close()
    return cached


def _store(db_url: str) -> Store:
    old: list[Store] = []
    with _lock:
        store = _stores.get(db_url)
        if store is None:
            store = _stores[db_url] = Store(db_url)
        _stores.move_to_end(db_url)
        while len(_stores) > _MAX_STORES:
            old.append(_stores.popitem(last=False)[1])
    for s in old:
        s.close()  # disposes idle connections; the engine still works for a late user
    return store


def worker_plugin() -> Any:
    """A Dask worker plugin that stops this module's parser pools when the worker closes.

    Register it with ``client.register_plugin(worker_plugin())``; it is idempotent, so
    registering it again does not tear down the pools of a running scan. A Dask worker that
    is closed gracefully then leaves no parser processes behind (without it the nanny kills
    the worker after a few seconds and its parser processes are orphaned).
    """
    from distributed.diagnostics.plugin import WorkerPlugin

    class CloseParserPools(WorkerPlugin):
        name = PLUGIN_NAME
        idempotent = True

        def teardown(self, worker: Any) -> None:
            close_all()

    return CloseParserPools()


def _worker_threads() -> int:
    """Task threads of the Dask worker running this code (1 outside Dask)."""
    try:
        from distributed import get_worker

        return max(1, int(get_worker().state.nthreads))
    except (ImportError, ValueError, AttributeError):
        return 1


@atexit.register
def close_all() -> None:
    """Stop this process's parser pools and close its stores."""
    with _lock:
        pools = [c.pool for c in _pools.values()]
        stores = list(_stores.values())
        _pools.clear()
        _stores.clear()
    for pool in pools:
        pool.close()
    for store in stores:
        store.close()
