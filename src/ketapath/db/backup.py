"""The SQL behind backups and restores: SQLite's online backup API and table inspection.

Kept apart from ``services.backup`` so that the use case reads as steps while every statement
that touches a database file or server lives in the db layer.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, func, inspect, select, text

from ketapath.db import models  # noqa: F401  (fills Base.metadata with every table)
from ketapath.db.base import Base
from ketapath.db.migrate import alembic_config

__all__ = [
    "ALEMBIC_TABLE",
    "BOOKKEEPING_TABLES",
    "NotSQLiteError",
    "drop_tables",
    "is_known_revision",
    "known_table_names",
    "populated_tables",
    "sqlite_copy",
    "sqlite_integrity_errors",
    "sqlite_revision",
    "table_names",
]

ALEMBIC_TABLE = "alembic_version"
BOOKKEEPING_TABLES = frozenset({"change_counters"})
"""Tables a new database is created with rows in (migration 0006): not a clinic's data."""


class NotSQLiteError(Exception):
    """The file is not a SQLite database (or is damaged beyond opening)."""


@contextlib.contextmanager
def _connect(path: Path, *, read_only: bool) -> Iterator[sqlite3.Connection]:
    """Open a raw sqlite3 connection; read-only opens never create a missing file."""
    if read_only:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    else:
        connection = sqlite3.connect(path)
    try:
        yield connection
    finally:
        connection.close()


def sqlite_copy(source: Path, target: Path, *, self_contained: bool) -> None:
    """Copy ``source`` into ``target`` page by page with the online backup API.

    The backup API takes a consistent snapshot while the server keeps writing (WAL readers do
    not block writers), unlike a file copy that can tear a page or miss the WAL. With
    ``self_contained`` the copy leaves WAL mode so that the backup is one file (no -wal/-shm).
    """
    with (
        _connect(source, read_only=True) as src,
        _connect(target, read_only=False) as dst,
    ):
        src.execute("PRAGMA busy_timeout=10000")
        dst.execute("PRAGMA busy_timeout=10000")
        src.backup(dst)
        mode = "DELETE" if self_contained else "WAL"
        dst.execute(f"PRAGMA journal_mode={mode}")
    _fsync(target)


def _fsync(path: Path) -> None:
    """Flush the file to disk so that a backup reported as written survives a power cut."""
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def sqlite_integrity_errors(path: Path) -> list[str]:
    """Return SQLite's integrity problems for ``path`` (empty when ``PRAGMA integrity_check`` is ok).

    Raises :class:`NotSQLiteError` when the file is not a SQLite database at all.
    """
    try:
        with _connect(path, read_only=True) as connection:
            rows = connection.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as error:
        raise NotSQLiteError(str(error)) from error
    messages = [str(row[0]) for row in rows]
    return [] if messages == ["ok"] else messages


def sqlite_revision(path: Path) -> str | None:
    """Return the Alembic revision stored in a SQLite file, or None when it has none."""
    with _connect(path, read_only=True) as connection:
        found = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name = ?",
            (ALEMBIC_TABLE,),
        ).fetchone()
        if found is None:
            return None
        row = connection.execute(f"SELECT version_num FROM {ALEMBIC_TABLE}").fetchone()
    return None if row is None else str(row[0])


def is_known_revision(revision: str) -> bool:
    """True when this version of ketapath ships ``revision`` (so it can migrate from it)."""
    scripts = ScriptDirectory.from_config(alembic_config())
    try:
        return scripts.get_revision(revision) is not None
    except CommandError:
        return False


def known_table_names() -> set[str]:
    """The tables this version of ketapath defines."""
    return {table.name for table in Base.metadata.sorted_tables}


def table_names(engine: Engine) -> set[str]:
    """Names of the tables in the database's default schema."""
    return set(inspect(engine).get_table_names())


def populated_tables(engine: Engine) -> list[str]:
    """Ketapath tables that hold at least one row (a restore over them needs consent)."""
    present = table_names(engine)
    populated: list[str] = []
    with engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            if table.name not in present or table.name in BOOKKEEPING_TABLES:
                continue
            if connection.scalar(select(func.count()).select_from(table)):
                populated.append(table.name)
    return populated


def drop_tables(engine: Engine, names: set[str]) -> None:
    """Drop ketapath tables a backup does not have (newer than it), in one transaction.

    PostgreSQL only (``CASCADE``): ``pg_restore --clean`` drops and recreates only what the dump
    holds, so a table added by a later migration would survive the restore and make the
    re-upgrade fail. Only names from ketapath's own metadata are accepted, so that a restore
    never drops a table another application keeps in the same database.
    """
    unknown = names - known_table_names()
    if unknown:
        raise ValueError(
            f"refusing to drop tables ketapath does not own: {sorted(unknown)}"
        )
    preparer = engine.dialect.identifier_preparer
    with engine.begin() as connection:
        for name in sorted(names):
            connection.execute(
                text(f"DROP TABLE IF EXISTS {preparer.quote(name)} CASCADE")
            )
