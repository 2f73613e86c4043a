"""Concurrent audited reads and writes never fail with "database is locked" (a 500 before).

Every read appends an audit entry, so on SQLite every request writes; the API must serialise
them instead of letting readers upgrade to writers and collide.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from bench.seed import seed  # the benchmark's clinic: 20 live sessions
from fastapi.testclient import TestClient
from tests.conftest import DB_PARAMS, new_database_url

from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.engine import make_engine, make_session_factory, session_scope

THREADS = 8
REQUESTS_PER_THREAD = 12


@pytest.mark.parametrize("kind", DB_PARAMS)
def test_mixed_concurrent_requests_all_succeed(kind, tmp_path):
    url, fresh = new_database_url(kind, tmp_path)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            ids = seed(session)
        app = create_app(Settings(data_dir=tmp_path, database_url=url), engine=engine)
        headers = {"Authorization": f"Bearer {ids['token']}"}
        statuses: Counter[int] = Counter()
        lock = threading.Lock()
        with TestClient(app) as client:

            def worker(number: int) -> None:
                for _ in range(REQUESTS_PER_THREAD):
                    if number % 2:
                        response = client.get("/api/v1/board", headers=headers)
                    else:
                        response = client.post(
                            f"/api/v1/sessions/{ids['session_id']}/vitals",
                            json={"systolic_mmhg": 128, "diastolic_mmhg": 80},
                            headers=headers,
                        )
                    with lock:
                        statuses[response.status_code] += 1

            threads = [
                threading.Thread(target=worker, args=(n,)) for n in range(THREADS)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=120)
        assert statuses == Counter(
            {
                200: THREADS // 2 * REQUESTS_PER_THREAD,
                201: THREADS // 2 * REQUESTS_PER_THREAD,
            }
        )
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


def test_more_concurrent_requests_than_worker_threads_all_complete(tmp_path):
    """60 at once on a real server (the thread pool has 40): once deadlocked on SQLite."""
    import socket
    import time
    import urllib.request
    from concurrent.futures import ThreadPoolExecutor

    import uvicorn

    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        ids = seed(session)
    app = create_app(Settings(data_dir=tmp_path, database_url=url), engine=engine)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)

    def board(_: int) -> int:
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/api/v1/board",
            headers={"Authorization": f"Bearer {ids['token']}"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)

    try:
        with ThreadPoolExecutor(max_workers=60) as pool:
            statuses = list(pool.map(board, range(60)))
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()
    assert statuses == [200] * 60
