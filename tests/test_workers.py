"""Worker isolation: per-file time limit, crashing or starved workers never stop a scan."""

from __future__ import annotations

import hashlib
import os
import signal

from authenticity.config import Settings
from authenticity.model import Document
from authenticity.workers import WorkerPool
from tests import factories


def doc(path: str, data: bytes) -> Document:
    return Document(path, hashlib.sha256(data).hexdigest(), len(data), data=data)


def test_reading_a_fifo_times_out_and_the_batch_goes_on(tmp_path):
    fifo = tmp_path / "pipe.pdf"
    os.mkfifo(fifo)  # opening it for reading blocks forever: a hang in "parsing"
    good = factories.make_pdf()
    docs = [Document("pipe.pdf", "0" * 64, 0, file=str(fifo)), doc("good.pdf", good)]
    with WorkerPool(Settings(workers=1, file_timeout=1.0)) as pool:
        results = pool.analyse(docs)
    assert [r.status for r in results] == ["failed", "ok"]
    assert "longer than 1 s" in (results[0].error or "")
    assert results[1].metadata.author == "Alice Martin"


class KillsItsReader(Document):
    """A file whose reading kills the worker process, as the kernel's OOM killer would."""

    def read(self) -> bytes:
        os.kill(os.getpid(), signal.SIGKILL)
        return b""


def test_killed_worker_marks_only_the_culprit_unreadable():
    data = factories.make_pdf()
    docs = [
        doc("before.pdf", data),
        KillsItsReader("killer.pdf", "1" * 64, 10, data=b"x" * 10),
        doc("after.pdf", data + b"\n"),
    ]
    with WorkerPool(Settings(workers=1)) as pool:
        results = pool.analyse(docs)
        again = pool.analyse([doc("next-batch.pdf", data)])  # the slot was restarted
    assert [r.status for r in results] == ["ok", "failed", "ok"]
    assert "crashed or ran out of memory" in (results[1].error or "")
    assert again[0].status == "ok"


def test_two_workers_share_batches_from_threads():
    import concurrent.futures as cf

    batches = [[doc(f"{i}.pdf", factories.make_pdf(title=f"t{i}"))] for i in range(4)]
    with WorkerPool(Settings(workers=2)) as pool, cf.ThreadPoolExecutor(4) as ex:
        results = list(ex.map(pool.analyse, batches))
    assert [r[0].metadata.title for r in results] == ["t0", "t1", "t2", "t3"]


def _worker_pids(pool: WorkerPool) -> set[int]:
    return {p.pid for slot in pool._all for p in (slot.executor._processes or {}).values()}


def test_a_worker_is_reused_and_replaced_by_documents_analysed(monkeypatch):
    from authenticity import workers

    monkeypatch.setattr(workers, "DOCS_PER_CHILD", 3)
    batches = [
        [doc(f"{i}-{j}.pdf", factories.make_pdf(title=f"t{i}{j}")) for j in range(2)]
        for i in range(3)
    ]
    with WorkerPool(Settings(workers=1)) as pool:
        first = pool.analyse(batches[0])
        pids = _worker_pids(pool)
        assert pool._all[0].documents == 2
        second = pool.analyse(batches[1])  # crosses 3 documents: replaced after this batch
        assert pool._all[0].documents == 0
        third = pool.analyse(batches[2])
        assert pids and _worker_pids(pool).isdisjoint(pids)
    titles = [a.metadata.title for batch in (first, second, third) for a in batch]
    assert titles == ["t00", "t01", "t10", "t11", "t20", "t21"]
    assert all(a.status == "ok" for batch in (first, second, third) for a in batch)


def test_a_worker_past_the_rss_bound_is_replaced_after_its_batch(monkeypatch):
    from authenticity import workers

    monkeypatch.setattr(workers, "MAX_CHILD_RSS_MB", 1)  # every worker is bigger than 1 MiB
    data = factories.make_pdf()
    with WorkerPool(Settings(workers=1)) as pool:
        assert pool._all[0].max_rss == 1 << 20
        executor = pool._all[0].executor
        result = pool.analyse([doc("a.pdf", data)])
        assert pool._all[0].executor is not executor  # replaced after the batch
        again = pool.analyse([doc("b.pdf", data + b"\n")])
    assert result[0].status == again[0].status == "ok"


def test_rss_bound_is_at_most_half_the_memory_limit():
    from authenticity import workers

    slot = workers._Slot(Settings(workers=1, memory_limit_mb=800))
    try:
        assert slot.max_rss == 400 << 20
    finally:
        slot.close()


def _divide(a: int, b: int) -> float:
    return a / b


def _die(code: int) -> None:
    os._exit(code)


def _sleep(seconds: float) -> float:
    import time

    time.sleep(seconds)
    return seconds


def test_run_isolated_survives_errors_crashes_and_hangs():
    from authenticity.workers import run_isolated

    results = run_isolated(_divide, [(1, 2), (1, 0), (3, 4)], timeout=30)
    assert results == [0.5, None, 0.75]
    # a worker that dies, or hangs past the timeout, is replaced and the next call runs
    assert run_isolated(_die, [(3,)], timeout=30) == [None]
    assert run_isolated(_sleep, [(60,), (0,)], timeout=2) == [None, 0]
    assert run_isolated(_divide, [], timeout=1) == []


def _numeric_threads() -> tuple[dict[str, str | None], list[int]]:
    import numpy as np  # noqa: F401  (loads OpenBLAS)
    import sklearn.ensemble  # noqa: F401  (loads OpenMP)
    from threadpoolctl import threadpool_info

    env = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    return env, [pool["num_threads"] for pool in threadpool_info()]


def test_workers_run_numerical_libraries_on_one_thread():
    # One worker process per core: idle OpenBLAS/OpenMP threads inside each only spin
    # (the 5k benchmark's CPU time fell from 59 s to 46 s without them).
    from authenticity.workers import run_isolated

    ((env, threads),) = run_isolated(_numeric_threads, [()], timeout=60)
    assert env == {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"}
    assert threads and set(threads) == {1}


def test_call_each_spreads_calls_over_the_workers_and_replaces_a_failed_one():
    with WorkerPool(Settings(workers=2)) as pool:
        assert pool.size == 2
        assert pool.call_each(_divide, [(1, 2), (3, 4), (5, 8)]) == [0.5, 0.75, 0.625]
        before = _worker_pids(pool)
        assert len(before) == 2  # both workers took calls
        assert pool.call_each(_divide, [(1, 1), (2, 1)]) == [1.0, 2.0]
        assert _worker_pids(pool) == before  # the same processes, reused
        try:
            pool.call_each(_die, [(3,)])
        except Exception as exc:
            assert "terminated abruptly" in str(exc) or "BrokenProcessPool" in repr(exc)
        else:
            raise AssertionError("a worker that died must raise")
        assert pool.call_each(_divide, [(1, 4), (1, 8)]) == [0.25, 0.125]  # replaced
    with WorkerPool(Settings(workers=0)) as pool:  # in this process
        assert pool.size == 0
        assert pool.call_each(_divide, [(1, 2)]) == [0.5]
