"""`ketapath serve --workers 2` on one SQLite file: concurrent writes and reads all succeed.

Two processes cannot share the in-process writer lock; they take turns through the
``<database>.writer-lock`` flock (http.SerialWriters), and reads write their audit entries
from the read's own thread when the write section is free. Every request must succeed, every
vitals set acknowledged with 201 must be in the database afterwards, and every board read must
be audited: a lock that is not released, or an audit entry lost between processes, fails here.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from bench.seed import seed  # the benchmark's clinic: 20 live sessions
from sqlalchemy import func, select

from ketapath.db import migrate
from ketapath.db.engine import make_engine, make_session_factory, session_scope
from ketapath.db.models import AuditEntry, VitalSign

THREADS = 8
REQUESTS_PER_THREAD = 15
STARTUP_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_ready(base: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        assert process.poll() is None, "server exited during startup"
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError("server did not become ready")


def test_two_worker_processes_share_one_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'ketapath.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        ids = seed(session)
    with engine.connect() as connection:
        vitals_before = connection.scalar(select(func.count()).select_from(VitalSign))
        audit_before = connection.scalar(select(func.count()).select_from(AuditEntry))
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "KETAPATH_DATABASE_URL": url}
    server = subprocess.Popen(
        [
            *(sys.executable, "-m", "ketapath", "serve", "--port", str(port)),
            *("--data-dir", str(tmp_path), "--workers", "2"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    headers = {
        "Authorization": f"Bearer {ids['token']}",
        "Content-Type": "application/json",
    }
    statuses: Counter[int] = Counter()
    lock = threading.Lock()

    def worker(number: int) -> None:
        for _ in range(REQUESTS_PER_THREAD):
            if number % 2:
                request = urllib.request.Request(
                    f"{base}/api/v1/board", headers=headers
                )
            else:
                request = urllib.request.Request(
                    f"{base}/api/v1/sessions/{ids['session_id']}/vitals",
                    data=json.dumps(
                        {"systolic_mmhg": 128, "diastolic_mmhg": 80}
                    ).encode(),
                    headers=headers,
                    method="POST",
                )
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    status = int(response.status)
            except urllib.error.HTTPError as error:
                status = error.code
            with lock:
                statuses[status] += 1

    try:
        wait_ready(base, server)
        threads = [threading.Thread(target=worker, args=(n,)) for n in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        _, stderr = server.communicate(timeout=30)
    half = THREADS // 2 * REQUESTS_PER_THREAD
    assert statuses == Counter({200: half, 201: half}), stderr.decode()[-2000:]
    with engine.connect() as connection:
        vitals = connection.scalar(select(func.count()).select_from(VitalSign))
        audit = connection.scalar(select(func.count()).select_from(AuditEntry))
    engine.dispose()
    assert vitals == (vitals_before or 0) + half
    # One entry per vitals write and one per board read (the board audits once per request).
    assert audit == (audit_before or 0) + 2 * half
