"""Engine and session factory for SQLite (WAL, foreign keys on) and PostgreSQL."""

from __future__ import annotations

import sqlite3
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ketapath.db.checkpoints import BACKSTOP_PAGES

__all__ = [
    "ReadOnlySessionError",
    "begin_write",
    "make_engine",
    "make_session_factory",
    "read_only",
    "session_scope",
    "statements_that_may_write",
    "try_begin_write",
]

WRITE_OPTION = "ketapath_write"
NO_WAIT_OPTION = "ketapath_no_wait"
READ_ONLY = "ketapath_read_only"
BUSY_TIMEOUT_MS = 10_000


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # A backstop only: the server checkpoints in a thread of its own (db.checkpoints)
    cursor.execute(f"PRAGMA wal_autocheckpoint={BACKSTOP_PAGES}")
    cursor.close()


def _sqlite_begin(conn: Any) -> None:
    options = conn.get_execution_options()
    if not options.get(WRITE_OPTION):
        conn.exec_driver_sql("BEGIN")
    elif not options.get(NO_WAIT_OPTION):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:  # fail at once if another connection writes, rather than wait in the busy handler
        conn.exec_driver_sql("PRAGMA busy_timeout=0")
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        finally:
            conn.exec_driver_sql(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")


def begin_write(session: Session) -> None:
    """Start the session's transaction as a writer (SQLite: BEGIN IMMEDIATE; no-op elsewhere)."""
    session.connection(execution_options={WRITE_OPTION: True})


def try_begin_write(session: Session) -> bool:
    """:func:`begin_write` without waiting: False (nothing begun) if another connection writes.

    For SQLite work on the event loop, where the busy handler's wait (up to
    ``BUSY_TIMEOUT_MS``) would stall every request of the process: the caller waits in a
    thread instead. Elsewhere it is :func:`begin_write`.
    """
    try:
        session.connection(execution_options={WRITE_OPTION: True, NO_WAIT_OPTION: True})
    except OperationalError as error:
        if getattr(error.orig, "sqlite_errorcode", None) != sqlite3.SQLITE_BUSY:
            raise
        session.rollback()
        return False
    return True


_MAY_WRITE = "ketapath_statements_that_may_write"
_COUNTING: weakref.WeakSet[Engine] = weakref.WeakSet()


def _count_statements_that_may_write(
    conn: Connection, _cursor: Any, statement: str, *_args: Any
) -> None:
    if statement.lstrip()[:6].upper() != "SELECT":
        conn.info[_MAY_WRITE] = conn.info.get(_MAY_WRITE, 0) + 1


def statements_that_may_write(session: Session) -> int | None:
    """How many statements other than a SELECT the session's connection has sent so far.

    Compared before and after a piece of work, it tells that the work wrote nothing (SAVEPOINT,
    INSERT, a CTE, anything not a plain SELECT counts as a write). None for an engine not made
    by :func:`make_engine`, which does not count: then nothing can be told.
    """
    connection = session.connection()
    if connection.engine not in _COUNTING:
        return None
    count: int = connection.info.get(_MAY_WRITE, 0)
    return count


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; for SQLite make the directory and turn on WAL and foreign keys.

    A database error's message never carries the statement's parameters (patient data in
    an audit entry's detail, say), wherever it ends up: a log, a traceback.
    """
    kwargs.setdefault("hide_parameters", True)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 10})
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling is off (below); we emit BEGIN ourselves so that a
        # read-then-write transaction can take the write lock up front (BEGIN IMMEDIATE) instead
        # of failing with "database is locked" when it upgrades under concurrency.
        event.listen(engine, "begin", _sqlite_begin)

        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

    else:
        kwargs.setdefault("pool_pre_ping", True)
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 20)
        engine = create_engine(url, **kwargs)
    event.listen(engine, "before_cursor_execute", _count_statements_that_may_write)
    _COUNTING.add(engine)
    return engine


class ReadOnlySessionError(RuntimeError):
    """A session opened for reading tried to write: a programming error, never user input."""


def read_only(session: Session) -> Session:
    """Mark ``session`` as a reader: any flush raises :class:`ReadOnlySessionError`."""
    session.info[READ_ONLY] = True
    return session


def is_read_only(session: Session) -> bool:
    """Whether ``session`` was opened for reading (:func:`read_only`)."""
    return bool(session.info.get(READ_ONLY))


def _refuse_reader_flush(session: Session, _context: Any, _instances: Any) -> None:
    if is_read_only(session):
        raise ReadOnlySessionError(
            "a read-only request tried to write "
            f"(new: {len(session.new)}, changed: {len(session.dirty)}, "
            f"deleted: {len(session.deleted)})"
        )


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory; objects stay readable after commit (templates render them)."""
    factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)
    event.listen(factory, "before_flush", _refuse_reader_flush)
    return factory


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Commit on success, roll back on error: the CLI's one place that commits."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
