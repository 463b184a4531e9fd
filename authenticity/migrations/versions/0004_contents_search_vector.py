"""Full-text search vector of each content (PostgreSQL only), with a GIN index.

The review app's search (``authenticity.review.search``) ran ``to_tsvector`` over the text
and metadata of every document of the run for every query: seconds per query at 100,000
documents. The vector is now computed once, when a content row is written, into the stored
generated column ``contents.search``, and a GIN index finds the matching contents.

The vector is built by ``authenticity_search_vector(text, metadata)``, which never fails an
insert: the text is cut to its first 100,000 characters and the metadata's string values
are read only when its JSON is at most 60,000 bytes (so the vector stays far below
PostgreSQL's 1 MB limit), and metadata that jsonb refuses (a lone surrogate escape, say)
falls back to the text alone. ``authenticity_metadata_text(metadata)`` gives the same
strings for search-result snippets, with the same fallback.

SQLite stores are unchanged: the review app indexes them in memory with FTS5.
Adding the column rewrites the ``contents`` table once (about a minute per 100,000 rows).

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | tuple[str, ...] | None = "0003"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None

_FUNCTIONS = """
CREATE OR REPLACE FUNCTION authenticity_metadata_text(m json) RETURNS text
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    IF m IS NULL OR octet_length(m::text) > 60000 THEN
        RETURN '';
    END IF;
    RETURN coalesce((
        SELECT string_agg(v #>> '{}', ' ')
        FROM jsonb_path_query(m::jsonb, 'strict $.**') AS v
        WHERE jsonb_typeof(v) = 'string'), '');
EXCEPTION WHEN others THEN
    RETURN '';
END $$;

CREATE OR REPLACE FUNCTION authenticity_search_vector(t text, m json) RETURNS tsvector
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE SET search_path FROM CURRENT AS $$
BEGIN
    RETURN to_tsvector('simple'::regconfig, left(coalesce(t, ''), 100000))
        || to_tsvector('simple'::regconfig, authenticity_metadata_text(m));
EXCEPTION WHEN others THEN
    RETURN NULL;
END $$;
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(_FUNCTIONS)
    op.execute(
        "ALTER TABLE contents ADD COLUMN search tsvector "
        "GENERATED ALWAYS AS (authenticity_search_vector(text, metadata)) STORED"
    )
    op.execute("CREATE INDEX ix_contents_search ON contents USING gin (search)")


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_contents_search")
    op.execute("ALTER TABLE contents DROP COLUMN IF EXISTS search")
    op.execute("DROP FUNCTION IF EXISTS authenticity_search_vector(text, json)")
    op.execute("DROP FUNCTION IF EXISTS authenticity_metadata_text(json)")
