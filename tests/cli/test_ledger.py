"""`ketapath ledger verify` on committed data (SQLite and PostgreSQL): ok, and tamper detected."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
from sqlalchemy import Engine, text
from typer.testing import CliRunner

from ketapath.cli import ledger
from ketapath.db import migrate
from ketapath.db.engine import begin_write, make_engine, make_session_factory
from tests.conftest import new_database_url
from tests.services.test_ledger import (
    administer,
    iv_session,
    ketamine_product,
    make_clinicians,
    receive,
)

runner = CliRunner()


def cli_app() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """Test root."""

    ledger.register(app)
    return app


APP = cli_app()


class Database:
    def __init__(self, db_kind: str, tmp_path: Path) -> None:
        self.data_dir = tmp_path / "data"
        self.data_dir.mkdir()
        if db_kind == "sqlite":
            self.url = f"sqlite:///{self.data_dir / 'ketapath.sqlite3'}"
            self.env: dict[str, str | None] = {"KETAPATH_DATABASE_URL": None}
            self.fresh = None
        else:
            self.url, self.fresh = new_database_url(db_kind, tmp_path)
            self.env = {"KETAPATH_DATABASE_URL": self.url}
        self.engine: Engine = make_engine(self.url)
        migrate.upgrade(self.engine)

    def verify(self):
        return runner.invoke(
            APP, ["ledger", "verify", "--data-dir", str(self.data_dir)], env=self.env
        )

    def seed(self) -> list[uuid.UUID]:
        """One receipt and three administrations, committed; returns the entry ids in order."""
        with make_session_factory(self.engine)() as s:
            begin_write(s)
            people = make_clinicians(s)
            product = ketamine_product(s, people.doctor)
            receipt = receive(s, people.doctor, product.id)
            treatment = iv_session(s, people)
            ids = [receipt.id]
            for mg in ("20", "30", "40"):
                ids.append(
                    administer(
                        s, people.rn, receipt.lot_id, treatment.id, given_mg=mg
                    ).id
                )
            s.commit()
        return ids


@pytest.fixture
def database(db_kind: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(db_kind, tmp_path)
    try:
        yield database
    finally:
        database.engine.dispose()
        if database.fresh is not None:
            database.fresh.drop()


class TestLedgerVerify:
    def test_an_empty_database_verifies(self, database):
        result = database.verify()
        assert result.exit_code == 0, result.stderr
        assert "0 chain(s), 0 entries" in result.stdout

    def test_an_intact_chain_verifies_with_a_summary(self, database):
        database.seed()
        result = database.verify()
        assert result.exit_code == 0, result.stderr
        assert "1 chain(s), 4 entries" in result.stdout

    def test_a_changed_quantity_fails_naming_the_first_bad_entry(self, database):
        ids = database.seed()
        with database.engine.begin() as connection:
            if connection.dialect.name == "postgresql":
                connection.execute(
                    text("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
                )
                connection.execute(
                    text(
                        "UPDATE ledger_entries SET change_mg = -3, given_mg = 3 "
                        "WHERE sequence = 3"
                    )
                )
            else:
                connection.execute(text("DROP TRIGGER ledger_entries_no_update"))
                connection.execute(
                    text(
                        "UPDATE ledger_entries SET change_mg = '-3', given_mg = '3' "
                        "WHERE sequence = 3"
                    )
                )
        result = database.verify()
        assert result.exit_code == 1, result.stdout
        assert f"entry {ids[2]} at position 3" in result.stderr
        assert "entry_hash" in result.stderr

    def test_a_changed_lot_balance_is_found(self, database):
        database.seed()
        with database.engine.begin() as connection:
            value = "'1'" if connection.dialect.name == "sqlite" else "1"
            connection.execute(text(f"UPDATE controlled_lots SET balance_mg = {value}"))
        result = database.verify()
        assert result.exit_code == 1
        assert "stores balance 1" in result.stderr

    def test_an_unreachable_database_is_a_one_line_error(self, tmp_path):
        result = runner.invoke(
            APP,
            ["ledger", "verify"],
            env={"KETAPATH_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/x"},
        )
        assert result.exit_code == 2
        assert result.stderr.startswith("error: database")
