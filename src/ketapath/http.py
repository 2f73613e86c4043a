"""HTTP plumbing shared by the JSON API and the web UI.

The database session dependency (the one place that commits), the session cookie, the client
address for the audit log and the CSRF comparison live here, so that `api` and `web` (which may
not import each other) use one implementation.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ketapath.db.engine import begin_write
from ketapath.services.errors import ServiceError

__all__ = [
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "SerialWriters",
    "SessionDep",
    "client_address",
    "csrf_matches",
    "get_session",
]

SESSION_COOKIE = "ketapath_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SerialWriters:
    """One writer at a time per event loop, waited for without holding a worker thread.

    A lock taken inside a thread-pool dependency deadlocks once more requests wait than the
    pool has threads (the holder then needs a thread to release it); an asyncio lock waits on
    the event loop instead. Locks are per loop because test clients each run their own loop.
    """

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def lock(self) -> asyncio.Lock:
        """The lock for the running event loop."""
        return self._locks.setdefault(id(asyncio.get_running_loop()), asyncio.Lock())


async def get_session(request: Request) -> AsyncIterator[Session]:
    """Commit when the handler succeeds, roll back when it fails; writers start as writers.

    Every read of patient data appends an audit entry, so on SQLite (one writer at a time)
    every request is a writer: it takes the write lock up front (BEGIN IMMEDIATE), or
    concurrent readers upgrading to writers fail with "database is locked". Requests queue on
    an in-process lock first (``SerialWriters``), which keeps them out of SQLite's
    sleep-and-retry busy handler (its back-off made the tail at 10 concurrent writers hundreds
    of times the median). Several worker processes still share the database safely through
    SQLite's own lock. Blocking database calls run in the thread pool, never on the loop.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    writers: SerialWriters | None = request.app.state.serial_writers
    writes = writers is not None or request.method not in SAFE_METHODS
    async with writers.lock() if writers is not None else contextlib.nullcontext():
        session = factory()
        try:
            if writes:
                await run_in_threadpool(begin_write, session)
            yield session
            await run_in_threadpool(session.commit)
        except ServiceError as error:
            await run_in_threadpool(
                session.commit if error.keep_writes else session.rollback
            )
            raise
        except BaseException:
            await run_in_threadpool(session.rollback)
            raise
        finally:
            await run_in_threadpool(session.close)


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_address(request: Request) -> str | None:
    """The client's address for the audit log."""
    return request.client.host if request.client else None


def csrf_matches(sent: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a CSRF token; a session without one never matches."""
    return bool(expected) and secrets.compare_digest(sent or "", expected or "")
