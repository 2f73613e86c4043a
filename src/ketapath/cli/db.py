"""`ketapath db`: migrate, show the revision, back up and restore the clinic database.

Settings come from the environment (``KETAPATH_DATABASE_URL`` wins, otherwise the SQLite file
in the data directory). Every failure is one line on stderr with exit code 2, so that cron jobs
and scripts can rely on the exit status.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from ketapath.cli.console import console
from ketapath.cli.output import fail
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.engine import make_engine
from ketapath.services import backup as backup_service
from ketapath.services.errors import ServiceError

__all__ = ["DataDirOption", "open_engine", "register", "settings_for"]

db_app = typer.Typer(
    name="db",
    help="Database migrations, backups and restores.",
    no_args_is_help=True,
)

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Data directory (SQLite file); KETAPATH_DATABASE_URL wins when set.",
        file_okay=False,
    ),
]


def settings_for(data_dir: Path | None) -> Settings:
    """Settings from the environment, with ``--data-dir`` overriding KETAPATH_DATA_DIR.

    Built fresh rather than through the cached ``get_settings`` so that one process (a test,
    a script) can point successive commands at different databases.
    """
    return Settings(data_dir=data_dir) if data_dir is not None else Settings()


def describe_url(engine: Engine) -> str:
    """The database URL without its password, for messages."""
    return engine.url.render_as_string(hide_password=True)


@contextmanager
def open_engine(data_dir: Path | None) -> Iterator[Engine]:
    """An engine on the configured database; connection failures become one-line errors."""
    engine = make_engine(settings_for(data_dir).resolved_database_url())
    try:
        yield engine
    except ServiceError as error:
        fail(f"{error.field}: {error.message}" if error.field else error.message)
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", None) or error)
        fail(f"database {describe_url(engine)}: {reason.splitlines()[0]}")
    finally:
        engine.dispose()


def revision_label(engine: Engine) -> str:
    """The current revision, marked as head or behind it, or a hint for an empty database."""
    current = migrate.current_revision(engine)
    head = migrate.head_revision()
    if current is None:
        return "none (empty database; run `ketapath db upgrade`)"
    if current == head:
        return f"{current} (head)"
    return f"{current} (head is {head}; run `ketapath db upgrade`)"


@db_app.command("upgrade")
def upgrade(data_dir: DataDirOption = None) -> None:
    """Apply every pending migration, then print the revision."""
    with open_engine(data_dir) as engine:
        migrate.upgrade(engine)
        console.print(revision_label(engine), highlight=False)


@db_app.command("current")
def current(data_dir: DataDirOption = None) -> None:
    """Print the revision the database is at."""
    with open_engine(data_dir) as engine:
        console.print(revision_label(engine), highlight=False)


@db_app.command("backup")
def backup(
    path: Annotated[
        Path, typer.Argument(help="New file to write (refused if it exists).")
    ],
    data_dir: DataDirOption = None,
) -> None:
    """Write a consistent backup while the server keeps running."""
    with open_engine(data_dir) as engine:
        result = backup_service.backup_database(engine, path)
        console.print(
            f"backed up {result.dialect} database at revision {result.revision} "
            f"to {result.path} ({result.size_bytes} bytes)",
            highlight=False,
            soft_wrap=True,
        )


@db_app.command("restore")
def restore(
    path: Annotated[
        Path, typer.Argument(help="Backup written by `ketapath db backup`.")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a database that already has data.")
    ] = False,
    data_dir: DataDirOption = None,
) -> None:
    """Replace the database with a backup, then migrate it to head. Stop the server first."""
    with open_engine(data_dir) as engine:
        result = backup_service.restore_database(engine, path, overwrite=yes)
        console.print(
            f"restored {result.dialect} backup at revision {result.backup_revision}; "
            f"database now at {result.revision}",
            highlight=False,
            soft_wrap=True,
        )


def register(app: typer.Typer) -> None:
    """Attach `db` to the root app."""
    app.add_typer(db_app, name="db")
