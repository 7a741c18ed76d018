"""Where collected events live: one table, `engage_events`, in SQLite or PostgreSQL.

The table is defined, created and changed only by the Alembic migrations in `migrations/`
(`open_store` runs them up to the newest on every start, so an old database is upgraded
in place). SQLite is put in WAL mode, so that `report` reads while the collector writes.
Every event has an id chosen by the browser; storing one twice is a no-op, which is what
makes a resend after a lost answer harmless.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

TABLE = "engage_events"
MIGRATIONS = Path(__file__).with_name("migrations")

# The columns (docs/analytics.md, "The collector"); their types are defined once, by the
# migrations, which are the schema: this is only what inserts and tests address.
COLUMNS = ("id", "event", "visitor", "rule", "interaction", "arm", "time", "value",
           "currency", "name", "split", "received")  # fmt: skip
events = sa.table(TABLE, *(sa.column(c) for c in COLUMNS))


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 (the driver the `collect` extra installs)."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _sqlite_pragmas(connection: Any, _record: Any) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL stays consistent
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def open_store(url: str, *, migrate: bool = True) -> sa.Engine:
    """An engine for `url` with the schema migrated to the newest version."""
    engine = sa.create_engine(normalise_url(url), pool_pre_ping=True)
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    if migrate:
        upgrade(engine)
    return engine


def upgrade(engine: sa.Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def insert(engine: sa.Engine, rows: Iterable[Mapping[str, Any]]) -> int:
    """Store `rows`, skipping ids already stored; the number newly stored."""
    return insert_batches(engine, [list(rows)])[0]


def insert_batches(engine: sa.Engine, batches: Sequence[Sequence[Mapping[str, Any]]]) -> list[int]:
    """Store several batches in one transaction; per batch, the number newly stored."""
    dialect = engine.dialect.name
    if dialect == "postgresql":
        statement: Any = postgresql.insert(events).on_conflict_do_nothing(index_elements=["id"])
    elif dialect == "sqlite":
        statement = sqlite.insert(events).on_conflict_do_nothing(index_elements=["id"])
    else:
        raise ValueError(f"the collector stores into SQLite or PostgreSQL, not {dialect}")
    stored = []
    with engine.begin() as connection:
        for batch in batches:
            stored.append(max(connection.execute(statement, [dict(r) for r in batch]).rowcount, 0) if batch else 0)
    return stored
