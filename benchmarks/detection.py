"""Detection benchmark: the model card's figures, recomputed from scratch.

    .venv/bin/python benchmarks/detection.py [--seed N] [--corpus DIR ...] [--max-forgeries N]

Builds the training dump (authentic files + synthetic forgeries), analyses it with the scan
pipeline, runs the evaluation of ``authenticity.training.evaluate`` (random split, unseen
source files, leave-one-technique-out, per technique) and prints the tables. Then measures
what the classifier adds to a scan: the shipped model's scoring time per document, reasons
included (feature extraction + one batched model call per 256 documents).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from authenticity import classifier, training
from authenticity.logs import quiet_parsers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--corpus", action="append", metavar="DIR")
    parser.add_argument("--max-forgeries", type=int, default=training.DEFAULT_MAX_FORGERIES)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--model", default=str(classifier.DEFAULT_MODEL))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    quiet_parsers()  # the generator's producers and the parsers warn about odd inputs
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="detection-") as tmp:
        items, keys, data = training.build_dump(
            Path(tmp) / "dump",
            corpus=args.corpus,
            seed=args.seed,
            max_forgeries=args.max_forgeries,
        )
        overrides = data.pop("label_overrides", {})
        ts = training.analyse_dump(
            Path(tmp) / "dump",
            items,
            Path(tmp) / "scan",
            workers=args.workers,
            dkim_keys=keys,
            overrides=overrides,
        )
    t_data = time.monotonic() - t0
    t1 = time.monotonic()
    evaluation = training.evaluate(ts, args.seed, workers=args.workers)
    evaluation.pop("oof_scores")
    evaluation.pop("oof_scores_all")
    t_eval = time.monotonic() - t1
    print(f"# Detection benchmark (seed {args.seed})\n")
    print(
        f"{len(ts)} documents: {sum(1 for v in ts.y if v == 0)} authentic, "
        f"{sum(ts.y)} forged; data built and analysed in {t_data:.0f} s, "
        f"evaluated in {t_eval:.0f} s\n"
    )
    print(training.metrics_table(training._round(evaluation)))
    # Scoring cost per document with the shipped (or given) model.
    model = classifier.load(args.model)
    model.score(ts.X[:10])  # warm-up
    t2 = time.monotonic()
    scores, reasons = model.score(ts.X)
    t_score = time.monotonic() - t2
    n = len(ts.X)
    print(
        f"\nscoring with {Path(args.model).name}: {n} documents in {t_score:.2f} s = "
        f"{1000 * t_score / n:.2f} ms per document (reasons included; features are "
        "computed from facts already in memory)"
    )
    print(f"mean reasons per document: {sum(map(len, reasons)) / n:.1f}")
    per_doc = ts.sources.get("feature_seconds_per_document", 0.0)
    print(f"feature extraction: {1000 * per_doc:.3f} ms per document")
    print(f"classifier total added per document: {1000 * (per_doc + t_score / n):.2f} ms")
    del scores
    return 0


if __name__ == "__main__":
    sys.exit(main())
