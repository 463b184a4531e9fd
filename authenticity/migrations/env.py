"""Alembic environment of the results store (configured in code: authenticity.migrations).

Runs on the connection passed in ``config.attributes["connection"]`` (inside its
transaction) or, when there is none, on a new connection to ``sqlalchemy.url``.
``target_metadata`` is the models' metadata, which ``--autogenerate`` compares with the
database. SQLite gets ``render_as_batch`` (it cannot ALTER most things in place).
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine, pool
from sqlalchemy.engine import Connection

from authenticity.migrations import VERSION_TABLE, include_object
from authenticity.store import Base

config = context.config
target_metadata = Base.metadata


def _configure(**kwargs: object) -> None:
    context.configure(
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        compare_type=True,
        include_object=include_object,
        **kwargs,  # type: ignore[arg-type]
    )


def run_offline() -> None:
    url = config.get_main_option("sqlalchemy.url")
    _configure(
        url=url,
        literal_binds=True,
        render_as_batch=bool(url and url.startswith("sqlite")),
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online(connection: Connection) -> None:
    _configure(connection=connection, render_as_batch=connection.dialect.name == "sqlite")
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
elif (given := config.attributes.get("connection")) is not None:
    run_online(given)
else:
    url = config.get_main_option("sqlalchemy.url")
    if not url:
        raise SystemExit("no database: pass --db URL")
    engine = create_engine(url, poolclass=pool.NullPool)
    try:
        with engine.connect() as conn:
            run_online(conn)
            conn.commit()
    finally:
        engine.dispose()
