"""api.work.Work: one thread hop per API request; reads audited before they are disclosed.

Hops are counted at ``DatabaseThreads.run`` and at ``anyio.to_thread.run_sync`` (what FastAPI
and Starlette use for every sync dependency, handler and ``run_in_threadpool``), so a sync
dependency added to an API route later shows up here as an extra hop.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import anyio.to_thread
import pytest
from bench.seed import seed  # the benchmark's clinic: 20 live sessions
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import DB_PARAMS, new_database_url
from tests.statements import statements_sent

from ketapath import http
from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.engine import (
    ReadOnlySessionError,
    make_engine,
    make_session_factory,
    session_scope,
)
from ketapath.db.models import AuditEntry, Note, Patient, Role
from ketapath.http import (
    CSRF_HEADER,
    SESSION_COOKIE,
    AuditBatches,
    CounterReads,
    DatabaseThreads,
    SerialWriters,
    WriteBatches,
    _Failed,
    in_batch,
)
from ketapath.services import auth as auth_service
from ketapath.services.errors import UnauthorizedError

VITALS = {"systolic_mmhg": 128, "diastolic_mmhg": 80}
PHQ9 = {"instrument": "phq9", "responses": [1, 1, 1, 2, 2, 1, 1, 0, 0]}


class Seeded:
    def __init__(self, engine: Engine, ids: dict[str, str], client: TestClient):
        self.engine = engine
        self.ids = ids
        self.client = client
        self.headers = {"Authorization": f"Bearer {ids['token']}"}

    def audit_count(self) -> int:
        with self.engine.connect() as connection:
            return int(
                connection.scalar(select(func.count()).select_from(AuditEntry)) or 0
            )


@pytest.fixture(params=DB_PARAMS)
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Seeded]:
    """A real file database (not the rolled-back test transaction) seeded like the benchmark."""
    url, fresh = new_database_url(request.param, tmp_path)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            ids = seed(session)
        app = create_app(Settings(data_dir=tmp_path, database_url=url), engine=engine)
        with TestClient(app) as client:
            yield Seeded(engine, ids, client)
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Names of the functions sent to a worker thread, in order.

    Both kinds of hop: the database threads' (``DatabaseThreads.run``) and anyio's, which
    FastAPI uses for sync dependencies and handlers.
    """
    seen: list[str] = []
    original_anyio = anyio.to_thread.run_sync
    original_database = DatabaseThreads.run

    def name_of(func: object) -> str:
        target = getattr(func, "func", func)  # run_in_threadpool sends a partial
        return str(getattr(target, "__name__", repr(target)))

    async def counting_anyio(func, *args, **kwargs):
        seen.append(name_of(func))
        return await original_anyio(func, *args, **kwargs)

    async def counting_database(self, fn, *args):
        seen.append(name_of(fn))
        return await original_database(self, fn, *args)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counting_anyio)
    monkeypatch.setattr(DatabaseThreads, "run", counting_database)
    return seen


WRITES = {
    "vitals": ("/api/v1/sessions/{session_id}/vitals", VITALS),
    "phq9": ("/api/v1/patients/{patient_id}/measurements", PHQ9),
}


@pytest.mark.parametrize("write", sorted(WRITES))
def test_a_write_is_one_hop(seeded: Seeded, hops: list[str], write: str) -> None:
    path, body = WRITES[write]
    response = seeded.client.post(
        path.format(**seeded.ids), json=body, headers=seeded.headers
    )
    assert response.status_code == 201, response.text
    # PostgreSQL: the whole transaction in a thread; SQLite: on the event loop, no hop at all
    # unless another process holds the writer lock (http.WriteBatches)
    sqlite = seeded.engine.dialect.name == "sqlite"
    assert hops == ([] if sqlite else ["in_batch"])


def test_a_read_is_one_hop_and_its_audit_entry_one_more(
    seeded: Seeded, hops: list[str]
) -> None:
    before = seeded.audit_count()
    response = seeded.client.get(
        f"/api/v1/sessions/{seeded.ids['session_id']}", headers=seeded.headers
    )
    assert response.status_code == 200, response.text
    # the audit commit: on the event loop on SQLite, as its writes (http.WriteBatches)
    assert hops == ["read_snapshot", *off_sqlite(seeded, "insert_committed")]
    assert seeded.audit_count() == before + 1


def test_a_kept_board_costs_the_counters_alone(seeded: Seeded, hops: list[str]) -> None:
    """Between writes the board is answered from memory: a hop to read the change counters,
    none to read the board, and its audit entry committed as any read's (Work.kept)."""
    before = seeded.audit_count()
    first = seeded.client.get("/api/v1/board", headers=seeded.headers)
    assert first.status_code == 200, first.text
    # the counters are read, and the audit committed, on the event loop on SQLite
    assert hops == [
        *off_sqlite(seeded, "counters_now"),
        "read_snapshot",
        *off_sqlite(seeded, "insert_committed"),
    ]
    hops.clear()
    second = seeded.client.get("/api/v1/board", headers=seeded.headers)
    assert second.status_code == 200, second.text
    assert hops == off_sqlite(seeded, "counters_now", "insert_committed")
    assert len(second.json()["cards"]) == len(first.json()["cards"]) == 20
    assert seeded.audit_count() == before + 2


def test_postgres_reads_the_counters_in_one_statement_in_autocommit(
    seeded: Seeded,
) -> None:
    """No BEGIN nor COMMIT around the one SELECT: a round trip where there were three."""
    if seeded.engine.dialect.name != "postgresql":
        pytest.skip("SQLite reads them on the event loop, in a snapshot of its own")
    sent: list[tuple[str, bool]] = []

    def record(conn: Any, _cursor: object, statement: str, *_args: object) -> None:
        sent.append((statement, conn.connection.dbapi_connection.autocommit))

    event.listen(seeded.engine, "before_cursor_execute", record)
    try:
        counters = http.counters_now(make_session_factory(seeded.engine))
    finally:
        event.remove(seeded.engine, "before_cursor_execute", record)
    assert [autocommit for _statement, autocommit in sent] == [True], sent
    assert "change_counters" in sent[0][0]
    assert counters.board != counters.auth


def test_postgres_autocommit_does_not_outlive_the_counter_reading(
    tmp_path: Path,
) -> None:
    """The pool's one connection goes back to transactions (and savepoints) after it."""
    url, fresh = new_database_url("postgres", tmp_path)
    assert fresh is not None
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        http.counters_now(factory)
        with engine.connect() as connection:
            dbapi_connection: Any = connection.connection.dbapi_connection
            assert dbapi_connection.autocommit is False
        http.counters_now(factory)
        outcomes = in_batch(factory, None, [sql("SELECT 1"), sql("SELECT 2")])
        assert not [o for o in outcomes if isinstance(o, _Failed)], outcomes
    finally:
        engine.dispose()
        fresh.drop()


def test_a_write_reuses_a_kept_token_lookup(seeded: Seeded) -> None:
    path, body = WRITES["vitals"]
    url = path.format(**seeded.ids)
    first = seeded.client.post(url, json=body, headers=seeded.headers)
    assert first.status_code == 201, first.text
    with statements_sent(seeded.engine) as seen:
        again = seeded.client.post(url, json=body, headers=seeded.headers)
    assert again.status_code == 201, again.text
    assert not [s for s in seen if "auth_tokens" in s], seen


def test_a_logout_earlier_in_a_batch_refuses_its_token_to_the_writes_after_it(
    seeded: Seeded,
) -> None:
    """Writes share a transaction (http.in_batch): a kept lookup must not outlive a logout
    committed with them, though the counters on PostgreSQL are set only at commit."""
    factory = make_session_factory(seeded.engine)
    writers = SerialWriters.for_engine(seeded.engine)
    token = seeded.ids["token"]

    def caller(session):
        return auth_service.authenticate(session, token=token, client_address=None)

    def log_out(session):
        auth_service.logout(session, authenticated=caller(session))

    kept = in_batch(factory, writers, [caller, caller])  # the second finds it kept
    assert all(isinstance(found, auth_service.Authenticated) for found in kept)
    _logged_out, refused = in_batch(factory, writers, [log_out, caller])
    assert isinstance(refused, _Failed), refused
    assert isinstance(refused.error, UnauthorizedError)


def batch_caller(
    seeded: Seeded,
) -> tuple[sessionmaker[Session], SerialWriters | None, Any]:
    """What a write batch needs, and a write that authenticates the seeded nurse's token."""
    factory = make_session_factory(seeded.engine)

    def caller(session: Session) -> auth_service.Authenticated:
        return auth_service.authenticate(
            session, token=seeded.ids["token"], client_address=None
        )

    return factory, SerialWriters.for_engine(seeded.engine), caller


def sql(statement: str) -> Callable[[Session], None]:
    """A write of a batch that runs one statement, as an operator's or another service's."""

    def work(session: Session) -> None:
        session.connection().exec_driver_sql(statement)

    return work


@pytest.mark.parametrize(
    ("change", "refused"),
    [
        ("UPDATE users SET active = false", UnauthorizedError),
        ("UPDATE auth_tokens SET revoked_at = expires_at", UnauthorizedError),
        ("DELETE FROM auth_tokens", UnauthorizedError),
    ],
)
def test_a_change_to_users_or_tokens_earlier_in_a_batch_applies_to_the_writes_after_it(
    seeded: Seeded, change: str, refused: type[Exception]
) -> None:
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [caller, caller])  # the lookup is kept
    changed, after = in_batch(factory, writers, [sql(change), caller])
    assert not isinstance(changed, _Failed), changed
    assert isinstance(after, _Failed), after
    assert isinstance(after.error, refused)


def test_a_role_change_earlier_in_a_batch_applies_to_the_writes_after_it(
    seeded: Seeded,
) -> None:
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [caller, caller])  # kept as a nurse
    _changed, found = in_batch(
        factory, writers, [sql("UPDATE users SET role = 'front_desk'"), caller]
    )
    assert isinstance(found, auth_service.Authenticated), found
    assert found.actor.role is Role.FRONT_DESK


class _Abandon(BaseException):
    """Escapes a write's savepoint, so that the whole batch rolls back."""


def test_a_batch_rolled_back_after_a_role_change_leaves_no_lookup_of_it(
    seeded: Seeded,
) -> None:
    """A lookup that saw an uncommitted promotion must not outlive the rollback."""
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [caller, caller])  # kept as a nurse
    seen: list[Role] = []

    def look(session: Session) -> None:
        seen.append(caller(session).actor.role)

    runs: list[int] = []

    def fail_then_abandon(_session: Session) -> None:
        # The first run is all together: a failure makes them run again one by one, where
        # ``look`` looks the token up afresh (it follows a write to users)
        runs.append(1)
        raise (_Abandon if len(runs) == 2 else RuntimeError)

    with pytest.raises(_Abandon):
        in_batch(
            factory,
            writers,
            [sql("UPDATE users SET role = 'admin'"), look, fail_then_abandon],
        )
    assert seen[-1] is Role.ADMIN  # the lookup saw the promotion
    (alone,) = in_batch(factory, writers, [caller])
    _, batched = in_batch(factory, writers, [sql("SELECT 1"), caller])
    assert isinstance(alone, auth_service.Authenticated), alone
    assert isinstance(batched, auth_service.Authenticated), batched
    assert alone.actor.role is batched.actor.role is Role.NURSE


def test_a_batch_reads_the_auth_counter_once(seeded: Seeded) -> None:
    """Not before each write: at its start, and (SQLite) at its end to see it unchanged."""
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [caller, caller])  # the lookup is kept
    with statements_sent(seeded.engine) as seen:
        found = in_batch(factory, writers, [caller] * 4)
    assert all(isinstance(one, auth_service.Authenticated) for one in found), found
    readings = [s for s in seen if "FROM change_counters WHERE name = 'auth'" in s]
    assert len(readings) == (2 if seeded.engine.dialect.name == "sqlite" else 1), seen
    assert not [s for s in seen if "FROM auth_tokens" in s], seen


def test_a_lookup_made_in_a_batch_that_is_undone_is_never_kept(seeded: Seeded) -> None:
    """A lookup that followed a role change in its batch saw a row no counter names."""
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [sql("UPDATE users SET active = active")])  # none kept
    seen: list[Role] = []

    def look(session: Session) -> None:
        seen.append(caller(session).actor.role)

    def abandon(_session: Session) -> None:
        raise _Abandon

    with pytest.raises(_Abandon):
        in_batch(
            factory, writers, [sql("UPDATE users SET role = 'admin'"), look, abandon]
        )
    assert seen == [Role.ADMIN]  # looked up afresh, in the batch
    (alone,) = in_batch(factory, writers, [caller])
    assert isinstance(alone, auth_service.Authenticated), alone
    assert alone.actor.role is Role.NURSE


def test_a_lookup_undone_because_its_batch_wrote_users_is_never_kept(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Undone for the role change itself (no write failed), then the commit fails: the
    promotion never commits, so no lookup of it may outlive the batch."""
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [sql("UPDATE users SET active = active")])  # none kept
    original = http.finish

    def failing_commit(session: Session, *, commit: bool) -> None:
        original(session, commit=False)
        if commit:
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    seen: list[Role] = []

    def look(session: Session) -> None:
        seen.append(caller(session).actor.role)

    monkeypatch.setattr(http, "finish", failing_commit)
    with pytest.raises(OperationalError):
        in_batch(factory, writers, [sql("UPDATE users SET role = 'admin'"), look])
    monkeypatch.setattr(http, "finish", original)
    assert seen == [Role.ADMIN, Role.ADMIN]  # together, then again on its own
    (alone,) = in_batch(factory, writers, [caller])
    assert isinstance(alone, auth_service.Authenticated), alone
    assert alone.actor.role is Role.NURSE


def test_a_batch_looks_a_token_up_once_for_all_its_writes(seeded: Seeded) -> None:
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [sql("UPDATE users SET active = active")])  # none kept
    with statements_sent(seeded.engine) as seen:
        found = in_batch(factory, writers, [caller] * 4)
    assert all(isinstance(one, auth_service.Authenticated) for one in found), found
    assert len([s for s in seen if "FROM auth_tokens" in s]) == 1, seen
    with statements_sent(seeded.engine) as seen:
        in_batch(factory, writers, [caller] * 2)  # and kept once the batch committed
    assert not [s for s in seen if "FROM auth_tokens" in s], seen


def test_each_write_of_a_batch_loads_what_it_reads_afresh(seeded: Seeded) -> None:
    """As in a session of its own: not from an earlier write's identity map."""
    factory, writers, _caller = batch_caller(seeded)
    patient_id = uuid.UUID(seeded.ids["patient_id"])
    held: list[
        Patient
    ] = []  # alive, so the identity map could not let go of it by itself

    def load(session: Session) -> str:
        patient = session.get(Patient, patient_id)
        assert patient is not None
        held.append(patient)
        return patient.family_name

    def rename(session: Session) -> None:
        session.execute(
            update(Patient)
            .where(Patient.id == patient_id)
            .values(family_name="Renamed")
            .execution_options(synchronize_session=False)
        )

    first, _, after = in_batch(factory, writers, [load, rename, load])
    assert first != "Renamed"
    assert after == "Renamed"


def test_a_refusal_that_wrote_nothing_does_not_undo_its_batch(seeded: Seeded) -> None:
    """A wrong token among writes fails alone, and the writes beside it run once."""
    factory, writers, caller = batch_caller(seeded)
    in_batch(factory, writers, [caller, caller])  # kept

    def wrong_token(session: Session) -> None:
        auth_service.authenticate(session, token="not-a-token", client_address=None)

    with statements_sent(seeded.engine) as seen:
        first, refused, last = in_batch(factory, writers, [caller, wrong_token, caller])
    assert isinstance(first, auth_service.Authenticated), first
    assert isinstance(last, auth_service.Authenticated), last
    assert isinstance(refused, _Failed), refused
    assert isinstance(refused.error, UnauthorizedError)
    assert len([s for s in seen if s.startswith("SAVEPOINT")]) == 1, seen


async def asgi_request(
    app: Any,
    method: str,
    path: str,
    headers: list[tuple[bytes, bytes]],
    body: bytes = b"",
) -> tuple[int, list[tuple[bytes, bytes]]]:
    """One request straight into the ASGI app, on the caller's event loop: status, headers."""
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver"), *headers],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }
    started: list[dict[str, Any]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            started.append(message)

    await app(scope, receive, send)
    return int(started[0]["status"]), list(started[0]["headers"])


def test_a_logout_batched_with_a_write_clears_its_cookie_once(seeded: Seeded) -> None:
    """A batch with a logout in it runs again write by write: the cookie is cleared after."""
    login = seeded.client.post(
        "/api/v1/auth/login",
        json={"email": "bench-nurse@example.org", "password": "bench-password-1"},
    )
    assert login.status_code == 200, login.text
    cookie = login.cookies[SESSION_COOKIE]
    csrf = login.json()["csrf_token"]
    path, body = WRITES["vitals"]
    app = seeded.client.app

    async def post(
        path: str, headers: list[tuple[bytes, bytes]], body: bytes = b""
    ) -> tuple[int, list[tuple[bytes, bytes]]]:
        return await asgi_request(app, "POST", path, headers, body)

    async def together() -> list[tuple[int, list[tuple[bytes, bytes]]]]:
        return list(
            await asyncio.gather(
                post(
                    "/api/v1/auth/logout",
                    [
                        (b"cookie", f"{SESSION_COOKIE}={cookie}".encode()),
                        (CSRF_HEADER.lower().encode(), csrf.encode()),
                    ],
                ),
                post(
                    path.format(**seeded.ids),
                    [
                        (b"authorization", seeded.headers["Authorization"].encode()),
                        (b"content-type", b"application/json"),
                    ],
                    json.dumps(body).encode(),
                ),
            )
        )

    with ThreadPoolExecutor(1) as pool:
        (logout, logout_headers), (write, _) = pool.submit(
            asyncio.run, together()
        ).result()
    assert (logout, write) == (204, 201)
    cleared = [value for name, value in logout_headers if name == b"set-cookie"]
    assert len(cleared) == 1, logout_headers


def test_a_logout_rolled_back_with_its_write_leaves_the_token_kept(
    seeded: Seeded,
) -> None:
    factory, writers, caller = batch_caller(seeded)

    def log_out_then_fail(session: Session) -> None:
        auth_service.logout(session, authenticated=caller(session))
        raise RuntimeError("a failure after the logout")

    in_batch(factory, writers, [caller, caller])
    with statements_sent(seeded.engine) as seen:
        failed, found = in_batch(factory, writers, [log_out_then_fail, caller])
    assert isinstance(failed, _Failed)
    assert isinstance(found, auth_service.Authenticated)
    assert not [s for s in seen if "FROM auth_tokens" in s], seen


def test_a_kept_cookie_write_still_needs_its_csrf_token(seeded: Seeded) -> None:
    login = seeded.client.post(
        "/api/v1/auth/login",
        json={"email": "bench-nurse@example.org", "password": "bench-password-1"},
    )
    assert login.status_code == 200, login.text
    csrf = login.json()["csrf_token"]
    path, body = WRITES["vitals"]
    url = path.format(**seeded.ids)
    assert (
        seeded.client.post(url, json=body, headers={CSRF_HEADER: csrf}).status_code
        == 201
    )
    with statements_sent(seeded.engine) as seen:
        wrong = seeded.client.post(url, json=body, headers={CSRF_HEADER: "wrong"})
        missing = seeded.client.post(url, json=body)
    assert wrong.status_code == missing.status_code == 403
    assert not [s for s in seen if "FROM auth_tokens" in s], seen  # found kept


def test_a_request_never_takes_a_counter_reading_begun_before_it(
    seeded: Seeded, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CounterReads: a request that arrives while the counters are being read waits for the
    next reading, so it sees a write committed before it arrived (read your own writes)."""
    factory = make_session_factory(seeded.engine)
    threads = DatabaseThreads(1)
    # in a thread, as on PostgreSQL: on the loop (SQLite) no request arrives during a reading
    reads = CounterReads(lambda: factory, threads, on_loop=False)
    read_counters, held, release = (
        http.counters_now,
        threading.Event(),
        threading.Event(),
    )
    readings: list[object] = []

    def first_reading_held(factory_):
        counters = read_counters(factory_)
        readings.append(counters)
        if len(readings) == 1:  # read, then held up as a slow reading would be
            held.set()
            release.wait(10)
        return counters

    monkeypatch.setattr(http, "counters_now", first_reading_held)

    async def scenario():
        early = asyncio.ensure_future(reads.read())
        loop = asyncio.get_running_loop()
        assert await loop.run_in_executor(None, held.wait, 10)
        with session_scope(factory) as session:  # a write commits meanwhile
            session.execute(update(Patient).values(family_name="Changed"))
        late = asyncio.ensure_future(reads.read())
        await asyncio.sleep(0.05)  # queued behind the held reading
        release.set()
        return await early, await late

    try:
        with ThreadPoolExecutor(1) as pool:
            early, late = pool.submit(asyncio.run, scenario()).result()
    finally:
        release.set()  # a failed step must not leave the database thread waiting
        threads.shutdown()
    assert len(readings) == 2
    assert early.board != late.board  # the later request saw the write
    assert early.auth == late.auth


def test_concurrent_reads_share_audit_commits(
    seeded: Seeded, hops: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Group commit: 20 reads at once are each audited, in far fewer writer transactions."""
    app = seeded.client.app
    reads = 20

    token = seeded.headers["Authorization"].encode()

    async def read() -> int:
        """One GET straight into the ASGI app (all on one event loop, all at once)."""
        status, _headers = await asgi_request(
            app, "GET", "/api/v1/board", [(b"authorization", token)]
        )
        return status

    async def read_all() -> list[int]:
        return list(await asyncio.gather(*(read() for _ in range(reads))))

    before = seeded.audit_count()
    audit_commits = calls_to(monkeypatch, AuditBatches, "_commit")
    counter_readings = calls_to(monkeypatch, http, "counters_now")
    # a thread of its own: the browser tests may leave an event loop in this one
    with ThreadPoolExecutor(1) as pool:
        assert pool.submit(asyncio.run, read_all()).result() == [200] * reads
        # nothing kept yet: the first reads read the board (those that reach the counters
        # after one of them has kept it are answered from memory: on a loaded machine, most);
        # they share counter readings
        assert 1 <= hops.count("read_snapshot") <= reads, hops
        assert 1 <= len(counter_readings) <= reads // 2, counter_readings
        assert 1 <= len(audit_commits) <= reads // 2, audit_commits
        assert seeded.audit_count() == before + reads
        hops.clear()
        counter_readings.clear()
        audit_commits.clear()
        assert pool.submit(asyncio.run, read_all()).result() == [200] * reads
    # now kept: no read of the board at all, a few of the counters and of audit commits
    assert "read_snapshot" not in hops
    assert 1 <= len(counter_readings) <= reads // 2, counter_readings
    assert 1 <= len(audit_commits) <= reads // 2, audit_commits
    assert seeded.audit_count() == before + 2 * reads


def off_sqlite(seeded: Seeded, *names: str) -> list[str]:
    """``names`` on PostgreSQL; none on SQLite, where that work runs on the event loop."""
    return [] if seeded.engine.dialect.name == "sqlite" else list(names)


def calls_to(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[object]:
    """Record each call of ``owner.name`` (a function or an async method), and pass it on."""
    calls: list[object] = []
    original = getattr(owner, name)
    if asyncio.iscoroutinefunction(original):

        async def recorded_async(*args: object) -> object:
            calls.append(args)
            return await original(*args)

        monkeypatch.setattr(owner, name, recorded_async)
    else:

        def recorded(*args: object) -> object:
            calls.append(args)
            return original(*args)

        monkeypatch.setattr(owner, name, recorded)
    return calls


def test_no_credentials_is_401_without_touching_the_database(
    seeded: Seeded, hops: list[str]
) -> None:
    response = seeded.client.get("/api/v1/board")
    assert response.status_code == 401
    assert hops == []


def test_a_wrong_token_is_401_and_writes_nothing(seeded: Seeded) -> None:
    before = seeded.audit_count()
    response = seeded.client.get(
        "/api/v1/board", headers={"Authorization": "Bearer not-a-token"}
    )
    assert response.status_code == 401
    assert seeded.audit_count() == before


def answers_only_after(
    seeded: Seeded,
    send: Callable[[], int],
    status: int,
    hold: Callable[[], None],
    release: Callable[[], None],
    *,
    loop_stays_free: bool = False,
) -> None:
    """A request sent while ``hold`` is in force answers (``status``) only after ``release``.

    Until then nothing is sent and no audit entry exists; afterwards the request's one audit
    entry is there. ``loop_stays_free``: meanwhile the same event loop answers /healthz
    (within a timeout, so that a blocked loop fails the test instead of hanging it).
    """
    before = seeded.audit_count()
    answered: list[int] = []
    healthy: list[int] = []
    hold()
    try:
        requester = threading.Thread(target=lambda: answered.append(send()))
        requester.start()
        time.sleep(0.5)
        if loop_stays_free:
            probe = threading.Thread(
                target=lambda: healthy.append(
                    seeded.client.get("/healthz").status_code
                ),
                daemon=True,
            )
            probe.start()
            probe.join(timeout=5)
            assert healthy == [200], "the event loop was blocked by a waiting request"
        assert answered == []  # nothing sent while the lock is held
        assert seeded.audit_count() == before
    finally:
        release()
    requester.join(timeout=10)
    assert answered == [status]
    assert seeded.audit_count() == before + 1


def read_board(seeded: Seeded) -> int:
    return seeded.client.get("/api/v1/board", headers=seeded.headers).status_code


def write_vitals(seeded: Seeded) -> int:
    path, body = WRITES["vitals"]
    return seeded.client.post(
        path.format(**seeded.ids), json=body, headers=seeded.headers
    ).status_code


@contextlib.contextmanager
def another_process_writing(
    seeded: Seeded,
) -> Iterator[tuple[Callable[[], None], Callable[[], None]]]:
    """Take and let go of the writer file lock, as another worker process writing would."""
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("the writer file lock is SQLite's")
    database = seeded.engine.url.database
    assert database is not None
    lock_fd = os.open(f"{database}.writer-lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        yield (
            lambda: fcntl.flock(lock_fd, fcntl.LOCK_EX),
            lambda: fcntl.flock(lock_fd, fcntl.LOCK_UN),
        )
    finally:
        os.close(lock_fd)


def test_a_read_is_not_disclosed_before_its_audit_entry_commits(
    seeded: Seeded,
) -> None:
    """Another process holding the writer lock holds back the response until it lets go."""
    with another_process_writing(seeded) as (hold, release):
        answers_only_after(seeded, lambda: read_board(seeded), 200, hold, release)


def test_postgres_a_read_is_not_disclosed_before_its_audit_entry_commits(
    seeded: Seeded,
) -> None:
    """The audit entries committed without a session (http.insert_committed) still hold the
    answer back: a table lock taken by another connection delays both."""
    if seeded.engine.dialect.name != "postgresql":
        pytest.skip("SQLite: the writer lock's own test above")
    assert read_board(seeded) == 200
    locker = seeded.engine.connect()
    transaction = locker.begin()

    def hold() -> None:
        locker.exec_driver_sql("LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE")

    def release() -> None:
        transaction.rollback()
        locker.close()

    answers_only_after(seeded, lambda: read_board(seeded), 200, hold, release)


def test_a_board_answered_from_memory_waits_for_its_audit_entry_too(
    seeded: Seeded,
) -> None:
    assert (
        read_board(seeded) == 200
    )  # the day and the token lookup are kept from here on
    with another_process_writing(seeded) as (hold, release):
        answers_only_after(seeded, lambda: read_board(seeded), 200, hold, release)


def test_a_write_waits_for_another_process_without_blocking_the_event_loop(
    seeded: Seeded,
) -> None:
    """SQLite writes run on the event loop, but waiting for another writer must not."""
    with another_process_writing(seeded) as (hold, release):
        answers_only_after(
            seeded,
            lambda: write_vitals(seeded),
            201,
            hold,
            release,
            loop_stays_free=True,
        )


def test_a_write_waits_for_a_writer_without_the_file_lock_off_the_event_loop(
    seeded: Seeded,
) -> None:
    """A process writing to the file directly (a CLI command): SQLite's own write lock."""
    if seeded.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's write lock")
    database = seeded.engine.url.database
    assert database is not None
    other = sqlite3.connect(database, isolation_level=None)
    try:
        answers_only_after(
            seeded,
            lambda: write_vitals(seeded),
            201,
            hold=lambda: other.execute("BEGIN IMMEDIATE").close(),
            release=lambda: other.execute("COMMIT").close(),
            loop_stays_free=True,
        )
    finally:
        other.close()


LOGIN = {"email": "bench-nurse@example.org", "password": "bench-password-1"}


def login_hops(seeded: Seeded) -> list[str]:
    """A login's hops: find the account (a database thread), check the password (the thread
    pool), then issue the token or audit the refusal in a write batch (on PostgreSQL a
    database thread; on SQLite on the event loop)."""
    sqlite = seeded.engine.dialect.name == "sqlite"
    return ["read_snapshot", "password_matches"] + ([] if sqlite else ["in_batch"])


def test_a_refused_login_checks_the_password_apart_and_is_audited(
    seeded: Seeded, hops: list[str]
) -> None:
    before = seeded.audit_count()
    response = seeded.client.post(
        "/api/v1/auth/login",
        json={"email": "nobody@example.org", "password": "wrong-password"},
    )
    assert response.status_code == 401
    assert hops == login_hops(seeded)
    assert seeded.audit_count() == before + 1


def test_a_login_is_a_read_a_password_check_and_a_short_write(
    seeded: Seeded, hops: list[str]
) -> None:
    response = seeded.client.post("/api/v1/auth/login", json=LOGIN)
    assert response.status_code == 200, response.text
    assert hops == login_hops(seeded)
    token = response.json()["token"]
    me = seeded.client.get(
        "/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"}
    )
    assert me.status_code == 200
    assert me.json()["email"] == LOGIN["email"]


@pytest.fixture
def slow_password_check(monkeypatch: pytest.MonkeyPatch) -> Iterator[threading.Event]:
    """Password checks wait, once started, until the event is set (set at teardown)."""
    from ketapath.services import auth as auth_service

    release = threading.Event()
    original = auth_service.verify_password

    def verify_when_released(password_hash: str, password: str) -> bool:
        assert release.wait(timeout=20)
        return original(password_hash, password)

    monkeypatch.setattr(auth_service, "verify_password", verify_when_released)
    try:
        yield release
    finally:
        release.set()


def api_login(seeded: Seeded) -> int:
    return seeded.client.post("/api/v1/auth/login", json=LOGIN).status_code


def web_login(seeded: Seeded) -> int:
    return seeded.client.post("/login", data=LOGIN, follow_redirects=False).status_code


@pytest.mark.parametrize(
    ("login", "logged_in"), [(api_login, 200), (web_login, 303)], ids=["api", "web"]
)
@pytest.mark.parametrize(
    ("request_", "answered"),
    [(write_vitals, 201), (read_board, 200)],
    ids=["write", "read"],
)
def test_requests_go_on_while_a_password_is_checked(
    seeded: Seeded,
    slow_password_check: threading.Event,
    login: Callable[[Seeded], int],
    logged_in: int,
    request_: Callable[[Seeded], int],
    answered: int,
) -> None:
    """A login's argon2 check holds up no other request: a write or a read made meanwhile
    answers at once, from the API or the sign-in form.

    (The check used to hold SQLite's writer lock, then a database thread: every write, then
    every read behind it, waited for it.)
    """
    with ThreadPoolExecutor(2) as pool:
        logging_in = pool.submit(login, seeded)
        time.sleep(0.3)  # the login is now in its password check
        other = pool.submit(request_, seeded)
        try:
            assert other.result(timeout=5) == answered
            assert not logging_in.done()
        finally:
            slow_password_check.set()
        assert logging_in.result(timeout=10) == logged_in


@pytest.mark.parametrize("change", ["new password", "deactivated"])
def test_a_login_checked_before_the_account_changed_is_refused(
    seeded: Seeded, slow_password_check: threading.Event, change: str
) -> None:
    """The write re-reads the user: a check overtaken by a password change or a
    deactivation issues nothing, and the refusal is audited with its reason."""
    from ketapath.db.models import AuthToken, User
    from ketapath.services.auth import hash_password

    with ThreadPoolExecutor(1) as pool:
        login = pool.submit(seeded.client.post, "/api/v1/auth/login", json=LOGIN)
        time.sleep(0.3)
        with session_scope(make_session_factory(seeded.engine)) as session:
            user = session.scalars(
                select(User).where(User.email == LOGIN["email"])
            ).one()
            if change == "new password":
                user.password_hash = hash_password("another-password-2")
            else:
                user.active = False
            tokens_before = session.scalar(select(func.count()).select_from(AuthToken))
        slow_password_check.set()
        response = login.result(timeout=10)
    assert response.status_code == 401
    assert response.json()["detail"] == "wrong e-mail or password"
    with session_scope(make_session_factory(seeded.engine)) as session:
        assert session.scalar(select(func.count()).select_from(AuthToken)) == (
            tokens_before
        )
        refusal = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "login_failed")
            .order_by(AuditEntry.occurred_at.desc())
        ).first()
        assert refusal is not None
        assert refusal.detail == {
            "reason": "password changed" if change == "new password" else "deactivated"
        }


def test_a_read_that_writes_anything_but_audit_entries_is_refused(
    seeded: Seeded,
) -> None:
    """The read path's guard: a GET that changed a row would bypass SQLite's writer lock."""
    from ketapath.api.work import Credentials, Work

    factory = make_session_factory(seeded.engine)
    writers = SerialWriters.for_engine(seeded.engine)
    threads = DatabaseThreads(1)
    work = Work(
        factory=factory,
        threads=threads,
        write_batches=(writes := WriteBatches(lambda: factory, writers, threads)),
        audit=AuditBatches(writes),
        counter_reads=CounterReads(
            lambda: factory, threads, on_loop=writers is not None
        ),
        writes=False,
        credentials=Credentials(seeded.ids["token"], False, None),
        client_address=None,
    )

    def sneaky(session):
        session.add(
            Note(
                patient_id=uuid.UUID(seeded.ids["patient_id"]),
                author_id=uuid.uuid4(),
                kind="progress",
                body="written from a read",
            )
        )
        return "done"

    # a thread of its own, as in test_concurrent_reads_share_audit_commits
    with pytest.raises(ReadOnlySessionError), ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, work.run(sneaky)).result()
    with seeded.engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(Note)) == 0


def test_a_read_queues_its_audit_entry_behind_a_busy_writer_of_its_process(
    seeded: Seeded, hops: list[str]
) -> None:
    """The read's second path: the write section is taken, so the entry waits its turn."""
    writers = seeded.client.app.state.serial_writers  # type: ignore[attr-defined]
    if writers is None:
        pytest.skip("PostgreSQL has no writer lock")
    # as this process's writer in the middle of a transaction would
    answers_only_after(
        seeded, lambda: read_board(seeded), 200, writers.hold, writers.release
    )
    # the audit commit waits for the write section in a thread, off the event loop
    assert hops == ["read_snapshot", "hold"]
