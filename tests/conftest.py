"""Shared fixtures: real PostgreSQL and Mosquitto, a fresh database per test.

* ``pg_cluster``  — one throw-away PostgreSQL 15 cluster per test process (xdist worker);
* ``pg_url``      — a brand-new, empty database in it for one test, dropped afterwards;
* ``pg_storage_url`` — the same, parametrised over both storage paths of ``readings``:
  native monthly partitions and a TimescaleDB hypertable;
* ``sqlite_url``  — a fresh SQLite file for one test;
* ``db_url``      — parametrised over both backends;
* ``mosquitto``   — a throw-away Mosquitto broker for one test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.services import Mosquitto, PostgresCluster


@pytest.fixture(scope="session")
def pg_cluster() -> Iterator[PostgresCluster]:
    cluster = PostgresCluster().start()
    try:
        yield cluster
    finally:
        cluster.cleanup()


@pytest.fixture
def pg_url(pg_cluster: PostgresCluster) -> Iterator[str]:
    url = pg_cluster.create_database()
    yield url
    pg_cluster.drop_database(url.rsplit("/", 1)[1])


TIMESCALEDB_INSTALLER = Path(__file__).resolve().parents[1].parent / "shared" / "timescaledb"


@pytest.fixture(params=["partitions", "timescaledb"])
def pg_storage_url(request: pytest.FixtureRequest, pg_cluster: PostgresCluster) -> Iterator[str]:
    hypertable = request.param == "timescaledb"
    if hypertable and not pg_cluster.timescaledb:
        if TIMESCALEDB_INSTALLER.is_dir():  # `make test` installs it from there: a real failure
            pytest.fail("TimescaleDB is not installed although ../shared/timescaledb exists")
        pytest.skip("TimescaleDB is not installed on this machine")
    url = pg_cluster.create_database(timescaledb=hypertable)
    yield url
    pg_cluster.drop_database(url.rsplit("/", 1)[1])


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "pg_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def mosquitto() -> Iterator[Mosquitto]:
    broker = Mosquitto().start()
    try:
        yield broker
    finally:
        broker.cleanup()
