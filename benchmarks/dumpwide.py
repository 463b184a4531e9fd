"""Time the dump-wide pass on synthetic documents: ``python benchmarks/dumpwide.py [N]``.

Builds N text documents (10 % of them modified copies of another) plus metadata for the
baseline, then times each module of :mod:`authenticity.dumpwide`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import sys
import time

from authenticity.dumpwide import dump_findings
from authenticity.dumpwide.baseline import baseline_findings
from authenticity.dumpwide.email import email_findings
from authenticity.dumpwide.neardup import neardup_findings
from authenticity.model import Analysis, Document, Metadata

MIMES = [
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/pdf",
]
AUTHORS = ["Alice Martin", "Julien Moreau", "Claire Petit", "Hugo Bernard", "Léa Durand"]


def build(n: int, seed: int = 1) -> list[tuple[Document, Analysis]]:
    rng = random.Random(seed)
    vocab = [f"mot{i}" for i in range(20_000)]
    items: list[tuple[Document, Analysis]] = []
    texts: list[str] = []
    for i in range(n):
        if texts and rng.random() < 0.1:
            words = rng.choice(texts).split()
            for _ in range(rng.randint(1, 4)):
                words[rng.randrange(len(words))] = str(rng.randint(100, 9999))
        else:
            words = rng.choices(vocab, k=rng.randint(100, 600))
        text = " ".join(words)
        texts.append(text)
        sha = hashlib.sha256(f"{i}{text}".encode()).hexdigest()
        author = rng.choice(AUTHORS)
        meta = Metadata(
            author=author,
            last_modified_by=author,
            application="Microsoft Excel",
            app_version=rng.choice(["16.0300", "15.0300"]),
            created=dt.datetime(2017, 1, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
            modified=dt.datetime(2017, 2, 1, tzinfo=dt.UTC) + dt.timedelta(hours=i),
        )
        mime = MIMES[i % len(MIMES)]
        items.append(
            (
                Document(f"dump/{i:06d}", sha, len(text)),
                Analysis(sha, len(text), mime, "ok", meta, [], text=text),
            )
        )
    return items


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 5000
    items = build(n)
    for name, fn in (
        ("baseline", baseline_findings),
        ("neardup", neardup_findings),
        ("email", email_findings),
    ):
        started = time.perf_counter()
        result = fn(items)
        took = time.perf_counter() - started
        print(f"{name:9s} {took:7.2f} s  ({sum(map(len, result.values()))} findings)")
    started = time.perf_counter()
    dump_findings(items)
    print(f"{'total':9s} {time.perf_counter() - started:7.2f} s  for {n:,} documents")


if __name__ == "__main__":
    main()
