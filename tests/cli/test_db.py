"""`ketapath db upgrade|current|backup|restore` on SQLite and PostgreSQL, success and errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import select
from typer.testing import CliRunner, Result

from ketapath.cli import db, users
from ketapath.db import migrate
from ketapath.db.engine import make_engine
from ketapath.db.models import User
from tests.conftest import new_database_url

runner = CliRunner()
HEAD = migrate.head_revision()
PASSWORD = "a long enough password"


def cli_app() -> typer.Typer:
    """The commands under test on their own app (independent of the root app's wiring)."""
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    db.register(app)
    users.register(app)
    return app


APP = cli_app()


class Database:
    """A fresh database reached through the same settings the CLI reads."""

    def __init__(self, db_kind: str, tmp_path: Path) -> None:
        self.data_dir = tmp_path / "data"
        if db_kind == "sqlite":
            self.url = f"sqlite:///{self.data_dir / 'ketapath.sqlite3'}"
            self.env: dict[str, str | None] = {"KETAPATH_DATABASE_URL": None}
            self.fresh = None
        else:
            self.url, self.fresh = new_database_url(db_kind, tmp_path)
            self.env = {"KETAPATH_DATABASE_URL": self.url}

    def run(self, *args: str, input: str | None = None):
        return runner.invoke(
            APP, [*args, "--data-dir", str(self.data_dir)], input=input, env=self.env
        )

    def emails(self) -> list[str]:
        engine = make_engine(self.url)
        try:
            with engine.connect() as connection:
                return sorted(connection.scalars(select(User.email)))
        finally:
            engine.dispose()

    def add_user(self, email: str) -> None:
        result = self.run(
            "user",
            "create",
            "--email",
            email,
            "--name",
            "N",
            "--role",
            "nurse",
            "--password-stdin",
            input=f"{PASSWORD}\n",
        )
        assert result.exit_code == 0, result.stderr


@pytest.fixture
def database(db_kind: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(db_kind, tmp_path)
    yield database
    if database.fresh is not None:
        database.fresh.drop()


def one_line_error(result: Result) -> str:
    assert result.exit_code == 2, result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return str(lines[0])


class TestUpgradeAndCurrent:
    def test_current_on_an_empty_database_says_so(self, database):
        result = database.run("db", "current")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("none (empty database")

    def test_upgrade_migrates_to_head_and_prints_it(self, database):
        result = database.run("db", "upgrade")
        assert result.exit_code == 0, result.stderr
        assert result.stdout.strip() == f"{HEAD} (head)"
        assert database.run("db", "current").stdout.strip() == f"{HEAD} (head)"

    def test_upgrade_twice_is_harmless(self, database):
        database.run("db", "upgrade")
        assert database.run("db", "upgrade").exit_code == 0

    def test_unreachable_database_is_one_line_without_the_password(self, tmp_path):
        url = "postgresql+psycopg://ketapath:s3cret-pw@127.0.0.1:1/none"
        result = runner.invoke(
            APP, ["db", "current"], env={"KETAPATH_DATABASE_URL": url}
        )
        line = one_line_error(result)
        assert line.startswith("error: database postgresql+psycopg://ketapath:***@")
        assert "s3cret-pw" not in result.stderr + result.stdout


class TestBackup:
    def test_backup_writes_a_file_and_names_the_revision(self, database, tmp_path):
        database.add_user("a@example.org")
        target = tmp_path / "backups" / "one.backup"
        result = database.run("db", "backup", str(target))
        assert result.exit_code == 0, result.stderr
        assert target.stat().st_size > 0
        assert f"at revision {HEAD}" in result.stdout

    def test_backup_refuses_an_existing_file(self, database, tmp_path):
        database.add_user("a@example.org")
        target = tmp_path / "one.backup"
        target.write_text("keep me")
        line = one_line_error(database.run("db", "backup", str(target)))
        assert line.startswith("error: path:")
        assert "already exists" in line
        assert target.read_text() == "keep me"


class TestRestore:
    def test_restore_with_yes_replaces_newer_data(self, database, tmp_path):
        database.add_user("a@example.org")
        assert database.run("db", "backup", str(tmp_path / "b")).exit_code == 0
        database.add_user("later@example.org")

        result = database.run("db", "restore", str(tmp_path / "b"), "--yes")

        assert result.exit_code == 0, result.stderr
        assert f"database now at {HEAD}" in result.stdout
        assert database.emails() == ["a@example.org"]

    def test_restore_without_yes_over_data_is_refused(self, database, tmp_path):
        database.add_user("a@example.org")
        database.run("db", "backup", str(tmp_path / "b"))
        database.add_user("later@example.org")

        line = one_line_error(database.run("db", "restore", str(tmp_path / "b")))

        assert line.startswith("error: yes:")
        assert "--yes" in line
        assert database.emails() == ["a@example.org", "later@example.org"]

    def test_restore_into_an_empty_database_needs_no_yes(
        self, database, tmp_path, db_kind
    ):
        database.add_user("a@example.org")
        database.run("db", "backup", str(tmp_path / "b"))
        other = Database(db_kind, tmp_path / "other")
        try:
            result = other.run("db", "restore", str(tmp_path / "b"))
            assert result.exit_code == 0, result.stderr
            assert other.emails() == ["a@example.org"]
        finally:
            if other.fresh is not None:
                other.fresh.drop()

    def test_missing_backup_file_names_the_path(self, database, tmp_path):
        line = one_line_error(
            database.run("db", "restore", str(tmp_path / "nope"), "--yes")
        )
        assert line.startswith("error: path: no backup file")

    def test_a_file_that_is_not_a_backup_is_refused(self, database, tmp_path):
        database.add_user("a@example.org")
        junk = tmp_path / "junk"
        junk.write_bytes(b"\x00garbage" * 512)
        line = one_line_error(database.run("db", "restore", str(junk), "--yes"))
        assert line.startswith("error: path:")
        assert database.emails() == ["a@example.org"]
