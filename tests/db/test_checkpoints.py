"""db.checkpoints: SQLite's WAL is checkpointed by a thread of its own, commits only as a backstop."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.checkpoints import BACKSTOP_PAGES, Checkpoint, WalCheckpointer
from ketapath.db.engine import make_engine

THREAD_NAME = "ketapath-wal-checkpoints"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = make_engine(f"sqlite:///{tmp_path / 'ketapath.sqlite3'}")
    with made.begin() as connection:
        connection.execute(text("CREATE TABLE notes (body TEXT)"))
    try:
        yield made
    finally:
        made.dispose()


def write_rows(engine: Engine, rows: int = 200) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO notes (body) VALUES (:body)"),
            [{"body": "x" * 500} for _ in range(rows)],
        )


def written_then_checkpointed(
    engine: Engine, checkpoints: WalCheckpointer
) -> Checkpoint:
    """Write rows, then wait (10 s at most) for the running thread to checkpoint them."""
    write_rows(engine)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        last = checkpoints.last
        if last is not None and last.log_frames > 0:
            return last
        time.sleep(0.01)
    raise AssertionError(f"nothing checkpointed within 10 s (last: {checkpoints.last})")


def test_commits_checkpoint_only_as_a_backstop(engine: Engine) -> None:
    with engine.connect() as connection:
        pages = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar_one()
    assert pages == BACKSTOP_PAGES


def test_a_checkpoint_copies_the_whole_log_back(engine: Engine) -> None:
    write_rows(engine)
    done = WalCheckpointer(engine).checkpoint()
    assert not done.busy
    assert done.log_frames > 0
    assert done.checkpointed_frames == done.log_frames


def test_the_thread_checkpoints_what_is_written_until_stopped(engine: Engine) -> None:
    checkpoints = WalCheckpointer(engine, interval_s=0.01)
    checkpoints.start()
    try:
        last = written_then_checkpointed(engine, checkpoints)
        assert last.checkpointed_frames == last.log_frames
    finally:
        checkpoints.stop()
    assert THREAD_NAME not in {thread.name for thread in threading.enumerate()}


def test_the_thread_outlives_a_failed_checkpoint(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk once must not end checkpointing for good (sqlite3's own errors too)."""
    real = engine.raw_connection
    failures: list[int] = []

    def failing_once() -> object:
        if not failures and threading.current_thread().name == THREAD_NAME:
            failures.append(1)
            raise sqlite3.OperationalError("database or disk is full")
        return real()

    monkeypatch.setattr(engine, "raw_connection", failing_once)
    checkpoints = WalCheckpointer(engine, interval_s=0.01)
    checkpoints.start()
    try:
        written_then_checkpointed(engine, checkpoints)
        assert failures == [1]
    finally:
        checkpoints.stop()


def test_the_server_checkpoints_a_sqlite_file_while_it_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ketapath.sqlite3'}"
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        app = create_app(Settings(data_dir=tmp_path, database_url=url), engine=engine)
        with TestClient(app):
            assert THREAD_NAME in {thread.name for thread in threading.enumerate()}
        assert THREAD_NAME not in {thread.name for thread in threading.enumerate()}
    finally:
        engine.dispose()
