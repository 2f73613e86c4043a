"""`serve --workers N`: a worker that keeps dying is restarted after a growing delay.

The processes and the clock are stand-ins, so that the back-off is tested without spawning
servers or waiting for it; the real processes are tested in tests/system.
"""

from __future__ import annotations

from dataclasses import dataclass
from multiprocessing.process import BaseProcess
from typing import cast

import pytest
from hypothesis import given
from hypothesis import strategies as st
from uvicorn.config import STARTUP_FAILURE

from ketapath.cli.workers import (
    FIRST_DELAY_S,
    HEALTHY_AFTER_S,
    MAX_DELAY_S,
    ReusePortWorkers,
    _Slot,
    restart_delay_s,
)


def test_the_delay_doubles_from_half_a_second_up_to_thirty() -> None:
    assert [restart_delay_s(n) for n in range(9)] == [
        0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0
    ]  # fmt: skip


@given(st.integers(min_value=-5, max_value=10_000))
def test_the_delay_never_shrinks_with_more_deaths_and_stays_bounded(n: int) -> None:
    assert 0.0 <= restart_delay_s(n) <= restart_delay_s(n + 1) <= MAX_DELAY_S
    assert (restart_delay_s(n) == 0.0) == (n <= 0)
    assert restart_delay_s(1) == FIRST_DELAY_S


@dataclass
class FakeProcess:
    pid: int
    exitcode: int | None = None

    def is_alive(self) -> bool:
        return self.exitcode is None

    def join(self, timeout: float | None = None) -> None:
        pass


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr("ketapath.cli.workers.monotonic", fake)
    return fake


class Workers(ReusePortWorkers):
    """One worker slot whose process starts are counted instead of spawned."""

    def __init__(self, clock: Clock) -> None:
        super().__init__(1, "127.0.0.1", 0, {})
        self.started: list[FakeProcess] = []
        self._slots = [_Slot(cast(BaseProcess, self._start()), clock())]

    def _start(self) -> FakeProcess:  # type: ignore[override]
        process = FakeProcess(pid=len(self.started) + 1)
        self.started.append(process)
        return process

    def crash(self) -> None:
        self.started[-1].exitcode = -9


def test_a_crash_loop_is_restarted_ever_more_slowly(clock: Clock) -> None:
    workers = Workers(clock)
    expected_waits = [0.5, 1.0, 2.0, 4.0]
    for wait in expected_waits:
        clock.now += 1.0  # dies a second after it started
        workers.crash()
        starts = len(workers.started)
        assert workers._replace_dead()
        assert len(workers.started) == starts  # not yet
        clock.now += wait - 0.01
        assert workers._replace_dead()
        assert len(workers.started) == starts
        clock.now += 0.01
        assert workers._replace_dead()
        assert len(workers.started) == starts + 1  # restarted once its delay is over


def test_a_worker_that_died_after_a_healthy_life_is_restarted_at_once(
    clock: Clock,
) -> None:
    workers = Workers(clock)
    for _ in range(3):  # a crash loop first: the delay has grown
        clock.now += 1.0
        workers.crash()
        workers._replace_dead()
        clock.now += MAX_DELAY_S
        workers._replace_dead()
    clock.now += HEALTHY_AFTER_S  # then it serves for a while
    workers.crash()
    starts = len(workers.started)
    assert workers._replace_dead()
    assert len(workers.started) == starts + 1


def test_a_worker_that_cannot_start_stops_them_all(clock: Clock) -> None:
    workers = Workers(clock)
    workers.started[-1].exitcode = STARTUP_FAILURE
    assert not workers._replace_dead()


def test_a_worker_that_cannot_be_started_is_tried_again_later(clock: Clock) -> None:
    workers = Workers(clock)
    failing = [True]
    start = workers._start

    def start_or_fail() -> FakeProcess:
        if failing[0]:
            raise OSError(11, "Resource temporarily unavailable")
        return start()

    workers._start = start_or_fail  # type: ignore[method-assign]
    clock.now += HEALTHY_AFTER_S
    workers.crash()
    starts = len(workers.started)
    assert workers._replace_dead()  # the healthy one's restart fails: no exception
    assert workers._slots[0].process is None
    failing[0] = False
    assert workers._replace_dead()
    assert len(workers.started) == starts  # waits its back-off first
    clock.now += FIRST_DELAY_S
    assert workers._replace_dead()
    assert len(workers.started) == starts + 1


def test_stopping_while_a_worker_waits_starts_nothing_more(clock: Clock) -> None:
    workers = Workers(clock)
    clock.now += 1.0
    workers.crash()
    workers._replace_dead()  # now waiting for its restart
    workers._stopping.set()
    clock.now += MAX_DELAY_S
    starts = len(workers.started)
    assert workers._replace_dead()
    assert len(workers.started) == starts
    workers._stop_all()  # the empty slot is skipped
