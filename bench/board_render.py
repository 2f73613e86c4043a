"""Server time to render the session board HTML with 20 active sessions (in-process, no network).

A fresh SQLite file is migrated and seeded with :func:`bench.seed.seed` (20 chairs, each with an
esketamine session in monitoring), a nurse signs in through the real form, and the ASGI app is
called in-process through Starlette's TestClient: each sample is one full request through the
middleware, the session cookie check, the board service (its queries and audit entry), the
commit and the Jinja render. Warm-up requests are discarded. The results replace the
"## Board render (server time)" section of docs/benchmarks.md.

Usage: .venv/bin/python -m bench.board_render [--renders 300] [--warmup 30] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient

from bench.seed import ACTIVE_SESSIONS, seed
from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.engine import make_engine, make_session_factory, session_scope

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "benchmarks.md"
HEADING = "## Board render (server time)"
TARGET_MS = 50.0
PATHS = ("/board/cards", "/board")


@dataclass
class Timing:
    path: str
    renders: int
    mean_ms: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    cards: int


def _percentile(sorted_ms: list[float], fraction: float) -> float:
    index = min(len(sorted_ms) - 1, max(0, round(fraction * (len(sorted_ms) - 1))))
    return sorted_ms[index]


def measure(renders: int, warmup: int) -> list[Timing]:
    with tempfile.TemporaryDirectory(prefix="ketapath-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        engine = make_engine(url)
        migrate.upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            seed(session)
        app = create_app(Settings(data_dir=Path(tmp), database_url=url), engine=engine)
        results: list[Timing] = []
        with TestClient(app) as client:
            signed_in = client.post(
                "/login",
                data={
                    "email": "bench-nurse@example.org",
                    "password": "bench-password-1",
                },
                follow_redirects=False,
            )
            if signed_in.status_code != 303:
                raise SystemExit(f"sign-in failed: {signed_in.status_code}")
            for path in PATHS:
                samples: list[float] = []
                cards = 0
                for index in range(warmup + renders):
                    start = time.perf_counter()
                    response = client.get(path)
                    elapsed = (time.perf_counter() - start) * 1000
                    if response.status_code != 200:
                        raise SystemExit(f"{path}: HTTP {response.status_code}")
                    if index >= warmup:
                        samples.append(elapsed)
                    cards = response.text.count('<article class="chair')
                if cards != ACTIVE_SESSIONS:
                    raise SystemExit(
                        f"{path}: {cards} cards, expected {ACTIVE_SESSIONS}"
                    )
                ordered = sorted(samples)
                results.append(
                    Timing(
                        path=path,
                        renders=renders,
                        mean_ms=statistics.fmean(samples),
                        p50_ms=statistics.median(samples),
                        p99_ms=_percentile(ordered, 0.99),
                        max_ms=ordered[-1],
                        cards=cards,
                    )
                )
        engine.dispose()
    return results


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}"
    )


def section(results: list[Timing], command: str, warmup: int) -> str:
    verdict = all(r.p50_ms < TARGET_MS and r.mean_ms < TARGET_MS for r in results)
    tail = all(r.p99_ms < TARGET_MS for r in results)
    rows = "\n".join(
        f"| `GET {r.path}` | {r.cards} | {r.renders} | {r.mean_ms:.2f} | {r.p50_ms:.2f} "
        f"| {r.p99_ms:.2f} | {r.max_ms:.2f} |"
        for r in results
    )
    return f"""{HEADING}

Server time to answer the board HTML with {ACTIVE_SESSIONS} active esketamine sessions (bench/seed.py),
measured in-process (Starlette TestClient calling the ASGI app: no socket, no browser): each
sample is one whole request — session cookie check, the board service's queries and audit
entry, the commit and the Jinja render. SQLite file database, {warmup} warm-up requests
discarded per path. Target: under {TARGET_MS:.0f} ms — **{"met" if verdict else "NOT met"}**
(mean and p50); p99 {"also under" if tail else "over"} the target. The max includes scheduler and
GC pauses of a shared virtual machine.

| request | cards | renders | mean ms | p50 ms | p99 ms | max ms |
|---|---|---|---|---|---|---|
{rows}

- Machine: {machine()}
- Date: {datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
- Command: `{command}`
"""


def write(text: str) -> None:
    """Replace only the board-render section; keep every other section as it is."""
    current = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"^{re.escape(HEADING)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _m: text + "\n", current, count=1)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    DOC.parent.mkdir(parents=True, exist_ok=True)
    DOC.write_text(updated.rstrip("\n") + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0] if __doc__ else None
    )
    parser.add_argument("--renders", type=int, default=300)
    parser.add_argument("--warmup", type=int, default=30)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    if args.renders < 200:
        parser.error("--renders must be at least 200")
    results = measure(args.renders, args.warmup)
    command = ".venv/bin/python -m bench.board_render " + " ".join(
        argv if argv is not None else sys.argv[1:]
    )
    text = section(results, command.strip(), args.warmup)
    print(text)
    if not args.no_write:
        write(text)
    return 0 if all(r.p50_ms < TARGET_MS for r in results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
