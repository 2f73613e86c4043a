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
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Request, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from ketapath.db.base import Base
from ketapath.db.engine import (
    ReadOnlySessionError,
    begin_write,
    read_only,
    statements_that_may_write,
    try_begin_write,
)
from ketapath.db.models import AuditEntry
from ketapath.db.repositories import change_counters
from ketapath.db.repositories.base import insert_now, insert_on
from ketapath.db.repositories.change_counters import (
    Counters,
    read_counters,
    read_counters_on,
)
from ketapath.services import auth as auth_service
from ketapath.services.errors import ServiceError

__all__ = [
    "CSRF_HEADER",
    "SAFE_METHODS",
    "SESSION_COOKIE",
    "AuditBatches",
    "CounterReads",
    "DatabaseThreads",
    "SerialWriters",
    "SessionDep",
    "WriteBatches",
    "client_address",
    "counters_now",
    "csrf_matches",
    "end_read",
    "finish",
    "get_session",
    "in_batch",
    "in_transaction",
    "insert_committed",
    "log_in",
    "read_audited",
    "read_snapshot",
    "set_session_cookie",
    "start_write",
]

T = TypeVar("T")
Item = TypeVar("Item")
R = TypeVar("R")

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
        """Enter the write section if no one is in it; False (and nothing held) otherwise.

        Never blocks, so it may run on the event loop: another process writing is the one
        case that waits, and that wait belongs in a worker thread (:meth:`hold`).
        """
        if not self._section.acquire(blocking=False):
            return False
        if self._lock_path is None:
            return True
        try:
            fcntl.flock(self._lock_file(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._section.release()
            return False
        except BaseException:
            self._section.release()
            raise
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
            fcntl.flock(self._lock_file(), fcntl.LOCK_EX)
        except BaseException:
            self._section.release()
            raise

    def _lock_file(self) -> int:
        if self._lock_fd is None:
            assert self._lock_path is not None
            self._lock_fd = os.open(self._lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        return self._lock_fd

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
    SQLite board served 393 req/s with one thread and 276 with 40; on PostgreSQL, where each
    query waits on the server, two threads did best once reads kept their prepared statements
    (board / vitals / PHQ-9: 570 / 460 / 338 req/s with 2, 553 / 408 / 297 with 4, 454 / 311 /
    246 with 1; docs/benchmarks.md). The count is per process (``--workers`` adds processes)
    and set by ``KETAPATH_DATABASE_THREADS``.

    A plain executor rather than anyio's worker threads: a hop costs ~14 µs instead of ~61 µs
    with 50 callers waiting (``anyio.to_thread`` runs a cancel scope and a run-var lookup per
    call). As with anyio's default, a call cannot be abandoned: a caller cancelled while its
    work runs waits for the work to end before it unwinds, so locks it holds are released
    after the database work, never during it.
    """

    def __init__(self, count: int) -> None:
        self.count = count
        self._executor = ThreadPoolExecutor(
            max_workers=count, thread_name_prefix="ketapath-db"
        )

    @classmethod
    def for_engine(cls, engine: Engine, configured: int | None) -> DatabaseThreads:
        """``configured`` threads, else 1 on SQLite (one writer anyway) and 2 elsewhere."""
        default = 1 if engine.dialect.name == "sqlite" else 2
        return cls(configured or default)

    def shutdown(self) -> None:
        """Let the threads end once the work handed to them is done."""
        self._executor.shutdown(wait=False)

    async def run(self, fn: Callable[..., T], *args: object) -> T:
        """``fn(*args)`` in one of these threads."""
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, functools.partial(fn, *args)
        )
        try:
            return await asyncio.shield(future)
        except asyncio.CancelledError:
            await asyncio.wait([future])  # the work ends before the caller unwinds
            raise


_HOLDS_WRITERS = "ketapath_holds_writers"


def start_write(session: Session, writers: SerialWriters | None) -> None:
    """Enter the write section (SQLite) and begin as a writer; run in a worker thread."""
    if writers is not None:
        writers.hold()
        session.info[_HOLDS_WRITERS] = writers
    begin_write(session)


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


def end_read(session: Session) -> list[AuditEntry]:
    """End a read (commit, close) and return the audit entries it made, still to be written.

    Anything else the read added, changed or deleted is an error: a read runs without the
    writer lock (SQLite) and outside a writer transaction, so a write slipped into it would
    bypass both (:class:`ReadOnlySessionError`). The entries are taken out of the session
    and the read *commits* (nothing is left to write): on PostgreSQL a ROLLBACK makes psycopg
    deallocate every prepared statement of the connection, so the board query was planned
    anew (~1 ms) on every read. Blocking: call from a worker thread.
    """
    commit = False
    try:
        entries = [entry for entry in session.new if isinstance(entry, AuditEntry)]
        if len(entries) != len(session.new) or session.dirty or session.deleted:
            raise ReadOnlySessionError(
                "a read changed rows other than audit entries: mark it as a write"
            )
        for entry in entries:
            session.expunge(entry)
        commit = True
        return entries
    finally:
        finish(session, commit=commit)


def read_snapshot(
    factory: sessionmaker[Session], fn: Callable[[Session], T]
) -> tuple[T | ServiceError, list[AuditEntry]]:
    """Run ``fn`` on a read snapshot, then :func:`end_read`: the audit entries still to write.

    A :class:`ServiceError` that keeps writes (an audited refusal) comes back as the result,
    so that its entries are written before it is raised; any other failure discards them.
    Blocking: call from a worker thread.
    """
    session = read_only(factory())
    try:
        session.connection()  # BEGIN (deferred on SQLite): the snapshot starts here
        outcome: T | ServiceError = fn(session)
    except ServiceError as error:
        if not error.keep_writes:
            finish(session, commit=False)
            raise
        outcome = error
    except BaseException:
        finish(session, commit=False)
        raise
    return outcome, end_read(session)


async def read_audited(
    factory: sessionmaker[Session],
    threads: DatabaseThreads,
    audit: AuditBatches,
    fn: Callable[[Session], T],
) -> T:
    """``fn`` on a read snapshot in a database thread; its result once its audit is committed.

    An audited refusal is raised once its entries are committed, as a result is returned.
    """
    snapshot: tuple[T | ServiceError, list[AuditEntry]] = await threads.run(
        read_snapshot, factory, fn
    )
    outcome, entries = snapshot
    await audit.write(entries)
    if isinstance(outcome, BaseException):
        raise outcome
    return outcome


async def log_in(
    request: Request, *, email: str, password: str, kind: str, lifetime: timedelta
) -> auth_service.IssuedToken:
    """Log in, for the API and the sign-in form alike: a read, a password check, a short write.

    The account is found on a read snapshot (a database thread, briefly); the password is
    checked (argon2, tens of milliseconds) in the thread pool, holding neither SQLite's writer
    lock nor a database thread, so that logins hold up no other request; the token is then
    issued, or the refusal audited, in a write batch. A refusal raises
    :class:`~ketapath.services.errors.UnauthorizedError` once its audit entry is committed.
    """
    state = request.app.state
    candidate = await read_audited(
        state.session_factory,
        state.database_threads,
        state.audit_batches,
        lambda session: auth_service.find_login(session, email=email),
    )
    matched = await run_in_threadpool(
        auth_service.password_matches, candidate, password
    )
    write_batches: WriteBatches = state.write_batches
    address = client_address(request)
    return await write_batches.run(
        lambda session: auth_service.issue_login(
            session,
            candidate=candidate,
            password_matched=matched,
            kind=kind,
            lifetime=lifetime,
            client_address=address,
        )
    )


def set_session_cookie(
    response: Response, issued: auth_service.IssuedToken, *, secure: bool
) -> None:
    """The browser session's cookie: HttpOnly, SameSite=Lax, for the token's lifetime."""
    response.set_cookie(
        SESSION_COOKIE,
        issued.token,
        max_age=issued.expires_in_s,
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


@dataclass
class _Round(Generic[Item, R]):
    items: list[Item] = field(default_factory=list)
    waiting: list[asyncio.Future[R]] = field(default_factory=list)
    runner: asyncio.Task[None] | None = None


class _Rounds(Generic[Item, R]):
    """One run for the callers waiting together; those who come while it runs join the next.

    The next run begins after they came, so each caller gets the outcome of a run begun
    after its call: its result, or its error. Kept per event loop (test clients each run
    their own). On shutdown (cancelled), everyone still waiting is cancelled with it.
    :class:`AuditBatches` commits many reads' audit entries this way, :class:`CounterReads`
    reads the change counters once for many reads.
    """

    def __init__(self, run: Callable[[list[Item]], Awaitable[R]]) -> None:
        self._run = run
        self._rounds: dict[int, _Round[Item, R]] = {}

    async def join(self, items: Sequence[Item] = ()) -> R:
        """Hand ``items`` to the next run and return its result."""
        loop = asyncio.get_running_loop()
        pending = self._rounds.setdefault(id(loop), _Round())
        done: asyncio.Future[R] = loop.create_future()
        pending.items.extend(items)
        pending.waiting.append(done)
        if pending.runner is None:
            pending.runner = loop.create_task(self._drain(pending))
        return await done

    async def _drain(self, pending: _Round[Item, R]) -> None:
        try:
            while pending.waiting:
                items, waiting = pending.items, pending.waiting
                pending.items, pending.waiting = [], []
                try:
                    result = await self._run(items)
                except BaseException as error:
                    for done in waiting:
                        _settle_failed(done, error)
                    if not isinstance(error, Exception):
                        raise
                else:
                    for done in waiting:
                        if not done.done():
                            done.set_result(result)
        except BaseException as error:  # cancelled (shutdown): nobody may wait forever
            for done in pending.waiting:
                _settle_failed(done, error)
            pending.waiting.clear()
            pending.items.clear()
            raise
        finally:
            pending.runner = None


class AuditBatches:
    """Group commit for the audit entries of reads: one writer transaction for many reads.

    A read may answer only once its audit entries are committed. Committed one read at a time,
    each read paid for a writer transaction of its own (on SQLite: leave the snapshot, take the
    writer lock, begin, insert, commit), which cost more than the read itself. Here a read
    hands its entries over and waits; one transaction commits every entry handed over while
    the previous one ran (:class:`_Rounds`). A read alone waits for one commit, as before;
    under load a commit carries tens of reads. If the commit fails, every read waiting on it
    fails: nothing is disclosed that was not audited. The commit is a write of its own
    (:meth:`WriteBatches.insert_alone`), so it takes its turn with the other writers.
    """

    def __init__(self, writes: WriteBatches) -> None:
        self._writes = writes
        self._rounds: _Rounds[AuditEntry, None] = _Rounds(
            lambda entries: self._commit(entries)
        )

    async def write(self, entries: list[AuditEntry]) -> None:
        """Return once ``entries`` are committed (with those of other reads)."""
        if entries:
            await self._rounds.join(entries)

    async def _commit(self, entries: list[AuditEntry]) -> None:
        await self._writes.insert_alone(entries)


def _engine_of(factory: sessionmaker[Session]) -> Engine | None:
    """The factory's PostgreSQL engine, for work done without a session.

    None for SQLite (where a pysqlite connection's isolation level must stay as the engine
    set it), and for a factory bound to one connection rather than an engine: its sessions
    join that connection's transaction (the test suite's), which such work would escape.
    """
    # (the test suite's factories are plain functions making sessions on its connection)
    bind = getattr(factory, "kw", {}).get("bind")
    if not isinstance(bind, Engine) or bind.dialect.name == "sqlite":
        return None
    return bind


def insert_committed(factory: sessionmaker[Session], instances: Sequence[Base]) -> None:
    """INSERT ``instances`` in a transaction of their own (blocking; not SQLite's writer lock).

    PostgreSQL: on a connection, without a session, whose transaction bookkeeping cost as
    much as the statement (BEGIN, the rows in one pipeline, COMMIT).
    """
    bind = _engine_of(factory)
    if bind is None:
        in_transaction(factory, None, lambda session: insert_now(session, instances))
        return
    with bind.begin() as connection:
        insert_on(connection, instances)


def counters_now(factory: sessionmaker[Session]) -> Counters:
    """The change counters as last committed (blocking).

    PostgreSQL: one statement in autocommit, which sees one committed state: one round trip
    where a snapshot of its own took three (BEGIN, SELECT, COMMIT). SQLite: a snapshot of its
    own (a pysqlite connection's isolation level is left as the engine set it).
    """
    bind = _engine_of(factory)
    if bind is not None:
        with (
            bind.connect().execution_options(
                isolation_level="AUTOCOMMIT"  # reset as the connection goes back to the pool
            ) as connection
        ):
            return read_counters_on(connection)
    session = read_only(factory())
    commit = False
    try:
        counters = read_counters(session)
        assert counters is not None  # a read-only session reads them
        commit = True
        return counters
    finally:
        finish(session, commit=commit)


class CounterReads:
    """The change counters for reads answered from what the process keeps: one read for many.

    A read that can be answered from memory (the board between writes, with a kept token
    lookup) needs from the database only the change counters, read after the request arrived
    (``db.repositories.change_counters``). Requests that arrive while the counters are being
    read wait for the next reading, which begins after they arrived: each thereby sees every
    write committed before it arrived (a client that has had its write's answer finds the write
    on its next read), and under load one short snapshot serves tens of requests instead of
    one each (:class:`_Rounds`). ``on_loop`` (SQLite): the reading runs on the event loop, as
    SQLite's writes do (:class:`WriteBatches`): one row from a WAL snapshot takes
    microseconds, less than the hop to a thread and back; a WAL reader never waits for a
    writer. Elsewhere it waits on the network, in a database thread.
    """

    def __init__(
        self,
        factory: Callable[[], sessionmaker[Session]],
        threads: DatabaseThreads,
        *,
        on_loop: bool,
    ) -> None:
        self._factory = factory
        self._threads = threads
        self._on_loop = on_loop
        self._rounds: _Rounds[object, Counters] = _Rounds(lambda _: self._read())

    async def read(self) -> Counters:
        """The counters as committed at some moment after this call began."""
        return await self._rounds.join()

    async def _read(self) -> Counters:
        if self._on_loop:
            return counters_now(self._factory())
        return await self._threads.run(counters_now, self._factory())


MAX_WRITES_PER_TRANSACTION = 64


@dataclass(frozen=True, slots=True)
class _Failed:
    """A write of a batch that failed alone (its savepoint rolled back), with its error."""

    error: Exception


def _in_savepoint(session: Session, work: Callable[[Session], object]) -> object:
    """Run ``work`` in a savepoint of ``session``'s transaction; its result or :class:`_Failed`.

    A failure rolls back this write only (a :class:`ServiceError` with ``keep_writes`` keeps
    what it wrote, as :func:`in_transaction` does). The identity map is emptied afterwards, so
    the next write of the batch loads what it reads afresh, as it would in a session of its own.
    """
    savepoint = session.begin_nested()
    outcome: object
    keep = False
    try:
        outcome = work(session)
        keep = True
    except ServiceError as error:
        outcome, keep = _Failed(error), error.keep_writes
    except Exception as error:  # the outcome of this write alone
        outcome = _Failed(error)
    try:
        if keep:
            savepoint.commit()  # flushes: a constraint may fail here
        else:
            savepoint.rollback()
    except Exception as error:  # as above
        # A failed flush leaves the savepoint current but inactive: it must still be rolled
        # back, or the next write's SAVEPOINT and the batch's COMMIT fail with it.
        if session.get_nested_transaction() is savepoint:
            savepoint.rollback()
        outcome = _Failed(error)
    session.expunge_all()
    return outcome


def _run_writes(
    session: Session, works: Sequence[Callable[[Session], object]]
) -> list[object]:
    """Each write's result or :class:`_Failed`, all in ``session``'s writer transaction.

    First all together (:func:`_all_together`); if any of them fails, they are undone and run
    again each in a savepoint of its own (:func:`_in_savepoint`), so that the one failing
    fails alone. A write must therefore leave nothing but rows behind (true of every service:
    the one thing a write keeps in memory, a token lookup, is held back until the batch is
    known to be sound, ``services.auth.defer_lookups``).
    """
    if len(works) > 1:
        outcomes = _all_together(session, works)
        if outcomes is not None:
            return outcomes
    return [_in_savepoint(session, work) for work in works]


def _all_together(
    session: Session, works: Sequence[Callable[[Session], object]]
) -> list[object] | None:
    """Run ``works`` in one savepoint, with the ``auth`` counter read once; None if undone.

    The common case, every write succeeding, then costs no savepoint and no counter reading
    per write: on PostgreSQL each was a round trip, three of a PHQ-9's seven statements. A
    refusal fails alone here too when it leaves nothing to undo (:func:`_refused_alone`);
    otherwise the writes are undone (None) if one fails, or if one wrote users or tokens,
    which the writes after it must see (``change_counters.open_write_batch``). Each write is
    flushed before the next, so a constraint fails with the write that broke it; the
    identity map is emptied after each, as :func:`_in_savepoint` does.
    """
    batch = session.begin_nested()
    change_counters.open_write_batch(session)
    auth_service.defer_lookups(session)
    sound = False
    outcomes: list[object] = []
    try:
        for work in works:
            before = statements_that_may_write(session)
            try:
                outcome = work(session)
            except ServiceError as error:
                if not _refused_alone(session, error, before):
                    raise
                outcome = _Failed(error)
            if session.new or session.dirty or session.deleted:
                session.flush()
            session.expunge_all()
            outcomes.append(outcome)
        sound = not change_counters.close_write_batch(session)
        if sound:
            batch.commit()
    except Exception:  # one write failed: all run again, each on its own
        sound = False
    finally:
        change_counters.discard_write_batch(session)
        # Lookups that saw no write of this batch to users or tokens saw committed rows
        # only: true to their counter value whatever becomes of the batch.
        auth_service.end_deferred_lookups(session, keep=sound)
    if not sound:
        # A failed flush leaves the savepoint inactive: it must still be rolled back.
        batch.rollback()
        session.expunge_all()
        return None
    return outcomes


def _refused_alone(session: Session, error: ServiceError, before: int | None) -> bool:
    """Whether a write's refusal can stand among writes that share its savepoint.

    Yes if it keeps what it wrote (an audited refusal, committed as :func:`_in_savepoint`
    would), or if it wrote nothing: no statement but SELECTs sent, nothing pending. Most
    refusals are of that kind (no login, a role, a patient out of reach, checked before any
    write), and undoing a batch for each would let anyone double its cost.
    """
    if error.keep_writes:
        return True
    if session.new or session.dirty or session.deleted:
        return False
    return before is not None and statements_that_may_write(session) == before


def in_batch(
    factory: sessionmaker[Session],
    writers: SerialWriters | None,
    works: list[Callable[[Session], object]],
) -> list[object]:
    """Run ``works`` in one writer transaction (:func:`_run_writes`).

    Returns each write's result, or :class:`_Failed` for a write that failed alone. If the
    transaction itself fails (the commit, a lost connection), the error is raised and none of
    the writes is kept. A lone write runs as :func:`in_transaction` does, without a savepoint.
    Blocking: call from a worker thread, holding ``writers.lock()`` when ``writers`` is set.
    """
    if len(works) == 1:
        try:
            return [in_transaction(factory, writers, works[0])]
        except Exception as error:  # the outcome of this write
            return [_Failed(error)]
    session = factory()
    commit = False
    try:
        start_write(session, writers)
        outcomes = _run_writes(session, works)
        commit = True
        return outcomes
    finally:
        finish(session, commit=commit)


@dataclass
class _WriteQueue:
    pending: list[tuple[Callable[[Session], Any], asyncio.Future[Any]]] = field(
        default_factory=list
    )
    flusher: asyncio.Task[None] | None = None


class WriteBatches:
    """Group commit for the JSON API's writes: the writes waiting together share a transaction.

    Each write used to be a transaction of its own, entered through the writer lock: under
    load a SQLite commit, its lock handoff and the thread hops there and back cost about as
    much as the write itself, and on PostgreSQL each commit waits for its WAL flush. Here a
    request hands its unit of work over and waits; a flusher takes every write waiting (up to
    ``MAX_WRITES_PER_TRANSACTION``) into one transaction, all together and, if one fails,
    again each in a savepoint of its own so that it fails alone (:func:`_run_writes`), and
    answers each request once the transaction has committed: no response reports a write that
    has not committed.

    One batch at a time per event loop: SQLite has one writer anyway, and on PostgreSQL two
    batches holding row locks until their commits could deadlock where single writes could not
    (a ledger write locks its lot, then the chain). PostgreSQL runs the batch in a database
    thread (:func:`in_batch`): each statement waits on the network. SQLite runs it *on the
    loop*, once the writer lock is taken without waiting (:meth:`SerialWriters.try_hold`;
    another process writing is waited for in a thread, as is a connection writing without the
    file lock, :func:`~ketapath.db.engine.try_begin_write`). In a thread, every SQLite call
    released the GIL and then waited for the loop, busy with HTTP, to hand it back (up to the
    5 ms switch interval), so a batch ran at a fraction of its speed; its commit alone took
    12 ms (p50) for 3 ms of work. The writes are short and CPU-bound; the WAL is checkpointed
    (copied back and the database file synced) by a thread of its own, not by a commit here
    (``db.checkpoints``). A write that must not wait in a batch, nor hold up
    the writes behind it, uses :meth:`insert_alone` (the audit entries of reads,
    :class:`AuditBatches`); a slow check runs before its write, outside any (a login's
    password, :func:`log_in`). With several worker processes on one file, processes take
    turns: each hands the writer lock over once per batch, to a process already waiting for
    it in the kernel.
    """

    def __init__(
        self,
        factory: Callable[[], sessionmaker[Session]],
        writers: SerialWriters | None,
        threads: DatabaseThreads,
    ) -> None:
        self._factory = factory
        self._writers = writers
        self._threads = threads
        self._queues: dict[int, _WriteQueue] = {}

    async def run(self, work: Callable[[Session], T]) -> T:
        """``work(session)`` in a writer transaction; its result once that has committed."""
        loop = asyncio.get_running_loop()
        queue = self._queues.setdefault(id(loop), _WriteQueue())
        done: asyncio.Future[T] = loop.create_future()
        queue.pending.append((work, done))
        if queue.flusher is None:
            queue.flusher = loop.create_task(self._flush(queue))
        return await done

    async def insert_alone(self, instances: Sequence[Base]) -> None:
        """INSERT ``instances`` (all of one model), committed on their own, not in a batch.

        Not in a batch that the writes queued behind it would wait for: :class:`AuditBatches`
        commits the audit entries of many reads this way. SQLite: where a batch runs, on the
        event loop (a hop to a thread and back cost a board poll answered from memory a
        quarter of its CPU). PostgreSQL: in a worker thread, on a connection without a
        session (:func:`insert_committed`).
        """
        writers = self._writers
        factory = self._factory()
        if writers is None:
            await self._threads.run(insert_committed, factory, instances)
            return
        await self._on_loop(
            writers, factory, lambda session: insert_now(session, instances)
        )

    async def _flush(self, queue: _WriteQueue) -> None:
        try:
            while queue.pending:
                taken = queue.pending[:MAX_WRITES_PER_TRANSACTION]
                del queue.pending[:MAX_WRITES_PER_TRANSACTION]
                taken = [(work, done) for work, done in taken if not done.cancelled()]
                if taken:
                    await self._settle(taken)
        except (
            BaseException
        ) as error:  # cancelled (shutdown): nothing queued may wait forever
            for _, done in queue.pending:
                _settle_failed(done, error)
            queue.pending.clear()
            raise
        finally:
            # Here and not in a done callback, which runs an iteration later: a write queued
            # in between would find a flusher still set and wait for it forever.
            queue.flusher = None

    async def _settle(
        self, taken: list[tuple[Callable[[Session], Any], asyncio.Future[Any]]]
    ) -> None:
        try:
            outcomes = await self._commit([work for work, _ in taken])
        except BaseException as error:
            for _, done in taken:
                _settle_failed(done, error)
            if not isinstance(error, Exception):
                raise
            return
        for (_, done), outcome in zip(taken, outcomes, strict=True):
            if done.done():
                continue
            if isinstance(outcome, _Failed):
                done.set_exception(outcome.error)
            else:
                done.set_result(outcome)

    async def _commit(self, works: list[Callable[[Session], object]]) -> list[object]:
        writers = self._writers
        factory = self._factory()
        if writers is None:
            return await self._threads.run(in_batch, factory, None, works)
        return await self._on_loop(
            writers, factory, lambda session: _run_writes(session, works)
        )

    async def _on_loop(
        self,
        writers: SerialWriters,
        factory: sessionmaker[Session],
        work: Callable[[Session], T],
    ) -> T:
        """SQLite: ``work`` in a writer transaction run on the event loop (class docstring).

        Committed as :func:`in_transaction` commits: on success, or on a
        :class:`ServiceError` that keeps its writes.
        """
        async with writers.lock():
            await self._hold(writers)
            try:
                session = factory()
            except BaseException:
                writers.release()
                raise
            session.info[_HOLDS_WRITERS] = writers  # finish() lets the next writer in
            commit = False
            try:
                if not try_begin_write(session):  # someone writes without the file lock
                    await self._threads.run(begin_write, session)
                result = work(session)
                commit = True
                return result
            except ServiceError as error:
                commit = error.keep_writes
                raise
            finally:
                finish(session, commit=commit)

    async def _hold(self, writers: SerialWriters) -> None:
        """Enter the write section: at once, or waiting in a thread while another process writes."""
        if writers.try_hold():
            return
        held: list[bool] = []

        def hold() -> None:
            writers.hold()
            held.append(True)

        try:
            await self._threads.run(hold)
        except BaseException:  # cancelled: the thread still took the lock; give it back
            if held:
                writers.release()
            raise


def _settle_failed(done: asyncio.Future[Any], error: BaseException) -> None:
    if done.done():
        return
    if isinstance(error, asyncio.CancelledError):
        done.cancel()
    else:
        done.set_exception(error)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A transaction around a handler that takes the session: the web UI's dependency.

    Commits when the handler succeeds and rolls back when it fails. On SQLite a write starts
    as a writer (BEGIN IMMEDIATE) under :class:`SerialWriters`. A read (GET) runs outside any
    writer transaction (on SQLite, a WAL snapshot without the lock) and its audit entries are
    committed by :class:`AuditBatches` before the response is sent (``scope="function"``):
    pages never wait for a writer, and nothing is shown that was not audited. Blocking calls
    run in the thread pool, never on the loop. The JSON API uses ``api.work.Work``: the same
    rules in one thread hop.
    """
    factory: sessionmaker[Session] = request.app.state.session_factory
    writers: SerialWriters | None = request.app.state.serial_writers
    if request.method in SAFE_METHODS:
        audit: AuditBatches = request.app.state.audit_batches
        session = read_only(factory())  # the first query begins the snapshot (deferred)
        try:
            yield session
        except ServiceError as error:
            if not error.keep_writes:
                await run_in_threadpool(finish, session, commit=False)
                raise
            await audit.write(
                await run_in_threadpool(end_read, session)
            )  # audited refusal
            raise
        except BaseException:
            await run_in_threadpool(finish, session, commit=False)
            raise
        await audit.write(await run_in_threadpool(end_read, session))
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
