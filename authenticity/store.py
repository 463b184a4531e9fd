"""Results store (SQLAlchemy): SQLite by default, any SQLAlchemy URL (PostgreSQL) works.

Tables:
- ``runs``: one row per scan (source, options, status ``running|complete|failed``).
- ``contents``: one row per distinct content, keyed by sha256 + analyser version:
  detected type, status, metadata, content-level findings, facts, text. Content already
  analysed by the same analyser version is not analysed again.
- ``occurrences``: one row per (run, provenance path): the scorecard of that path.
- ``decisions``: reviewers' verdicts (who, when, path, sha256, decision, note); the newest
  decision per (path, sha256) is the current one. Exported as training labels.

Every batch is written in one transaction. The schema is managed by Alembic migrations
(authenticity/migrations, docs/store.md): a model change comes with a new revision.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import socket
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    delete,
    func,
    insert,
    literal,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, defer, mapped_column

from authenticity.errors import SourceError
from authenticity.migrations import ensure_schema
from authenticity.model import (
    MEMBER_SEP,
    Analysis,
    Document,
    Finding,
    Metadata,
    Scorecard,
    Severity,
    jsonable,
)
from authenticity.timeutil import parse_iso8601


class Base(DeclarativeBase):
    pass


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Run(Base):
    __tablename__ = "runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="running")
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    documents: Mapped[int] = mapped_column(Integer, default=0)
    analysed: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(Text)
    out_dir: Mapped[str | None] = mapped_column(Text)
    host: Mapped[str | None] = mapped_column(String(255))
    pid: Mapped[int | None] = mapped_column(Integer)
    resumed: Mapped[int | None] = mapped_column(Integer, default=0)
    #: Prefect flow run that drives this scan, if any (marked Crashed when found interrupted).
    flow_run_id: Mapped[str | None] = mapped_column(String(64))


class Content(Base):
    __tablename__ = "contents"
    __table_args__ = (UniqueConstraint("sha256", "analyser_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    analyser_version: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    mime: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    metadata_json: Mapped[dict[str, Any]] = mapped_column("metadata", JSON)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON)
    text: Mapped[str] = mapped_column(Text, default="")
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    analysed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)


class Occurrence(Base):
    __tablename__ = "occurrences"
    __table_args__ = (
        UniqueConstraint("run_id", "path"),
        Index("ix_occurrences_run_sha256", "run_id", "sha256"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    parent: Mapped[str | None] = mapped_column(Text)
    mime: Mapped[str] = mapped_column(String(255))
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(32), index=True)
    scorecard: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Written at ingest (verdict "pending" until the run's scoring step fills the above).
    size: Mapped[int | None] = mapped_column(BigInteger)
    declared_mime: Mapped[str | None] = mapped_column(String(255))
    container_mime: Mapped[str | None] = mapped_column(String(255))
    #: "size:mtime_ns:ctime_ns:inode" of a file read from disk at the dump root (rescans
    #: reuse the occurrences under a file whose stat is unchanged instead of reading it).
    file_stat: Mapped[str | None] = mapped_column(String(120))


class IngestProblemRow(Base):
    """Something skipped or unreadable during ingest (archive limits, unsafe members, ...)."""

    __tablename__ = "ingest_problems"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    code: Mapped[str] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)


class Decision(Base):
    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    decision: Mapped[str] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(Text, default="")
    reviewer: Mapped[str] = mapped_column(String(255))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=_utcnow)
    run_id: Mapped[int | None] = mapped_column(Integer)


#: Verdict of an occurrence recorded at ingest and not scored yet.
PENDING = "pending"

#: Reviewer decisions (stored values).
DECISIONS = ("forged", "authentic", "unsure")


def _json_safe(value: Any) -> Any:
    # Strip NUL characters: PostgreSQL text/JSON cannot hold them.
    return jsonable(value, strip_nul=True)


def _nul_free(tree: Any) -> Any:
    """:func:`_json_safe` of a value that is JSON already (a ``to_json()``): the value itself
    when it holds no NUL character. Serializing it to check (``json`` writes NUL as
    ``\\u0000``) costs a third of walking it again in Python."""
    try:
        clean = "\\u0000" not in json.dumps(tree, ensure_ascii=False, check_circular=False)
    except (TypeError, ValueError):  # not JSON after all: the full conversion decides
        clean = False
    return tree if clean else _json_safe(tree)


class Store:
    """Thin wrapper over an engine; every public write is one transaction."""

    def __init__(self, url: str) -> None:
        """Open the store at ``url`` and bring its schema to the newest migration.

        A store at the newest revision costs one query; an empty, older or pre-migration
        store is migrated first (authenticity.migrations, docs/store.md).
        """
        try:
            self.engine: Engine = create_engine(url, future=True, **engine_options(url))
            ensure_schema(self.engine)
        except Exception as exc:  # bad URL, missing driver, unreachable server, migration
            raise SourceError(f"results store {url!r} unusable: {exc}") from exc
        self.url = url

    @staticmethod
    def sqlite_url(path: str) -> str:
        return f"sqlite:///{path}"

    def start_run(
        self,
        source: str,
        options: dict[str, Any],
        *,
        out_dir: str | None = None,
        resume: bool = True,
    ) -> tuple[int, bool]:
        """Open a run; returns ``(run_id, resumed)``.

        Runs left ``running`` by a process of this host that no longer exists (killed,
        crashed machine) are marked ``interrupted`` first. With ``resume``, the newest
        interrupted or failed run of the same source and output folder is continued
        instead of opening a new one, so its documents end up scored exactly once.
        """
        with Session(self.engine) as session, session.begin():
            self._mark_interrupted(session)
            if resume:
                previous = session.execute(
                    select(Run)
                    .where(
                        Run.source == source,
                        Run.out_dir == out_dir,
                        Run.status.in_(("interrupted", "failed")),
                    )
                    .order_by(Run.id.desc())
                    .limit(1)
                ).scalar_one_or_none()
                if previous is not None:
                    previous.status = "running"
                    previous.host, previous.pid = socket.gethostname(), os.getpid()
                    previous.resumed = (previous.resumed or 0) + 1
                    previous.error = None
                    return previous.id, True
            run = Run(
                source=source,
                options=_json_safe(options),
                status="running",
                out_dir=out_dir,
                host=socket.gethostname(),
                pid=os.getpid(),
                resumed=0,
            )
            session.add(run)
            session.flush()
            return run.id, False

    @staticmethod
    def _mark_interrupted(session: Session) -> None:
        host = socket.gethostname()
        for run in session.execute(
            select(Run).where(Run.status == "running", Run.host == host)
        ).scalars():
            if run.pid is not None and not _pid_alive(run.pid):
                run.status = "interrupted"
                run.error = "the scanning process ended without finishing (killed or crashed)"

    def finish_run(
        self, run_id: int, *, status: str, documents: int, analysed: int, error: str | None = None
    ) -> None:
        with Session(self.engine) as session, session.begin():
            run = session.get(Run, run_id)
            if run is None:
                return
            run.status = status
            run.finished_at = _utcnow()
            run.documents = documents
            run.analysed = analysed
            run.error = error

    def known_contents(self, sha256s: Iterable[str], analyser_version: str) -> set[str]:
        wanted = list(set(sha256s))
        found: set[str] = set()
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                chunk = wanted[i : i + 500]
                rows = session.execute(
                    select(Content.sha256).where(
                        Content.sha256.in_(chunk), Content.analyser_version == analyser_version
                    )
                )
                found.update(r[0] for r in rows)
        return found

    def save_analyses(self, analyses: Iterable[Analysis], analyser_version: str) -> None:
        """Insert (or replace) the analyses in one transaction: one look-up for the batch,
        one bulk insert for the new contents (the usual case), updates for the others."""
        values: dict[str, dict[str, Any]] = {}
        for a in analyses:
            values[a.sha256] = {
                "sha256": a.sha256,
                "analyser_version": analyser_version,
                "size": a.size,
                "mime": a.mime,
                "status": a.status,
                "error": a.error,
                "metadata_json": _nul_free(a.metadata.to_json()),
                "findings": _nul_free([f.to_json() for f in a.findings]),
                "facts": _json_safe(a.facts),
                "text": a.text.replace("\x00", ""),
                "seconds": a.seconds,
                "analysed_at": _utcnow(),
            }
        if not values:
            return
        with Session(self.engine) as session, session.begin():
            shas = list(values)
            existing: dict[str, int] = {}
            for i in range(0, len(shas), 500):
                rows = session.execute(
                    select(Content.sha256, Content.id).where(
                        Content.sha256.in_(shas[i : i + 500]),
                        Content.analyser_version == analyser_version,
                    )
                )
                existing.update((row.sha256, row.id) for row in rows)
            new = [v for sha, v in values.items() if sha not in existing]
            if new:
                session.execute(insert(Content), new)
            changed = [{"id": existing[sha], **values[sha]} for sha in values if sha in existing]
            if changed:
                session.execute(update(Content), changed)

    def load_analyses(
        self, sha256s: Iterable[str], analyser_version: str, *, text_chars: int = 20_000
    ) -> Iterator[Analysis]:
        """Stored analyses; texts are cut to ``text_chars`` (enough for the dump-wide pass),
        and not read at all with ``text_chars=0`` (scoring reads no text)."""
        wanted = list(set(sha256s))
        query = select(Content)
        if text_chars <= 0:
            query = query.options(defer(Content.text, raiseload=True))
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                rows = session.execute(
                    query.where(
                        Content.sha256.in_(wanted[i : i + 500]),
                        Content.analyser_version == analyser_version,
                    )
                ).scalars()
                for row in rows:
                    yield _analysis_from_row(row, text_chars)

    def save_scorecards(self, run_id: int, cards: Iterable[Scorecard]) -> None:
        """Insert or update the run's scorecards in one transaction (bulk insert for new paths)."""
        with Session(self.engine) as session, session.begin():
            existing = {
                row.path: row
                for row in session.execute(
                    select(Occurrence).where(Occurrence.run_id == run_id)
                ).scalars()
            }
            new_rows: list[dict[str, Any]] = []
            for card in cards:
                values = {
                    "sha256": card.sha256,
                    "parent": card.parent,
                    "mime": card.mime,
                    "score": card.score,
                    "verdict": card.verdict.value,
                    "scorecard": _nul_free(card.to_json()),
                }
                row = existing.get(card.path)
                if row is None:
                    new_rows.append({"run_id": run_id, "path": card.path, **values})
                else:
                    for key, value in values.items():
                        setattr(row, key, value)
            for i in range(0, len(new_rows), 1000):
                session.execute(insert(Occurrence), new_rows[i : i + 1000])

    def scorecards(self, run_id: int) -> list[dict[str, Any]]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(Occurrence.scorecard)
                .where(Occurrence.run_id == run_id)
                .order_by(Occurrence.path)
            )
            return [r[0] for r in rows]

    def run(self, run_id: int) -> Run | None:
        with Session(self.engine) as session:
            return session.get(Run, run_id)

    # -- review helpers (read-mostly; decisions are the only writes) ---------------
    def latest_run_id(self, *, complete_only: bool = True) -> int | None:
        """The newest run (complete ones first choice); ``None`` for an empty store."""
        with Session(self.engine) as session:
            query = select(Run.id).order_by(Run.id.desc()).limit(1)
            found = None
            if complete_only:
                found = session.execute(query.where(Run.status == "complete")).scalar()
            if found is None:
                found = session.execute(query).scalar()
            return found

    def contents_for(
        self, sha256s: Iterable[str], *, text_chars: int | None = None
    ) -> dict[str, dict[str, Any]]:
        """Newest stored analysis per sha256: ``{sha256: {metadata, facts, text, ...}}``."""
        wanted = list(set(sha256s))
        out: dict[str, dict[str, Any]] = {}
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                rows = session.execute(
                    select(Content)
                    .where(Content.sha256.in_(wanted[i : i + 500]))
                    .order_by(Content.id)
                ).scalars()
                for row in rows:  # later rows (newer analyses) win
                    body = row.text or ""
                    out[row.sha256] = {
                        "sha256": row.sha256,
                        "analyser_version": row.analyser_version,
                        "mime": row.mime,
                        "status": row.status,
                        "metadata": row.metadata_json or {},
                        "facts": row.facts or {},
                        "text": body if text_chars is None else body[:text_chars],
                    }
        return out

    def add_decision(
        self,
        *,
        path: str,
        sha256: str,
        decision: str,
        reviewer: str,
        note: str = "",
        run_id: int | None = None,
    ) -> None:
        if decision not in DECISIONS:
            raise ValueError(f"decision must be one of {DECISIONS}, not {decision!r}")
        with Session(self.engine) as session, session.begin():
            session.add(
                Decision(
                    path=path,
                    sha256=sha256,
                    decision=decision,
                    note=note.replace("\x00", ""),
                    reviewer=reviewer.replace("\x00", ""),
                    run_id=run_id,
                )
            )

    def decisions(self, path: str | None = None) -> list[dict[str, Any]]:
        """Decisions, oldest first (all, or those of one path)."""
        with Session(self.engine) as session:
            query = select(Decision).order_by(Decision.decided_at, Decision.id)
            if path is not None:
                query = query.where(Decision.path == path)
            return [
                {
                    "path": d.path,
                    "sha256": d.sha256,
                    "decision": d.decision,
                    "note": d.note or "",
                    "reviewer": d.reviewer,
                    "decided_at": d.decided_at,
                    "run_id": d.run_id,
                }
                for d in session.execute(query).scalars()
            ]

    def current_decisions(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The newest decision per (path, sha256)."""
        return {(d["path"], d["sha256"]): d for d in self.decisions()}

    # -- occurrences recorded while a scan streams (see authenticity.pipeline) ------
    def clear_run(self, run_id: int) -> None:
        """Forget the occurrences and ingest problems of a run (a resumed run re-ingests)."""
        with Session(self.engine) as session, session.begin():
            session.execute(delete(Occurrence).where(Occurrence.run_id == run_id))
            session.execute(delete(IngestProblemRow).where(IngestProblemRow.run_id == run_id))

    def add_occurrences(
        self, run_id: int, docs: Iterable[Document], stats: dict[str, str] | None = None
    ) -> None:
        """Record provenance paths (verdict ``pending``) in one transaction."""
        stats = stats or {}
        rows = [
            {
                "run_id": run_id,
                "path": d.path,
                "sha256": d.sha256,
                "parent": d.parent,
                "mime": "",
                "score": 0.0,
                "verdict": PENDING,
                "scorecard": {},
                "size": d.size,
                "declared_mime": d.declared_mime,
                "container_mime": d.container_mime,
                "file_stat": stats.get(d.path),
            }
            for d in docs
        ]
        if not rows:
            return
        with Session(self.engine) as session, session.begin():
            for i in range(0, len(rows), 1000):
                session.execute(insert(Occurrence), rows[i : i + 1000])

    def add_problems(self, run_id: int, problems: Iterable[Any]) -> None:
        rows = [
            {"run_id": run_id, "path": p.path, "code": p.code, "message": p.message}
            for p in problems
        ]
        if rows:
            with Session(self.engine) as session, session.begin():
                session.execute(insert(IngestProblemRow), rows)

    def problems(self, run_id: int) -> list[tuple[str, str, str]]:
        """``(path, code, message)`` of the run's ingest problems, in recording order."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(IngestProblemRow.path, IngestProblemRow.code, IngestProblemRow.message)
                .where(IngestProblemRow.run_id == run_id)
                .order_by(IngestProblemRow.id)
            )
            return [(r[0], r[1], r[2]) for r in rows]

    def occurrence_chunks(
        self, run_id: int, size: int = 1000, *, with_scorecards: bool = False
    ) -> Iterator[list[tuple[int, Document, dict[str, Any] | None]]]:
        """The run's occurrences in recording order, ``size`` at a time (keyset paging)."""
        columns = [
            Occurrence.id,
            Occurrence.path,
            Occurrence.sha256,
            Occurrence.size,
            Occurrence.parent,
            Occurrence.declared_mime,
            Occurrence.container_mime,
        ]
        if with_scorecards:
            columns.append(Occurrence.scorecard)
        last = 0
        while True:
            with Session(self.engine) as session:
                rows = session.execute(
                    select(*columns)
                    .where(Occurrence.run_id == run_id, Occurrence.id > last)
                    .order_by(Occurrence.id)
                    .limit(size)
                ).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [
                (
                    r[0],
                    Document(
                        path=r[1],
                        sha256=r[2],
                        size=r[3] or 0,
                        parent=r[4],
                        declared_mime=r[5],
                        container_mime=r[6],
                    ),
                    r[7] if with_scorecards else None,
                )
                for r in rows
            ]

    def count_contents(self, run_id: int) -> int:
        """How many distinct sha256 a run's occurrences hold."""
        with Session(self.engine) as session:
            return int(
                session.execute(
                    select(func.count(func.distinct(Occurrence.sha256))).where(
                        Occurrence.run_id == run_id
                    )
                ).scalar_one()
            )

    def run_contents(self, run_id: int, size: int = 1000) -> Iterator[list[str]]:
        """The distinct sha256 of a run's occurrences, ``size`` at a time."""
        last = ""
        while True:
            with Session(self.engine) as session:
                rows = session.execute(
                    select(Occurrence.sha256)
                    .where(Occurrence.run_id == run_id, Occurrence.sha256 > last)
                    .group_by(Occurrence.sha256)
                    .order_by(Occurrence.sha256)
                    .limit(size)
                ).all()
            if not rows:
                return
            last = rows[-1][0]
            yield [r[0] for r in rows]

    def paths_of(self, run_id: int, sha256s: Iterable[str]) -> dict[str, list[str]]:
        """sha256 -> the run's provenance paths holding it (sorted)."""
        wanted = list(set(sha256s))
        out: dict[str, list[str]] = {}
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                rows = session.execute(
                    select(Occurrence.sha256, Occurrence.path).where(
                        Occurrence.run_id == run_id, Occurrence.sha256.in_(wanted[i : i + 500])
                    )
                )
                for sha, path in rows:
                    out.setdefault(sha, []).append(path)
        for paths in out.values():
            paths.sort()
        return out

    def shas_of_paths(self, run_id: int, paths: Iterable[str]) -> dict[str, str]:
        """provenance path -> sha256, for those of ``paths`` the run holds."""
        wanted = list(set(paths))
        out: dict[str, str] = {}
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                rows = session.execute(
                    select(Occurrence.path, Occurrence.sha256).where(
                        Occurrence.run_id == run_id, Occurrence.path.in_(wanted[i : i + 500])
                    )
                )
                out.update((p, s) for p, s in rows)
        return out

    def update_scorecards(self, items: Iterable[tuple[int, dict[str, Any]]]) -> None:
        """Fill scored occurrences (row id, :meth:`Scorecard.to_json`) in one transaction."""
        rows = [
            {
                "id": row_id,
                "mime": card["mime"],
                "score": card["score"],
                "verdict": card["verdict"],
                "scorecard": _nul_free(card),
            }
            for row_id, card in items
        ]
        if rows:
            with Session(self.engine) as session, session.begin():
                session.execute(update(Occurrence), rows)

    def scorecards_by_id(self, ids: Iterable[int]) -> list[dict[str, Any]]:
        wanted = list(ids)
        out: list[dict[str, Any]] = []
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                rows = session.execute(
                    select(Occurrence.scorecard).where(Occurrence.id.in_(wanted[i : i + 500]))
                )
                out.extend(r[0] for r in rows)
        return out

    def verdict_counts(self, run_id: int) -> dict[str, int]:
        with Session(self.engine) as session:
            rows = session.execute(
                select(Occurrence.verdict, func.count())
                .where(Occurrence.run_id == run_id)
                .group_by(Occurrence.verdict)
            )
            return {str(v): int(n) for v, n in rows}

    def previous_complete_run(self, source: str, before: int) -> Run | None:
        """The newest complete run of ``source`` older than run ``before``."""
        with Session(self.engine) as session:
            return session.execute(
                select(Run)
                .where(Run.source == source, Run.status == "complete", Run.id < before)
                .order_by(Run.id.desc())
                .limit(1)
            ).scalar_one_or_none()

    def file_stats(self, run_id: int) -> dict[str, str]:
        """Dump-root file path -> recorded stat, for a run's files read from disk."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(Occurrence.path, Occurrence.file_stat).where(
                    Occurrence.run_id == run_id,
                    Occurrence.parent.is_(None),
                    Occurrence.file_stat.is_not(None),
                )
            )
            return {str(p): str(s) for p, s in rows}

    def copy_occurrences(
        self,
        from_run: int,
        to_run: int,
        tops: set[str] | None,
        *,
        scored: bool = False,
        size: int = 2000,
        every_path: bool = False,
    ) -> int:
        """Copy the occurrences (and ingest problems) of ``from_run`` under the dump-root
        paths ``tops`` (None: all of them) into ``to_run``; with ``scored`` their scorecards
        too (else pending). ``every_path`` says ``tops`` holds every root of ``from_run``
        (nothing changed): the database copies the rows itself. Returns how many occurrences
        were copied."""
        if every_path and scored:
            copied = self._copy_all_occurrences(from_run, to_run)
            self._copy_problems(from_run, to_run, tops)
            return copied
        copied = 0
        last = 0
        # Unscored copies never read the stored scorecards (the largest column).
        options = () if scored else (defer(Occurrence.scorecard),)
        while True:
            with Session(self.engine) as session, session.begin():
                rows = (
                    session.execute(
                        select(Occurrence)
                        .options(*options)
                        .where(Occurrence.run_id == from_run, Occurrence.id > last)
                        .order_by(Occurrence.id)
                        .limit(size)
                    )
                    .scalars()
                    .all()
                )
                if not rows:
                    break
                last = rows[-1].id
                new = [
                    {
                        "run_id": to_run,
                        "path": r.path,
                        "sha256": r.sha256,
                        "parent": r.parent,
                        "mime": r.mime if scored else "",
                        "score": r.score if scored else 0.0,
                        "verdict": r.verdict if scored else PENDING,
                        "scorecard": r.scorecard if scored else {},
                        "size": r.size,
                        "declared_mime": r.declared_mime,
                        "container_mime": r.container_mime,
                        "file_stat": r.file_stat,
                    }
                    for r in rows
                    if tops is None or r.path.split(MEMBER_SEP, 1)[0] in tops
                ]
                if new:
                    session.execute(insert(Occurrence), new)
                    copied += len(new)
        self._copy_problems(from_run, to_run, tops)
        return copied

    _COPIED_COLUMNS = (
        "path",
        "sha256",
        "parent",
        "mime",
        "score",
        "verdict",
        "scorecard",
        "size",
        "declared_mime",
        "container_mime",
        "file_stat",
    )

    def _copy_all_occurrences(self, from_run: int, to_run: int) -> int:
        """``INSERT ... SELECT`` of every occurrence of ``from_run``, scorecards included."""
        table = Occurrence.__table__
        columns = [table.c[name] for name in self._COPIED_COLUMNS]
        with Session(self.engine) as session, session.begin():
            source = select(literal(to_run, type_=Integer), *columns).where(
                table.c.run_id == from_run
            )
            result = session.execute(
                insert(table).from_select(["run_id", *self._COPIED_COLUMNS], source)
            )
            return int(result.rowcount or 0)

    def _copy_problems(self, from_run: int, to_run: int, tops: set[str] | None) -> None:
        problems = [
            {"run_id": to_run, "path": p, "code": c, "message": m}
            for p, c, m in self.problems(from_run)
            if tops is None or p.split(MEMBER_SEP, 1)[0] in tops
        ]
        if problems:
            with Session(self.engine) as session, session.begin():
                session.execute(insert(IngestProblemRow), problems)

    def stale_flow_runs(self, current_run: int) -> list[tuple[int, str]]:
        """``(run_id, flow_run_id)`` of Prefect flow runs whose scan ended without telling
        Prefect: runs marked ``interrupted``, and the earlier flow run of ``current_run``
        (a resumed run still holds the id of the attempt that was killed)."""
        with Session(self.engine) as session:
            rows = session.execute(
                select(Run.id, Run.flow_run_id).where(
                    Run.flow_run_id.is_not(None),
                    (Run.status == "interrupted") | (Run.id == current_run),
                )
            )
            return [(int(r[0]), str(r[1])) for r in rows]

    def set_flow_run(self, run_id: int, flow_run_id: str | None) -> None:
        with Session(self.engine) as session, session.begin():
            run = session.get(Run, run_id)
            if run is not None:
                run.flow_run_id = flow_run_id

    def close(self) -> None:
        self.engine.dispose()


_META_DATETIMES = ("created", "modified", "printed")


def engine_options(url: str) -> dict[str, Any]:
    """SQLite: wait up to a minute for a lock (ingest and analysis threads write at once)."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 60}}
    return {}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _analysis_from_row(row: Content, text_chars: int) -> Analysis:
    meta_json = dict(row.metadata_json or {})
    meta_json.pop("naive_datetimes", None)
    fields = {k: v for k, v in meta_json.items() if k in Metadata.__dataclass_fields__}
    for key in _META_DATETIMES:
        if isinstance(fields.get(key), str):
            fields[key] = parse_iso8601(fields[key])
    findings = [
        Finding(f["code"], Severity(f["severity"]), f["message"], f.get("evidence") or {})
        for f in row.findings or []
    ]
    return Analysis(
        sha256=row.sha256,
        size=row.size,
        mime=row.mime,
        status=row.status,
        metadata=Metadata(**fields),
        findings=findings,
        facts=row.facts or {},
        text=(row.text or "")[:text_chars] if text_chars > 0 else "",
        error=row.error,
        seconds=row.seconds,
    )
