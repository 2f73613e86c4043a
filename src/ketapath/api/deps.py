"""Request dependencies: the database session (the one place that commits) and the actor."""

from __future__ import annotations

import contextlib
import secrets
import threading
from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from ketapath.db.engine import begin_write
from ketapath.services import auth as auth_service
from ketapath.services.errors import ForbiddenError, ServiceError, UnauthorizedError
from ketapath.services.permissions import Actor

__all__ = ["SESSION_COOKIE", "AuthDep", "CurrentActor", "SessionDep"]

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


def get_authenticated(
    request: Request, session: SessionDep
) -> auth_service.Authenticated:
    """Bearer token for API clients, or the session cookie plus CSRF header for browsers."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return auth_service.authenticate(
            session, token=credentials.strip(), client_address=client_address(request)
        )
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise UnauthorizedError("login required")
    authenticated = auth_service.authenticate(
        session, token=cookie, client_address=client_address(request)
    )
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER) or ""
        expected = authenticated.csrf_token or ""
        if not expected or not secrets.compare_digest(sent, expected):
            raise ForbiddenError(f"missing or wrong {CSRF_HEADER} header")
    return authenticated


AuthDep = Annotated[auth_service.Authenticated, Depends(get_authenticated)]


def get_actor(authenticated: AuthDep) -> Actor:
    """The acting user."""
    return authenticated.actor


CurrentActor = Annotated[Actor, Depends(get_actor)]
