"""Alembic migrations of the results store (SQLite and PostgreSQL); see docs/store.md.

:func:`ensure_schema` (called by ``Store()``) brings any database to the newest revision:

- at head already: nothing (one ``SELECT`` of the version row; Alembic is not imported);
- empty: ``upgrade head``;
- made by a version of this tool from before migrations (``create_all``; our tables, no
  version table): the missing tables and columns of revision ``0001`` are added
  (:func:`adopt_legacy`), the database is stamped ``0001``, then upgraded to head;
- at an older revision: ``upgrade head``.

Migrations run in one transaction under a lock (a PostgreSQL advisory lock, SQLite's write
lock), so processes that open a new store at the same time do not both try to create it.
The revision scripts live in ``versions/`` inside the package (shipped as package data);
Alembic is configured in code (:func:`alembic_config`), no ``alembic.ini`` is needed.
"""

from __future__ import annotations

import contextlib
import functools
import re
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from authenticity.errors import SourceError

if TYPE_CHECKING:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

#: This package: ``env.py``, ``script.py.mako`` and ``versions/``.
MIGRATIONS_DIR = Path(__file__).resolve().parent
VERSIONS_DIR = MIGRATIONS_DIR / "versions"
#: Our own version table, so that a database shared with another Alembic user (Prefect's
#: server keeps ``alembic_version`` for its schema) does not mix the two histories.
VERSION_TABLE = "authenticity_alembic_version"
#: The revision that describes the schema of stores made before migrations.
BASELINE = "0001"
#: New revision files are named ``<rev>_<slug>.py`` (``0002_file_stat_cache.py``).
FILE_TEMPLATE = "%%(rev)s_%%(slug)s"
#: Key of the PostgreSQL advisory lock held while migrating (any fixed 63-bit number).
_PG_LOCK_KEY = zlib.crc32(b"authenticity.store.migrations")
#: Milliseconds SQLite waits for another process's write lock while migrating.
_SQLITE_LOCK_TIMEOUT_MS = 120_000
#: Alembic's ``context``/``op`` are process globals: one migration at a time per process.
_PROCESS_LOCK = threading.Lock()
#: Objects the migrations create that the models do not declare (PostgreSQL's full-text
#: search vector of revision 0004): (type, table, name) that autogenerate leaves alone.
DATABASE_ONLY = {("column", "contents", "search"), ("index", "contents", "ix_contents_search")}


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Alembic ``include_object`` hook: skip :data:`DATABASE_ONLY` objects."""
    table = getattr(getattr(obj, "table", None), "name", None)
    return (type_, table, name) not in DATABASE_ONLY


def alembic_config(url: str | None = None, *, connection: Connection | None = None) -> Config:
    """An Alembic ``Config`` for the package's scripts, for ``url`` or an open ``connection``.

    With ``connection``, ``env.py`` runs the migrations on it, inside its transaction.
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("file_template", FILE_TEMPLATE)
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if connection is not None:
        config.attributes["connection"] = connection
    return config


def script_directory() -> ScriptDirectory:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config())


_REVISION = re.compile(r"""^revision\s*(?::[^=]*)?=\s*(['"])([^'"]+)\1\s*$""", re.M)
_DOWN_REVISION = re.compile(r"^down_revision\s*(?::[^=]*)?=\s*(.+?)\s*$", re.M)
_QUOTED = re.compile(r"""^(['"])([^'"]+)\1$""")


@functools.cache
def head_revision() -> str | None:
    """The head revision read from the scripts' text (cheap); ``None`` when unsure.

    Only used to skip the migration machinery for a store that is at this revision; any
    other case goes through Alembic, which is the authority. A test checks that the two
    agree.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in VERSIONS_DIR.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        rev = _REVISION.search(source)
        down = _DOWN_REVISION.search(source)
        if rev is None or down is None:
            return None
        revisions.add(rev.group(2))
        if down.group(1) != "None":
            parent = _QUOTED.match(down.group(1))
            if parent is None:  # a merge (tuple) or something unusual: ask Alembic
                return None
            parents.add(parent.group(2))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def stored_revision(connectable: Engine | Connection) -> str | None:
    """The revision recorded in the database; ``None`` for none (empty or pre-migration)."""
    query = text(f"SELECT version_num FROM {VERSION_TABLE}")
    if isinstance(connectable, Connection):
        if not inspect(connectable).has_table(VERSION_TABLE):
            return None
        rows = connectable.execute(query).scalars().all()
    else:
        with connectable.connect() as conn:
            try:
                rows = conn.execute(query).scalars().all()
            except DBAPIError:  # no version table
                return None
    if len(rows) > 1:
        raise SourceError(f"results store has several schema revisions: {sorted(rows)}")
    return rows[0] if rows else None


def schema_state(conn: Connection) -> str:
    """``"versioned"``, ``"legacy"`` (our tables, no revision: made before migrations) or
    ``"empty"``."""
    from authenticity.migrations.baseline import TABLE_NAMES

    if stored_revision(conn) is not None:
        return "versioned"
    present = set(inspect(conn).get_table_names())
    return "legacy" if present & set(TABLE_NAMES) else "empty"


def ensure_schema(engine: Engine) -> str | None:
    """Bring the store to the head revision; returns what was done (``None``: nothing)."""
    head = head_revision()
    if head is not None and stored_revision(engine) == head:
        return None
    try:
        return _migrate(engine)
    except Exception:
        # Another process may have migrated at the same time (on a backend without the
        # lock); if the store is at head now, all is well.
        if stored_revision(engine) == script_directory().get_current_head():
            return None
        raise


def _migrate(engine: Engine) -> str | None:
    from alembic import command

    head = script_directory().get_current_head()
    with _PROCESS_LOCK, engine.connect() as conn, _locked(conn):
        state = schema_state(conn)
        current = stored_revision(conn)
        if current == head:
            return None
        if current is not None and current not in _known_revisions():
            raise SourceError(
                f"results store is at schema revision {current!r}, which this version of "
                f"authenticity does not know (its newest is {head!r}): upgrade authenticity"
            )
        config = alembic_config(connection=conn)
        done = f"upgraded {current or 'empty store'} -> {head}"
        if state == "legacy":
            adopt_legacy(conn)
            command.stamp(config, BASELINE)
            done = f"adopted pre-migration store as {BASELINE}, upgraded -> {head}"
        command.upgrade(config, "head")
        conn.commit()
    return done


def _known_revisions() -> set[str]:
    return {script.revision for script in script_directory().walk_revisions()}


@contextlib.contextmanager
def _locked(conn: Connection) -> Iterator[None]:
    """A transaction holding a lock that other migrating processes wait on.

    Rolled back on leaving unless committed inside.
    """
    dialect = conn.dialect.name
    previous: Any = None
    if dialect == "sqlite":
        # pysqlite opens no transaction before DDL by itself: take the write lock first,
        # so the whole migration is one transaction and a second process waits for it.
        previous = conn.exec_driver_sql("PRAGMA busy_timeout").scalar()
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {_SQLITE_LOCK_TIMEOUT_MS}")
        conn.commit()
        conn.begin()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.begin()
        if dialect == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK_KEY})
    try:
        yield
    finally:
        if conn.in_transaction():
            conn.rollback()
        if dialect == "sqlite":
            conn.exec_driver_sql(f"PRAGMA busy_timeout = {int(previous or 0)}")
            conn.commit()


def adopt_legacy(conn: Connection) -> list[str]:
    """Make a store created by ``create_all`` before migrations match revision ``0001``.

    Such stores may lack tables and columns added later (``decisions``,
    ``ingest_problems``; ``runs.out_dir/host/pid/resumed/flow_run_id``,
    ``occurrences.size/declared_mime/container_mime/file_stat``) or have narrower VARCHARs
    (``contents.analyser_version`` was VARCHAR(32)). Missing tables are created, missing
    nullable columns added, narrow strings widened; extra tables or columns are left alone.
    Returns the changes made.
    """
    from alembic.operations import Operations
    from alembic.runtime.migration import MigrationContext
    from sqlalchemy import Column, String

    from authenticity.migrations.baseline import metadata

    operations = Operations(MigrationContext.configure(conn))
    inspector = inspect(conn)
    present = set(inspector.get_table_names())
    changes: list[str] = []
    for table in metadata.sorted_tables:
        if table.name not in present:
            table.create(conn)
            changes.append(f"created table {table.name}")
            continue
        have: dict[str, dict[str, Any]] = {c["name"]: c for c in inspector.get_columns(table.name)}
        missing = [c for c in table.columns if c.name not in have]
        for column in missing:
            if not column.nullable:
                raise SourceError(
                    f"results store table {table.name!r} lacks the required column "
                    f"{column.name!r}; it cannot be upgraded automatically"
                )
        narrow = [
            c
            for c in table.columns
            if c.name in have
            and isinstance(c.type, String)
            and isinstance(have[c.name]["type"], String)
            and c.type.length is not None
            and have[c.name]["type"].length is not None
            and have[c.name]["type"].length < c.type.length
        ]
        if not missing and not narrow:
            continue
        with operations.batch_alter_table(table.name) as batch:
            for column in missing:
                batch.add_column(Column(column.name, column.type, nullable=True))
                changes.append(f"added column {table.name}.{column.name}")
            for column in narrow:
                batch.alter_column(
                    column.name,
                    type_=column.type,
                    existing_type=have[column.name]["type"],
                    existing_nullable=have[column.name]["nullable"],
                )
                changes.append(f"widened {table.name}.{column.name} to {column.type}")
    return changes
