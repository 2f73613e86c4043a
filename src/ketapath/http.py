"""HTTP plumbing shared by the JSON API and the web UI.

The database session dependency (the one place that commits), the session cookie, the client
address for the audit log and the CSRF comparison live here, so that `api` and `web` (which may
not import each other) use one implementation.
"""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from ketapath.db.engine import begin_write
from ketapath.services.errors import ServiceError

__all__ = [
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "SessionDep",
    "client_address",
    "csrf_matches",
    "get_session",
]

SESSION_COOKIE = "ketapath_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def get_session(request: Request) -> Iterator[Session]:
    """Commit when the handler succeeds, roll back when it fails; writers start as writers.

    Every read of patient data appends an audit entry, so on SQLite (one writer at a time)
    every request is a writer: it takes the write lock up front (BEGIN IMMEDIATE), or
    concurrent readers upgrading to writers fail with "database is locked". Requests queue on
    an in-process lock first, which keeps them out of SQLite's sleep-and-retry busy handler
    (its back-off made the tail at 10 concurrent writers hundreds of times the median).
    Several worker processes still share the database safely through SQLite's own lock.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    writer_lock: threading.Lock | None = request.app.state.writer_lock
    writes = writer_lock is not None or request.method not in SAFE_METHODS
    session = factory()
    with writer_lock if writer_lock is not None else contextlib.nullcontext():
        try:
            if writes:
                begin_write(session)
            yield session
            session.commit()
        except ServiceError as error:
            if error.keep_writes:
                session.commit()
            else:
                session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def client_address(request: Request) -> str | None:
    """The client's address for the audit log."""
    return request.client.host if request.client else None


def csrf_matches(sent: str | None, expected: str | None) -> bool:
    """Constant-time comparison of a CSRF token; a session without one never matches."""
    return bool(expected) and secrets.compare_digest(sent or "", expected or "")
