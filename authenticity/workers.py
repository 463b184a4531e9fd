"""Isolated worker processes for per-file work.

Each slot is a one-process executor started with ``spawn`` (never ``fork`` from a process
running orchestrator threads). Workers run with an address-space limit; each file gets a
time limit inside the worker (SIGALRM) and each batch a wall-clock deadline outside it.
When a worker dies (segfault, OOM kill) or misses its deadline, the slot is restarted and
the batch re-run one file at a time, so only the culprit is marked ``unreadable``.

A healthy worker is replaced after :data:`DOCS_PER_CHILD` documents, or after a batch that
took its peak RSS past :data:`MAX_CHILD_RSS_MB` (bounds leaks and fragmentation in
parsers). Starting one costs about a second of CPU (interpreter, imports, language model),
so the count is in documents, not batches: small batches do not make it more frequent.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from authenticity.analyse import analyse_batch, failed
from authenticity.config import Settings
from authenticity.logs import quiet_parsers
from authenticity.model import Analysis, Document

log = logging.getLogger(__name__)

#: Documents a worker process analyses before it is replaced (after the batch that crosses it).
DOCS_PER_CHILD = 10_000
#: A worker whose peak RSS passed this (MiB; at most half the address-space limit) is
#: replaced after its batch.
MAX_CHILD_RSS_MB = 1024


#: Seconds between a worker's checks that the scan process that started it is alive.
ORPHAN_CHECK_SECONDS = 1.0


def _exit_when_orphaned(parent: int) -> None:
    """A worker whose scan process died (SIGKILL, OOM kill) exits instead of lingering."""
    while True:
        time.sleep(ORPHAN_CHECK_SECONDS)
        if os.getppid() != parent:
            os._exit(1)


#: Thread-pool variables of the numerical libraries (OpenBLAS, OpenMP, MKL), read when
#: they load.
_THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def single_threaded_numerics() -> None:
    """One thread for numpy's and scikit-learn's native pools in this process.

    A scan already runs one worker process per core; each process's OpenBLAS and OpenMP
    pools then only contend, and their idle threads spin waiting for work. Measured on the
    5k benchmark dump (2 cores): 59 s of CPU and 36 s of wall time with the default pools,
    46 s and 29 s with one thread each (docs/performance.md).
    """
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, "1")  # libraries loaded from now on
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=1)  # libraries already loaded
    except Exception:  # pragma: no cover - threadpoolctl missing or a library it cannot set
        pass


def _init_worker(memory_limit_mb: int, parent: int | None = None) -> None:
    """Limits of a worker process; ``parent`` is the scan process's pid (given explicitly:
    if the scan was killed while this worker started, ``getppid()`` is already init's)."""
    parent = parent if parent is not None else os.getppid()
    if os.getppid() != parent:
        os._exit(1)
    single_threaded_numerics()
    quiet_parsers()
    threading.Thread(
        target=_exit_when_orphaned, args=(parent,), name="orphan-check", daemon=True
    ).start()
    if memory_limit_mb > 0:
        try:
            import resource

            limit = memory_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
            pass


def _peak_rss() -> int:
    """Peak resident set size of this process in bytes (0 where unknown)."""
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        return 0
    return peak if sys.platform == "darwin" else peak * 1024  # Linux reports KiB


def _analyse_batch(docs: list[Document], settings: Settings) -> tuple[list[Analysis], int]:
    """The task run in a worker: the batch's analyses and the worker's peak RSS."""
    return analyse_batch(docs, settings), _peak_rss()


def _executor(memory_limit_mb: int) -> cf.ProcessPoolExecutor:
    """A one-process executor started with ``spawn``, under :func:`_init_worker`'s limits."""
    return cf.ProcessPoolExecutor(
        max_workers=1,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_init_worker,
        initargs=(memory_limit_mb, os.getpid()),
    )


def _kill(executor: cf.ProcessPoolExecutor) -> None:
    """Stop a worker executor now, killing its process (crashed, hung or not)."""
    processes = getattr(executor, "_processes", None) or {}
    for proc in list(processes.values()):
        if proc.is_alive():
            proc.kill()
    executor.shutdown(wait=False, cancel_futures=True)


class _Slot:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        limit_mb = MAX_CHILD_RSS_MB
        if settings.memory_limit_mb > 0:
            limit_mb = min(limit_mb, settings.memory_limit_mb // 2)
        self.max_rss = limit_mb * 1024 * 1024
        self.documents = 0  # analysed by the current worker process
        self.executor = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        self.documents = 0
        return _executor(self.settings.memory_limit_mb)

    def recycle(self) -> None:
        """Replace a healthy worker between batches (nothing is pending: it just exits)."""
        self.executor.shutdown(wait=False)
        self.executor = self._start()

    def restart(self) -> None:
        _kill(self.executor)
        self.executor = self._start()

    def run(self, docs: list[Document]) -> list[Analysis]:
        deadline = self.settings.file_timeout * len(docs) + 60
        try:
            future = self.executor.submit(_analyse_batch, docs, self.settings)
            results, peak_rss = future.result(timeout=deadline)
        except Exception as exc:  # crash, OOM kill, hang, or an error escaping the worker
            if isinstance(exc, BrokenProcessPool):
                reason = "parser process crashed or ran out of memory"
            elif isinstance(exc, cf.TimeoutError):
                reason = f"parser process hung for more than {deadline:g} s"
            else:
                reason = f"parser process failed: {type(exc).__name__}: {exc}"
            log.warning("worker failed on a batch of %d (%s); isolating", len(docs), reason)
            self.restart()
            if len(docs) == 1:
                return [failed(docs[0], "application/octet-stream", reason)]
            results = []
            for doc in docs:
                results.extend(self.run([doc]))
            return results
        self.documents += len(docs)
        if self.documents >= DOCS_PER_CHILD or peak_rss > self.max_rss:
            log.debug("replacing worker after %d documents, peak RSS %d", self.documents, peak_rss)
            self.recycle()
        return results

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


class WorkerPool:
    """``workers`` isolated processes; :meth:`analyse` is safe to call from many threads."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._slots: queue.Queue[_Slot] = queue.Queue()
        self._all: list[_Slot] = []
        for _ in range(max(0, settings.workers)):
            slot = _Slot(settings)
            self._all.append(slot)
            self._slots.put(slot)

    @property
    def size(self) -> int:
        """Number of worker processes (0: everything runs in this process)."""
        return len(self._all)

    def analyse(self, docs: list[Document]) -> list[Analysis]:
        if not self._all:  # workers=0: analyse in this process (debugging, tiny scans)
            return analyse_batch(docs, self.settings)
        slot = self._slots.get()
        try:
            return slot.run(docs)
        finally:
            self._slots.put(slot)

    def call_each(
        self, fn: Callable[..., Any], calls: Sequence[tuple[Any, ...]], timeout: float = 600.0
    ) -> list[Any]:
        """``[fn(*args) for args in calls]``, the calls spread over the worker processes
        (in this process with ``workers=0``). For work after the analysis that splits into
        independent parts (the report's pages); ``fn`` must be importable (module level).
        A call that fails, crashes its worker or runs past ``timeout`` seconds raises here
        (the worker is replaced)."""
        if not self._all:
            return [fn(*args) for args in calls]
        with cf.ThreadPoolExecutor(max_workers=len(self._all), thread_name_prefix="call") as ex:
            return list(ex.map(lambda args: self._call(fn, args, timeout), calls))

    def _call(self, fn: Callable[..., Any], args: tuple[Any, ...], timeout: float) -> Any:
        slot = self._slots.get()
        try:
            return slot.executor.submit(fn, *args).result(timeout=timeout)
        except BaseException:
            slot.restart()
            raise
        finally:
            self._slots.put(slot)

    def close(self) -> None:
        for slot in self._all:
            slot.close()
        self._all.clear()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def run_isolated(
    fn: Callable[..., Any],
    calls: Sequence[tuple[Any, ...]],
    *,
    timeout: float,
    memory_limit_mb: int = 0,
) -> list[Any | None]:
    """``fn(*args)`` for each ``args`` in a spawned worker process (same limits as the
    analysis workers); a call that raises, crashes the worker or runs past ``timeout``
    seconds gives None (the worker is replaced and the next call goes on).

    For the dump-wide checks that decode content after the scan (which must not take the
    scan process down on a hostile file); ``fn`` must be importable (module level).
    """
    if not calls:
        return []
    executor = _executor(memory_limit_mb)
    out: list[Any | None] = []
    try:
        for args in calls:
            try:
                out.append(executor.submit(fn, *args).result(timeout=timeout))
            except Exception as exc:  # raised in fn, worker crash, OOM kill, hang
                log.warning("isolated %s failed (%s: %s)", fn.__name__, type(exc).__name__, exc)
                out.append(None)
                if isinstance(exc, (BrokenProcessPool, cf.TimeoutError)):
                    _kill(executor)
                    executor = _executor(memory_limit_mb)
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    return out
