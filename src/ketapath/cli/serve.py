"""`ketapath serve`: migrate the database, optionally seed the demo clinic, run uvicorn.

Settings reach the server through the environment (``KETAPATH_*``) because uvicorn builds
the app with the factory ``ketapath.app:create_server_app`` in each worker process; options given
here are written to this process's environment before uvicorn starts, so workers inherit them.
"""

from __future__ import annotations

import importlib
import os
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from rich.table import Table
from sqlalchemy import Engine, func, select

from ketapath.cli.console import console
from ketapath.cli.db import open_engine
from ketapath.cli.output import fail
from ketapath.cli.workers import ReusePortWorkers
from ketapath.cli.workers import supported as reuse_port_supported
from ketapath.config import get_settings
from ketapath.db import migrate
from ketapath.db.engine import make_session_factory, session_scope
from ketapath.db.models import Clinic

__all__ = ["EVENT_LOOP", "register"]

APP_FACTORY = "ketapath.app:create_server_app"
GRACEFUL_SHUTDOWN_S = 20
EVENT_LOOP = "asyncio"
"""Python's own event loop, not uvloop (uvicorn's default when installed). SQLite's write
batches run on the loop (``http.WriteBatches``), and under uvloop the requests waiting behind
them were answered in bursts: at 50 clients on one worker, p99 100 ms for vitals and 175-205 ms
for a PHQ-9 under uvloop, 42 and 83-93 ms under asyncio's loop, at the same throughput; the
board, PostgreSQL's writes and the bare endpoint ran alike under both (2026-11-22)."""
DEMO_MODULE = "ketapath.services.demo"


def _export_data_dir(data_dir: Path) -> Path:
    """Create the data directory and hand its absolute path to the worker processes."""
    resolved = data_dir.expanduser().resolve()
    resolved.mkdir(parents=True, exist_ok=True)
    os.environ["KETAPATH_DATA_DIR"] = str(resolved)
    get_settings.cache_clear()  # a settings object cached before the export would be stale
    return resolved


def _load_demo() -> Any:
    """Import the demo seeder lazily: the server runs without it unless --demo is given."""
    try:
        return importlib.import_module(DEMO_MODULE)
    except ModuleNotFoundError as error:
        if error.name not in {DEMO_MODULE, "ketapath.services"}:
            raise  # a bug inside the demo module must not look like a missing module
        fail(f"demo: {DEMO_MODULE} is not available in this installation")


def _has_clinic(engine: Engine) -> bool:
    """True once any clinic exists: the demo is seeded only into an empty database."""
    with engine.connect() as connection:
        return bool(connection.scalar(select(func.count()).select_from(Clinic)))


def _demo_logins(engine: Engine) -> list[tuple[str, str, str]] | None:
    """Seed the demo clinic into an empty database, or recall its logins when already seeded.

    Returns None when the clinic exists and the demo module cannot list its logins again.
    """
    demo = _load_demo()
    if not _has_clinic(engine):
        with session_scope(make_session_factory(engine)) as session:
            result = demo.seed_demo(session)
        return _as_logins(result.logins)
    recall = getattr(demo, "demo_logins", None)
    if recall is None:
        return None
    return _as_logins(recall())


def _as_logins(rows: Any) -> list[tuple[str, str, str]]:
    """(role, e-mail, password) rows as strings (roles may arrive as enums)."""
    return [(str(role), str(email), str(password)) for role, email, password in rows]


def _print_logins(logins: list[tuple[str, str, str]] | None, url: str) -> None:
    """Show the demo logins (demo data only: real passwords are never printed)."""
    if logins is None:
        console.print(
            "The database already has a clinic; demo logins were shown when it was seeded."
        )
    else:
        table = Table(title="Demo logins")
        for column in ("role", "e-mail", "password"):
            table.add_column(column)
        for role, email, password in logins:
            table.add_row(role, email, password)
        console.print(table)
    console.print(f"Open {url}", highlight=False)


def _prepare(data_dir: Path, *, demo: bool, url: str) -> None:
    """Migrate to head (and seed the demo) before any worker accepts a request."""
    _export_data_dir(data_dir)
    with open_engine(None) as engine:
        migrate.upgrade(engine)
        if demo:
            _print_logins(_demo_logins(engine), url)


def serve(
    demo: Annotated[
        bool, typer.Option("--demo", help="Seed and show the demo clinic.")
    ] = False,
    host: Annotated[
        str, typer.Option("--host", help="Interface to listen on.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535)] = 8000,
    data_dir: Annotated[
        Path,
        typer.Option(
            "--data-dir",
            envvar="KETAPATH_DATA_DIR",
            file_okay=False,
            help="SQLite file and backups; KETAPATH_DATABASE_URL wins when set.",
        ),
    ] = Path("ketapath-data"),
    workers: Annotated[
        int, typer.Option("--workers", min=1, max=64, help="Worker processes.")
    ] = 1,
    reload: Annotated[
        bool,
        typer.Option(
            "--reload/--no-reload", help="Restart on code changes (development)."
        ),
    ] = False,
    access_log: Annotated[
        bool,
        typer.Option("--access-log/--no-access-log", help="Log each request line."),
    ] = False,
) -> None:
    """Run the clinic server (migrates the database first)."""
    if reload and workers > 1:
        fail("reload: --reload runs one process; drop --workers")
    display_host = f"[{host}]" if ":" in host else host
    _prepare(data_dir, demo=demo, url=f"http://{display_host}:{port}/")
    options: dict[str, Any] = {
        "app": APP_FACTORY,
        "factory": True,
        "access_log": access_log,
        "timeout_graceful_shutdown": GRACEFUL_SHUTDOWN_S,
        "server_header": False,
        "loop": EVENT_LOOP,
    }
    if workers > 1 and reuse_port_supported():
        processes = ReusePortWorkers(workers, host, port, options)
        try:
            processes.bind()
        except OSError as error:  # taken, or not this machine's address
            fail(f"--port: cannot listen on {display_host}:{port}: {error.strerror}")
        status = processes.run()
        if status:
            raise typer.Exit(status)
        return
    if reload or workers > 1:
        # uvicorn then listens on a socket of its own, made without naming TCP, on which
        # asyncio's loop would leave Nagle's algorithm on (~40 ms per response); uvloop
        # turns it off on any socket
        options["loop"] = "auto"
    uvicorn.run(
        **options,
        host=host,
        port=port,
        workers=workers if workers > 1 else None,
        reload=reload,
    )


def register(app: typer.Typer) -> None:
    """Attach `serve` to the root app."""
    app.command("serve")(serve)
