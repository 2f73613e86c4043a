"""SQLite's WAL checkpoints, off the event loop: a thread of their own copies the log back.

SQLite checkpoints the write-ahead log from whichever connection commits once the log passes
``wal_autocheckpoint`` pages (1000 by default), and that commit then copies the log into the
database file and syncs it. The server commits its write batches on the event loop
(``http.WriteBatches``), so such a commit (16 ms and more under the load benchmark, once in
about ten) stopped every request of the process: it made most of the writes' p99. Here the
server's connections checkpoint only as a backstop (:data:`BACKSTOP_PAGES`), and
:class:`WalCheckpointer` runs a PASSIVE checkpoint every :data:`INTERVAL_S` in a thread of its
own: it neither waits for nor blocks writers or readers, and sqlite3 releases the GIL while it
copies and syncs. With several worker processes each runs one; a checkpoint that finds another
running is skipped.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from typing import NamedTuple

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

__all__ = ["BACKSTOP_PAGES", "INTERVAL_S", "Checkpoint", "WalCheckpointer"]

BACKSTOP_PAGES = 10_000
"""``wal_autocheckpoint`` for every connection (``db.engine``): if no checkpointer runs (the
CLI, or a stalled thread), a commit still checkpoints once the log holds this many pages (40 MB
of 4 KB pages), so the log never grows without bound."""

INTERVAL_S = 0.25
"""Between two checkpoints: short, so each copies little (a few thousand pages at most under
the load benchmark's write rate)."""

_log = logging.getLogger(__name__)


class Checkpoint(NamedTuple):
    """What ``PRAGMA wal_checkpoint(PASSIVE)`` reported."""

    busy: bool
    log_frames: int
    checkpointed_frames: int


class WalCheckpointer:
    """A daemon thread that checkpoints ``engine``'s SQLite WAL every ``interval_s`` seconds."""

    def __init__(self, engine: Engine, *, interval_s: float = INTERVAL_S) -> None:
        self._engine = engine
        self._interval_s = interval_s
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self.last: Checkpoint | None = None
        """The last checkpoint's report (tests, diagnostics)."""

    def start(self) -> None:
        """Start checkpointing (once)."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name="ketapath-wal-checkpoints", daemon=True
            )
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Stop, after the checkpoint under way if any (waiting ``timeout_s`` at most).

        A checkpoint stuck on the file is left to end with the process (a daemon thread).
        """
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
            self._thread = None

    def checkpoint(self) -> Checkpoint:
        """One PASSIVE checkpoint now (blocking)."""
        # On the driver's connection, outside any transaction: the engine begins one before
        # every statement (BEGIN, db.engine), and a checkpoint cannot go past its snapshot.
        connection = self._engine.raw_connection()
        try:
            cursor = connection.cursor()
            busy, log_frames, done = cursor.execute(
                "PRAGMA wal_checkpoint(PASSIVE)"
            ).fetchone()
            cursor.close()
        finally:
            connection.close()
        self.last = Checkpoint(bool(busy), int(log_frames), int(done))
        return self.last

    def _run(self) -> None:
        failing = False
        while not self._stopped.wait(self._interval_s):
            try:
                self.checkpoint()
            except (sqlite3.Error, SQLAlchemyError) as error:
                # A full disk, an I/O error, a read-only file: try again next time (the
                # backstop still checkpoints meanwhile); said once, not four times a second.
                if not failing:
                    _log.warning("WAL checkpoints failing: %s", type(error).__name__)
                failing = True
            else:
                if failing:
                    _log.warning("WAL checkpoints working again")
                failing = False
