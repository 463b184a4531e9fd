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
