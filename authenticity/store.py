"""Results store (SQLAlchemy): SQLite by default, any SQLAlchemy URL (PostgreSQL) works.

Tables:
- ``runs``: one row per scan (source, options, status ``running|complete|failed``).
- ``contents``: one row per distinct content, keyed by sha256 + analyser version:
  detected type, status, metadata, content-level findings, facts, text. Content already
  analysed by the same analyser version is not analysed again.
- ``occurrences``: one row per (run, provenance path): the scorecard of that path.
- ``decisions``: reviewers' verdicts (who, when, path, sha256, decision, note); the newest
  decision per (path, sha256) is the current one. Exported as training labels.

Every batch is written in one transaction.
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
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    insert,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from authenticity.errors import SourceError
from authenticity.model import Analysis, Finding, Metadata, Scorecard, Severity, jsonable
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


class Content(Base):
    __tablename__ = "contents"
    __table_args__ = (UniqueConstraint("sha256", "analyser_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    analyser_version: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
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
    __table_args__ = (UniqueConstraint("run_id", "path"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("runs.id"), index=True)
    path: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    parent: Mapped[str | None] = mapped_column(Text)
    mime: Mapped[str] = mapped_column(String(255))
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(32), index=True)
    scorecard: Mapped[dict[str, Any]] = mapped_column(JSON)


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


#: Reviewer decisions (stored values).
DECISIONS = ("forged", "authentic", "unsure")


def _json_safe(value: Any) -> Any:
    # Strip NUL characters: PostgreSQL text/JSON cannot hold them.
    return json.loads(json.dumps(jsonable(value)).replace("\\u0000", ""))


class Store:
    """Thin wrapper over an engine; every public write is one transaction."""

    def __init__(self, url: str) -> None:
        try:
            self.engine: Engine = create_engine(url, future=True)
            Base.metadata.create_all(self.engine)
            self._add_missing_columns()
        except Exception as exc:  # bad URL, missing driver, unreachable server
            raise SourceError(f"results store {url!r} unusable: {exc}") from exc
        self.url = url

    def _add_missing_columns(self) -> None:
        """Bring a store made by an earlier version up to date (new nullable columns only)."""
        inspector = inspect(self.engine)
        with self.engine.begin() as conn:
            for table in Base.metadata.sorted_tables:
                have = {c["name"] for c in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name not in have and column.nullable:
                        kind = column.type.compile(dialect=self.engine.dialect)
                        conn.execute(
                            text(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')
                        )

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
        with Session(self.engine) as session, session.begin():
            for a in analyses:
                existing = session.execute(
                    select(Content).where(
                        Content.sha256 == a.sha256, Content.analyser_version == analyser_version
                    )
                ).scalar_one_or_none()
                row = existing or Content(sha256=a.sha256, analyser_version=analyser_version)
                row.size = a.size
                row.mime = a.mime
                row.status = a.status
                row.error = a.error
                row.metadata_json = _json_safe(a.metadata.to_json())
                row.findings = _json_safe([f.to_json() for f in a.findings])
                row.facts = _json_safe(a.facts)
                row.text = a.text.replace("\x00", "")
                row.seconds = a.seconds
                if existing is None:
                    session.add(row)

    def load_analyses(
        self, sha256s: Iterable[str], analyser_version: str, *, text_chars: int = 20_000
    ) -> Iterator[Analysis]:
        """Stored analyses; texts are cut to ``text_chars`` (enough for the dump-wide pass)."""
        wanted = list(set(sha256s))
        with Session(self.engine) as session:
            for i in range(0, len(wanted), 500):
                rows = session.execute(
                    select(Content).where(
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
                    "scorecard": _json_safe(card.to_json()),
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

    def close(self) -> None:
        self.engine.dispose()


_META_DATETIMES = ("created", "modified", "printed")


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
        text=(row.text or "")[:text_chars],
        error=row.error,
        seconds=row.seconds,
    )
