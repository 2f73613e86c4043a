"""http.WriteBatches: the JSON API's group commit for writes, on both databases.

Writes waiting together share one transaction: every write is kept, one that fails fails alone
(with its own error, its rows gone), even when it fails only as its savepoint ends, an audited
refusal keeps its rows, and a transaction that cannot commit fails every write in it. They run
all together in one savepoint first, and again each in a savepoint of its own only if one
fails (``http._run_writes``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, event, select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DB_PARAMS, new_database_url
from tests.statements import statements_sent
from tests.system.test_request_plumbing import run_async

import ketapath.http
from ketapath.db.engine import (
    make_engine,
    make_session_factory,
    statements_that_may_write,
)
from ketapath.db.migrate import upgrade
from ketapath.db.models import AuditEntry
from ketapath.http import DatabaseThreads, SerialWriters, WriteBatches
from ketapath.services.errors import ForbiddenError, NotFoundError

WRITES = 30


@pytest.fixture(params=DB_PARAMS)
def factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    url, fresh = new_database_url(request.param, tmp_path)
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


def batches_for(factory: sessionmaker[Session]) -> WriteBatches:
    engine = factory.kw["bind"]
    return WriteBatches(
        lambda: factory,
        SerialWriters.for_engine(engine),
        DatabaseThreads.for_engine(engine, None),
    )


def actions(factory: sessionmaker[Session]) -> list[str]:
    with factory() as session:
        return sorted(session.scalars(select(AuditEntry.action)))


def audit(action: str | None) -> Callable[[Session], str | None]:
    """A write that adds one audit entry and answers with its action."""

    def write(session: Session) -> str | None:
        session.add(AuditEntry(action=action, entity="board"))
        session.flush()
        return action

    return write


def together(
    batches: WriteBatches, works: list[Callable[[Session], object]]
) -> list[object]:
    """Hand ``works`` over at once, on one event loop: each one's answer or error, in order."""

    async def scenario() -> list[object]:
        return list(
            await asyncio.gather(
                *(batches.run(work) for work in works), return_exceptions=True
            )
        )

    return run_async(scenario)


def test_concurrent_writes_are_all_kept_in_fewer_transactions(
    factory: sessionmaker[Session],
) -> None:
    batches = batches_for(factory)
    commits: list[int] = []
    engine = factory.kw["bind"]
    count_commit = lambda connection: commits.append(1)  # noqa: E731
    event.listen(engine, "commit", count_commit)

    try:
        answers = together(batches, [audit(f"write-{n:02}") for n in range(WRITES)])
    finally:
        event.remove(engine, "commit", count_commit)
    assert answers == [f"write-{n:02}" for n in range(WRITES)]
    assert actions(factory) == [f"write-{n:02}" for n in range(WRITES)]
    assert 1 <= len(commits) < WRITES // 2, commits


def test_a_failing_write_fails_alone_with_its_own_error(
    factory: sessionmaker[Session],
) -> None:
    batches = batches_for(factory)

    def refused(session: Session) -> None:
        session.add(AuditEntry(action="refused-but-written", entity="board"))
        session.flush()
        raise NotFoundError("no such session")

    def unflushed_invalid_row(session: Session) -> str:
        session.add(
            AuditEntry(action=None, entity="board")
        )  # flushed at the savepoint's end
        return "reported as written"

    first, not_found, constraint, late_constraint, last = together(
        batches,
        [
            audit("first"),
            refused,
            audit(None),  # action is NOT NULL: fails at its flush
            unflushed_invalid_row,
            audit("last"),
        ],
    )
    assert (first, last) == ("first", "last")
    assert isinstance(not_found, NotFoundError)
    assert isinstance(constraint, IntegrityError)
    assert isinstance(late_constraint, IntegrityError), late_constraint
    assert actions(factory) == ["first", "last"]


def test_writes_that_all_succeed_share_one_savepoint(
    factory: sessionmaker[Session],
) -> None:
    """One savepoint per batch, not one per write: on PostgreSQL each was two round trips."""
    batches = batches_for(factory)
    with statements_sent(factory.kw["bind"]) as seen:
        answers = together(batches, [audit(f"w{n}") for n in range(5)])
    assert answers == [f"w{n}" for n in range(5)]
    assert len([s for s in seen if s.startswith("SAVEPOINT")]) == 1, seen
    assert actions(factory) == [f"w{n}" for n in range(5)]


def test_a_failing_write_undoes_the_batch_which_runs_again_write_by_write(
    factory: sessionmaker[Session],
) -> None:
    """What ran before the failure is undone, not kept twice; what followed it runs once."""
    batches = batches_for(factory)
    runs: list[str] = []

    def counted(action: str, *, fails: bool = False) -> Callable[[Session], str]:
        def write(session: Session) -> str:
            runs.append(action)
            session.add(AuditEntry(action=action, entity="board"))
            session.flush()
            if fails:
                raise NotFoundError("no such session")
            return action

        return write

    before, failed, after = together(
        batches, [counted("before"), counted("failed", fails=True), counted("after")]
    )
    assert (before, after) == ("before", "after")
    assert isinstance(failed, NotFoundError)
    assert runs == ["before", "failed", "before", "failed", "after"]
    assert actions(factory) == ["after", "before"]


def test_a_refusal_fails_alone_without_undoing_the_batch_if_it_wrote_nothing(
    factory: sessionmaker[Session],
) -> None:
    batches = batches_for(factory)
    runs: list[str] = []

    def refused_before_writing(session: Session) -> None:
        runs.append("refused")
        session.scalars(select(AuditEntry.id)).all()
        raise NotFoundError("no such patient")

    def counted(action: str) -> Callable[[Session], str | None]:
        def write(session: Session) -> str | None:
            runs.append(action)
            return audit(action)(session)

        return write

    first, refused, last = together(
        batches, [counted("first"), refused_before_writing, counted("last")]
    )
    assert (first, last) == ("first", "last")
    assert isinstance(refused, NotFoundError)
    assert runs == ["first", "refused", "last"]
    assert actions(factory) == ["first", "last"]


def test_only_plain_selects_count_as_writing_nothing(
    factory: sessionmaker[Session],
) -> None:
    """What lets a refusal fail alone (``http._refused_alone``); fails closed elsewhere."""
    with factory() as session:
        before = statements_that_may_write(session)
        assert before is not None
        session.execute(text("SELECT 1"))
        session.execute(text("  select 2"))
        assert statements_that_may_write(session) == before
        session.execute(text("WITH old AS (SELECT 1) DELETE FROM audit_log"))
        session.execute(text("DELETE FROM audit_log"))
        assert statements_that_may_write(session) == before + 2
        session.rollback()
    engine = create_engine(str(factory.kw["bind"].url))  # not make_engine: no counting
    try:
        with Session(engine) as session:
            assert statements_that_may_write(session) is None
    finally:
        engine.dispose()


def test_an_audited_refusal_keeps_its_writes_in_a_batch(
    factory: sessionmaker[Session],
) -> None:
    batches = batches_for(factory)

    def audited_refusal(session: Session) -> None:
        session.add(AuditEntry(action="login-failed", entity="user"))
        session.flush()
        raise ForbiddenError("wrong password", keep_writes=True)

    before, refusal = together(batches, [audit("before"), audited_refusal])
    assert before == "before"
    assert isinstance(refusal, ForbiddenError)
    assert actions(factory) == ["before", "login-failed"]


def test_a_transaction_that_cannot_commit_fails_every_write_in_it(
    factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    batches = batches_for(factory)
    original = ketapath.http.finish

    def failing_commit(session: Session, *, commit: bool) -> None:
        if commit:
            original(session, commit=False)
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
        original(session, commit=commit)

    monkeypatch.setattr(ketapath.http, "finish", failing_commit)

    outcomes = together(batches, [audit(f"w{n}") for n in range(5)])
    assert all(isinstance(outcome, OperationalError) for outcome in outcomes), outcomes
    monkeypatch.setattr(ketapath.http, "finish", original)
    assert actions(factory) == []


def test_a_write_whose_caller_gave_up_before_its_turn_is_not_run(
    factory: sessionmaker[Session],
) -> None:
    batches = batches_for(factory)

    async def scenario() -> None:
        waiting = asyncio.ensure_future(batches.run(audit("abandoned")))
        await asyncio.sleep(0)  # the write is queued, the flusher not yet started
        waiting.cancel()  # so the flusher skips it
        kept = await batches.run(audit("kept"))
        assert kept == "kept"
        with pytest.raises(asyncio.CancelledError):
            await waiting

    run_async(scenario)
    assert actions(factory) == ["kept"]
