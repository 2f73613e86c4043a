"""Browser tests: a live ketapath server on a fresh database, driven in Debian's chromium.

Playwright drives `/usr/bin/chromium` (installed by scripts/ensure-chromium; a browser download
does not work here). Screenshots go to artifacts/e2e/. Data is set up through the services on
a committed database, exactly as a clinic's earlier requests would have left it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    ViewportSize,
    sync_playwright,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.engine import make_engine, make_session_factory, session_scope

CHROMIUM = Path(os.environ.get("KETAPATH_CHROMIUM", "/usr/bin/chromium"))
ARTIFACTS = Path(__file__).resolve().parents[2] / "artifacts" / "e2e"
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if CHROMIUM.exists():
        return
    if os.environ.get("KETAPATH_REQUIRE_BROWSER") == "1":
        raise pytest.UsageError(
            f"{CHROMIUM} is required (KETAPATH_REQUIRE_BROWSER=1): run scripts/ensure-chromium"
        )
    skip = pytest.mark.skip(
        reason=f"no browser at {CHROMIUM}: run scripts/ensure-chromium"
    )
    for item in items:
        if "e2e" in item.nodeid:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LiveServer:
    """A running server and a way to set up data in its database."""

    url: str
    engine: Engine

    def setup(self, build: Callable[[Session], object]) -> object:
        """Run ``build`` in one committed transaction (like an earlier request would)."""
        with session_scope(make_session_factory(self.engine)) as session:
            return build(session)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    url = f"sqlite:///{tmp_path / 'e2e.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    app = create_app(Settings(data_dir=tmp_path, database_url=url), engine=engine)
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", access_log=False
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("live server did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", engine)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = browser.new_context(viewport=DESKTOP)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Save a screenshot as a test artifact: artifacts/e2e/<test>-<step>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    test_name = request.node.name.replace("/", "_").replace("[", "-").replace("]", "")

    def take(page: Page, step: str) -> Path:
        path = ARTIFACTS / f"{test_name}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def sign_in(page: Page, server: LiveServer, email: str, password: str) -> None:
    """Sign in through the real form."""
    page.goto(f"{server.url}/login")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_load_state("networkidle")
