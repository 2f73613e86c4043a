"""SIGKILL `ketapath serve` during concurrent writes: acknowledged writes survive, none is torn.

A 201 is sent only after the transaction commits, so every patient acknowledged before the kill
must be there after a restart, each with its identifier and its audit 'create' entry (written in
the same transaction), and SQLite must pass ``PRAGMA integrity_check``. Runs on SQLite, and on
PostgreSQL when KETAPATH_TEST_POSTGRES_URL is set. Loopback only; bounded in count and time.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from tests.conftest import new_database_url

from ketapath.db.engine import make_engine
from ketapath.db.models import AuditEntry, Patient, PatientIdentifier

EMAIL = "desk@example.org"
PASSWORD = "crash-test password"
THREADS = 6
WRITES_PER_THREAD = 40
ACKED_BEFORE_KILL = 25
STARTUP_TIMEOUT_S = 60.0
WRITE_PHASE_TIMEOUT_S = 30.0


def ketapath_command() -> list[str]:
    """``python -m ketapath``: the installed command line, as an operator runs it."""
    return [sys.executable, "-m", "ketapath"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """One `ketapath serve` process in its own process group (so that kill reaches workers)."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)


@dataclass
class Servers:
    """Every server a test started; all are killed at the end whatever happened."""

    env: dict[str, str]
    data_dir: Path
    started: list[Server] = field(default_factory=list)

    def start(self) -> Server:
        port = free_port()
        log = self.data_dir.parent / f"serve-{len(self.started)}.log"
        with log.open("wb") as out:
            process = subprocess.Popen(
                [
                    *ketapath_command(),
                    *("serve", "--port", str(port), "--data-dir", str(self.data_dir)),
                ],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        server = Server(process, port, log)
        self.started.append(server)
        wait_healthy(server)
        return server

    def cleanup(self) -> None:
        for server in self.started:
            if server.process.poll() is None:
                os.killpg(server.process.pid, signal.SIGKILL)
                server.process.wait(timeout=10)


def request(
    method: str, url: str, body: dict[str, Any] | None = None, token: str | None = None
) -> tuple[int, dict[str, Any]]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=15) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def wait_healthy(server: Server) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            pytest.fail(f"server exited early:\n{server.log.read_text()}")
        try:
            if request("GET", f"{server.base}/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(
        f"server not healthy in {STARTUP_TIMEOUT_S}s:\n{server.log.read_text()}"
    )


@pytest.fixture
def setup(db_kind: str, tmp_path: Path) -> Iterator[tuple[Servers, Engine]]:
    """A data dir (SQLite) or a fresh PostgreSQL database, and a front-desk user in it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KETAPATH_")}
    env["PYTHONUNBUFFERED"] = "1"
    data_dir = tmp_path / "data"
    fresh = None
    if db_kind == "sqlite":
        url = f"sqlite:///{data_dir / 'ketapath.sqlite3'}"
    else:
        url, fresh = new_database_url(db_kind, tmp_path)
        env["KETAPATH_DATABASE_URL"] = url
    servers = Servers(env, data_dir)
    engine = make_engine(url)
    try:
        created = subprocess.run(
            [
                *ketapath_command(),
                *("user", "create", "--email", EMAIL, "--name", "Front Desk"),
                *(
                    "--role",
                    "front_desk",
                    "--password-stdin",
                    "--data-dir",
                    str(data_dir),
                ),
            ],
            input=f"{PASSWORD}\n".encode(),
            env=env,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert created.returncode == 0, created.stderr.decode()
        uuid.UUID(created.stdout.decode().strip())
        yield servers, engine
    finally:
        servers.cleanup()
        engine.dispose()
        if fresh is not None:
            fresh.drop()


def login(server: Server) -> str:
    status, body = request(
        "POST",
        f"{server.base}/api/v1/auth/login",
        {"email": EMAIL, "password": PASSWORD, "kind": "api"},
    )
    assert status == 200, body
    return str(body["token"])


def new_patient(mrn: str) -> dict[str, Any]:
    return {
        "mrn": mrn,
        "given_name": "Crash",
        "family_name": "Test",
        "birth_date": "1970-01-01",
        "sex": "male",
        "weight_kg": "80",
        "identifiers": [{"system": "urn:test:crash", "value": mrn}],
    }


@dataclass
class Writes:
    """MRNs attempted and MRNs acknowledged (201) by the server, shared across threads."""

    attempted: set[str] = field(default_factory=set)
    acked: set[str] = field(default_factory=set)
    unexpected: list[int] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    stop: threading.Event = field(default_factory=threading.Event)


def writer(server: Server, token: str, number: int, writes: Writes) -> None:
    """POST patients until told to stop, the server dies, or the per-thread bound is hit."""
    for n in range(WRITES_PER_THREAD):
        if writes.stop.is_set():
            return
        mrn = f"CRASH-{number}-{n}"
        with writes.lock:
            writes.attempted.add(mrn)
        try:
            status, _ = request(
                "POST", f"{server.base}/api/v1/patients", new_patient(mrn), token
            )
        except (OSError, http.client.HTTPException, ValueError):
            # The server is gone: refused, reset, or killed mid-response (a truncated status
            # line, body or JSON). Such a write was never acknowledged, so it may or may not
            # be stored; the assertions only hold acknowledged writes to account.
            return
        with writes.lock:
            if status == 201:
                writes.acked.add(mrn)
            else:
                writes.unexpected.append(status)


def write_then_kill(server: Server, token: str) -> Writes:
    """Fire concurrent writes and SIGKILL the server once enough were acknowledged."""
    writes = Writes()
    threads = [
        threading.Thread(target=writer, args=(server, token, i, writes), daemon=True)
        for i in range(THREADS)
    ]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + WRITE_PHASE_TIMEOUT_S
    while time.monotonic() < deadline and any(t.is_alive() for t in threads):
        with writes.lock:
            if len(writes.acked) >= ACKED_BEFORE_KILL:
                break
        time.sleep(0.01)
    server.kill()  # mid-flight: the other threads still have requests open
    writes.stop.set()
    for thread in threads:
        thread.join(timeout=20)
    assert not any(t.is_alive() for t in threads), "writer threads did not stop"
    return writes


def stored_patients(engine: Engine) -> dict[str, uuid.UUID]:
    with engine.connect() as connection:
        rows = connection.execute(select(Patient.mrn, Patient.id)).all()
    return {str(mrn): patient_id for mrn, patient_id in rows}


class TestCrashSafety:
    def test_sigkill_during_writes_loses_no_acknowledged_write_and_tears_none(
        self, setup, db_kind, tmp_path
    ):
        servers, engine = setup
        server = servers.start()
        writes = write_then_kill(server, login(server))
        assert writes.unexpected == []
        assert writes.attempted > writes.acked, "the kill did not land mid-flight"
        assert len(writes.acked) >= ACKED_BEFORE_KILL // 2, (
            "too few writes to mean anything"
        )

        restarted = servers.start()
        assert request("GET", f"{restarted.base}/healthz")[0] == 200
        if db_kind == "sqlite":
            db_file = tmp_path / "data" / "ketapath.sqlite3"
            with sqlite3.connect(db_file) as connection:
                assert connection.execute("PRAGMA integrity_check").fetchall() == [
                    ("ok",)
                ]

        patients = stored_patients(engine)
        assert writes.acked <= set(patients), "an acknowledged write was lost"
        assert set(patients) <= writes.attempted, "a patient appeared from nowhere"
        with engine.connect() as connection:
            created = set(
                connection.scalars(
                    select(AuditEntry.patient_id).where(
                        AuditEntry.action == "create", AuditEntry.entity == "patient"
                    )
                )
            )
            identified = set(connection.scalars(select(PatientIdentifier.patient_id)))
        assert set(patients.values()) == created, "a patient without its audit entry"
        assert set(patients.values()) == identified, "a patient without its identifier"

        status, _ = request(
            "POST",
            f"{restarted.base}/api/v1/patients",
            new_patient("AFTER-RESTART"),
            login(restarted),
        )
        assert status == 201
