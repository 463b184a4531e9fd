"""contents.size as a 64-bit integer.

The baseline declared ``contents.size`` as ``Integer``: 32 bits on PostgreSQL, so the
analysis of a file over 2 GiB could not be stored. SQLite's INTEGER is 64-bit already; it
gets the same declared type through Alembic's batch mode (the table is copied once) so the
schema stays exactly the models on every backend.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | tuple[str, ...] | None = "0001"
branch_labels: str | tuple[str, ...] | None = None
depends_on: str | tuple[str, ...] | None = None


def _size_type(type_: sa.types.TypeEngine[int], existing: sa.types.TypeEngine[int]) -> None:
    with op.batch_alter_table("contents") as batch:
        batch.alter_column("size", type_=type_, existing_type=existing, existing_nullable=False)


def upgrade() -> None:
    _size_type(sa.BigInteger(), sa.Integer())


def downgrade() -> None:
    _size_type(sa.Integer(), sa.BigInteger())
