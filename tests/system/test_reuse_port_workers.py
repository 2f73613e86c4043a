"""`ketapath serve --workers N` on Linux: each worker listens on a socket of its own.

Connections opened together must reach more than one worker (uvicorn's shared socket let the
first worker awake accept nearly all of them); a worker that dies is replaced while the others
keep answering; SIGTERM stops every worker; a port already taken fails at once.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from ketapath.cli.workers import reuse_port_socket, supported

pytestmark = pytest.mark.skipif(
    not supported(), reason="SO_REUSEPORT balancing is Linux's"
)

STARTUP_TIMEOUT_S = 60.0
CONNECTIONS = 40
ESTABLISHED, LISTENING = "01", "0A"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def children(pid: int) -> list[int]:
    """The worker processes of the server whose parent is ``pid``."""
    found = []
    for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split():
        try:  # not multiprocessing's resource tracker
            if b"spawn_main" in Path(f"/proc/{child}/cmdline").read_bytes():
                found.append(int(child))
        except FileNotFoundError:  # exited since it was listed
            continue
    return found


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(int(target[8:-1]))
    return inodes


def sockets_on(port: int, state: str) -> set[int]:
    """Inodes of the local TCP sockets on ``port`` in ``state`` (01 established, 0A listening)."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        local_port = int(fields[1].rsplit(":", 1)[1], 16)
        if local_port == port and fields[3] == state:
            inodes.add(int(fields[9]))
    return inodes


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    port = free_port()
    env = {**os.environ, "KETAPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'k.sqlite3'}"}
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "ketapath", "serve", "--port", str(port)),
            *("--data-dir", str(tmp_path), "--workers", "2"),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_TIMEOUT_S
        # every worker listening (the parent's socket never does), and answering
        while len(sockets_on(port, LISTENING)) < 2 or not healthy(port):
            assert process.poll() is None, "server exited during startup"
            assert time.monotonic() < deadline, "server did not become ready"
            time.sleep(0.2)
        yield process, port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def assert_connections_spread(port: int, workers: list[int]) -> None:
    """40 connections opened together: every one accepted, each worker with a fair share."""
    connections = [
        socket.create_connection(("127.0.0.1", port)) for _ in range(CONNECTIONS)
    ]
    try:
        time.sleep(0.5)  # let the workers accept
        established = sockets_on(port, ESTABLISHED)
        per_worker = Counter(
            {pid: len(socket_inodes(pid) & established) for pid in workers}
        )
    finally:
        for connection in connections:
            connection.close()
    assert sum(per_worker.values()) == CONNECTIONS, per_worker
    # The kernel hashes each client's port: a split of 40 this uneven (or worse) has a chance of
    # about 1 in 700,000; on a shared socket the first worker awake took nearly all of them.
    assert min(per_worker.values()) >= 6, per_worker


def test_connections_opened_together_reach_every_worker(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = server
    workers = children(process.pid)
    assert len(workers) == 2
    assert_connections_spread(port, workers)


def test_a_worker_that_dies_is_replaced_and_sigterm_stops_them_all(
    server: tuple[subprocess.Popen[bytes], int],
) -> None:
    process, port = server
    first, second = children(process.pid)
    os.kill(first, signal.SIGKILL)
    deadline = time.monotonic() + STARTUP_TIMEOUT_S
    while True:  # a connection that the dying worker had queued may be reset meanwhile
        replaced = [pid for pid in children(process.pid) if pid not in (first, second)]
        if replaced and len(sockets_on(port, LISTENING)) == 2:
            break
        assert time.monotonic() < deadline, "the dead worker was not replaced"
        time.sleep(0.2)
    assert_connections_spread(port, [second, *replaced])
    assert all(healthy(port) for _ in range(20))
    assert second in children(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert not healthy(port)
    for pid in (second, *replaced):
        assert not Path(f"/proc/{pid}").exists() or "Z" in _state(pid)


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]


def test_a_port_already_taken_fails_before_any_worker_starts(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                *(sys.executable, "-m", "ketapath", "serve", "--port", str(port)),
                *("--data-dir", str(tmp_path), "--workers", "2"),
            ],
            env={
                **os.environ,
                "KETAPATH_DATABASE_URL": f"sqlite:///{tmp_path / 'k.sqlite3'}",
            },
            capture_output=True,
            timeout=60,
        )
    # the parent's own check, before any worker starts (a worker would log its own error)
    assert result.returncode != 0
    assert b"--port: cannot listen" in result.stderr, result.stderr
    assert b"Address already in use" in result.stderr


def test_connections_a_worker_accepts_have_nagle_off() -> None:
    """asyncio's loop sets TCP_NODELAY only where the listening socket says TCP: without it
    each small response waited ~40 ms for the client's delayed ACK."""
    listening = reuse_port_socket("127.0.0.1", 0)
    listening.listen()
    port = listening.getsockname()[1]

    async def accepted_nodelay() -> int:
        accepted: asyncio.Future[int] = asyncio.get_running_loop().create_future()

        class Probe(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                sock = transport.get_extra_info("socket")
                accepted.set_result(
                    sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)
                )
                transport.close()

        server = await asyncio.get_running_loop().create_server(Probe, sock=listening)
        _reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            return await asyncio.wait_for(accepted, 5)
        finally:
            writer.close()
            server.close()

    try:
        # a thread of its own: the browser tests may leave an event loop in this one
        with ThreadPoolExecutor(1) as pool:
            assert pool.submit(asyncio.run, accepted_nodelay()).result() != 0
    finally:
        listening.close()
