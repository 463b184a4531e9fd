"""Alembic migrations of the results store, on SQLite and on a real PostgreSQL server.

Each PostgreSQL test gets a database of its own (``authenticity_mig_<random>``), dropped
afterwards, so the tests do not collide with others running against the same server.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import tomllib
import uuid
from collections.abc import Iterator
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, ForeignKey, MetaData, String, Table, UniqueConstraint, event
from sqlalchemy.engine import Connection, Engine

from authenticity import migrations
from authenticity.cli import main
from authenticity.errors import SourceError
from authenticity.migrations import baseline
from authenticity.store import Base, Store
from tests.test_store import PG_URL, pg_available

REPO = Path(__file__).resolve().parents[1]


@contextlib.contextmanager
def pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database for one test; dropped afterwards."""
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_URL} (CI must not skip this)")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    name = f"authenticity_mig_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name}")
    try:
        url = sqlalchemy.engine.make_url(PG_URL).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.sqlite'}"
    else:
        with pg_database() as url:
            yield url


@contextlib.contextmanager
def connect(url: str) -> Iterator[Connection]:
    engine = sqlalchemy.create_engine(url)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def model_differences(url: str) -> list[Any]:
    """What autogenerate would put into a new revision (empty: models == migrations)."""
    with connect(url) as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "version_table": migrations.VERSION_TABLE,
                "compare_type": True,
                "include_object": migrations.include_object,
            },
        )
        return compare_metadata(context, Base.metadata)


def head() -> str:
    found = migrations.script_directory().get_current_head()
    assert found is not None
    return found


def open_store(url: str) -> None:
    Store(url).close()


# -- (1) a new store is exactly the models, at head -----------------------------------


def test_new_store_matches_the_models(db_url: str) -> None:
    open_store(db_url)
    diffs = model_differences(db_url)
    assert not diffs, (
        "the models differ from what the migrations create: add a revision with "
        "`python -m authenticity.migrations revision -m '...'` (docs/store.md); "
        f"differences: {diffs}"
    )
    with connect(db_url) as conn:
        assert migrations.stored_revision(conn) == head()
        assert migrations.schema_state(conn) == "versioned"


def test_cheap_head_lookup_agrees_with_alembic() -> None:
    assert migrations.head_revision() == head()
    scripts = list(migrations.script_directory().walk_revisions())
    assert scripts[-1].revision == migrations.BASELINE  # the oldest
    assert all(len(s.nextrev) <= 1 for s in scripts), "branches: merge them"


def test_migration_scripts_ship_in_the_package() -> None:
    """Every file Alembic needs is listed in [tool.setuptools.package-data]."""
    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = config["tool"]["setuptools"]["package-data"]["authenticity"]
    package = REPO / "authenticity"
    needed = [
        migrations.MIGRATIONS_DIR / "script.py.mako",
        *migrations.VERSIONS_DIR.glob("*.py"),
    ]
    for path in needed:
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch(relative, p) for p in patterns), f"{relative} not in package-data"
    assert "alembic" in " ".join(config["project"]["dependencies"])


# -- (2) a store made before migrations keeps its rows --------------------------------


def first_release_metadata() -> MetaData:
    """The schema as the first release's ``create_all`` made it: no ``decisions`` nor
    ``ingest_problems`` table, none of the nullable columns added later,
    ``contents.analyser_version`` VARCHAR(32)."""
    newer = {
        "runs": {"out_dir", "host", "pid", "resumed", "flow_run_id"},
        "occurrences": {"size", "declared_mime", "container_mime", "file_stat"},
    }
    legacy = MetaData()
    for table in baseline.metadata.sorted_tables:
        if table.name in ("decisions", "ingest_problems"):
            continue
        columns = []
        for c in table.columns:
            if c.name in newer.get(table.name, set()):
                continue
            kind = String(32) if c.name == "analyser_version" else c.type
            keys = [ForeignKey(fk.target_fullname) for fk in c.foreign_keys]
            columns.append(
                Column(
                    c.name,
                    kind,
                    *keys,
                    primary_key=c.primary_key,
                    nullable=c.nullable,
                    index=bool(c.index),
                )
            )
        uniques = [
            UniqueConstraint(*[c.name for c in u.columns])
            for u in table.constraints
            if isinstance(u, UniqueConstraint)
        ]
        Table(table.name, legacy, *columns, *uniques)
    return legacy


SHA = "a" * 64


def fill_legacy(conn: Connection, metadata: MetaData) -> None:
    import datetime as dt

    now = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    runs, contents, occurrences = (metadata.tables[n] for n in ("runs", "contents", "occurrences"))
    conn.execute(
        runs.insert(),
        {
            "source": "/dump",
            "started_at": now,
            "status": "complete",
            "options": {"workers": 2},
            "documents": 1,
            "analysed": 1,
        },
    )
    conn.execute(
        contents.insert(),
        {
            "sha256": SHA,
            "analyser_version": "1.0",
            "size": 3,
            "mime": "text/plain",
            "status": "ok",
            "metadata": {"author": "Équipe"},
            "findings": [],
            "facts": {"lines": 1},
            "text": "abc",
            "seconds": 0.1,
            "analysed_at": now,
        },
    )
    conn.execute(
        occurrences.insert(),
        {
            "run_id": 1,
            "path": "a.txt",
            "sha256": SHA,
            "mime": "text/plain",
            "score": 0.1,
            "verdict": "consistent",
            "scorecard": {"path": "a.txt", "verdict": "consistent"},
        },
    )
    conn.commit()


@pytest.mark.parametrize("made_by", ["first_release", "last_create_all"])
def test_store_made_before_migrations_is_adopted(db_url: str, made_by: str) -> None:
    legacy = first_release_metadata() if made_by == "first_release" else baseline.metadata
    with connect(db_url) as conn:
        legacy.create_all(conn)
        conn.commit()
        fill_legacy(conn, legacy)
        assert migrations.schema_state(conn) == "legacy"

    store = Store(db_url)
    try:
        assert model_differences(db_url) == []
        with connect(db_url) as conn:
            assert migrations.stored_revision(conn) == head()
        # The old rows are there and readable through the store.
        assert store.known_contents([SHA], "1.0") == {SHA}
        assert store.scorecards(1) == [{"path": "a.txt", "verdict": "consistent"}]
        run = store.run(1)
        assert run is not None and run.options == {"workers": 2} and run.host is None
        # The columns and table that the first release lacked work.
        run_id, resumed = store.start_run("/other", {}, out_dir="/out")
        assert run_id == 2 and not resumed
        store.add_decision(path="a.txt", sha256=SHA, decision="forged", reviewer="r")
        assert [d["decision"] for d in store.decisions()] == ["forged"]
        store.save_analyses([], "x" * 64)  # analyser versions are 64 characters now
    finally:
        store.close()


def test_adoption_refuses_a_missing_required_column(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'odd.sqlite'}"
    with connect(url) as conn:
        conn.exec_driver_sql("CREATE TABLE runs (id INTEGER PRIMARY KEY, status VARCHAR(16))")
        conn.commit()
    with pytest.raises(SourceError, match="lacks the required column 'source'"):
        Store(url)
    with connect(url) as conn:  # nothing was half-done
        assert migrations.schema_state(conn) == "legacy"
        assert set(sqlalchemy.inspect(conn).get_table_names()) == {"runs"}


# -- (3) a store at head is left alone, quickly ---------------------------------------


def test_store_at_head_is_untouched_and_fast(db_url: str) -> None:
    open_store(db_url)
    statements: list[str] = []

    def record(conn: Connection, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(Engine, "before_cursor_execute", record)
    try:
        timings = []
        for _ in range(5):
            started = time.perf_counter()
            open_store(db_url)
            timings.append(time.perf_counter() - started)
    finally:
        event.remove(Engine, "before_cursor_execute", record)
    # Only reads (the version row; PostgreSQL's driver also asks a few settings on connect).
    verbs = {s.split()[0].upper() for s in statements}
    assert not verbs & {"CREATE", "ALTER", "DROP", "INSERT", "UPDATE", "DELETE"}, statements
    assert sum(migrations.VERSION_TABLE in s for s in statements) == 5, statements
    assert min(timings) < 0.05, timings
    with connect(db_url) as conn:
        assert migrations.stored_revision(conn) == head()


def test_first_store_of_a_process_does_not_import_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    open_store(url)
    code = (
        "import sys, time\n"
        "from authenticity.store import Store\n"
        "started = time.perf_counter()\n"
        f"Store({url!r}).close()\n"
        "print(time.perf_counter() - started, 'alembic' in sys.modules)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split()
    assert out[1] == "False"
    assert float(out[0]) < 0.1, out


def test_unknown_newer_revision_is_a_source_error(db_url: str) -> None:
    open_store(db_url)
    with connect(db_url) as conn:
        conn.exec_driver_sql(f"UPDATE {migrations.VERSION_TABLE} SET version_num = '9999'")
        conn.commit()
    with pytest.raises(SourceError, match="does not know"):
        Store(db_url)


def test_bad_url_is_a_source_error(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="unusable"):
        Store(f"sqlite:///{tmp_path / 'missing' / 'dir' / 'x.sqlite'}")


# -- (4) downgrade and upgrade --------------------------------------------------------


def test_downgrade_base_and_upgrade_head(db_url: str) -> None:
    open_store(db_url)
    config = migrations.alembic_config(db_url)
    command.downgrade(config, "base")
    with connect(db_url) as conn:
        tables = set(sqlalchemy.inspect(conn).get_table_names())
        assert not tables & set(Base.metadata.tables), tables
        assert migrations.schema_state(conn) == "empty"
    command.upgrade(config, "head")
    assert model_differences(db_url) == []
    # One step at a time too, and back up through Store().
    command.downgrade(config, "-1")
    open_store(db_url)
    assert model_differences(db_url) == []


# -- concurrency -----------------------------------------------------------------------


def test_migration_waits_for_another_migrating_process(db_url: str) -> None:
    """While another connection holds the migration lock, Store() waits, then finds the
    store at head (made by the other) and does nothing."""
    engine = sqlalchemy.create_engine(db_url)
    outcome: list[BaseException | None] = []
    try:
        with engine.connect() as holder, migrations._locked(holder):
            config = migrations.alembic_config(connection=holder)
            command.upgrade(config, "head")

            def opener() -> None:
                try:
                    open_store(db_url)
                    outcome.append(None)
                except BaseException as exc:
                    outcome.append(exc)

            thread = threading.Thread(target=opener)
            thread.start()
            thread.join(1.5)
            assert thread.is_alive(), f"Store() did not wait for the lock: {outcome}"
            holder.commit()
        thread.join(30)
        assert outcome == [None]
    finally:
        engine.dispose()
    assert model_differences(db_url) == []


def test_processes_opening_a_new_store_at_once(db_url: str) -> None:
    start_at = time.time() + 4  # after every child has imported everything
    code = (
        "import sys, time\n"
        "from alembic import command\n"
        "from authenticity.store import Store\n"
        "time.sleep(max(0.0, float(sys.argv[2]) - time.time()))\n"
        "Store(sys.argv[1]).close()\n"
    )
    children = [
        subprocess.Popen(
            [sys.executable, "-c", code, db_url, str(start_at)],
            cwd=REPO,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    errors = [child.communicate(timeout=120)[1] for child in children]
    assert [child.returncode for child in children] == [0, 0, 0], errors
    assert model_differences(db_url) == []


# -- command line ----------------------------------------------------------------------


def test_cli_db_upgrade_and_current(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    assert main(["db", "current", "--db", url]) == 0
    assert capsys.readouterr().out.split()[0] == "none"
    assert main(["db", "upgrade", "--db", url]) == 0
    assert head() in capsys.readouterr().out
    assert main(["db", "current", "--db", url]) == 0
    assert capsys.readouterr().out.split()[0] == head()
    assert main(["db", "upgrade", "--db", url]) == 0
    assert "already" in capsys.readouterr().out
    assert main(["db", "current", "--db", "nosuchdialect://x"]) == 2


def test_helper_check_agrees(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "authenticity.migrations", "check"],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert out.returncode == 0, out.stderr
