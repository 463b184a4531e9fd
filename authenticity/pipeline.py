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
import functools
import hashlib
import heapq
import json
import logging
import os
import stat
import tempfile
import threading
from collections import Counter
from collections.abc import Callable, Container, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from authenticity import classifier, scoring
from authenticity.analyse import ANALYSER_VERSION, analysis_key, files_digest
from authenticity.config import Settings
from authenticity.dumpwide import DumpWide
from authenticity.features import to_features
from authenticity.heap import frozen_heap
from authenticity.heuristics.dump import occurrence_findings
from authenticity.ingest import IngestProblem, iter_documents
from authenticity.ingest.remote import is_url
from authenticity.limits import LIMITS_VERSION
from authenticity.limits import limits as limits_of
from authenticity.model import (
    MEMBER_SEP,
    Analysis,
    Document,
    Finding,
    Metadata,
    Scorecard,
    Severity,
    Verdict,
)
from authenticity.report import write_report
from authenticity.store import PENDING, Store
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
    #: Dump-root files not read again (unchanged since the previous complete run).
    reused_files: int = 0
    #: Nothing changed since the previous complete run: its scorecards were reused.
    unchanged: bool = False

    def summary(self) -> str:
        counts = ", ".join(f"{v}: {n}" for v, n in sorted(self.verdicts.items()))
        return (
            f"{self.documents} documents ({self.contents} distinct contents, "
            f"{self.analysed} analysed now) - {counts or 'none'}"
        )


def default_db_url(out_dir: Path) -> str:
    return Store.sqlite_url(str(out_dir / "results.sqlite"))


class Scan:
    """State of one scan; see the module docstring for the steps.

    Memory does not grow with the dump: occurrences and ingest problems go to the store
    as ingest streams, the dump-wide pass keeps compact per-content values only, and
    scoring streams the occurrences back in chunks.
    """

    def __init__(
        self,
        source: str,
        out_dir: str | os.PathLike[str],
        settings: Settings,
        db_url: str | None = None,
        *,
        model: str | os.PathLike[str] | None = None,
        incremental: bool = True,
    ) -> None:
        self.source = source
        #: Classifier for the scores: None = the shipped model, "none" = rules only, or a path.
        self.model_spec = model
        self.settings = settings
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.db_url = db_url or default_db_url(self.out_dir)
        self.store = Store(self.db_url)
        self.analysis_key = analysis_key(settings)
        self.scoring_key = (
            f"{self.analysis_key}|{scorer_id(model)}|{LIMITS_VERSION}|{scoring_code()}"
        )
        #: stat of a local file given as the source (one zip, one mbox): the whole dump
        self.source_stat = source_file_stat(source)
        self.run_id, self.resumed = self.store.start_run(
            source,
            {
                "leak_date": settings.leak_date,
                "workers": settings.workers,
                "batch_size": settings.batch_size,
                "analyser_version": ANALYSER_VERSION,
                "analysis_key": self.analysis_key,
                "scoring_key": self.scoring_key,
                "source_stat": self.source_stat,
            },
            out_dir=str(self.out_dir.resolve()),
        )
        if self.resumed:
            log.info("resuming interrupted run %d of %s", self.run_id, source)
            self.store.clear_run(self.run_id)
        #: The previous complete run of this source whose results a rescan may reuse.
        self.previous = self._reusable_run() if incremental else None
        self.problems: list[IngestProblem] = []
        self.documents = 0
        self.files_read = 0
        self.reused_files = 0
        #: True when nothing changed since ``previous``: its scorecards are reused as they are.
        self.unchanged = False
        self.analysed = 0
        self._lock = threading.Lock()
        self._pool: WorkerPool | None = None
        self.contents = 0
        #: The dump-wide pass, fed as analyses arrive (see :meth:`dump_wide`).
        self._wide = DumpWide()
        self._wide_shas: set[str] = set()
        self._model: cf.Future[classifier.Model | None] | None = None
        #: Start loading the classifier with the first batch analysed (scans set it; a
        #: rescan with nothing new never loads it, training does not need it).
        self.load_model_early = False

    def _reusable_run(self) -> Any:
        previous = self.store.previous_complete_run(self.source, before=self.run_id)
        if previous is None or (previous.options or {}).get("analysis_key") != self.analysis_key:
            return None
        return previous

    # -- step 1 -----------------------------------------------------------------
    def batches(self) -> Iterator[list[Document]]:
        """Stream the source, record every occurrence; yield batches of new content.

        On a rescan, a file at the dump root whose size, mtime, ctime and inode are those
        recorded by the previous complete run is not read: its occurrences (members,
        attachments) are copied from that run, their analyses are in the store already.
        """
        if self._reuse_source_file():
            return
        previous_stats = self.store.file_stats(self.previous.id) if self.previous else {}
        stats: dict[str, str] = {}
        reused: set[str] = set()

        def file_seen(path: str, st: os.stat_result) -> bool:
            key = stat_key(st)
            if previous_stats.get(path) == key:
                reused.add(path)
                return True
            stats[path] = key
            return False

        seen: set[str] = set()
        pending: list[Document] = []
        occurrences: list[Document] = []
        for doc in iter_documents(self.source, problems=self.problems, file_seen=file_seen):
            occurrences.append(dataclasses.replace(doc, data=None))
            if doc.parent is None:
                self.files_read += 1
            if len(occurrences) >= self.settings.batch_size:
                self._record(occurrences, stats)
                occurrences = []
            if doc.sha256 in seen:
                continue
            seen.add(doc.sha256)
            pending.append(doc)
            if len(pending) >= self.settings.batch_size:
                batch = self._new_content(pending)
                pending = []
                if batch:
                    yield batch
        self._record(occurrences, stats)
        batch = self._new_content(pending)
        if batch:
            yield batch
        if reused:
            assert self.previous is not None
            self.unchanged = (
                self.files_read == 0
                and reused == set(previous_stats)
                and (self.previous.options or {}).get("scoring_key") == self.scoring_key
            )
            copied = self.store.copy_occurrences(
                self.previous.id,
                self.run_id,
                reused,
                scored=self.unchanged,
                every_path=self.unchanged,
            )
            self.documents += copied
            self.reused_files = len(reused)
            log.info(
                "%d unchanged files (%d documents) reused from run %d%s",
                len(reused),
                copied,
                self.previous.id,
                ", scorecards included" if self.unchanged else "",
            )

    def _reuse_source_file(self) -> bool:
        """A single-file source (one archive or mbox: the whole dump) whose size, mtime,
        ctime and inode are those of the previous complete run is not read: every
        occurrence and ingest problem is copied from that run, scorecards included when
        the scorer is the same."""
        previous = self.previous
        if previous is None or self.source_stat is None:
            return False
        options = previous.options or {}
        if options.get("source_stat") != self.source_stat:
            return False
        self.unchanged = options.get("scoring_key") == self.scoring_key
        copied = self.store.copy_occurrences(
            previous.id, self.run_id, None, scored=self.unchanged, every_path=True
        )
        self.documents += copied
        self.reused_files = 1
        log.info(
            "unchanged source file (%d documents) reused from run %d%s",
            copied,
            previous.id,
            ", scorecards included" if self.unchanged else "",
        )
        return True

    def _record(self, occurrences: list[Document], stats: dict[str, str]) -> None:
        self.store.add_occurrences(self.run_id, occurrences, stats)
        for doc in occurrences:
            stats.pop(doc.path, None)
        self.documents += len(occurrences)
        if self.problems:
            self.store.add_problems(self.run_id, self.problems)
            self.problems.clear()

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
        if self.load_model_early:
            self.prefetch_model()
        analyses = self.pool.analyse(batch)
        self.store.save_analyses(analyses, self.analysis_key)
        with self._lock:
            self.analysed += len(analyses)
            for analysis in analyses:
                self._wide_add(analysis)
        return len(analyses)

    def _wide_add(self, analysis: Analysis) -> None:
        if analysis.sha256 not in self._wide_shas:
            self._wide_shas.add(analysis.sha256)
            self._wide.add(analysis.sha256, analysis)

    def prefetch_model(self) -> None:
        """Load the classifier in a thread while the workers analyse (importing scikit-learn
        and reading the model take seconds the scan's end would otherwise wait for)."""
        with self._lock:
            if self._model is None:
                self._model = cf.Future()
                threading.Thread(
                    target=self._load_model, args=(self._model,), name="model", daemon=True
                ).start()

    def _load_model(self, future: cf.Future[classifier.Model | None]) -> None:
        try:
            future.set_result(classifier.resolve(self.model_spec))
        except BaseException as exc:  # raised where the model is used
            future.set_exception(exc)

    def model(self) -> classifier.Model | None:
        self.prefetch_model()
        assert self._model is not None
        return self._model.result()

    # -- step 3 -----------------------------------------------------------------
    def dump_wide(self) -> dict[str, list[Finding]]:
        """The dump-wide pass over every distinct content of the run: sha256 -> findings.

        Contents analysed by this scan were added as their analyses arrived; the others
        (known from earlier runs, or analysed elsewhere: Dask workers) are read back now.
        """
        with self._lock:
            wide, added = self._wide, self._wide_shas
            self._wide, self._wide_shas = DumpWide(), set()
        for shas in self.store.run_contents(self.run_id, size=500):
            missing = [sha for sha in shas if sha not in added]
            if missing:
                for analysis in self.store.load_analyses(missing, self.analysis_key):
                    wide.add(analysis.sha256, analysis)
        self.contents = wide.contents
        return wide.findings(
            _StoreResolver(self.store, self.run_id, self.analysis_key, self.source, self.settings)
        )

    def record_chunks(self, chunk: int = 1000) -> Iterator[list[tuple[int, DocumentRecord]]]:
        """Every occurrence with its analysis and all its findings (dump-wide pass included),
        ``chunk`` occurrences at a time, with the store row id of each.

        The one place that assembles what a document's score is computed from, at scan time
        and at training time (``authenticity.training``). The worker processes stay up
        (idle) for the report's pages; :meth:`finish` closes them.
        """
        wide = self.dump_wide()
        problems = self._problems_by_path()
        for rows in self.store.occurrence_chunks(self.run_id, chunk):
            docs = [doc for _, doc, _ in rows]
            parents = self.store.shas_of_paths(self.run_id, {d.parent for d in docs if d.parent})
            analyses = {
                a.sha256: a
                for a in self.store.load_analyses(
                    {d.sha256 for d in docs} | set(parents.values()),
                    self.analysis_key,
                    text_chars=0,  # features, findings and scorecards read no text
                )
            }
            out: list[tuple[int, DocumentRecord]] = []
            for row_id, doc, _ in rows:
                own = analyses.get(doc.sha256) or _missing(doc)
                parent_sha = parents.get(doc.parent) if doc.parent else None
                parent = analyses.get(parent_sha) if parent_sha else None
                extra = [*wide.get(doc.sha256, ()), *problems.get(doc.path, ())]
                findings = document_findings(doc, own, parent, extra)
                out.append((row_id, DocumentRecord(doc, own, findings)))
            yield out

    def records(self) -> list[DocumentRecord]:
        """:meth:`record_chunks` as one list (training sets; small dumps)."""
        return [rec for chunk in self.record_chunks() for _, rec in chunk]

    def _problems_by_path(self) -> dict[str, list[Finding]]:
        """Each ingest problem attached to its path, or the nearest enclosing document."""
        problems = [IngestProblem(p, c, m) for p, c, m in self.store.problems(self.run_id)]
        candidates: set[str] = set()
        for p in problems:
            target = p.path
            while target:
                candidates.add(target)
                target = target.rsplit("!/", 1)[0] if "!/" in target else ""
        existing = self.store.shas_of_paths(self.run_id, candidates)
        return _problems_by_path(problems, existing)

    def _scorecards(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """Every occurrence's scorecard (JSON form) with its store row id: copied from the
        previous run when nothing changed, else scored now and written to the store."""
        if self.unchanged:
            self.close_pool()
            self.contents = self.store.count_contents(self.run_id)
            for rows in self.store.occurrence_chunks(self.run_id, with_scorecards=True):
                for row_id, _doc, card in rows:
                    yield row_id, card or {}
            return
        model = self.model()
        for chunk in self.record_chunks():
            cards = [(row_id, card.to_json()) for row_id, card in _score(chunk, model)]
            self.store.update_scorecards(cards)
            yield from cards

    def finish(self) -> ScanResult:
        """Dump-wide pass, scoring, outputs; closes the worker pool and the run."""
        with frozen_heap():  # what the analysis left is not walked by every collection
            return self._finish()

    def _finish(self) -> ScanResult:
        scorecards_path = self.out_dir / "scorecards.jsonl"
        report_path = self.out_dir / "report.html"
        top = _TopCards(self.settings.report_max_documents)
        verdicts: Counter[str] = Counter()
        documents = 0
        with _JsonlWriter(scorecards_path) as out:
            for row_id, card in self._scorecards():
                out.write(card)
                top.add(row_id, card)
                verdicts[card.get("verdict", PENDING)] += 1
                documents += 1
        report_reused = (
            self.unchanged
            and report_path.is_file()
            and Path(self.previous.out_dir or "") == self.out_dir.resolve()
        )
        if not report_reused:
            summary = {
                "source": self.source,
                "run_id": self.run_id,
                "leak_date": (
                    self.settings.leak_date.isoformat() if self.settings.leak_date else None
                ),
                "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "problems": [
                    {"path": p, "code": c, "message": m}
                    for p, c, m in self.store.problems(self.run_id)[:1000]
                ],
                "documents_total": documents,
                "verdict_counts": dict(verdicts),
            }
            shown = self.store.scorecards_by_id(top.ids())
            summary["documents_shown"] = len(shown)
            with self._lock:
                pool = self._pool
            write_report(
                report_path,
                shown,
                summary,
                runner=pool.call_each if pool is not None and pool.size else None,
                shards=pool.size if pool is not None else 1,
            )
        self.close_pool()
        self.store.finish_run(
            self.run_id, status="complete", documents=documents, analysed=self.analysed
        )
        return ScanResult(
            run_id=self.run_id,
            out_dir=self.out_dir,
            scorecards_path=scorecards_path,
            report_path=report_path,
            db_url=self.db_url,
            documents=documents,
            contents=self.contents,
            analysed=self.analysed,
            verdicts=dict(verdicts),
            resumed=self.resumed,
            reused_files=self.reused_files,
            unchanged=self.unchanged,
        )

    def fail(self, error: BaseException) -> None:
        """Mark the run failed in the store (the scan can be started again)."""
        self.close_pool()
        self.store.finish_run(
            self.run_id,
            status="failed",
            documents=self.documents,
            analysed=self.analysed,
            error=f"{type(error).__name__}: {error}",
        )

    def close_pool(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None


def source_file_stat(source: str) -> str | None:
    """:func:`stat_key` of a source that is one local regular file, else None (directories
    are compared file by file; URLs are not trusted to report stats)."""
    if is_url(source):
        return None
    try:
        st = os.stat(source)
    except OSError:
        return None
    return stat_key(st) if stat.S_ISREG(st.st_mode) else None


def stat_key(st: os.stat_result) -> str:
    """What a rescan compares to decide a file is unchanged: size, mtime, ctime, inode.

    ctime cannot be set by a user (unlike mtime, which ``touch -d`` rewrites), so a file
    edited and re-dated in place is still read again.
    """
    return f"{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}:{st.st_ino}"


@functools.cache
def scoring_code() -> str:
    """Hash of the package's code: scorecards a previous run stored are reused as they are
    only when the code that made them (dump-wide pass, features, scoring, this module) is
    the same; an upgrade rescores an unchanged dump instead of serving its old verdicts."""
    root = Path(__file__).resolve().parent
    return files_digest((p.relative_to(root).as_posix(), p) for p in sorted(root.rglob("*.py")))


def scorer_id(spec: str | os.PathLike[str] | None) -> str:
    """Identity of the scorer a scan uses (rules version, or the model file's digest)."""
    if spec is not None and str(spec).lower() == "none":
        return f"rules:{scoring.VERSION}"
    path = classifier.DEFAULT_MODEL if spec is None or str(spec) == "default" else Path(spec)
    try:
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:16]
    except OSError:
        return f"rules:{scoring.VERSION}"
    return f"model:{digest}"


def _missing(doc: Document) -> Analysis:
    return Analysis(
        doc.sha256,
        doc.size,
        "application/octet-stream",
        "failed",
        Metadata(),
        [],
        error="analysis missing from store",
    )


def _score(
    chunk: list[tuple[int, DocumentRecord]], model: classifier.Model | None
) -> list[tuple[int, Scorecard]]:
    predictions: list[Prediction | None] = [None] * len(chunk)
    if model is not None:
        X = [to_features(r.doc, r.analysis, r.findings) for _, r in chunk]
        scores, why = model.score(X)
        predictions = [Prediction(model, float(s), w) for s, w in zip(scores, why, strict=True)]
    return [
        (row_id, scorecard_from(r.doc, r.analysis, r.findings, p))
        for (row_id, r), p in zip(chunk, predictions, strict=True)
    ]


class _StoreResolver:
    """The dump-wide pass's :class:`~authenticity.dumpwide.Resolver` over the store (and,
    for the few documents a check needs whole, the source read again)."""

    def __init__(
        self, store: Store, run_id: int, key: str, source: str, settings: Settings
    ) -> None:
        self.store, self.run_id, self.key = store, run_id, key
        self.source, self.settings = source, settings

    def analyses(self, sha256s: Any) -> dict[str, Analysis]:
        return {a.sha256: a for a in self.store.load_analyses(sha256s, self.key)}

    def paths(self, sha256s: Any) -> dict[str, list[str]]:
        return self.store.paths_of(self.run_id, sha256s)

    def compare_jpegs(self, calls: list[tuple[str, str, str]]) -> dict[tuple[str, str, str], Any]:
        """:func:`authenticity.dumpwide.jpegorder.compare` for each ``(kind, sha256 a,
        sha256 b)``: every file named is read again from the source once, into a temporary
        directory (one path each, a plain file rather than a member where there is one),
        and the comparisons run in an isolated worker process."""
        from authenticity.dumpwide.jpegorder import compare_files
        from authenticity.ingest import read_documents
        from authenticity.workers import run_isolated

        shas = {sha for _kind, a, b in calls for sha in (a, b)}
        if not shas:
            return {}
        chosen = {
            min(paths, key=lambda p: (MEMBER_SEP in p, len(p), p)): sha
            for sha, paths in self.store.paths_of(self.run_id, shas).items()
            if paths
        }
        with tempfile.TemporaryDirectory(prefix="authenticity-pairs-") as tmp:
            files: dict[str, str] = {}

            def keep(path: str, data: bytes) -> None:
                sha = chosen[path]
                if hashlib.sha256(data).hexdigest() == sha:  # not changed since the scan read it
                    files[sha] = os.path.join(tmp, sha)
                    Path(files[sha]).write_bytes(data)

            read_documents(self.source, chosen, keep)
            ready = [call for call in calls if call[1] in files and call[2] in files]
            results = run_isolated(
                compare_files,
                [(kind, files[a], files[b]) for kind, a, b in ready],
                timeout=max(30.0, 2 * self.settings.file_timeout),
                memory_limit_mb=self.settings.memory_limit_mb,
            )
        log.info("compared %d of %d JPEG pairs", len(ready), len(calls))
        return dict(zip(ready, results, strict=True))


class _TopCards:
    """The ``limit`` most suspicious scorecards seen (row ids), for the static report."""

    def __init__(self, limit: int) -> None:
        self.limit = max(0, limit)
        self._heap: list[tuple[float, int, str, int]] = []

    def add(self, row_id: int, card: dict[str, Any]) -> None:
        rank = _RANK_BY_VALUE.get(card.get("verdict", ""), 0)
        item = (float(card.get("score") or 0.0), rank, _neg(card.get("path", "")), row_id)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, item)
        elif self.limit and item > self._heap[0]:
            heapq.heapreplace(self._heap, item)

    def ids(self) -> list[int]:
        return [row_id for *_, row_id in self._heap]


def _neg(path: str) -> str:
    """A key ordering paths in reverse (the heap keeps the largest; ties go to small paths)."""
    return "".join(chr(0x10FFFF - min(ord(ch), 0x10FFFF)) for ch in path[:200])


class _JsonlWriter:
    """``scorecards.jsonl`` written through a temporary file and renamed when complete."""

    def __init__(self, path: Path) -> None:
        self.path = path
        fd, self.tmp = tempfile.mkstemp(dir=path.parent, prefix=".scorecards-", suffix=".tmp")
        self.fh = os.fdopen(fd, "w", encoding="utf-8")

    def write(self, record: dict[str, Any]) -> None:
        self.fh.write(json.dumps(record, ensure_ascii=False, sort_keys=False))
        self.fh.write("\n")

    def __enter__(self) -> _JsonlWriter:
        return self

    def __exit__(self, kind: Any, exc: Any, tb: Any) -> None:
        self.fh.close()
        if kind is None:
            os.replace(self.tmp, self.path)
        else:
            Path(self.tmp).unlink(missing_ok=True)


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
    """Content, occurrence, dump-wide findings and ingest problems of one occurrence.

    A dump-wide finding may list codes under ``evidence["demotes"]``: a trait the dump
    shares explains them (e.g. a conversion tool's email layout), so the document's own
    findings with those codes count as ``low`` at most, their message saying why.
    """
    found = [*own.findings, *occurrence_findings(doc, own, parent), *extra]
    return demote(found)


def demote(findings: list[Finding]) -> list[Finding]:
    """Findings whose code another finding's ``evidence["demotes"]`` names, capped at low."""
    by: dict[str, Finding] = {}
    for f in findings:
        codes = f.evidence.get("demotes") if isinstance(f.evidence, dict) else None
        for code in codes if isinstance(codes, list) else ():
            by.setdefault(str(code), f)
    if not by:
        return findings
    out = []
    for f in findings:
        cause = by.get(f.code)
        if cause is not None and f.severity.rank > Severity.LOW.rank:
            f = dataclasses.replace(
                f,
                severity=Severity.LOW,
                message=f"{f.message} Counted as low: {cause.code} (the dump shares this trait).",
                evidence={**f.evidence, "demoted_from": f.severity.value, "demoted_by": cause.code},
            )
        out.append(f)
    return out


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


_RANK_BY_VALUE = {v.value: r for v, r in _VERDICT_RANK.items()}


def scorecard_from(
    doc: Document, own: Analysis, findings: list[Finding], prediction: Prediction | None = None
) -> Scorecard:
    """The scorecard of one occurrence: rule-based, or the classifier's with rule floors.

    With a model, ``score`` is its calibrated probability and the verdict comes from the
    model's thresholds, except that the rule-based verdict stays a floor when a finding is
    critical, or high with a code the model never saw at that severity on forged training
    documents (it cannot weigh evidence it has not learnt). A verdict raised by that floor
    raises the score just above the verdict's threshold too, so that ranking by score
    agrees with the verdicts (``model_score`` keeps the model's own probability).
    ``unreadable`` stays unreadable (its score is raised as a floor would raise a readable
    file's, when a finding that needs no reading, e.g. a false extension, would floor it);
    ``verified`` stays for a DKIM-verified email the model
    does not flag, or flags without a finding of medium or higher severity. A document with
    a high or critical finding is never ``consistent``: at least ``inconclusive``.
    """
    rule_score = scoring.score(findings)
    dkim = own.facts.get("dkim") if isinstance(own.facts.get("dkim"), dict) else {}
    verified = bool(dkim and dkim.get("verified"))
    rule_verdict = scoring.verdict(
        rule_score, own.status, own.metadata, cryptographically_verified=verified
    )
    extra: dict[str, Any] = {
        "analyser_version": ANALYSER_VERSION,
        "limits": limits_of(own.mime, own.metadata, own.facts, own.status),
    }
    if prediction is None:
        value, verdict = rule_score, rule_verdict
        scorer, scorer_version = scoring.NAME, scoring.VERSION
    else:
        model_score = round(prediction.score, 6)
        verdict, floored = _combined_verdict(prediction, rule_verdict, findings, own, verified)
        value = (
            floored_score(model_score, verdict, prediction.model.thresholds)
            if floored
            else model_score
        )
        if verdict is Verdict.UNREADABLE and _rule_floor(prediction, findings):
            # The content could not be read, but a finding that does not need it (a name
            # or a declared type the content contradicts) ranks it as it would any file.
            readable = scoring.verdict(rule_score, "ok", own.metadata)
            if _VERDICT_RANK[readable] > _VERDICT_RANK[prediction.model.verdict(model_score)]:
                value = floored_score(model_score, readable, prediction.model.thresholds)
        scorer, scorer_version = prediction.model.name, prediction.model.version
        extra["model_score"] = model_score
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


_SCORED_VERDICTS = (Verdict.LIKELY_FORGED, Verdict.SUSPICIOUS, Verdict.INCONCLUSIVE)


def floored_score(score: float, verdict: Verdict, thresholds: dict[str, float]) -> float:
    """``score`` raised just above the model threshold of ``verdict`` when a rule floor gave
    a verdict the score alone does not reach (thresholds: ``score > t`` gives the verdict)."""
    if verdict not in _SCORED_VERDICTS:
        return score
    threshold = float(thresholds.get(verdict.value, 1.0))
    if score > threshold:
        return score
    return round(min(1.0, threshold + 1e-6), 6)


def _rule_floor(prediction: Prediction, findings: list[Finding]) -> bool:
    """A critical finding, or a high one whose code the model never saw at that severity
    on forged training documents: the rule-based verdict stays a floor."""
    known = set(prediction.model.known_codes)
    return any(
        f.severity is Severity.CRITICAL
        or (f.severity is Severity.HIGH and f"{f.code}@{f.severity.value}" not in known)
        for f in findings
    )


def _combined_verdict(
    prediction: Prediction,
    rule_verdict: Verdict,
    findings: list[Finding],
    own: Analysis,
    verified: bool,
) -> tuple[Verdict, bool]:
    """The verdict, and whether a rule floor raised it above the model's."""
    if rule_verdict is Verdict.UNREADABLE:
        return rule_verdict, False
    verdict = prediction.model.verdict(prediction.score)
    floor = _rule_floor(prediction, findings)
    if floor and _VERDICT_RANK[rule_verdict] > _VERDICT_RANK[verdict]:
        return rule_verdict, True
    if verified and (
        verdict in (Verdict.CONSISTENT, Verdict.INCONCLUSIVE)
        or not any(f.severity.rank >= Severity.MEDIUM.rank for f in findings)
    ):
        # The signature proves the whole message came unchanged from the signing domain;
        # a model that does not flag it (below suspicious) has nothing stronger to say, and
        # one that flags it on info/low findings alone (soft evidence: a script's layout, a
        # rare value) does not outweigh the signature.
        return Verdict.VERIFIED, False
    if verdict is Verdict.CONSISTENT and any(
        f.severity.rank >= Severity.HIGH.rank for f in findings
    ):
        # The model weighs a learnt high finding with everything else and may find the
        # document unremarkable; the scorecard still states that finding in plain words,
        # so the verdict says "look at it" rather than "consistent" (flags are unchanged).
        return Verdict.INCONCLUSIVE, True
    if verdict is Verdict.CONSISTENT:
        # nothing to check (no metadata, unsupported type): the model cannot say more
        nothing = own.status == "unsupported" or not any(
            getattr(own.metadata, f) for f in scoring.EVIDENCE_FIELDS
        )
        if rule_verdict is Verdict.INCONCLUSIVE and nothing:
            return Verdict.INCONCLUSIVE, False
    return verdict, False


def _problems_by_path(
    problems: list[IngestProblem], by_path: Container[str]
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
    scan.load_model_early = True
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
