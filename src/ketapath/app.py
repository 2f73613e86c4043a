"""create_app(): the ASGI application, its database, API, web UI and error handlers."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib.resources import files
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, text

from ketapath import __version__
from ketapath.api.board_polls import BoardPolls
from ketapath.api.errors import describe_validation_errors, install_error_handlers
from ketapath.api.router import api_router
from ketapath.config import Settings, get_settings
from ketapath.db.checkpoints import WalCheckpointer
from ketapath.db.engine import make_engine, make_session_factory
from ketapath.http import (
    AuditBatches,
    CounterReads,
    DatabaseThreads,
    SerialWriters,
    WriteBatches,
)
from ketapath.services.escalation import start_background_escalation
from ketapath.web.deps import LoginRequiredError
from ketapath.web.errors import login_redirect, render_error
from ketapath.web.router import web_router

__all__ = ["SERVER_GC_THRESHOLDS", "create_app", "create_server_app"]

SERVER_GC_THRESHOLDS = (50_000, 20, 10)
"""The serving process's collector thresholds (Python's default: 700, 10, 10). With the heap
frozen, young collections are what remains; collecting every 50,000 allocations instead of
every 700 gave the write paths ~5 % more throughput and a shorter tail in ``bench.run``."""


def create_server_app() -> FastAPI:
    """The app as ``ketapath serve`` runs it (uvicorn's factory, once per worker process).

    Once started, the process's heap is frozen (:func:`gc.freeze`): the modules, the app and
    its caches are hundreds of thousands of long-lived objects, and each full collection
    walked them all, pausing every request in flight for 70-130 ms every second or two under
    load (the load benchmark's p99). Frozen objects are never collected, so only the process
    that serves freezes, not the tests that build many apps; it also collects young objects
    less often (:data:`SERVER_GC_THRESHOLDS`).
    """
    return create_app(freeze_heap=True)


def create_app(
    settings: Settings | None = None,
    *,
    engine: Engine | None = None,
    freeze_heap: bool = False,
) -> FastAPI:
    """Build the app. Migrations are applied by `ketapath serve` / `db upgrade`, not here."""
    settings = settings or get_settings()
    engine = engine or make_engine(settings.resolved_database_url())

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Alert escalation runs in the server when e-mail is configured (single-process
        # deployments); several workers behind a proxy use `ketapath worker` instead.
        escalation = None
        if settings.smtp_host and settings.escalation_in_process:
            escalation = start_background_escalation(app, base_url=settings.public_url)
        # SQLite: WAL checkpoints in a thread, not in a commit on the event loop
        checkpoints = None
        if engine.dialect.name == "sqlite" and engine.url.database not in (
            None,
            "",
            ":memory:",
        ):
            checkpoints = WalCheckpointer(engine)
            checkpoints.start()
        if freeze_heap:
            gc.collect()
            gc.freeze()
            gc.set_threshold(*SERVER_GC_THRESHOLDS)
        try:
            yield
        finally:
            try:
                if escalation is not None:
                    escalation.stop()
            finally:
                if checkpoints is not None:
                    checkpoints.stop()

    app = FastAPI(
        lifespan=lifespan,
        title="ketapath",
        version=__version__,
        summary="Ketamine and esketamine treatment of TRD: screening to maintenance.",
        openapi_url="/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    # SQLite has one writer at a time: writers take turns (http.SerialWriters); database work runs
    # in few threads (http.DatabaseThreads).
    app.state.serial_writers = SerialWriters.for_engine(engine)
    app.state.database_threads = DatabaseThreads.for_engine(
        engine, settings.database_threads
    )
    # API writes, and reads' audit entries, are committed many to a transaction
    # (http.WriteBatches, http.AuditBatches).
    app.state.write_batches = WriteBatches(
        lambda: app.state.session_factory,
        app.state.serial_writers,
        app.state.database_threads,
    )
    app.state.audit_batches = AuditBatches(app.state.write_batches)
    # Reads answered from what the process keeps read the change counters, many to a
    # snapshot (http.CounterReads).
    app.state.counter_reads = CounterReads(
        lambda: app.state.session_factory,
        app.state.database_threads,
        on_loop=app.state.serial_writers is not None,
    )
    install_error_handlers(app, html=render_error)
    generate_openapi = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = describe_validation_errors(generate_openapi())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_exception_handler(LoginRequiredError, login_redirect)  # type: ignore[arg-type]
    app.include_router(api_router)
    # Polls of the board are answered from memory before routing where they can be.
    app.add_middleware(BoardPolls)
    app.include_router(web_router)
    app.mount(
        "/static",
        StaticFiles(directory=str(files("ketapath.web") / "static")),
        name="static",
    )

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Liveness and database reachability."""
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except Exception:
            return JSONResponse(
                {"status": "unavailable", "database": "down"}, status_code=503
            )
        return JSONResponse(
            {"status": "ok", "database": engine.dialect.name, "version": __version__}
        )

    return app
