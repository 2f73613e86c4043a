"""SQLite's WAL checkpoints in a thread of their own, off the request path."""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

__all__ = ["FALLBACK_CHECKPOINT_PAGES", "WalCheckpointer"]

log = logging.getLogger(__name__)

FALLBACK_CHECKPOINT_PAGES = 10_000
"""``wal_autocheckpoint`` of every connection (SQLite's default is 1,000 pages): with the
checkpointer running, a request checkpoints only if the thread has fallen this far behind, and
without it (command-line tools) the WAL still stays under ~40 MB."""


class WalCheckpointer:
    """Copies the write-ahead log back into the database file from a daemon thread.

    By default SQLite checkpoints inside the commit that grows the WAL past 1,000 pages, so
    every ~70th PHQ-9 write paid for copying pages (and their fsync) while 49 other requests
    waited behind it; averaged, that was a tenth of the database time of a write
    (``bench/profile_hot_paths.py``). Here a PASSIVE checkpoint runs every ``interval_s`` on a
    connection of its own, and the sqlite3 module releases the GIL while SQLite works, so the
    copying runs beside the requests.

    Each round holds the writers' section (``hold``/``release``: ``http.SerialWriters``): with
    no write in progress the checkpoint copies the whole log, so the next writer starts the log
    over. Checkpointing *beside* a steady stream of writers never completed, the log grew to
    the fallback limit, and from then on every commit checkpointed and synced by itself (~1 s
    stalls under the load benchmark). Should the thread fall behind or stop, the connections
    checkpoint by themselves past :data:`FALLBACK_CHECKPOINT_PAGES`.
    """

    def __init__(
        self,
        database: Path,
        *,
        hold: Callable[[], None] | None = None,
        release: Callable[[], None] | None = None,
        interval_s: float = 0.25,
    ) -> None:
        self._database = database
        self._hold = hold
        self._release = release
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None

    @classmethod
    def for_engine(
        cls,
        engine: Engine,
        *,
        hold: Callable[[], None] | None = None,
        release: Callable[[], None] | None = None,
    ) -> WalCheckpointer | None:
        """A checkpointer for a SQLite file database; None for memory or other databases."""
        database = engine.url.database
        if engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return None
        if database.startswith("file:"):
            return None
        return cls(Path(database), hold=hold, release=release)

    def checkpoint(
        self, connection: sqlite3.Connection | None = None
    ) -> tuple[int, int, int]:
        """One PASSIVE checkpoint with no write in progress: (busy, pages logged, copied)."""
        own = connection is None
        connection = connection or sqlite3.connect(self._database, timeout=10)
        if self._hold is not None:
            self._hold()
        try:
            busy, logged, copied = connection.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
        finally:
            if self._release is not None:
                self._release()
            if own:
                connection.close()
        return int(busy), int(logged), int(copied)

    def start(self) -> None:
        """Start the thread (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="ketapath-wal-checkpoint", daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None

    def _run(self) -> None:
        connection = sqlite3.connect(self._database, timeout=10)
        try:
            while not self._stopped.wait(self._interval_s):
                try:
                    self.checkpoint(connection)
                except sqlite3.Error as error:  # the next round tries again
                    log.warning("WAL checkpoint failed: %s", error)
        finally:
            connection.close()
