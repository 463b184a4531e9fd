"""Isolated worker processes for per-file work.

Each slot is a one-process executor started with ``spawn`` (never ``fork`` from a process
running orchestrator threads). Workers run with an address-space limit; each file gets a
time limit inside the worker (SIGALRM) and each batch a wall-clock deadline outside it.
When a worker dies (segfault, OOM kill) or misses its deadline, the slot is restarted and
the batch re-run one file at a time, so only the culprit is marked ``unreadable``.
"""

from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing
import queue
from concurrent.futures.process import BrokenProcessPool

from authenticity.analyse import analyse_batch, failed
from authenticity.config import Settings
from authenticity.model import Analysis, Document

log = logging.getLogger(__name__)

#: Batches a worker process runs before it is replaced (bounds leaks in parsers).
TASKS_PER_CHILD = 20


def _init_worker(memory_limit_mb: int) -> None:
    if memory_limit_mb > 0:
        try:
            import resource

            limit = memory_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
            pass


class _Slot:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.executor = self._start()

    def _start(self) -> cf.ProcessPoolExecutor:
        return cf.ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(self.settings.memory_limit_mb,),
            max_tasks_per_child=TASKS_PER_CHILD,
        )

    def restart(self) -> None:
        processes = getattr(self.executor, "_processes", None) or {}
        for proc in list(processes.values()):
            if proc.is_alive():
                proc.kill()
        self.executor.shutdown(wait=False, cancel_futures=True)
        self.executor = self._start()

    def run(self, docs: list[Document]) -> list[Analysis]:
        deadline = self.settings.file_timeout * len(docs) + 60
        try:
            future = self.executor.submit(analyse_batch, docs, self.settings)
            return future.result(timeout=deadline)
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
            results: list[Analysis] = []
            for doc in docs:
                results.extend(self.run([doc]))
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

    def analyse(self, docs: list[Document]) -> list[Analysis]:
        if not self._all:  # workers=0: analyse in this process (debugging, tiny scans)
            return analyse_batch(docs, self.settings)
        slot = self._slots.get()
        try:
            return slot.run(docs)
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
