"""Full-text search over extracted text and metadata of one run's documents.

- SQLite stores: an in-memory SQLite FTS5 index, built lazily (first search) from the
  store's ``contents`` table, one row per provenance path (text + metadata values + path).
- PostgreSQL stores: PostgreSQL full-text search (``to_tsvector``/``websearch_to_tsquery``)
  run directly on ``contents`` joined with ``occurrences``; no copy is made.

Results carry a snippet with the matches marked by ``\\x02``/``\\x03`` (the template escapes
the text and turns the markers into ``<mark>``).
"""

from __future__ import annotations

import re
import sqlite3
import threading
from typing import Any

from sqlalchemy import text as sql

from authenticity.review.views import Dump, display, doc_id
from authenticity.store import Store

START, STOP = "\x02", "\x03"
_PHRASE = re.compile(r'"([^"]*)"|(\S+)')


def fts5_query(query: str) -> str:
    """A user's query as a safe FTS5 expression: quoted phrases stay phrases, other words are
    terms; all must match (no operators or column filters from the user reach FTS5)."""
    parts = []
    for phrase, word in _PHRASE.findall(query):
        chunk = (phrase or word).replace('"', " ").strip()
        if chunk:
            parts.append('"' + chunk + '"')
    return " ".join(parts)


def segments(snippet: str) -> list[tuple[str, bool]]:
    """Split a marked snippet into (text, is_match) pieces."""
    out: list[tuple[str, bool]] = []
    for i, piece in enumerate(re.split(f"{START}|{STOP}", snippet)):
        if piece:
            out.append((piece, i % 2 == 1))
    return out


def _metadata_text(card: dict[str, Any]) -> str:
    meta = dict(card.get("metadata") or {})
    raw = meta.pop("raw", {}) or {}
    meta.pop("naive_datetimes", None)
    values = [display(v) for v in meta.values() if v not in (None, "")]
    values += [f"{k} {display(v)}" for k, v in raw.items()]
    return "\n".join(values)


#: Search of one run in a PostgreSQL store: ``:q`` (websearch syntax), ``:run``, ``:limit``.
#: Candidates come from the GIN index on ``contents.search`` (migration 0004) and from the
#: paths; each path's newest content is then checked on text + metadata + path together,
#: ranked, and only the returned rows get snippets (STX/ETX around the hits). A query whose
#: terms are split between the path and the text (neither alone matching) is not found.
POSTGRES_QUERY = """
WITH q AS (SELECT websearch_to_tsquery('simple', :q) AS q),
hits AS (SELECT c.sha256 FROM contents c, q WHERE c.search @@ q.q),
cand AS (
    SELECT DISTINCT ON (o.path) o.path, c.id,
           coalesce(c.search, ''::tsvector) || to_tsvector('simple', o.path) AS v
    FROM occurrences o JOIN contents c ON c.sha256 = o.sha256, q
    WHERE o.run_id = :run
      AND (o.sha256 IN (SELECT sha256 FROM hits)
           OR to_tsvector('simple', o.path) @@ q.q)
    ORDER BY o.path, c.id DESC
),
top AS (
    SELECT cand.path, cand.id, ts_rank(cand.v, q.q) AS rank
    FROM cand, q
    WHERE cand.v @@ q.q
    ORDER BY rank DESC, cand.path
    LIMIT :limit
)
SELECT top.path,
       ts_headline('simple',
                   left(coalesce(c.text, ''), 100000) || ' ' || top.path || ' '
                   || authenticity_metadata_text(c.metadata),
                   q.q,
                   'StartSel=' || chr(2) || ', StopSel=' || chr(3)
                   || ', MaxFragments=2, MaxWords=30, MinWords=8')
FROM top JOIN contents c ON c.id = top.id, q
ORDER BY top.rank DESC, top.path
"""


class SearchIndex:
    def __init__(self, store: Store, dump: Dump, run_id: int, *, text_chars: int = 2_000_000):
        self.store = store
        self.dump = dump
        self.run_id = run_id
        self.text_chars = text_chars
        self._lock = threading.Lock()
        self._db: sqlite3.Connection | None = None
        self.postgres = store.engine.dialect.name == "postgresql"

    def _build(self) -> sqlite3.Connection:
        db = sqlite3.connect(":memory:", check_same_thread=False)
        db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5("
            "path UNINDEXED, name, meta, body, tokenize='unicode61 remove_diacritics 2')"
        )
        cards = self.dump.cards
        texts: dict[str, str] = {}
        shas = sorted({c["sha256"] for c in cards})
        for i in range(0, len(shas), 500):
            found = self.store.contents_for(shas[i : i + 500], text_chars=self.text_chars)
            texts.update({k: v["text"] for k, v in found.items()})
        db.executemany(
            "INSERT INTO docs(path, name, meta, body) VALUES (?, ?, ?, ?)",
            (
                (
                    c["path"],
                    c["path"].replace("/", " ").replace("!", " "),
                    _metadata_text(c),
                    texts.get(c["sha256"], ""),
                )
                for c in cards
            ),
        )
        db.commit()
        return db

    def search(self, query: str, limit: int = 200) -> list[dict[str, Any]]:
        query = query.strip()
        if not query:
            return []
        if self.postgres:
            return self._search_postgres(query, limit)
        expr = fts5_query(query)
        if not expr:
            return []
        with self._lock:
            if self._db is None:
                self._db = self._build()
            rows = self._db.execute(
                "SELECT path, snippet(docs, -1, ?, ?, ' … ', 24) FROM docs "
                "WHERE docs MATCH ? ORDER BY rank LIMIT ?",
                (START, STOP, expr, limit),
            ).fetchall()
        return [self._hit(path, snippet) for path, snippet in rows]

    def _hit(self, path: str, snippet: str) -> dict[str, Any]:
        card = self.dump.by_path[path]
        return {
            "path": path,
            "id": doc_id(path),
            "verdict": card["verdict"],
            "score": float(card["score"]),
            "snippet": segments(snippet or ""),
        }

    def _search_postgres(self, query: str, limit: int) -> list[dict[str, Any]]:
        statement = sql(POSTGRES_QUERY)
        with self.store.engine.connect() as conn:
            rows = conn.execute(statement, {"q": query, "run": self.run_id, "limit": limit})
            return [self._hit(r[0], r[1]) for r in rows if r[0] in self.dump.by_path]
