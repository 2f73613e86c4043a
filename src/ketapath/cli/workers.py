"""Worker processes that each listen on a socket of their own (``SO_REUSEPORT``, Linux).

uvicorn's ``--workers`` shares one listening socket among its workers, and whichever worker
wakes first accepts every connection waiting: clients that connect together (a ward's
tablets after a network blip, a load generator) pile onto one process. Measured with wrk's 50
connections on two workers: 41 and 9, then 34 and 16 with libuv's single-accept mode; the
busy worker's queue set the p99 at twice the median. Here every worker binds its own socket
to the address with ``SO_REUSEPORT``, and the kernel spreads new connections across them by a
hash of the client's address and port. The parent keeps a bound socket that never listens
(so the port stays taken and a bad address fails before any worker starts), restarts a worker
that dies, and stops them all on SIGINT or SIGTERM. A worker that fails at startup stops them
all, as with uvicorn (it would fail again). A worker that keeps dying soon after it started
(a crash on every request, memory exhausted) is restarted after a growing delay
(:func:`restart_delay_s`) rather than twice a second, so that a crash loop neither takes the
CPU from the workers still serving nor floods the log.
"""

from __future__ import annotations

import logging
import multiprocessing
import signal
import socket
import sys
import threading
from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from time import monotonic
from typing import Any

import uvicorn
from uvicorn.config import STARTUP_FAILURE

__all__ = ["ReusePortWorkers", "supported"]

JOIN_TIMEOUT_S = 30.0
POLL_INTERVAL_S = 0.5
HEALTHY_AFTER_S = 10.0
"""A worker that lived this long before dying is restarted at once (its crash was not a loop)."""
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 30.0

_log = logging.getLogger("uvicorn.error")


def restart_delay_s(quick_deaths: int) -> float:
    """The wait before restarting a worker that died ``quick_deaths`` times in a row.

    Each quick death came within :data:`HEALTHY_AFTER_S` of the worker's start. None after a
    healthy life, then 0.5 s, doubling up to 30 s.
    """
    if quick_deaths <= 0:
        return 0.0
    return min(MAX_DELAY_S, FIRST_DELAY_S * (1 << min(quick_deaths - 1, 16)))


@dataclass
class _Slot:
    """One worker's place: its process (None while waiting to restart) and its history."""

    process: BaseProcess | None
    started_at: float
    quick_deaths: int = 0
    restart_at: float = 0.0


def supported() -> bool:
    """True where the kernel balances connections across ``SO_REUSEPORT`` sockets (Linux)."""
    return sys.platform.startswith("linux") and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def reuse_port_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to ``host:port`` with ``SO_REUSEPORT`` (not yet listening).

    Made with ``IPPROTO_TCP`` named: asyncio's loop turns Nagle's algorithm off
    (``TCP_NODELAY``) only on connections accepted from a socket whose protocol says TCP, and
    with protocol 0 every small response waited for the client's delayed ACK (~40 ms: 1,100
    req/s at 50 clients against 21,000).
    """
    sock = socket.socket(_family(host), socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve_one(host: str, port: int, options: dict[str, Any]) -> None:
    """A worker process: one uvicorn server on a socket of its own."""
    config = uvicorn.Config(**options)
    try:
        sock = reuse_port_socket(host, port)
    except OSError as error:
        _log.error("cannot bind %s:%s: %s", host, port, error)
        sys.exit(STARTUP_FAILURE)
    uvicorn.Server(config).run(sockets=[sock])


class ReusePortWorkers:
    """Run ``count`` uvicorn workers on ``host:port`` until SIGINT or SIGTERM."""

    def __init__(
        self, count: int, host: str, port: int, options: dict[str, Any]
    ) -> None:
        self._count = count
        self._host = host
        self._port = port
        self._options = options
        self._context = multiprocessing.get_context("spawn")
        self._slots: list[_Slot] = []
        self._stopping = threading.Event()
        self._holder: socket.socket | None = None

    def bind(self) -> None:
        """Take the port, or raise :class:`OSError` (taken, or not this machine's address).

        A plain bind first: a socket with ``SO_REUSEPORT`` would silently share the port with
        another server of the same user that holds it the same way.
        """
        with socket.socket(_family(self._host), socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((self._host, self._port))
        self._holder = reuse_port_socket(self._host, self._port)

    def run(self) -> int:
        """Serve; the exit status: 0 after a signal, 1 when a worker could not start."""
        if self._holder is None:
            self.bind()
        previous = {
            sig: signal.signal(sig, self._stop)
            for sig in (signal.SIGINT, signal.SIGTERM)
        }
        status = 0
        try:
            for _ in range(self._count):
                self._slots.append(_Slot(self._start(), monotonic()))
            while not self._stopping.wait(POLL_INTERVAL_S):
                if not self._replace_dead():
                    status = 1
                    break
        finally:
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            if self._holder is not None:
                self._holder.close()
        return status

    def _start(self) -> BaseProcess:
        process = self._context.Process(
            target=_serve_one,
            args=(self._host, self._port, self._options),
            name="ketapath-worker",
        )
        process.start()
        return process

    def _replace_dead(self) -> bool:
        """Restart workers that died, each after its back-off.

        False when one failed at startup (it would fail again).
        """
        now = monotonic()
        for index, slot in enumerate(self._slots):
            if self._stopping.is_set():
                break
            process = slot.process
            if process is not None:
                if process.is_alive():
                    continue
                process.join()
                if process.exitcode == STARTUP_FAILURE:
                    return False
                lived_s = now - slot.started_at
                self._wait_to_restart(
                    slot, now, lived_s, f"exited with status {process.exitcode}", index
                )
            if now >= slot.restart_at:
                try:
                    slot.process = self._start()
                except OSError as error:  # no memory or processes left: try again later
                    self._wait_to_restart(
                        slot, now, 0.0, f"could not start ({error})", index
                    )
                    continue
                slot.started_at = now
        return True

    def _wait_to_restart(
        self, slot: _Slot, now: float, lived_s: float, what: str, index: int
    ) -> None:
        slot.quick_deaths = slot.quick_deaths + 1 if lived_s < HEALTHY_AFTER_S else 0
        delay_s = restart_delay_s(slot.quick_deaths)
        pid = slot.process.pid if slot.process is not None else None
        _log.warning(
            "worker %d (pid %s) %s after %.1f s; restarting it in %.1f s",
            index,
            pid,
            what,
            lived_s,
            delay_s,
        )
        slot.process = None
        slot.restart_at = now + delay_s

    def _stop(self, signum: int, frame: object) -> None:
        self._stopping.set()

    def _stop_all(self) -> None:
        processes = [slot.process for slot in self._slots if slot.process is not None]
        for process in processes:
            if process.is_alive():
                process.terminate()  # SIGTERM: uvicorn's graceful shutdown
        for process in processes:
            process.join(JOIN_TIMEOUT_S)
            if process.is_alive():
                process.kill()
                process.join()
