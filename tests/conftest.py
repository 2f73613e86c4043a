"""Database fixtures: every DB test runs on SQLite and, when configured, PostgreSQL.

``KETAPATH_TEST_POSTGRES_URL`` names a PostgreSQL server (any database on it); each test run
creates its own fresh database there, migrates it with Alembic and drops it at the end.
Each test runs inside a transaction that is rolled back, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.engine import make_engine
from ketapath.db.provision import FreshPostgres

POSTGRES_ENV = "KETAPATH_TEST_POSTGRES_URL"


def postgres_server_url() -> str | None:
    return os.environ.get(POSTGRES_ENV) or None


def new_database_url(kind: str, tmp_dir: Path) -> tuple[str, FreshPostgres | None]:
    """A URL to an empty database of ``kind`` (``sqlite`` or ``postgres``)."""
    if kind == "sqlite":
        return f"sqlite:///{tmp_dir / f'ketapath-{uuid.uuid4().hex[:8]}.sqlite3'}", None
    server = postgres_server_url()
    if server is None:
        if os.environ.get("KETAPATH_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"{POSTGRES_ENV} is required (KETAPATH_REQUIRE_POSTGRES=1)")
        pytest.skip(f"set {POSTGRES_ENV} to run PostgreSQL tests")
    fresh = FreshPostgres(server)
    return fresh.create(), fresh


DB_PARAMS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(scope="session", params=DB_PARAMS)
def db_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def engine(db_kind: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    url, fresh = new_database_url(db_kind, tmp_path_factory.mktemp(db_kind))
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    with engine.connect() as conn:
        outer = conn.begin()
        if engine.dialect.name == "postgresql":
            # The change counters' triggers fire at COMMIT, which this shared, rolled-back
            # transaction never reaches: fire them with each statement instead, so that a
            # request sees the writes of the requests before it as it would once they commit
            # (db.repositories.change_counters). The users and tokens a test makes also flag
            # this one transaction as having written them (migration 0007), so its writes
            # always look tokens up: tests/api/test_work.py covers kept lookups in writes.
            conn.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        try:
            yield conn
        finally:
            outer.rollback()


def _bound_session(conn: Connection) -> Session:
    return Session(
        bind=conn,
        join_transaction_mode="create_savepoint",
        expire_on_commit=False,
        autoflush=False,
    )


@pytest.fixture
def session(connection: Connection) -> Iterator[Session]:
    s = _bound_session(connection)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def app_settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url="sqlite://")


@pytest.fixture
def client(
    engine: Engine, connection: Connection, app_settings: Settings
) -> Iterator[TestClient]:
    """A TestClient whose requests share the test's rolled-back transaction."""
    app = create_app(app_settings, engine=engine)
    app.state.session_factory = lambda: _bound_session(connection)
    with TestClient(app, raise_server_exceptions=True) as test_client:
        yield test_client
