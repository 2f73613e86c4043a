"""bench.run's CPU accounting: a server's process tree and the CPU time it spent."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from bench.run import cpu_s, process_tree

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists(), reason="reads Linux's /proc"
)

BUSY_THEN_WAIT = (
    "import time\n"
    "end = time.process_time() + 0.4\n"
    "while time.process_time() < end: pass\n"
    "time.sleep(30)\n"
)


def test_the_tree_holds_the_workers_and_counts_the_cpu_they_spent() -> None:
    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            f"subprocess.Popen([sys.executable, '-c', {BUSY_THEN_WAIT!r}])\n"
            "time.sleep(30)\n",
        ]
    )
    try:
        deadline = time.monotonic() + 20
        while len(process_tree(parent.pid)) < 2:
            assert time.monotonic() < deadline, "the worker never started"
            time.sleep(0.05)
        tree = process_tree(parent.pid)
        assert tree[0] == parent.pid
        worker = tree[1]
        while cpu_s([worker]) < 0.35:
            assert time.monotonic() < deadline, cpu_s([worker])
            time.sleep(0.05)
        spent = cpu_s(tree)
        time.sleep(0.3)  # now both only sleep
        assert cpu_s(tree) - spent < 0.1
        assert cpu_s([worker, 2**22 + 12345]) == cpu_s([worker])  # a pid gone counts 0
    finally:
        for pid in reversed(process_tree(parent.pid)):
            subprocess.run(["kill", str(pid)], check=False)
        parent.wait(timeout=10)
