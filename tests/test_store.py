"""The results store on SQLite and on a real PostgreSQL server."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from collections.abc import Iterator

import pytest

from authenticity.config import Settings
from authenticity.model import Analysis, Finding, Metadata, Severity
from authenticity.pipeline import run_scan
from authenticity.store import Store
from tests import factories

PG_URL = os.environ.get(
    "AUTHENTICITY_TEST_PG", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)


def pg_available() -> bool:
    try:
        import sqlalchemy

        engine = sqlalchemy.create_engine(PG_URL)
        with engine.connect():
            pass
        engine.dispose()
        return True
    except Exception:
        return False


def _scan_twice(tmp_path, db_url: str) -> None:
    dump = tmp_path / "dump"
    dump.mkdir()
    (dump / "a.docx").write_bytes(factories.make_docx(author="<b>Équipe</b> & Co"))
    (dump / "b.xlsx").write_bytes(factories.make_xlsx(modified=dt.datetime(2017, 5, 9)))
    first = run_scan(
        str(dump), tmp_path / "out1", Settings(workers=0, leak_date=dt.date(2017, 5, 5)), db_url
    )
    assert first.analysed == 2
    second = run_scan(
        str(dump), tmp_path / "out2", Settings(workers=0, leak_date=dt.date(2017, 5, 5)), db_url
    )
    assert second.analysed == 0  # keyed by content hash: nothing analysed twice
    store = Store(db_url)
    run = store.run(second.run_id)
    assert run is not None and run.status == "complete" and run.documents == 2
    cards = {c["path"]: c for c in store.scorecards(second.run_id)}
    # The scorecards rebuilt from stored analyses equal the first run's.
    first_cards = {
        json.loads(x)["path"]: json.loads(x)
        for x in (tmp_path / "out1" / "scorecards.jsonl").read_text().splitlines()
    }
    # modified after the leak date: flagged, and stored as it was scored
    assert cards["b.xlsx"]["verdict"] in {"suspicious", "likely_forged"}
    assert cards["b.xlsx"]["verdict"] == first_cards["b.xlsx"]["verdict"]
    assert {p: c["findings"] for p, c in cards.items()} == {
        p: c["findings"] for p, c in first_cards.items()
    }
    store.close()


def test_sqlite_store(tmp_path):
    _scan_twice(tmp_path, Store.sqlite_url(str(tmp_path / "r.sqlite")))


@contextlib.contextmanager
def pg_schema_url() -> Iterator[str]:
    """A URL to a new, empty schema of the test PostgreSQL server, dropped afterwards."""
    if not pg_available():
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL not reachable at {PG_URL} (CI must not skip this)")
        pytest.skip(f"PostgreSQL not reachable at {PG_URL}")
    import sqlalchemy

    schema = f"t_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()


@pytest.mark.postgres
def test_postgres_store(tmp_path):
    with pg_schema_url() as url:
        _scan_twice(tmp_path, url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path) -> Iterator[str]:
    if request.param == "sqlite":
        yield Store.sqlite_url(str(tmp_path / "r.sqlite"))
    else:
        with pg_schema_url() as url:
            yield url


def test_analyses_round_trip_replace_and_sizes_over_2_gib(store_url: str) -> None:
    big = 5 * 2**30  # a 5 GiB disk image: over the 32-bit range
    finding = Finding("PDF_INCREMENTAL_UPDATE", Severity.LOW, "Edited after signing.", {"n": 2})
    first = [
        Analysis("a" * 64, big, "application/x-raw-disk-image", "unsupported", Metadata(), []),
        Analysis(
            "b" * 64,
            1234,
            "application/pdf",
            "ok",
            Metadata(author="Équipe", producer="Word"),
            [finding],
            facts={"pdf": {"revisions": 2}, "ti\x00tle": ["x\x00y", ("z",)]},
            text="a\x00b",
        ),
    ]
    store = Store(store_url)
    try:
        store.save_analyses(first, "v1")
        loaded = {a.sha256: a for a in store.load_analyses(["a" * 64, "b" * 64, "c" * 64], "v1")}
        assert loaded["a" * 64].size == big and loaded["a" * 64].status == "unsupported"
        b = loaded["b" * 64]
        assert (b.metadata.author, b.metadata.producer) == ("Équipe", "Word")
        assert [(f.code, f.severity, f.evidence) for f in b.findings] == [
            ("PDF_INCREMENTAL_UPDATE", Severity.LOW, {"n": 2})
        ]
        # NUL characters (which PostgreSQL cannot store) are dropped from keys and values
        assert b.facts == {"pdf": {"revisions": 2}, "title": ["xy", ["z"]]} and b.text == "ab"
        # Saving again replaces (one row per sha256 and analyser version); other versions
        # are separate rows.
        store.save_analyses(
            [Analysis("b" * 64, 1234, "application/pdf", "failed", Metadata(), [], error="x")],
            "v1",
        )
        store.save_analyses([first[0]], "v2")
        again = {a.sha256: a for a in store.load_analyses(["a" * 64, "b" * 64], "v1")}
        assert again["b" * 64].status == "failed" and again["b" * 64].findings == []
        assert again["a" * 64].size == big
        assert store.known_contents(["a" * 64, "b" * 64], "v2") == {"a" * 64}
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_search_vector_never_fails_an_insert():
    # Revision 0004's generated column: text and metadata strings are indexed; metadata that
    # jsonb refuses (a lone surrogate escape) or that is too big falls back to the text.
    import sqlalchemy

    with pg_schema_url() as url:
        Store(url).close()
        engine = sqlalchemy.create_engine(url)
        rows = {
            "plain": ('{"title": "Virement Société Générale"}', "Montant 4800 euros"),
            "surrogate": ('{"title": "bad \\ud800 escape"}', "texte lisible"),
            "huge": ('{"title": "' + "mot " * 20000 + '"}', "fin du document"),
        }
        with engine.begin() as conn:
            for sha, (meta, body) in rows.items():
                conn.execute(
                    sqlalchemy.text(
                        "INSERT INTO contents (sha256, analyser_version, size, mime, status, "
                        "metadata, findings, facts, text, seconds, analysed_at) VALUES "
                        "(:sha, 'v', 1, 'text/plain', 'ok', CAST(:meta AS json), '[]', '{}', "
                        ":body, 0, now())"
                    ),
                    {"sha": sha, "meta": meta, "body": body},
                )

            def match(query: str) -> list[str]:
                found = conn.execute(
                    sqlalchemy.text(
                        "SELECT sha256 FROM contents "
                        "WHERE search @@ websearch_to_tsquery('simple', :q) ORDER BY sha256"
                    ),
                    {"q": query},
                )
                return [r[0] for r in found]

            assert match("société générale") == ["plain"]
            assert match("4800") == ["plain"]
            assert match("lisible") == ["surrogate"]
            assert match("fin document") == ["huge"]
            assert match("mot") == []  # 80 kB of metadata JSON: not read, text only
            # The GIN index serves the match (the planner would scan 3 rows anyway).
            conn.execute(sqlalchemy.text("SET LOCAL enable_seqscan = off"))
            plan = conn.execute(
                sqlalchemy.text(
                    "EXPLAIN SELECT sha256 FROM contents "
                    "WHERE search @@ websearch_to_tsquery('simple', 'x')"
                )
            )
            assert "ix_contents_search" in " ".join(r[0] for r in plan)
        engine.dispose()
