"""Time the three hot paths in-process: at the service level and through the ASGI app.

For each database (SQLite always; PostgreSQL with ``--postgres``) a fresh database is
migrated and seeded with bench/seed.py (20 active esketamine sessions), then each path runs N
times:

- ``service``: what one request does below HTTP: a session that begins as a writer (as
  ``api.work.Work`` does for a write), ``services.auth.authenticate``, the service call, commit.
- ``asgi``: the whole app through ``fastapi.testclient.TestClient`` (routing, validation,
  dependencies, serialization; no network), on a second freshly seeded database.
- ``asgi-raw``: the same requests handed straight to the ASGI callable on one event loop: the
  app's own cost without TestClient's client and thread hops (a third fresh database).

Paths run in the load benchmark's order (board, vitals, PHQ-9), and the writes accumulate as
they do there: the vitals rows land on a session that is on the board.

Usage::

    .venv/bin/python -m bench.profile_hot_paths [-n 300] [--postgres] [--profile [PATH]]

``--profile`` prints a cProfile of the service path (one path name, or every path).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import Engine  # noqa: E402
from sqlalchemy.orm import Session, sessionmaker  # noqa: E402

from bench.seed import seed  # noqa: E402
from ketapath.db import migrate  # noqa: E402
from ketapath.db.engine import (  # noqa: E402
    begin_write,
    make_engine,
    make_session_factory,
    session_scope,
)
from ketapath.db.provision import FreshPostgres  # noqa: E402

PG_SERVER = os.environ.get(
    "KETAPATH_BENCH_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)
VITALS = {
    "systolic_mmhg": 132,
    "diastolic_mmhg": 84,
    "heart_rate_bpm": 76,
    "spo2_pct": 98,
}
PHQ9 = {"instrument": "phq9", "responses": [1, 1, 1, 2, 2, 1, 1, 0, 0]}
PATHS = ("board", "vitals", "phq9")


@contextmanager
def fresh_database(kind: str) -> Iterator[tuple[Engine, dict[str, str], Path]]:
    """A migrated, seeded database of ``kind``; dropped afterwards."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"ketapath-profile-{kind}-"))
    fresh = None
    if kind == "sqlite":
        url = f"sqlite:///{data_dir / 'ketapath.sqlite3'}"
    else:
        fresh = FreshPostgres(PG_SERVER, prefix="ketapath_profile")
        url = fresh.create()
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            ids = seed(session)
        yield engine, ids, data_dir
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()
        shutil.rmtree(data_dir, ignore_errors=True)


def service_calls(
    factory: sessionmaker[Session], ids: dict[str, str]
) -> dict[str, Callable[[], object]]:
    """One callable per path doing what the API does for one request, below HTTP."""
    from ketapath.schemas.measurement import MeasurementCreate
    from ketapath.schemas.session import VitalSignCreate
    from ketapath.services import auth, board, measurements, session_flows

    session_id = uuid.UUID(ids["session_id"])
    patient_id = uuid.UUID(ids["patient_id"])

    def request(call: Callable[[Session, Any], object]) -> Callable[[], object]:
        def run() -> object:
            session = factory()
            try:
                begin_write(session)
                actor = auth.authenticate(
                    session, token=ids["token"], client_address="127.0.0.1"
                ).actor
                result = call(session, actor)
                session.commit()
                return result
            finally:
                session.close()

        return run

    return {
        "board": request(lambda s, a: board.get_board(s, actor=a)),
        "vitals": request(
            lambda s, a: session_flows.record_vitals(
                s,
                actor=a,
                session_id=session_id,
                data=VitalSignCreate.model_validate(VITALS),
            )
        ),
        "phq9": request(
            lambda s, a: measurements.record_measurement(
                s,
                actor=a,
                patient_id=patient_id,
                data=MeasurementCreate.model_validate(PHQ9),
            )
        ),
    }


def asgi_calls(
    engine: Engine, ids: dict[str, str], data_dir: Path
) -> tuple[dict[str, Callable[[], object]], Callable[[], None]]:
    """One callable per path sending the request through the app in-process."""
    from fastapi.testclient import TestClient

    from ketapath.app import create_app
    from ketapath.config import Settings

    app = create_app(
        Settings(data_dir=data_dir, database_url=str(engine.url)), engine=engine
    )
    client = TestClient(app)
    client.__enter__()
    headers = {"Authorization": f"Bearer {ids['token']}"}

    def call(method: str, url: str, body: object, status: int) -> Callable[[], object]:
        def run() -> object:
            response = client.request(method, url, json=body, headers=headers)
            if response.status_code != status:
                raise SystemExit(
                    f"{method} {url}: {response.status_code} {response.text}"
                )
            return response

        return run

    calls = {
        "board": call("GET", "/api/v1/board", None, 200),
        "vitals": call(
            "POST", f"/api/v1/sessions/{ids['session_id']}/vitals", VITALS, 201
        ),
        "phq9": call(
            "POST", f"/api/v1/patients/{ids['patient_id']}/measurements", PHQ9, 201
        ),
    }
    return calls, lambda: client.__exit__(None, None, None)


def raw_asgi_calls(
    engine: Engine, ids: dict[str, str], data_dir: Path
) -> tuple[dict[str, Callable[[], object]], Callable[[], None]]:
    """The same requests sent straight into the ASGI callable on one event loop (no httpx).

    What a server adds on top of this is HTTP parsing and socket I/O; TestClient adds its own
    client and a thread hop per message, which this leaves out.
    """
    import asyncio
    import json

    from ketapath.app import create_app
    from ketapath.config import Settings

    app = create_app(
        Settings(data_dir=data_dir, database_url=str(engine.url)), engine=engine
    )
    loop = asyncio.new_event_loop()
    token = f"Bearer {ids['token']}".encode()

    def call(method: str, path: str, body: object, status: int) -> Callable[[], object]:
        payload = json.dumps(body).encode() if body is not None else b""
        headers = [
            (b"host", b"testserver"),
            (b"authorization", token),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(payload)).encode()),
        ]

        async def once() -> bytes:
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
                "headers": headers,
                "client": ("127.0.0.1", 50000),
                "server": ("testserver", 80),
                "state": {},
            }
            sent = False
            chunks: list[bytes] = []
            got: list[int] = []

            async def receive() -> dict[str, object]:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": payload, "more_body": False}
                await asyncio.sleep(3600)
                return {"type": "http.disconnect"}

            async def send(message: MutableMapping[str, Any]) -> None:
                if message["type"] == "http.response.start":
                    got.append(message["status"])
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await app(scope, receive, send)
            if got != [status]:
                raise SystemExit(f"{method} {path}: {got} {b''.join(chunks)!r}")
            return b"".join(chunks)

        return lambda: loop.run_until_complete(once())

    calls = {
        "board": call("GET", "/api/v1/board", None, 200),
        "vitals": call(
            "POST", f"/api/v1/sessions/{ids['session_id']}/vitals", VITALS, 201
        ),
        "phq9": call(
            "POST", f"/api/v1/patients/{ids['patient_id']}/measurements", PHQ9, 201
        ),
    }
    return calls, loop.close


def timed(run: Callable[[], object], n: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        run()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        run()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(kind: str, level: str, path: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * len(ordered)) - 1)]
    print(
        f"{kind:8} {level:8} {path:6} n={len(samples):<5} "
        f"mean {statistics.fmean(samples):7.2f} ms  "
        f"p50 {statistics.median(samples):7.2f} ms  p99 {p99:7.2f} ms  "
        f"(≈{1000 / statistics.fmean(samples):6.0f} req/s serial)",
        flush=True,
    )


def profile(run: Callable[[], object], n: int, path: str, top: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(n):
        run()
    profiler.disable()
    print(f"\n--- cProfile: service {path}, {n} calls (cumulative, top {top}) ---")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)
    print(f"--- cProfile: service {path} (own time, top {top}) ---")
    pstats.Stats(profiler).sort_stats("tottime").print_stats(top)


def run_kind(kind: str, args: argparse.Namespace) -> None:
    with fresh_database(kind) as (engine, ids, _data_dir):
        calls = service_calls(make_session_factory(engine), ids)
        for path in args.paths:
            report(kind, "service", path, timed(calls[path], args.n, args.warmup))
        if args.profile:
            for path in args.paths:
                if args.profile in ("all", path):
                    profile(calls[path], args.n, path, args.top)
    if args.no_asgi:
        return
    levels = [("asgi", asgi_calls), ("asgi-raw", raw_asgi_calls)]
    for level, make_calls in levels:
        with fresh_database(kind) as (engine, ids, data_dir):
            asgi, close = make_calls(engine, ids, data_dir)
            try:
                for path in args.paths:
                    report(kind, level, path, timed(asgi[path], args.n, args.warmup))
            finally:
                close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("-n", type=int, default=300, help="timed calls per path")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--postgres", action="store_true", help="also PostgreSQL")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--no-asgi", action="store_true")
    parser.add_argument(
        "--paths", default=",".join(PATHS), help="comma-separated: board,vitals,phq9"
    )
    parser.add_argument(
        "--profile",
        nargs="?",
        const="all",
        default=None,
        help="cProfile the service path (a path name, or all)",
    )
    parser.add_argument("--top", type=int, default=35)
    args = parser.parse_args()
    args.paths = [p for p in args.paths.split(",") if p]
    kinds = ([] if args.no_sqlite else ["sqlite"]) + (
        ["postgres"] if args.postgres else []
    )
    for kind in kinds:
        run_kind(kind, args)


if __name__ == "__main__":
    main()
