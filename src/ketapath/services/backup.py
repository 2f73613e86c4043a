"""Back up and restore the whole database: SQLite's online backup API or pg_dump/pg_restore.

A backup is only useful if it restores, so both directions check what they handle: a SQLite
backup is integrity-checked after it is written, a restore refuses a file that is damaged, is
not a ketapath database, or is at a migration this version does not know, and it refuses to
overwrite data unless told to. After a restore the database is migrated to head, so an older
backup restores into a newer ketapath.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import URL

from ketapath.db import backup as db_backup
from ketapath.db import migrate
from ketapath.services.errors import UnprocessableError

__all__ = [
    "BackupError",
    "BackupResult",
    "RestoreResult",
    "backup_database",
    "restore_database",
]

_TABLE_ENTRY = re.compile(r"^\d+; \d+ \d+ TABLE \S+ (?P<name>\S+) ")


class BackupError(UnprocessableError):
    """A backup or restore that cannot go ahead; ``field`` names the input at fault."""


@dataclass(frozen=True, slots=True)
class BackupResult:
    """What was written: the file, its size and the migration it is at."""

    path: Path
    dialect: str
    revision: str | None
    size_bytes: int


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """The backup's revision and the revision the database is at after migrating."""

    dialect: str
    backup_revision: str
    revision: str | None


def backup_database(engine: Engine, path: Path) -> BackupResult:
    """Write a consistent backup of the database behind ``engine`` to ``path`` (a new file)."""
    if path.exists():
        raise BackupError(
            f"{path} already exists; choose a new file name", field="path"
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    dialect = engine.dialect.name
    with _partial_file(path) as partial:
        if dialect == "sqlite":
            revision = _backup_sqlite(engine, partial)
        elif dialect == "postgresql":
            revision = _backup_postgres(engine, partial)
        else:
            raise BackupError(f"cannot back up a {dialect} database", field="database")
        os.replace(partial, path)
    _fsync_directory(path.parent)
    return BackupResult(path, dialect, revision, path.stat().st_size)


def restore_database(engine: Engine, path: Path, *, overwrite: bool) -> RestoreResult:
    """Replace the database behind ``engine`` with the backup at ``path``, then migrate to head.

    Refuses when the target holds data and ``overwrite`` is false, so that a mistyped command
    cannot wipe a live clinic.
    """
    if not path.is_file():
        raise BackupError(f"no backup file at {path}", field="path")
    dialect = engine.dialect.name
    dump_tables: set[str] = set()
    if dialect == "sqlite":
        backup_revision = _check_sqlite_backup(path)
    elif dialect == "postgresql":
        backup_revision, dump_tables = _inspect_postgres_backup(path)
    else:
        raise BackupError(f"cannot restore into a {dialect} database", field="database")
    _refuse_overwrite(engine, overwrite=overwrite)
    engine.dispose()  # pooled connections would hold locks the restore must take
    if dialect == "sqlite":
        db_backup.sqlite_copy(path, _sqlite_file(engine), self_contained=False)
    else:
        _restore_postgres(engine, path, dump_tables)
    migrate.upgrade(engine)
    return RestoreResult(dialect, backup_revision, migrate.current_revision(engine))


def _refuse_overwrite(engine: Engine, *, overwrite: bool) -> None:
    """Raise unless the target is empty or the operator confirmed (``--yes``)."""
    if overwrite:
        return
    if engine.dialect.name == "sqlite" and not _sqlite_file(engine).exists():
        return
    populated = db_backup.populated_tables(engine)
    if populated:
        raise BackupError(
            f"the target database has data (in {', '.join(populated[:5])}"
            f"{', ...' if len(populated) > 5 else ''}); pass --yes to replace it",
            field="yes",
        )


@contextlib.contextmanager
def _partial_file(path: Path) -> Iterator[Path]:
    """A temporary name next to ``path``; removed unless the caller renamed it into place.

    Writing under another name and renaming at the end means a crash mid-backup never leaves
    a truncated file under the name an operator would restore from.
    """
    partial = path.with_name(f".{path.name}.partial-{uuid.uuid4().hex[:8]}")
    try:
        yield partial
    finally:
        partial.unlink(missing_ok=True)


def _fsync_directory(directory: Path) -> None:
    """Persist the rename itself (POSIX keeps directory entries in the directory's inode)."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


# --- SQLite ---------------------------------------------------------------------------------


def _sqlite_file(engine: Engine) -> Path:
    """The database file behind a SQLite engine (in-memory databases cannot be backed up)."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError(
            "an in-memory database has nothing to back up", field="database"
        )
    return Path(database)


def _backup_sqlite(engine: Engine, target: Path) -> str | None:
    """Copy the live file through the backup API and check the copy before keeping it."""
    source = _sqlite_file(engine)
    if not source.is_file():
        raise BackupError(f"no database at {source}", field="database")
    db_backup.sqlite_copy(source, target, self_contained=True)
    errors = db_backup.sqlite_integrity_errors(target)
    if errors:
        raise BackupError(
            f"the copy failed PRAGMA integrity_check: {errors[0]}", field="database"
        )
    return db_backup.sqlite_revision(target)


def _check_sqlite_backup(path: Path) -> str:
    """Return the backup's revision after checking it is an intact ketapath database."""
    try:
        errors = db_backup.sqlite_integrity_errors(path)
    except db_backup.NotSQLiteError as error:
        raise BackupError(
            f"{path} is not a SQLite database ({error})", field="path"
        ) from error
    if errors:
        raise BackupError(
            f"{path} failed PRAGMA integrity_check: {errors[0]}", field="path"
        )
    return _known_revision(db_backup.sqlite_revision(path), path)


def _known_revision(revision: str | None, path: Path) -> str:
    """Accept only revisions this version can migrate from."""
    if revision is None:
        raise BackupError(
            f"{path} is not a ketapath database (no migration revision)", field="path"
        )
    if not db_backup.is_known_revision(revision):
        raise BackupError(
            f"{path} is at revision {revision}, which this version of ketapath does not "
            "know; restore it with the version that wrote it or a newer one",
            field="path",
        )
    return revision


# --- PostgreSQL -----------------------------------------------------------------------------


def _pg_tool(name: str) -> str:
    """Locate a PostgreSQL client program on PATH."""
    found = shutil.which(name)
    if found is None:
        raise BackupError(
            f"{name} was not found on PATH; install the PostgreSQL client programs",
            field="database",
        )
    return found


def _pg_target(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq URI without the password, and an environment carrying it.

    The password goes through ``PGPASSWORD`` so that it never shows in the process list.
    """
    conninfo = url.set(drivername="postgresql", password=None).render_as_string(
        hide_password=False
    )
    env = dict(os.environ)
    if url.password is not None:
        env["PGPASSWORD"] = str(url.password)
    return conninfo, env


def _run_pg(args: list[str], env: dict[str, str], *, what: str) -> str:
    """Run a PostgreSQL client program; a failure becomes one line naming its last message."""
    completed = subprocess.run(
        args, env=env, capture_output=True, text=True, check=False
    )
    if completed.returncode != 0:
        lines = [line for line in completed.stderr.splitlines() if line.strip()]
        detail = lines[-1] if lines else f"exit code {completed.returncode}"
        raise BackupError(f"{what} failed: {detail}", field="database")
    return completed.stdout


def _backup_postgres(engine: Engine, target: Path) -> str | None:
    """Dump in pg_dump's custom format (compressed, restorable table by table)."""
    conninfo, env = _pg_target(engine.url)
    revision = migrate.current_revision(engine)
    _run_pg(
        [
            _pg_tool("pg_dump"),
            "--format=custom",
            "--no-password",
            f"--file={target}",
            f"--dbname={conninfo}",
        ],
        env,
        what="pg_dump",
    )
    _postgres_archive_tables(target)  # a dump pg_restore cannot read is no backup
    return revision


def _postgres_archive_tables(path: Path) -> set[str]:
    """The table names in a pg_dump archive; anything pg_restore cannot list is rejected."""
    try:
        listing = _run_pg(
            [_pg_tool("pg_restore"), "--list", str(path)],
            dict(os.environ),
            what="pg_restore --list",
        )
    except BackupError as error:
        raise BackupError(
            f"{path} is not a pg_dump custom-format archive ({error.message})",
            field="path",
        ) from error
    return {
        match["name"]
        for line in listing.splitlines()
        if (match := _TABLE_ENTRY.match(line))
    }


def _inspect_postgres_backup(path: Path) -> tuple[str, set[str]]:
    """Return the dump's revision and table names; reject what is not a ketapath dump."""
    tables = _postgres_archive_tables(path)
    if db_backup.ALEMBIC_TABLE not in tables:
        return _known_revision(None, path), tables
    script = _run_pg(
        [
            _pg_tool("pg_restore"),
            "--data-only",
            f"--table={db_backup.ALEMBIC_TABLE}",
            "--file=-",
            str(path),
        ],
        dict(os.environ),
        what="pg_restore",
    )
    return _known_revision(_revision_from_copy(script), path), tables


def _revision_from_copy(script: str) -> str | None:
    """Read the one row of ``alembic_version`` from the COPY block of a data-only script."""
    lines = iter(script.splitlines())
    for line in lines:
        if line.startswith("COPY ") and db_backup.ALEMBIC_TABLE in line:
            row = next(lines, "\\.")
            return None if row == "\\." else row.split("\t")[0]
    return None


def _restore_postgres(engine: Engine, path: Path, dump_tables: set[str]) -> None:
    """Drop ketapath tables newer than the dump, then restore it in one transaction."""
    extra = (
        db_backup.table_names(engine) - dump_tables
    ) & db_backup.known_table_names()
    if extra:
        db_backup.drop_tables(engine, extra)
    engine.dispose()
    conninfo, env = _pg_target(engine.url)
    _run_pg(
        [
            _pg_tool("pg_restore"),
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={conninfo}",
            str(path),
        ],
        env,
        what="pg_restore",
    )
