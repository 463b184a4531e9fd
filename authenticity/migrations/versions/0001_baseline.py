"""Baseline: the schema of the results store when migrations were introduced.

Creates runs, contents, occurrences, ingest_problems and decisions exactly as the models
defined them (see authenticity/migrations/baseline.py, the frozen copy shared with the
adoption of stores made before migrations).

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

from authenticity.migrations.baseline import metadata

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | tuple[str, ...] | None = None
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def upgrade() -> None:
    metadata.create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    metadata.drop_all(op.get_bind(), checkfirst=False)
