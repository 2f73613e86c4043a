"""The request plumbing under the hot paths: database threads, audit group commit and inserts
outside the unit of work."""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from ketapath.db.engine import (
    ReadOnlySessionError,
    make_engine,
    make_session_factory,
    read_only,
)
from ketapath.db.migrate import upgrade
from ketapath.db.models import AuditEntry
from ketapath.db.repositories.base import insert_now
from ketapath.http import AuditBatches, DatabaseThreads, SerialWriters, WriteBatches

T = TypeVar("T")


@pytest.fixture
def factory(tmp_path: Path) -> sessionmaker[Session]:
    engine = make_engine(f"sqlite:///{tmp_path / 'plumbing.sqlite3'}")
    upgrade(engine)
    return make_session_factory(engine)


def entry(action: str = "read") -> AuditEntry:
    return AuditEntry(action=action, entity="board", detail={"n": 1})


def run_async(scenario: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """``asyncio.run`` in a thread of its own: the browser tests leave a loop in this one."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, scenario()).result()


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

    assert run_async(scenario) is True


def test_database_threads_return_results_and_raise_errors() -> None:
    threads = DatabaseThreads(2)

    def fail() -> None:
        raise ValueError("boom")

    async def scenario() -> int:
        with pytest.raises(ValueError, match="boom"):
            await threads.run(fail)
        return await threads.run(lambda a, b: a + b, 2, 3)

    assert run_async(scenario) == 5


def test_audit_batches_commit_every_entry_once(factory: sessionmaker[Session]) -> None:
    threads = DatabaseThreads(1)
    batches = AuditBatches(WriteBatches(lambda: factory, SerialWriters(), threads))

    async def scenario() -> None:
        await asyncio.gather(*(batches.write([entry(), entry()]) for _ in range(25)))
        await batches.write([])  # nothing to write returns at once

    run_async(scenario)
    assert count_entries(factory) == 50


def test_a_failed_audit_commit_fails_every_read_waiting_on_it(
    factory: sessionmaker[Session],
) -> None:
    """Nothing may be disclosed unaudited: the error reaches each waiting read."""
    threads = DatabaseThreads(1)
    batches = AuditBatches(WriteBatches(lambda: factory, SerialWriters(), threads))
    broken = AuditEntry(action=None, entity="board")  # action is NOT NULL

    async def scenario() -> list[BaseException | None]:
        results = await asyncio.gather(
            batches.write([entry()]),
            batches.write([broken]),
            return_exceptions=True,
        )
        return list(results)

    outcomes = run_async(scenario)
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


def test_untracked_rows_refuse_an_unknown_field_and_read_like_orm_objects() -> None:
    from ketapath.db.models import Measurement, MeasurementItem
    from ketapath.db.repositories.base import untracked

    with pytest.raises(TypeError, match="totl"):
        untracked(Measurement, totl=9)
    item = untracked(MeasurementItem, position=1, item_id="phq9_1", value=2)
    made = untracked(Measurement, instrument="phq9", total=9, items=[item])
    assert (made.instrument, made.total, made.risk) == ("phq9", 9, None)
    assert made.items == [item]  # a plain list, no lazy load
