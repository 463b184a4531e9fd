"""What the benchmarks that scan a dump beside the shared corpus have in common."""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Container
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
FLAGGED = {"suspicious", "likely_forged"}


def dump_parser(description: str, show: str) -> argparse.ArgumentParser:
    """The options of a benchmark that builds a dump and scans it: ``--show`` (``show`` is
    its help), ``--keep DIR`` and ``--model PATH``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--show", action="store_true", help=show)
    parser.add_argument("--keep", help="write the dump and the scan here instead of a temp dir")
    parser.add_argument("--model", help="score with this model file (default: the shipped one)")
    return parser


def copy_corpus(dest: Path, skip: Container[Path] = ()) -> None:
    """Copy the shared corpus's files (not its licences, manifest and readme, nor ``skip``)
    into ``dest``, keeping their folders."""
    for src in sorted(CORPUS.rglob("*")):
        rel = src.relative_to(CORPUS)
        if not src.is_file() or src in skip or rel.parts[0] == "LICENSES":
            continue
        if rel.name in ("MANIFEST.tsv", "README.md"):
            continue
        (dest / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest / rel)
