#!/usr/bin/env python3
"""Review search on a PostgreSQL store: the indexed query against the unindexed one.

Usage::

    .venv/bin/python benchmarks/search.py [--n 20000] [--words 600] [--repeat 3]
        [--url postgresql+psycopg2://postgres@127.0.0.1:5432/test]

Creates a throw-away schema on the server, opens a store there (migrations up to head,
including 0004's search vector and GIN index), inserts one run of N documents whose text is
WORDS words drawn from a fixed vocabulary (plus one rare word in 1 document of 1,000 and a
name in the metadata), then times, for a rare word, a common word and a phrase:

- ``indexed``: :data:`authenticity.review.search.POSTGRES_QUERY` (the review app's query);
- ``peer``: the query the review app ran before revision 0004, computing ``to_tsvector``
  over every document of the run for every search (kept here as the baseline).

Prints median milliseconds of each, their ratio, and whether both return the same paths.
The schema is dropped at the end.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy

from authenticity.review.search import POSTGRES_QUERY
from authenticity.store import Store

DEFAULT_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"

#: The review app's PostgreSQL query before revision 0004 (the peer).
PEER_QUERY = """
WITH docs AS (
    SELECT DISTINCT ON (o.path) o.path,
           coalesce(c.text, '') || ' ' || o.path || ' ' || coalesce((
               SELECT string_agg(v #>> '{}', ' ')
               FROM jsonb_path_query(c.metadata::jsonb, 'strict $.**') AS v
               WHERE jsonb_typeof(v) = 'string'), '') AS body
    FROM occurrences o JOIN contents c ON c.sha256 = o.sha256
    WHERE o.run_id = :run
    ORDER BY o.path, c.id DESC
)
SELECT docs.path,
       ts_headline('simple', docs.body, q,
                   'StartSel=' || chr(2) || ', StopSel=' || chr(3)
                   || ', MaxFragments=2, MaxWords=30, MinWords=8')
FROM docs, websearch_to_tsquery('simple', :q) AS q
WHERE to_tsvector('simple', docs.body) @@ q
ORDER BY ts_rank(to_tsvector('simple', docs.body), q) DESC, docs.path
LIMIT :limit
"""

VOCABULARY = [
    "budget",
    "campagne",
    "réunion",
    "presse",
    "compte",
    "virement",
    "facture",
    "rapport",
    "trésorerie",
    "dons",
    "meeting",
    "agenda",
    "candidat",
    "sondage",
    "mairie",
    "préfecture",
    "conférence",
    "déplacement",
    "équipe",
    "communiqué",
    "relecture",
    "chiffres",
    "prévisionnel",
    "semaine",
    "urgent",
    "projet",
    "version",
    "finale",
]


def populate(conn: sqlalchemy.Connection, n: int, words: int, seed: int) -> int:
    rng = random.Random(seed)
    run = conn.execute(
        sqlalchemy.text(
            "INSERT INTO runs (source, started_at, status, options, documents, analysed) "
            "VALUES ('bench', now(), 'done', '{}', :n, :n) RETURNING id"
        ),
        {"n": n},
    ).scalar_one()
    batch_c: list[dict] = []
    batch_o: list[dict] = []

    def flush() -> None:
        if batch_c:
            conn.execute(
                sqlalchemy.text(
                    "INSERT INTO contents (sha256, analyser_version, size, mime, status, "
                    "metadata, findings, facts, text, seconds, analysed_at) VALUES (:sha, 'b', "
                    "1, 'application/pdf', 'ok', CAST(:meta AS json), '[]', '{}', :text, 0, "
                    "now())"
                ),
                batch_c,
            )
            conn.execute(
                sqlalchemy.text(
                    "INSERT INTO occurrences (run_id, path, sha256, mime, score, verdict, "
                    "scorecard) VALUES (:run, :path, :sha, 'application/pdf', 0.1, "
                    "'consistent', '{}')"
                ),
                batch_o,
            )
        batch_c.clear()
        batch_o.clear()

    for i in range(n):
        body = [rng.choice(VOCABULARY) for _ in range(words)]
        if i % 1000 == 7:
            body[rng.randrange(words)] = "offshore"
        sha = f"{i:064x}"
        meta = {"author": rng.choice(["Alice Martin", "Рошка Георгий", "Paul Roux"])}
        batch_c.append({"sha": sha, "meta": json.dumps(meta), "text": " ".join(body)})
        batch_o.append({"run": run, "path": f"docs/{i // 1000:03d}/doc-{i:06d}.pdf", "sha": sha})
        if len(batch_c) >= 1000:
            flush()
    flush()
    return int(run)


def timed(conn: sqlalchemy.Connection, query: str, params: dict, repeat: int):
    times, paths = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        rows = conn.execute(sqlalchemy.text(query), params).fetchall()
        times.append((time.perf_counter() - started) * 1000)
        paths = [r[0] for r in rows]
    return statistics.median(times), paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=20000)
    parser.add_argument("--words", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--url", default=DEFAULT_URL)
    args = parser.parse_args(argv)

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sqlalchemy.create_engine(args.url)
    with admin.begin() as conn:
        conn.execute(sqlalchemy.text(f"CREATE SCHEMA {schema}"))
    url = f"{args.url}?options=-csearch_path%3D{schema}"
    try:
        Store(url).close()
        engine = sqlalchemy.create_engine(url)
        started = time.perf_counter()
        with engine.begin() as conn:
            run = populate(conn, args.n, args.words, args.seed)
        load = time.perf_counter() - started
        with engine.begin() as conn:
            conn.execute(sqlalchemy.text("ANALYZE contents; ANALYZE occurrences"))
        print(
            f"{args.n} documents of {args.words} words inserted in {load:.1f} s "
            f"({args.n / load:.0f} documents/s, search vectors computed by the server)"
        )
        print(f"{'query':<22} {'indexed ms':>11} {'peer ms':>10} {'peer/indexed':>13}  same")
        with engine.connect() as conn:
            for label, q in (
                ("rare word", "offshore"),
                ("metadata name", "Рошка"),
                ("phrase", '"compte virement"'),
                ("common word", "budget"),
            ):
                params = {"q": q, "run": run, "limit": 200}
                fast, got = timed(conn, POSTGRES_QUERY, params, args.repeat)
                slow, want = timed(conn, PEER_QUERY, params, max(1, args.repeat // 2))
                same = got == want or sorted(got) == sorted(want)
                print(f"{label:<22} {fast:>11.1f} {slow:>10.1f} {slow / fast:>12.1f}x  {same}")
        engine.dispose()
    finally:
        with admin.begin() as conn:
            conn.execute(sqlalchemy.text(f"DROP SCHEMA {schema} CASCADE"))
        admin.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
