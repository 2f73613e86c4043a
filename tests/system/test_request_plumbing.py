"""The request plumbing under the hot paths: database threads, audit group commit, WAL checkpoints
and inserts outside the unit of work."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketapath.db.base import utcnow
from ketapath.db.checkpoint import FALLBACK_CHECKPOINT_PAGES, WalCheckpointer
from ketapath.db.engine import (
    ReadOnlySessionError,
    make_engine,
    make_session_factory,
    read_only,
)
from ketapath.db.migrate import upgrade
from ketapath.db.models import AuditEntry
from ketapath.db.repositories.base import insert_now
from ketapath.http import AuditBatches, DatabaseThreads, SerialWriters


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'plumbing.sqlite3'}")
    upgrade(engine)
    return make_session_factory(engine)


def entry(action: str = "read") -> AuditEntry:
    return AuditEntry(action=action, entity="board", detail={"n": 1})


def count_entries(factory: sessionmaker[Session]) -> int:
    with factory() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def test_a_cancelled_caller_unwinds_only_after_its_database_work_ends() -> None:
    threads = DatabaseThreads(1)
    finished = threading.Event()

    def slow() -> None:
        time.sleep(0.3)
        finished.set()

    async def scenario() -> bool:
        task = asyncio.ensure_future(threads.run(slow))
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return finished.is_set()

    assert asyncio.run(scenario()) is True


def test_database_threads_return_results_and_raise_errors() -> None:
    threads = DatabaseThreads(2)

    def fail() -> None:
        raise ValueError("boom")

    async def scenario() -> int:
        with pytest.raises(ValueError, match="boom"):
            await threads.run(fail)
        return await threads.run(lambda a, b: a + b, 2, 3)

    assert asyncio.run(scenario()) == 5


def test_audit_batches_commit_every_entry_once(factory: sessionmaker[Session]) -> None:
    threads = DatabaseThreads(1)
    batches = AuditBatches(lambda: factory, SerialWriters(), threads)

    async def scenario() -> None:
        await asyncio.gather(*(batches.write([entry(), entry()]) for _ in range(25)))
        await batches.write([])  # nothing to write returns at once

    asyncio.run(scenario())
    assert count_entries(factory) == 50


def test_a_failed_audit_commit_fails_every_read_waiting_on_it(
    factory: sessionmaker[Session],
) -> None:
    """Nothing may be disclosed unaudited: the error reaches each waiting read."""
    threads = DatabaseThreads(1)
    batches = AuditBatches(lambda: factory, SerialWriters(), threads)
    broken = AuditEntry(action=None, entity="board")  # action is NOT NULL

    async def scenario() -> list[BaseException | None]:
        results = await asyncio.gather(
            batches.write([entry()]),
            batches.write([broken]),
            return_exceptions=True,
        )
        return list(results)

    outcomes = asyncio.run(scenario())
    assert all(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert count_entries(factory) == 0


def test_insert_now_fills_defaults_and_leaves_the_objects_untracked(
    factory: sessionmaker[Session],
) -> None:
    made = [entry("create"), entry("update")]
    with factory() as session, session.begin():
        insert_now(session, made)
        assert not session.new
    assert all(isinstance(e.id, uuid.UUID) for e in made)
    assert all(e.occurred_at is not None for e in made)
    assert count_entries(factory) == 2


def test_insert_now_refuses_a_read_only_session(
    factory: sessionmaker[Session],
) -> None:
    with factory() as session:
        read_only(session)
        with pytest.raises(ReadOnlySessionError):
            insert_now(session, [entry()])
    assert count_entries(factory) == 0


def test_the_checkpointer_empties_the_wal_and_connections_wait_far_longer(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    database = tmp_path / "plumbing.sqlite3"
    with factory() as session, session.begin():
        insert_now(
            session,
            [
                AuditEntry(action="read", entity="x", occurred_at=utcnow())
                for _ in range(500)
            ],
        )
        pages = (
            session.connection().exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        )
    assert pages == FALLBACK_CHECKPOINT_PAGES
    checkpointer = WalCheckpointer(database, interval_s=0.05)
    busy, logged, copied = checkpointer.checkpoint()
    assert (busy, copied) == (0, logged)
    assert logged > 0
    checkpointer.start()
    try:
        with factory() as session, session.begin():
            insert_now(session, [entry()])
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            with sqlite3.connect(database) as probe:
                _busy, logged, copied = probe.execute(
                    "PRAGMA wal_checkpoint(NOOP)"
                ).fetchone()
            if logged == copied:
                break
            time.sleep(0.05)
        assert logged == copied  # the thread copied the new pages back
    finally:
        checkpointer.stop()


def test_checkpoints_run_inside_the_write_section_and_keep_the_wal_short(
    factory: sessionmaker[Session], tmp_path: Path
) -> None:
    """Each round holds the writers' section (no write in progress, so it copies the whole
    log), and under a steady writer the log keeps starting over instead of growing."""
    database = tmp_path / "plumbing.sqlite3"
    writers = SerialWriters()
    held: list[int] = []

    def hold() -> None:
        writers.hold()
        held.append(1)

    checkpointer = WalCheckpointer(
        database, hold=hold, release=writers.release, interval_s=0.01
    )
    checkpointer.start()
    try:
        for _ in range(600):  # ~7 pages a transaction: 4,000 pages without restarts
            writers.hold()
            try:
                with factory() as session, session.begin():
                    insert_now(session, [entry() for _ in range(40)])
            finally:
                writers.release()
    finally:
        checkpointer.stop()
    assert held, "the checkpointer never ran"
    with sqlite3.connect(database) as probe:
        _busy, logged, _copied = probe.execute(
            "PRAGMA wal_checkpoint(PASSIVE)"
        ).fetchone()
    assert logged < 1_000, logged
    assert count_entries(factory) == 600 * 40


def test_a_checkpointer_is_only_for_sqlite_files(tmp_path: Path) -> None:
    assert WalCheckpointer.for_engine(make_engine("sqlite://")) is None
    assert (
        WalCheckpointer.for_engine(make_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}"))
        is not None
    )
