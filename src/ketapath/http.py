"""HTTP plumbing shared by the JSON API and the web UI.

The database session dependency (the one place that commits), the session cookie, the client
address for the audit log and the CSRF comparison live here, so that `api` and `web` (which may
not import each other) use one implementation.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import functools
import os
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from fastapi import Depends, Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ketapath.db.engine import READ_ONLY, ReadOnlySessionError, begin_write, read_only
from ketapath.db.models import AuditEntry
from ketapath.services.errors import ServiceError

__all__ = [
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "DatabaseThreads",
    "SerialWriters",
    "SessionDep",
    "client_address",
    "csrf_matches",
    "end_read",
    "finish",
    "get_session",
    "in_transaction",
    "start_write",
    "try_start_write",
    "write_audit",
]

T = TypeVar("T")

SESSION_COOKIE = "ketapath_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SerialWriters:
    """SQLite's one writer at a time, within a process and across worker processes.

    Three levels. Requests that write wait for an asyncio lock (one per event loop: test
    clients each run their own) on the loop, never in a worker thread: a lock waited for in a
    thread-pool call deadlocks once more requests wait than the pool has threads, if the holder
    needs another thread to release it. The holder then enters the *write section* in its
    worker thread: a process-wide thread lock, and an exclusive ``flock`` on
    ``<database>.writer-lock`` so that several worker processes queue in the kernel (woken in
    turn) instead of in SQLite's busy handler, whose sleep-and-retry back-off made the tail
    hundreds of times the median.

    A read's audit entries may enter the write section directly from the read's own thread
    with :meth:`try_hold` (never waiting for this process's writers; the section is left in
    the same thread call), which saves a second hop when no writer is busy.
    """

    def __init__(self, lock_path: Path | None = None) -> None:
        self._locks: dict[int, asyncio.Lock] = {}
        self._section = threading.Lock()
        self._lock_path = lock_path
        self._lock_fd: int | None = None

    def lock(self) -> asyncio.Lock:
        """The lock for the running event loop."""
        return self._locks.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())

    def hold(self) -> None:
        """Enter the write section (blocking: call in a worker thread, holding ``lock()``)."""
        self._section.acquire()
        self._hold_file_lock()

    def try_hold(self) -> bool:
        """Enter the write section unless this process's writer is in it; True if entered.

        Never waits for this process's writers; waits only for other processes' writers.
        """
        if not self._section.acquire(blocking=False):
            return False
        self._hold_file_lock()
        return True

    def release(self) -> None:
        """Leave the write section."""
        try:
            if self._lock_fd is not None:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)
        finally:
            self._section.release()

    def _hold_file_lock(self) -> None:
        if self._lock_path is None:
            return
        try:
            if self._lock_fd is None:
                self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        except BaseException:
            self._section.release()
            raise

    @classmethod
    def for_engine(cls, engine: Engine) -> SerialWriters | None:
        """Writers for a SQLite engine (file lock beside a file database); None otherwise."""
        if engine.dialect.name != "sqlite":
            return None
        database = engine.url.database
        if not database or database == ":memory:" or database.startswith("file:"):
            return cls()
        return cls(Path(f"{database}.writer-lock"))


class DatabaseThreads:
    """The worker threads the JSON API runs database work in: few, on purpose.

    Database work here is Python (the ORM, the services) holding the GIL, so threads beyond
    what the database itself overlaps only fight over it: at 50 clients (``bench.run``), the
    SQLite board served 393 req/s with one thread and 276 with 40; PostgreSQL, where each
    query waits on the server, did best with about 4 (docs/benchmarks.md). The count is per process (``--workers`` adds
    processes) and set by ``KETAPATH_DATABASE_THREADS``.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._limiters: dict[int, anyio.CapacityLimiter] = {}

    @classmethod
    def for_engine(cls, engine: Engine, configured: int | None) -> DatabaseThreads:
        """``configured`` threads, else 1 on SQLite (one writer anyway) and 4 elsewhere."""
        default = 1 if engine.dialect.name == "sqlite" else 4
        return cls(configured or default)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in one of these threads."""
        loop = id(asyncio.get_running_loop())
        limiter = self._limiters.get(loop)
        if limiter is None:
            limiter = self._limiters[loop] = anyio.CapacityLimiter(self.count)
        return await anyio.to_thread.run_sync(
            functools.partial(fn, *args), limiter=limiter
        )


_HOLDS_WRITERS = "ketapath_holds_writers"


def start_write(session: Session, writers: SerialWriters | None) -> None:
    """Enter the write section (SQLite) and begin as a writer; run in a worker thread."""
    if writers is not None:
        writers.hold()
        session.info[_HOLDS_WRITERS] = writers
    begin_write(session)


def try_start_write(session: Session, writers: SerialWriters) -> bool:
    """End ``session``'s read and begin it as a writer, if the write section is free.

    Never waits for this process's writers (see :meth:`SerialWriters.try_hold`). Rolling
    back the read drops pending objects from the session: the caller re-adds what it writes.
    """
    if not writers.try_hold():
        return False
    session.info[_HOLDS_WRITERS] = writers
    session.info.pop(READ_ONLY, None)
    session.rollback()
    begin_write(session)
    return True


def finish(session: Session, *, commit: bool) -> None:
    """Commit or roll back, close, and let the next writer in; run in a worker thread."""
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()
        writers: SerialWriters | None = session.info.pop(_HOLDS_WRITERS, None)
        if writers is not None:
            writers.release()


def in_transaction(
    factory: sessionmaker[Session],
    writers: SerialWriters | None,
    work: Callable[[Session], T],
) -> T:
    """Run ``work`` in one writer transaction: commit on success, roll back on failure.

    A :class:`ServiceError` with ``keep_writes`` (a refused login that is audited) commits
    what was written before it. Blocking: call from a worker thread, holding
    ``writers.lock()`` when ``writers`` is set.
    """
    session = factory()
    commit = False
    try:
        start_write(session, writers)
        result = work(session)
        commit = True
        return result
    except ServiceError as error:
        commit = error.keep_writes
        raise
    finally:
        finish(session, commit=commit)


def end_read(session: Session, writers: SerialWriters) -> list[AuditEntry]:
    """End a read and write its audit entries now if the write section is free.

    Returns the entries still to be written (:func:`write_audit` queues them behind this
    process's writer). Anything else the read added, changed or deleted is an error: a read
    on SQLite runs without the writer lock, so a write slipped into it would bypass the lock
    (:class:`ReadOnlySessionError`). Blocking: call from a worker thread.
    """
    commit = False
    try:
        entries = [entry for entry in session.new if isinstance(entry, AuditEntry)]
        if len(entries) != len(session.new) or session.dirty or session.deleted:
            raise ReadOnlySessionError(
                "a read changed rows other than audit entries: mark it as a write"
            )
        if entries and try_start_write(session, writers):
            session.add_all(entries)  # the rollback that ended the read dropped them
            commit = True
            return []
        return entries
    finally:
        finish(session, commit=commit)


async def write_audit(
    factory: sessionmaker[Session],
    writers: SerialWriters,
    entries: list[AuditEntry],
    run: Callable[..., Awaitable[Any]] = run_in_threadpool,
) -> None:
    """Write a read's remaining audit entries behind this process's writer.

    ``run`` sends the write to a worker thread (the API passes its database threads).
    """
    if entries:
        async with writers.lock():
            await run(in_transaction, factory, writers, lambda s: s.add_all(entries))


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A transaction around a handler that takes the session: the web UI's dependency.

    Commits when the handler succeeds and rolls back when it fails. On SQLite a write starts
    as a writer (BEGIN IMMEDIATE) under :class:`SerialWriters`; a read (GET) runs on a WAL
    snapshot without the lock and its audit entries are written afterwards, under the lock,
    before the response is sent (``scope="function"``): pages never wait for a writer, and
    nothing is shown that was not audited. Blocking calls run in the thread pool, never on
    the loop. The JSON API uses ``api.work.Work``: the same rules in one thread hop.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    writers: SerialWriters | None = request.app.state.serial_writers
    if writers is not None and request.method in SAFE_METHODS:
        session = read_only(factory())  # the first query begins the snapshot (deferred)
        try:
            yield session
        except ServiceError as error:
            if not error.keep_writes:
                await run_in_threadpool(finish, session, commit=False)
                raise
            entries = await run_in_threadpool(end_read, session, writers)
            await write_audit(factory, writers, entries)  # an audited refusal
            raise
        except BaseException:
            await run_in_threadpool(finish, session, commit=False)
            raise
        entries = await run_in_threadpool(end_read, session, writers)
        await write_audit(factory, writers, entries)
        return
    async with writers.lock() if writers is not None else contextlib.nullcontext():
        session = factory()
        try:
            await run_in_threadpool(start_write, session, writers)
            yield session
        except ServiceError as error:
            await run_in_threadpool(finish, session, commit=error.keep_writes)
            raise
        except BaseException:
            await run_in_threadpool(finish, session, commit=False)
            raise
        else:
            await run_in_threadpool(finish, session, commit=True)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_address(request: Request) -> str | None:
    """The client's address for the audit log."""
    return request.client.host if request.client else None


def csrf_matches(sent: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a CSRF token; a session without one never matches."""
    return bool(expected) and secrets.compare_digest(sent or "", expected or "")
