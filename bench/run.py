"""Load benchmark: three hot paths against a running server on loopback, SQLite and PostgreSQL.

For each database: a fresh database is migrated and seeded (bench/seed.py), `ketapath serve`
starts on a free loopback port, and wrk drives each path at 1, 10 and 50 connections for a
fixed duration. The bare endpoint (bench/bare_app.py: same framework and server, static JSON)
is measured in the same run as the ceiling. Results go to docs/benchmarks.md.

Usage: .venv/bin/python -m bench.run [--seconds 10] [--connections 1,10,50] [--workers 1,2]
       [--no-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG_SERVER = os.environ.get(
    "KETAPATH_BENCH_POSTGRES_URL",
    "postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
)


@dataclass
class Result:
    target: str
    workers: int
    path: str
    connections: int
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int
    server_cpu_ms: float
    """CPU time of the server's processes per request (user + system, all workers)."""
    database_cpu_ms: float | None = None
    """CPU time of PostgreSQL's processes per request (None for SQLite: it runs in the server)."""


def yardstick_ms() -> float:
    """How fast this machine runs Python now: the best of five runs of a fixed loop.

    The VMs these runs share change speed by up to 2x from one day to the next (the in-process
    PHQ-9 call: 0.76 ms one day, 1.46 ms another). Reported before and after each run, it
    says which runs can be compared at all; lower is faster.
    """
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        total = 0
        for number in range(1_000_000):
            total += number % 7
        best = min(best, time.perf_counter() - started)
    return best * 1000


CLOCK_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pids: list[int]) -> dict[tuple[int, int], int]:
    """User + system clock ticks so far of each of ``pids`` still running.

    Keyed by pid and start time, so that a process that started or ended between two samples
    is told apart from another that got its pid.
    """
    ticks = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:  # gone
            continue
        # after the command name: fields 3… of proc(5); utime 14, stime 15, starttime 22
        ticks[(pid, int(fields[19]))] = int(fields[11]) + int(fields[12])
    return ticks


def cpu_s_between(
    before: dict[tuple[int, int], int], after: dict[tuple[int, int], int]
) -> float:
    """CPU seconds spent between two samples by the processes running at the second.

    One that started in between counts from zero; one that ended in between is lost (its
    time cannot be read any more): the figure can be low, never negative.
    """
    return (
        sum(total - before.get(key, 0) for key, total in after.items())
        / CLOCK_TICKS_PER_S
    )


def process_tree(pid: int) -> list[int]:
    """``pid`` and its descendants (a server and its worker processes)."""
    found = [pid]
    for parent in found:
        try:
            tasks = list(Path(f"/proc/{parent}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                found += [int(c) for c in (task / "children").read_text().split()]
            except OSError:  # the thread ended meanwhile
                continue
    return found


def postgres_pids(database: str) -> list[int]:
    """The PostgreSQL backends serving ``database`` (their process titles name it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except (OSError, UnicodeDecodeError):
                continue
            if title.startswith("postgres:") and f" {database} " in title:
                pids.append(int(entry.name))
    return pids


CpuSample = tuple[dict[tuple[int, int], int], dict[tuple[int, int], int]]


def cpu_sample(server: subprocess.Popen[bytes], database: str | None) -> CpuSample:
    """CPU ticks so far of the server's processes, and of the PostgreSQL backends serving
    ``database`` (None: SQLite, in the server); both listed afresh on every sample."""
    backends = postgres_pids(database) if database else []
    return cpu_ticks(process_tree(server.pid)), cpu_ticks(backends)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        subprocess.run(
            ["apt-get", "install", "-y", "-qq", "wrk"],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("wrk is required: apt-get install wrk")
    return found


def wait_ready(url: str, timeout_s: float = 30) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server at {url} did not become ready (its stderr: {SERVER_LOG})")


def listening_sockets(port: int) -> int | None:
    """How many sockets listen on ``port`` (Linux: /proc/net/tcp); None where unknown."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        return None
    count = 0
    for line in table.read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
            count += 1
    return count


def wait_workers(port: int, workers: int, timeout_s: float = 60) -> None:
    """Wait until every worker listens: with a socket each (SO_REUSEPORT), a worker still
    starting would miss the connections of the first cell, which would all go to the others."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        count = listening_sockets(port)
        if count is None or count >= workers:
            return
        time.sleep(0.2)
    raise SystemExit(f"only {listening_sockets(port)} of {workers} workers listen")


SERVER_LOG = Path(tempfile.gettempdir()) / "ketapath-bench-server.log"
"""The servers' stderr, appended: a pipe nobody reads would stop a server that logs 64 KB."""


def start(cmd: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    with SERVER_LOG.open("ab") as log:
        return subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=log
        )


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


LUA = """
wrk.method = "{method}"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.body = {body}
"""

LATENCY = re.compile(r"^\s*(50|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(
    wrk: str, url: str, *, connections: int, seconds: int, lua: str
) -> tuple[float, float, float, int, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(lua)
    out = subprocess.run(
        [
            wrk,
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "--timeout",
            "10s",
            "-s",
            script.name,
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    os.unlink(script.name)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    total = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    errors_match = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    )
    errors = int(errors_match.group(1)) if errors_match else 0
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    latencies = {p: float(v) * UNITS_MS[u] for p, v, u in LATENCY.findall(out)}
    return rps, latencies["50"], latencies["99"], errors, total


def run_cell(
    wrk: str,
    server: subprocess.Popen[bytes],
    url: str,
    lua: str,
    *,
    label: tuple[str, int, str],
    connections: int,
    seconds: int,
    database: str | None,
) -> Result:
    """One cell: wrk on ``url``, and the CPU the server (and PostgreSQL) spent on it."""
    server_before, database_before = cpu_sample(server, database)
    rps, p50, p99, errors, total = run_wrk(
        wrk, url, connections=connections, seconds=seconds, lua=lua
    )
    server_after, database_after = cpu_sample(server, database)
    per_request_ms = 1000 / max(1, total)
    server_ms = cpu_s_between(server_before, server_after) * per_request_ms
    database_ms = (
        cpu_s_between(database_before, database_after) * per_request_ms
        if database
        else None
    )
    target, workers, path = label
    database_cpu = f"  db {database_ms:5.2f}" if database_ms is not None else ""
    print(
        f"{target:8} w={workers} {path[:12]:12} c={connections:<3} {rps:8.1f} req/s  "
        f"p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  errors {errors}  "
        f"cpu/req: server {server_ms:5.2f} ms{database_cpu}",
        flush=True,
    )
    return Result(
        target,
        workers,
        path,
        connections,
        rps,
        p50,
        p99,
        errors,
        total,
        server_ms,
        database_ms,
    )


def lua_for(method: str, token: str, body: dict[str, object] | None) -> str:
    return LUA.format(
        method=method, token=token, body=json.dumps(json.dumps(body)) if body else "nil"
    )


def bench_database(
    kind: str, *, wrk: str, seconds: int, connections: list[int], workers: int
) -> list[Result]:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import make_url

    from bench.seed import seed
    from ketapath.db import migrate
    from ketapath.db.engine import make_engine, make_session_factory, session_scope
    from ketapath.db.provision import FreshPostgres

    data_dir = Path(tempfile.mkdtemp(prefix=f"ketapath-bench-{kind}-"))
    fresh = None
    if kind == "sqlite":
        url = f"sqlite:///{data_dir / 'ketapath.sqlite3'}"
    else:
        fresh = FreshPostgres(PG_SERVER, prefix="ketapath_bench")
        url = fresh.create()
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        ids = seed(session)
    engine.dispose()
    port = free_port()
    env = {
        **os.environ,
        "KETAPATH_DATABASE_URL": url,
        "KETAPATH_DATA_DIR": str(data_dir),
    }
    server = start(
        [
            sys.executable,
            "-m",
            "ketapath",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env,
    )
    base = f"http://127.0.0.1:{port}"
    results: list[Result] = []
    try:
        wait_ready(f"{base}/healthz")
        wait_workers(port, workers)
        # The board is read first: a real session holds a handful of readings, while the write
        # benchmarks below add thousands to one session that is also on the board.
        paths = {
            "GET board": (f"{base}/api/v1/board", lua_for("GET", ids["token"], None)),
            "POST vitals": (
                f"{base}/api/v1/sessions/{ids['session_id']}/vitals",
                lua_for(
                    "POST",
                    ids["token"],
                    {
                        "systolic_mmhg": 132,
                        "diastolic_mmhg": 84,
                        "heart_rate_bpm": 76,
                        "spo2_pct": 98,
                    },
                ),
            ),
            "POST PHQ-9": (
                f"{base}/api/v1/patients/{ids['patient_id']}/measurements",
                lua_for(
                    "POST",
                    ids["token"],
                    {"instrument": "phq9", "responses": [1, 1, 1, 2, 2, 1, 1, 0, 0]},
                ),
            ),
        }
        database = make_url(url).database if fresh is not None else None
        for name, (url_, lua) in paths.items():
            for c in connections:
                result = run_cell(
                    wrk,
                    server,
                    url_,
                    lua,
                    label=(kind, workers, name),
                    connections=c,
                    seconds=seconds,
                    database=database,
                )
                results.append(result)
    finally:
        stop(server)
        if fresh is not None:
            fresh.drop()
        shutil.rmtree(data_dir, ignore_errors=True)
    return results


def bench_bare(
    *, wrk: str, seconds: int, connections: list[int], workers: int
) -> list[Result]:
    port = free_port()
    server = start(
        [
            sys.executable,
            "-m",
            "bench.bare_app",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        dict(os.environ),
    )
    results = []
    try:
        wait_ready(f"http://127.0.0.1:{port}/bare")
        wait_workers(port, workers)
        for c in connections:
            results.append(
                run_cell(
                    wrk,
                    server,
                    f"http://127.0.0.1:{port}/bare",
                    lua_for("GET", "none", None),
                    label=("bare", workers, "GET static JSON"),
                    connections=c,
                    seconds=seconds,
                    database=None,
                )
            )
    finally:
        stop(server)
    return results


def write_markdown(
    results: list[Result],
    *,
    command: str,
    seconds: int,
    workers: list[int],
    yardsticks_ms: tuple[float, float],
) -> str:
    machine = (
        f"{os.cpu_count()} cores, Python {sys.version.split()[0]}, yardstick "
        f"{yardsticks_ms[0]:.0f} ms before and {yardsticks_ms[1]:.0f} ms after "
        "(`bench.run.yardstick_ms`: a fixed Python loop, lower is faster)"
    )
    counts = " and ".join(str(w) for w in workers)
    lines = [
        "## Load benchmark: hot paths of the clinic server",
        "",
        f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {machine}; `{command}`.",
        f"wrk with 1 thread, {seconds} s per cell, keep-alive connections on loopback; server: "
        f"`ketapath serve --workers N` (uvicorn on asyncio's event loop with httptools; with N > 1, worker "
        f"processes with a SO_REUSEPORT socket each) with N = {counts}, the bare endpoint "
        "served the same way with the same N. Each database is fresh, migrated and seeded with 20 "
        "active esketamine sessions (bench/seed.py). Every request is authenticated (bearer "
        "token) and audited.",
        "",
        "CPU ms per request: the server's processes (user + system, every worker), and for "
        "PostgreSQL the backends serving the benchmark's database (not its background "
        "writers); wrk's own CPU is not counted. A process that ends during a cell is not "
        "counted, so a figure can be low, never high.",
        "",
        "| target | workers | path | clients | req/s | p50 ms | p99 ms | errors "
        "| server CPU ms/req | PostgreSQL CPU ms/req |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        database = f"{r.database_cpu_ms:.2f}" if r.database_cpu_ms is not None else ""
        lines.append(
            f"| {r.target} | {r.workers} | {r.path} | {r.connections} | {r.requests_per_s:.0f} "
            f"| {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.errors} | {r.server_cpu_ms:.2f} "
            f"| {database} |"
        )
    lines += [
        "",
        "Targets: p99 < 100 ms at 50 clients on every path; board ≥ 25 % of the bare endpoint's "
        "throughput (same number of workers).",
        "",
        "| target | workers | clients | board / bare | p99 < 100 ms at 50 clients (all three paths) |",
        "|---|---:|---:|---:|---|",
    ]
    for w in workers:
        bare = {
            r.connections: r.requests_per_s
            for r in results
            if r.target == "bare" and r.workers == w
        }
        if not bare:
            continue
        for kind in ("sqlite", "postgres"):
            rows = [r for r in results if r.target == kind and r.workers == w]
            if not rows:
                continue
            at50 = [r for r in rows if r.connections == max(bare)]
            ok = all(r.p99_ms < 100 for r in at50)
            for c in sorted(bare):
                board = next(
                    (r for r in rows if r.path == "GET board" and r.connections == c),
                    None,
                )
                if board:
                    ratio = board.requests_per_s / bare[c] * 100
                    lines.append(
                        f"| {kind} | {w} | {c} | {ratio:.0f} % | {'yes' if ok else 'no'} |"
                    )
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", default="1,10,50")
    parser.add_argument(
        "--workers", default="1", help="comma-separated worker counts, e.g. 1,2"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--output", default=str(ROOT / "docs" / "benchmarks.md"))
    args = parser.parse_args()
    connections = [int(c) for c in args.connections.split(",")]
    wrk = ensure_wrk()
    worker_counts = [int(w) for w in args.workers.split(",")]
    before_ms = yardstick_ms()
    print(f"yardstick {before_ms:.0f} ms", flush=True)
    results: list[Result] = []
    for workers in worker_counts:
        results += bench_bare(
            wrk=wrk, seconds=args.seconds, connections=connections, workers=workers
        )
        kinds = ["sqlite"] if args.no_postgres else ["sqlite", "postgres"]
        for kind in kinds:
            results += bench_database(
                kind,
                wrk=wrk,
                seconds=args.seconds,
                connections=connections,
                workers=workers,
            )
    after_ms = yardstick_ms()
    print(f"yardstick {after_ms:.0f} ms", flush=True)
    command = "python -m bench.run " + " ".join(sys.argv[1:])
    section = write_markdown(
        results,
        command=command.strip(),
        seconds=args.seconds,
        workers=worker_counts,
        yardsticks_ms=(before_ms, after_ms),
    )
    out = Path(args.output)
    existing = out.read_text(encoding="utf-8") if out.exists() else "# Benchmarks\n\n"
    marker = "## Load benchmark: hot paths of the clinic server"
    head = existing.split(marker)[0].rstrip() + "\n\n"
    rest = existing.split(marker)[1] if marker in existing else ""
    tail = ""
    if rest and "\n## " in rest:
        tail = "\n## " + rest.split("\n## ", 1)[1]
    out.write_text(head + section + tail, encoding="utf-8")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
