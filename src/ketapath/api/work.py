"""One request, one transaction, at most one thread hop: how /api/v1 handlers reach the database.

A hop from the event loop to a worker thread costs ~0.3 ms here, and FastAPI runs every sync
dependency in a hop of its own: an authenticated request took seven (begin, authenticate,
actor, handler, commit, close, …). An API handler is instead ``async`` and awaits
``work(fn)``: authentication, the service call and the commit run together, inside one
transaction, and ``fn`` returns the response model (built while the session is open).

Writes are group-committed (:class:`WriteBatches`): the writes waiting together run in one
writer transaction (one failing fails alone), and each answers once that transaction has
committed; on SQLite, which has one writer at a time, the batch takes its turn on
:class:`SerialWriters` and runs on the event loop, on PostgreSQL in a worker thread. Reads
(GET, HEAD) run in a worker thread, outside any writer transaction (on SQLite,
a WAL snapshot without the writer lock), so they proceed in parallel with writes and with each
other; the audit entries a read made are then committed by :class:`AuditBatches`, many reads
to a commit, and the response waits for that commit: nothing is disclosed that was not
audited first. A read that tries to write anything but audit entries fails
(:class:`ReadOnlySessionError`), so a handler cannot slip a write past the writer lock.

A read that this process can answer from what it keeps (:meth:`Work.kept`: the board between
writes) opens no session at all: it shares a reading of the change counters with the reads
beside it, and its audit entry is committed as any read's before it is answered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Request
from sqlalchemy.orm import Session, sessionmaker

from ketapath.db.models import AuditEntry
from ketapath.db.repositories.change_counters import Counters
from ketapath.http import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    AuditBatches,
    CounterReads,
    DatabaseThreads,
    WriteBatches,
    client_address,
    csrf_matches,
    read_audited,
)
from ketapath.services import auth as auth_service
from ketapath.services.errors import ForbiddenError, UnauthorizedError
from ketapath.services.permissions import Actor

__all__ = ["KEPT_TRIED", "Credentials", "Work", "WorkDep", "work_of"]

T = TypeVar("T")

KEPT_TRIED = "ketapath_kept_tried"
"""Set in a request's ASGI state once :meth:`Work.answer_kept` could not answer it."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """What the caller sent: a bearer token, or a session cookie and its CSRF header."""

    token: str
    from_cookie: bool
    csrf_sent: str | None


class Work:
    """A request's unit of work (see the module docstring)."""

    def __init__(
        self,
        *,
        factory: sessionmaker[Session],
        threads: DatabaseThreads,
        write_batches: WriteBatches,
        audit: AuditBatches,
        counter_reads: CounterReads,
        writes: bool,
        credentials: Credentials,
        client_address: str | None,
        kept_tried: bool = False,
    ) -> None:
        self._factory = factory
        self._threads = threads
        self._write_batches = write_batches
        self._audit = audit
        self._counter_reads = counter_reads
        self._kept_tried = kept_tried
        self._writes = writes
        self._credentials = credentials
        self._client_address = client_address

    async def __call__(self, fn: Callable[[Session, Actor], T]) -> T:
        """Run ``fn(session, actor)`` for the authenticated caller."""
        return await self.run(
            lambda session: fn(session, self.authenticate(session).actor)
        )

    async def kept(
        self,
        kept: Callable[[Counters, Actor], tuple[T, AuditEntry] | None],
        fn: Callable[[Session, Actor], T],
    ) -> T:
        """A read answered from what this process keeps, if it can be; else ``fn`` as usual.

        Not tried again for a request that :meth:`answer_kept` already could not answer
        before routing (``KEPT_TRIED``, ``api.board_polls``): its counters would be read twice.
        """
        if not self._kept_tried:
            answered = await self.answer_kept(kept)
            if answered is not None:
                return answered[0]
        return await self(fn)

    async def answer_kept(
        self, kept: Callable[[Counters, Actor], tuple[T, AuditEntry] | None]
    ) -> tuple[T] | None:
        """A read's answer from what this process keeps, once audited; None if it cannot be.

        ``kept(counters, actor)`` answers from memory with its audit entry, or returns None;
        the counters it gets were read after this request arrived
        (:class:`~ketapath.http.CounterReads`), and the caller's token lookup must be kept
        under them as well (:func:`~ketapath.services.auth.kept_caller`). Nothing else is
        read: the answer is given once its audit entry is committed, as any read's.
        """
        if self._writes:
            return None
        counters = await self._counter_reads.read()
        caller = auth_service.kept_caller(
            counters.auth,
            token=self._credentials.token,
            client_address=self._client_address,
        )
        if caller is None:
            return None
        answer = kept(counters, caller.actor)
        if answer is None:
            return None
        result, entry = answer
        await self._audit.write([entry])
        return (result,)

    async def as_caller(
        self, fn: Callable[[Session, auth_service.Authenticated], T]
    ) -> T:
        """Run ``fn`` with the caller's token as well as the actor (log out, who am I)."""
        return await self.run(lambda session: fn(session, self.authenticate(session)))

    async def run(self, fn: Callable[[Session], T]) -> T:
        """Run ``fn(session)``: on a read snapshot for GET and HEAD, in a write batch otherwise.

        No caller check here: :meth:`__call__` and :meth:`as_caller` authenticate inside ``fn``.
        """
        if not self._writes:
            return await read_audited(self._factory, self._threads, self._audit, fn)
        return await self._write_batches.run(fn)

    def authenticate(self, session: Session) -> auth_service.Authenticated:
        """The caller behind the credentials; unsafe cookie requests must echo the CSRF token."""
        credentials = self._credentials
        authenticated = auth_service.authenticate(
            session, token=credentials.token, client_address=self._client_address
        )
        if (
            credentials.from_cookie
            and self._writes
            and not csrf_matches(credentials.csrf_sent, authenticated.csrf_token)
        ):
            raise ForbiddenError(f"missing or wrong {CSRF_HEADER} header")
        return authenticated


def _work(request: Request, credentials: Credentials) -> Work:
    state = request.app.state
    return Work(
        factory=state.session_factory,
        threads=state.database_threads,
        write_batches=state.write_batches,
        audit=state.audit_batches,
        counter_reads=state.counter_reads,
        writes=request.method not in SAFE_METHODS,
        credentials=credentials,
        client_address=client_address(request),
        kept_tried=request.scope.get("state", {}).get(KEPT_TRIED, False),
    )


async def get_work(request: Request) -> Work:
    """The request's :class:`Work`; no credentials at all is 401 before anything else.

    Credentials are only read here; they are checked inside the hop, with the handler's work.
    """
    work = work_of(request)
    if work is None:
        raise UnauthorizedError("login required")
    return work


def work_of(request: Request) -> Work | None:
    """The request's :class:`Work`, or None if it carries no credentials at all."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return _work(request, Credentials(value.strip(), False, None))
    if cookie := request.cookies.get(SESSION_COOKIE):
        return _work(
            request, Credentials(cookie, True, request.headers.get(CSRF_HEADER))
        )
    return None


WorkDep = Annotated[Work, Depends(get_work)]
