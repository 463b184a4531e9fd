"""A scan, step by step, without any orchestrator.

:class:`Scan` holds the state of one scan of one source. The steps are:

1. :meth:`Scan.batches` streams the source (ingest), records every provenance path, and
   yields batches of *new* content: each distinct sha256 once, minus what the results
   store already analysed with this analyser version.
2. :meth:`Scan.analyse` analyses a batch in the isolated worker processes and writes the
   results in one transaction. Safe to call from several threads.
3. :meth:`Scan.finish` runs the dump-wide pass (occurrence checks), scores every path,
   writes ``scorecards.jsonl`` and ``report.html`` and closes the run in the store.

:func:`run_scan` chains the steps with a thread pool; ``flows/scan.py`` chains the same
steps as Prefect tasks.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
import json
import logging
import os
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authenticity import classifier, scoring
from authenticity.analyse import ANALYSER_VERSION, analysis_key
from authenticity.config import Settings
from authenticity.dumpwide import dump_findings
from authenticity.features import to_features
from authenticity.heuristics.dump import occurrence_findings
from authenticity.ingest import IngestProblem, iter_documents
from authenticity.model import (
    Analysis,
    Document,
    Finding,
    Metadata,
    Scorecard,
    Severity,
    Verdict,
)
from authenticity.report import write_report
from authenticity.store import Store
from authenticity.workers import WorkerPool

log = logging.getLogger(__name__)

ProgressFn = Callable[[int], None]

#: Severity of ingest problems shown on the container's scorecard.
_PROBLEM_SEVERITY = {
    "ARCHIVE_DEPTH_LIMIT": Severity.LOW,
    "ARCHIVE_MEMBER_LIMIT": Severity.LOW,
    "ARCHIVE_SIZE_LIMIT": Severity.LOW,
    "ARCHIVE_RATIO_LIMIT": Severity.LOW,
    "ARCHIVE_UNSAFE_MEMBER": Severity.LOW,
}


@dataclass
class ScanResult:
    run_id: int
    out_dir: Path
    scorecards_path: Path
    report_path: Path
    db_url: str
    documents: int
    contents: int
    analysed: int
    verdicts: dict[str, int] = field(default_factory=dict)
    resumed: bool = False

    def summary(self) -> str:
        counts = ", ".join(f"{v}: {n}" for v, n in sorted(self.verdicts.items()))
        return (
            f"{self.documents} documents ({self.contents} distinct contents, "
            f"{self.analysed} analysed now) - {counts or 'none'}"
        )


def default_db_url(out_dir: Path) -> str:
    return Store.sqlite_url(str(out_dir / "results.sqlite"))


class Scan:
    """State of one scan; see the module docstring for the steps."""

    def __init__(
        self,
        source: str,
        out_dir: str | os.PathLike[str],
        settings: Settings,
        db_url: str | None = None,
        *,
        model: str | os.PathLike[str] | None = None,
    ) -> None:
        self.source = source
        #: Classifier for the scores: None = the shipped model, "none" = rules only, or a path.
        self.model_spec = model
        self.settings = settings
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or default_db_url(self.out_dir)
        self.store = Store(self.db_url)
        self.run_id, self.resumed = self.store.start_run(
            source,
            {
                "leak_date": settings.leak_date,
                "workers": settings.workers,
                "batch_size": settings.batch_size,
                "analyser_version": ANALYSER_VERSION,
            },
            out_dir=str(self.out_dir.resolve()),
        )
        if self.resumed:
            log.info("resuming interrupted run %d of %s", self.run_id, source)
        self.analysis_key = analysis_key(settings)
        self.occurrences: list[Document] = []
        self.problems: list[IngestProblem] = []
        self.analysed = 0
        self._lock = threading.Lock()
        self._pool: WorkerPool | None = None
        self.contents = 0

    # -- step 1 -----------------------------------------------------------------
    def batches(self) -> Iterator[list[Document]]:
        """Stream the source; yield batches of content not analysed before."""
        seen: set[str] = set()
        pending: list[Document] = []
        for doc in iter_documents(self.source, problems=self.problems):
            self.occurrences.append(dataclasses.replace(doc, data=None))
            if doc.sha256 in seen:
                continue
            seen.add(doc.sha256)
            pending.append(doc)
            if len(pending) >= self.settings.batch_size:
                batch = self._new_content(pending)
                pending = []
                if batch:
                    yield batch
        batch = self._new_content(pending)
        if batch:
            yield batch

    def _new_content(self, docs: list[Document]) -> list[Document]:
        known = self.store.known_contents((d.sha256 for d in docs), self.analysis_key)
        return [d for d in docs if d.sha256 not in known]

    # -- step 2 -----------------------------------------------------------------
    @property
    def pool(self) -> WorkerPool:
        with self._lock:
            if self._pool is None:
                self._pool = WorkerPool(self.settings)
            return self._pool

    def analyse(self, batch: list[Document]) -> int:
        """Analyse one batch in the worker processes and store the results."""
        analyses = self.pool.analyse(batch)
        self.store.save_analyses(analyses, self.analysis_key)
        with self._lock:
            self.analysed += len(analyses)
        return len(analyses)

    # -- step 3 -----------------------------------------------------------------
    def records(self) -> list[DocumentRecord]:
        """Every occurrence with its analysis and all its findings (dump-wide pass included).

        The one place that assembles what a document's score is computed from, at scan time
        and at training time (``authenticity.training``).
        """
        self.close_pool()
        analyses = {
            a.sha256: a
            for a in self.store.load_analyses(
                (d.sha256 for d in self.occurrences), self.analysis_key
            )
        }
        by_path = {d.path: d for d in self.occurrences}
        missing = Analysis(
            "",
            0,
            "application/octet-stream",
            "failed",
            Metadata(),
            [],
            error="analysis missing from store",
        )
        extra = _problems_by_path(self.problems, by_path)
        items = [(d, analyses.get(d.sha256, missing)) for d in self.occurrences]
        for path, findings in dump_findings(items, settings=self.settings).items():
            extra.setdefault(path, []).extend(findings)
        out: list[DocumentRecord] = []
        for doc in self.occurrences:
            own = analyses.get(doc.sha256)
            if own is None:  # cannot happen unless the store lost a write
                own = Analysis(
                    doc.sha256,
                    doc.size,
                    "application/octet-stream",
                    "failed",
                    Metadata(),
                    [],
                    error="analysis missing from store",
                )
            parent_doc = by_path.get(doc.parent) if doc.parent else None
            parent = analyses.get(parent_doc.sha256) if parent_doc else None
            findings = document_findings(doc, own, parent, extra.get(doc.path, []))
            out.append(DocumentRecord(doc, own, findings))
        self.contents = len(analyses)
        return out

    def finish(self) -> ScanResult:
        """Dump-wide pass, scoring, outputs; closes the worker pool and the run."""
        records = self.records()
        model = classifier.resolve(self.model_spec)
        predictions: list[Prediction | None] = [None] * len(records)
        if model is not None:
            X = [to_features(r.doc, r.analysis, r.findings) for r in records]
            scores, why = model.score(X)
            predictions = [Prediction(model, float(s), w) for s, w in zip(scores, why, strict=True)]
        cards = [
            scorecard_from(r.doc, r.analysis, r.findings, p)
            for r, p in zip(records, predictions, strict=True)
        ]
        self.store.save_scorecards(self.run_id, cards)
        scorecards_path = self.out_dir / "scorecards.jsonl"
        write_jsonl(scorecards_path, (c.to_json() for c in cards))
        report_path = self.out_dir / "report.html"
        summary = {
            "source": self.source,
            "run_id": self.run_id,
            "leak_date": self.settings.leak_date.isoformat() if self.settings.leak_date else None,
            "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "problems": [dataclasses.asdict(p) for p in self.problems],
        }
        write_report(report_path, [c.to_json() for c in cards], summary)
        verdicts = Counter(c.verdict.value for c in cards)
        self.store.finish_run(
            self.run_id, status="complete", documents=len(cards), analysed=self.analysed
        )
        return ScanResult(
            run_id=self.run_id,
            out_dir=self.out_dir,
            scorecards_path=scorecards_path,
            report_path=report_path,
            db_url=self.db_url,
            documents=len(cards),
            contents=self.contents,
            analysed=self.analysed,
            verdicts=dict(verdicts),
            resumed=self.resumed,
        )

    def fail(self, error: BaseException) -> None:
        """Mark the run failed in the store (the scan can be started again)."""
        self.close_pool()
        self.store.finish_run(
            self.run_id,
            status="failed",
            documents=len(self.occurrences),
            analysed=self.analysed,
            error=f"{type(error).__name__}: {error}",
        )

    def close_pool(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


@dataclass
class DocumentRecord:
    """One occurrence with its content analysis and every finding that applies to it."""

    doc: Document
    analysis: Analysis
    findings: list[Finding]


@dataclass
class Prediction:
    """The classifier's calibrated score and top reasons for one document."""

    model: classifier.Model
    score: float
    reasons: list[dict[str, Any]]


def document_findings(
    doc: Document, own: Analysis, parent: Analysis | None, extra: list[Finding]
) -> list[Finding]:
    """Content, occurrence, dump-wide findings and ingest problems of one occurrence."""
    return [*own.findings, *occurrence_findings(doc, own, parent), *extra]


def build_scorecard(
    doc: Document,
    own: Analysis,
    parent: Analysis | None,
    extra: list[Finding],
    prediction: Prediction | None = None,
) -> Scorecard:
    """Combine content, occurrence, dump-wide findings and ingest problems into a scorecard."""
    return scorecard_from(doc, own, document_findings(doc, own, parent, extra), prediction)


_VERDICT_RANK = {
    Verdict.CONSISTENT: 0,
    Verdict.VERIFIED: 0,
    Verdict.INCONCLUSIVE: 1,
    Verdict.SUSPICIOUS: 2,
    Verdict.LIKELY_FORGED: 3,
}


def scorecard_from(
    doc: Document, own: Analysis, findings: list[Finding], prediction: Prediction | None = None
) -> Scorecard:
    """The scorecard of one occurrence: rule-based, or the classifier's with rule floors.

    With a model, ``score`` is its calibrated probability and the verdict comes from the
    model's thresholds, except that the rule-based verdict stays a floor when a finding is
    critical, or high with a code the model never saw at that severity on forged training
    documents (it cannot weigh evidence it has not learnt). ``unreadable`` stays
    unreadable; ``verified`` stays for a DKIM-verified email the model does not flag.
    """
    rule_score = scoring.score(findings)
    dkim = own.facts.get("dkim") if isinstance(own.facts.get("dkim"), dict) else {}
    verified = bool(dkim and dkim.get("verified"))
    rule_verdict = scoring.verdict(
        rule_score, own.status, own.metadata, cryptographically_verified=verified
    )
    extra: dict[str, Any] = {"analyser_version": ANALYSER_VERSION}
    if prediction is None:
        value, verdict = rule_score, rule_verdict
        scorer, scorer_version = scoring.NAME, scoring.VERSION
    else:
        value = round(prediction.score, 6)
        verdict = _combined_verdict(prediction, rule_verdict, findings, own, verified)
        scorer, scorer_version = prediction.model.name, prediction.model.version
        extra["reasons"] = prediction.reasons
        extra["rule_score"] = rule_score
    return Scorecard(
        path=doc.path,
        sha256=doc.sha256,
        size=doc.size,
        mime=own.mime,
        metadata=own.metadata.to_json(),
        findings=findings,
        score=value,
        verdict=verdict,
        extension=doc.extension,
        declared_mime=doc.declared_mime,
        parent=doc.parent,
        status=own.status,
        error=own.error,
        scorer=scorer,
        scorer_version=scorer_version,
        extra=extra,
    )


def _combined_verdict(
    prediction: Prediction,
    rule_verdict: Verdict,
    findings: list[Finding],
    own: Analysis,
    verified: bool,
) -> Verdict:
    if rule_verdict is Verdict.UNREADABLE:
        return rule_verdict
    verdict = prediction.model.verdict(prediction.score)
    known = set(prediction.model.known_codes)
    floor = any(
        f.severity is Severity.CRITICAL
        or (f.severity is Severity.HIGH and f"{f.code}@{f.severity.value}" not in known)
        for f in findings
    )
    if floor and _VERDICT_RANK[rule_verdict] > _VERDICT_RANK[verdict]:
        verdict = rule_verdict
    if verdict is Verdict.CONSISTENT:
        if verified:
            return Verdict.VERIFIED
        # nothing to check (no metadata, unsupported type): the model cannot say more
        nothing = own.status == "unsupported" or not any(
            getattr(own.metadata, f) for f in scoring.EVIDENCE_FIELDS
        )
        if rule_verdict is Verdict.INCONCLUSIVE and nothing:
            return Verdict.INCONCLUSIVE
    return verdict


def _problems_by_path(
    problems: list[IngestProblem], by_path: dict[str, Document]
) -> dict[str, list[Finding]]:
    """Attach each ingest problem to its path, or the nearest enclosing document."""
    out: dict[str, list[Finding]] = {}
    for p in problems:
        target = p.path
        while target and target not in by_path:
            target = target.rsplit("!/", 1)[0] if "!/" in target else ""
        if not target:
            continue
        out.setdefault(target, []).append(
            Finding(
                p.code,
                _PROBLEM_SEVERITY.get(p.code, Severity.INFO),
                p.message,
                {"path": p.path},
            )
        )
    return out


def write_jsonl(path: Path, records: Iterator[dict[str, Any]] | Any) -> None:
    """Write records atomically (temp file + rename), one JSON object per line."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".scorecards-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for record in records:
                fh.write(json.dumps(record, ensure_ascii=False, sort_keys=False))
                fh.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def run_scan(
    source: str,
    out_dir: str | os.PathLike[str],
    settings: Settings,
    db_url: str | None = None,
    progress: ProgressFn | None = None,
    *,
    model: str | os.PathLike[str] | None = None,
) -> ScanResult:
    """Scan without an orchestrator: batches analysed by a small thread pool.

    ``model``: the classifier (None = the shipped model, "none" = rule-based scores, or a
    path to a ``.skops`` model file).
    """
    scan = Scan(source, out_dir, settings, db_url, model=model)
    threads = max(1, settings.workers)
    try:
        with cf.ThreadPoolExecutor(max_workers=threads) as executor:
            in_flight: set[cf.Future[int]] = set()
            for batch in scan.batches():
                in_flight.add(executor.submit(scan.analyse, batch))
                if len(in_flight) >= 2 * threads:  # bound memory held by queued batches
                    done, in_flight = cf.wait(in_flight, return_when=cf.FIRST_COMPLETED)
                    for fut in done:
                        n = fut.result()
                        if progress:
                            progress(n)
            for fut in cf.as_completed(in_flight):
                n = fut.result()
                if progress:
                    progress(n)
        return scan.finish()
    except BaseException as exc:
        scan.fail(exc)
        raise
