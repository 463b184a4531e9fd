"""False-positive benchmark: scan the (all authentic) shared corpus and count flags.

    .venv/bin/python benchmarks/corpus_flags.py [CORPUS] [--show]

Prints the share of documents flagged ``suspicious`` or ``likely_forged`` (the acceptance
criterion of the per-document checks is at most 3 %), the number of documents raising each
finding code, and the number of documents each check module contributes findings to.
``--show`` lists the flagged documents with their findings.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
import tempfile
from pathlib import Path

from authenticity.config import Settings
from authenticity.pipeline import run_scan

FLAGGED = {"suspicious", "likely_forged"}
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

#: Finding-code prefix -> the check module (family) that raises it.
FAMILIES = (
    ("TS_BEFORE_SOFTWARE", "software"),
    ("TS_ATTACHMENT", "dump"),
    ("TS_", "dates"),
    ("TYPE_", "filetype"),
    ("PDF_", "pdf"),
    ("OOXML_", "office"),
    ("OFFICE_", "office"),
    ("OLE_", "office"),
    ("EXIF_", "exif"),
    ("EMAIL_", "email"),
    ("DKIM", "email"),
    ("BASELINE_", "baseline"),
    ("NEARDUP_", "neardup"),
)


def family(code: str) -> str:
    for prefix, name in FAMILIES:
        if code.startswith(prefix):
            return name
    return "other"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--show", action="store_true", help="list the flagged documents")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        run_scan(args.corpus, tmp, Settings(workers=2))
        cards = [json.loads(line) for line in (Path(tmp) / "scorecards.jsonl").open()]

    verdicts = collections.Counter(c["verdict"] for c in cards)
    flagged = [c for c in cards if c["verdict"] in FLAGGED]
    top = [c for c in cards if not c.get("parent")]
    top_flagged = [c for c in top if c["verdict"] in FLAGGED]
    codes: collections.Counter[str] = collections.Counter()
    code_sev: dict[str, str] = {}
    checks: collections.Counter[str] = collections.Counter()
    for card in cards:
        seen = {f["code"] for f in card["findings"]}
        codes.update(seen)
        checks.update({family(c) for c in seen})
        for f in card["findings"]:
            code_sev[f["code"]] = f["severity"]

    rate = len(flagged) / len(cards) if cards else 0.0
    print(f"documents: {len(cards)} ({len(top)} top-level files)")
    print(f"flagged (suspicious or likely_forged): {len(flagged)} = {rate:.1%}")
    top_rate = len(top_flagged) / len(top) if top else 0.0
    print(f"flagged top-level files: {len(top_flagged)} = {top_rate:.1%}")
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in verdicts.most_common()))
    print("\ndocuments per finding code:")
    for code, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {n:5d}  {code} ({code_sev[code]})")
    print("\ndocuments per check family:")
    for name, n in checks.most_common():
        print(f"  {n:5d}  {name}")
    if args.show:
        print("\nflagged documents:")
        for card in sorted(flagged, key=lambda c: -c["score"]):
            print(f"  {card['score']:.2f} {card['verdict']:13s} {card['path']}")
            for f in card["findings"]:
                if f["severity"] != "info":
                    print(f"        {f['severity']:8s} {f['code']}: {f['message'][:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
