"""Scan all of ../shared/corpus: a contract-conforming scorecard for every file."""

from __future__ import annotations

import json

from authenticity.config import Settings
from authenticity.pipeline import run_scan
from tests.conftest import assert_contract


def test_whole_corpus_scans_with_few_unreadable(corpus, tmp_path):
    files = sorted(
        p.relative_to(corpus).as_posix()
        for p in corpus.rglob("*")
        if p.is_file() and not p.is_symlink()
    )
    out = tmp_path / "out"
    run_scan(str(corpus), out, Settings(workers=2))
    cards = [json.loads(x) for x in (out / "scorecards.jsonl").read_text().splitlines()]
    by_path = {c["path"]: c for c in cards}
    # Every file of the corpus has its own scorecard (members of containers come on top).
    assert set(files) <= set(by_path)
    for card in cards:
        assert_contract(card)
    top = [by_path[f] for f in files]
    unreadable = [c["path"] for c in top if c["verdict"] == "unreadable"]
    assert len(unreadable) < 0.05 * len(top), unreadable
