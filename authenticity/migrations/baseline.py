"""The results store's schema at revision ``0001`` (frozen; never edit).

A copy, in SQLAlchemy Core, of the models in ``authenticity/store.py`` as they were when
migrations were introduced. It is used by the baseline revision to create the tables and by
:func:`authenticity.migrations.adopt_legacy` to bring a store made before migrations (by
``create_all``) up to this revision. Later schema changes go into new revisions under
``versions/``, never here: the models move on, this file stays as revision ``0001`` was.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

runs = Table(
    "runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("status", String(16), nullable=False),
    Column("options", JSON, nullable=False),
    Column("documents", Integer, nullable=False),
    Column("analysed", Integer, nullable=False),
    Column("error", Text, nullable=True),
    # Added after the first release (durable runs); nullable so old stores can gain them.
    Column("out_dir", Text, nullable=True),
    Column("host", String(255), nullable=True),
    Column("pid", Integer, nullable=True),
    Column("resumed", Integer, nullable=True),
    # Added with streaming scans (Prefect flow run of the scan).
    Column("flow_run_id", String(64), nullable=True),
)

contents = Table(
    "contents",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sha256", String(64), nullable=False, index=True),
    # VARCHAR(32) in stores made before the analyser version carried the settings' hash.
    Column("analyser_version", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("mime", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("error", Text, nullable=True),
    Column("metadata", JSON, nullable=False),
    Column("findings", JSON, nullable=False),
    Column("facts", JSON, nullable=False),
    Column("text", Text, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("analysed_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("sha256", "analyser_version"),
)

occurrences = Table(
    "occurrences",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("parent", Text, nullable=True),
    Column("mime", String(255), nullable=False),
    Column("score", Float, nullable=False),
    Column("verdict", String(32), nullable=False, index=True),
    Column("scorecard", JSON, nullable=False),
    # Added with streaming scans (written at ingest) and incremental rescans (file_stat).
    Column("size", BigInteger, nullable=True),
    Column("declared_mime", String(255), nullable=True),
    Column("container_mime", String(255), nullable=True),
    Column("file_stat", String(120), nullable=True),
    UniqueConstraint("run_id", "path"),
)

# Added with streaming scans.
ingest_problems = Table(
    "ingest_problems",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run_id", Integer, ForeignKey("runs.id"), nullable=False, index=True),
    Column("path", Text, nullable=False),
    Column("code", String(64), nullable=False),
    Column("message", Text, nullable=False),
)

# Added after the first release (review app); create_all made it in old stores on first use.
decisions = Table(
    "decisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("path", Text, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("decision", String(32), nullable=False),
    Column("note", Text, nullable=False),
    Column("reviewer", String(255), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("run_id", Integer, nullable=True),
)

#: Tables of revision 0001; any of them without a version table marks a pre-migration store.
TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in metadata.sorted_tables)
