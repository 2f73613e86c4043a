"""bench.run's CPU accounting: a server's process tree and the CPU time it spent in a cell."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench.run import cpu_s_between, cpu_ticks, process_tree

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads Linux's /proc"
)


def burner(seconds: float, then: str) -> str:
    """Python source that burns ``seconds`` of CPU, then runs ``then``."""
    return (
        "import time\n"
        f"end = time.process_time() + {seconds}\n"
        "while time.process_time() < end: pass\n"
        f"{then}\n"
    )


def spawning(source: str) -> str:
    return f"subprocess.Popen([sys.executable, '-c', {source!r}])"


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + 20
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_worker_started_after_the_first_sample_counts_from_zero() -> None:
    """The server's tree is listed again at the end: a grandchild that started (and worked)
    after the first sample is counted, in full."""
    worker = "import subprocess, sys, time\n" + spawning(burner(0.4, "time.sleep(30)"))
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "time.sleep(0.5)\n"
            f"{spawning(worker + chr(10) + 'time.sleep(30)')}\n"
            "time.sleep(30)\n",
        ]
    )
    try:
        before = cpu_ticks(process_tree(parent.pid))
        assert [pid for pid, _ in before] == [parent.pid]
        wait_for(lambda: len(process_tree(parent.pid)) == 3, "no grandchild")
        grandchild = process_tree(parent.pid)[2]
        wait_for(
            lambda: cpu_s_between({}, cpu_ticks([grandchild])) >= 0.35,
            "the grandchild did not burn",
        )
        after = cpu_ticks(process_tree(parent.pid))
        assert 0.35 <= cpu_s_between(before, after) < 2.0
    finally:
        for pid in reversed(process_tree(parent.pid)):
            subprocess.run(["kill", str(pid)], check=False)
        parent.wait(timeout=10)


def test_a_process_that_ends_between_samples_is_lost_never_negative() -> None:
    short = subprocess.Popen([sys.executable, "-c", burner(0.3, "time.sleep(0.5)")])
    try:
        wait_for(
            lambda: cpu_s_between({}, cpu_ticks([short.pid])) >= 0.25,
            "it did not burn",
        )
        before = cpu_ticks([short.pid])
        short.wait(timeout=20)
        after = cpu_ticks([short.pid])
        assert after == {}
        assert cpu_s_between(before, after) == 0.0
    finally:
        short.kill()
        short.wait(timeout=10)
