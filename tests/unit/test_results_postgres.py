"""The same report against PostgreSQL: events posted through the collector into a fresh
database give exactly the report they give in SQLite.

The server is ENGAGE_TEST_POSTGRES (a URL; scripts/test starts a throwaway cluster and sets
it) or, without it, a cluster this module starts with scripts/pg-cluster and removes after.
Skipped only when neither is possible because this machine has no PostgreSQL server.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from engine.tools import report, store
from engine.tools.collect import call, create_app
from tests.unit.test_results import body, event

REPO = Path(__file__).resolve().parents[2]
CLUSTER = REPO / "scripts" / "pg-cluster"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    url = os.environ.get("ENGAGE_TEST_POSTGRES")
    if url:
        yield url
        return
    folder = tempfile.mkdtemp(prefix="engage-pg-")
    started = subprocess.run([str(CLUSTER), "start", folder], capture_output=True, text=True)
    if started.returncode == 3:
        os.rmdir(folder)
        pytest.skip(f"no PostgreSQL server on this machine: {started.stderr.strip()}")
    assert started.returncode == 0, started.stderr
    try:
        yield started.stdout.strip()
    finally:
        subprocess.run([str(CLUSTER), "stop", folder], check=False)


@pytest.fixture
def database(server: str) -> Iterator[str]:
    """A new, empty database on the server, dropped afterwards."""
    name = f"engage_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(store.normalise_url(server), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = sa.make_url(store.normalise_url(server)).set(database=name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'DROP DATABASE "{name}" WITH (FORCE)')
        admin.dispose()


def test_the_same_report_from_postgresql_as_from_sqlite(database: str, tmp_path: Path) -> None:
    import random

    rnd = random.Random(3)
    events = []
    for i in range(600):
        control = rnd.random() < 0.3
        vid = f"p{i:05d}"
        events.append(event(f"x{i}", "engage_control" if control else "engage_show", visitor=vid,
                            split=0.3, time=1_795_597_200_000 + i * 600_000))  # fmt: skip
        if not control and rnd.random() < 0.4:
            events.append(event(f"k{i}", "engage_clicked", visitor=vid))
        if rnd.random() < (0.15 if control else 0.25):
            events.append(event(f"c{i}", "engage_conversion", visitor=vid, time=1_795_597_200_000 + i * 600_000 + 5, value=rnd.choice([10.0, 25.5])))
    sqlite = f"sqlite:///{tmp_path / 'events.db'}"
    for db in (database, sqlite):
        app = create_app(db)
        for start in range(0, len(events), 200):
            assert call(app, "POST", body(*events[start : start + 200]))[0] == 200
        assert json.loads(call(app, "POST", body(*events[:50]))[2]) == {"stored": 0, "duplicates": 50}
    engine = store.open_store(database, migrate=False)
    assert engine.dialect.name == "postgresql"
    with engine.connect() as connection:
        version = connection.exec_driver_sql("SELECT version_num FROM engage_alembic_version").scalar()
    assert version == "0001"
    from_pg = report.results(engine)
    assert from_pg == report.results(store.open_store(sqlite, migrate=False))
    (entry,) = from_pg
    assert sum(entry["visitors"].values()) == 600 and entry["lift"] is not None
    assert len(entry["daily"]) == 5  # 600 visitors, one every 10 minutes
    page = report.render_html(from_pg)
    assert page.count("<polyline") == 2 and "2026-11-25" in page  # the daily trend, one line per arm
