"""Change counters: every write to a counted table sets its counter anew, on both databases.

What the board and token lookups keep is trusted only while these counters stand
(``db.repositories.change_counters``), so a table without its triggers, an event that does not
raise the counter, or a counter raised only inside the writer's transaction would show stale
data: each of those is checked here against the migrated schema, not against the code's list
alone. The counters take random values, so tests check that a value changed, never by how much.
"""

from __future__ import annotations

import threading
import time
import uuid
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from bench.seed import seed
from sqlalchemy import Connection, Engine, select, text
from sqlalchemy.orm import Session

from ketapath.db import migrate
from ketapath.db.base import utcnow
from ketapath.db.engine import make_engine, read_only
from ketapath.db.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    AuditEntry,
    Dose,
    TreatmentSession,
)
from ketapath.db.repositories import change_counters
from ketapath.db.repositories.change_counters import (
    COUNTED_TABLES,
    auth_counter_in_write,
    read_counters,
)
from tests.conftest import DB_PARAMS, new_database_url

COUNTED = [
    (counter, table) for counter, tables in COUNTED_TABLES.items() for table in tables
]


def esketamine_dose(session_id: uuid.UUID, *, devices: int) -> Dose:
    """A dose given now: 28 mg per nasal spray device."""
    return Dose(
        session_id=session_id,
        drug="esketamine",
        dose_mg=Decimal(28 * devices),
        devices=devices,
        given_at=utcnow(),
    )


@contextmanager
def seeded_database(kind: str, tmp_path: Path) -> Iterator[Engine]:
    """A database of its own (writes here commit), with a row in every counted table."""
    url, fresh = new_database_url(kind, tmp_path)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        with Session(engine) as session, session.begin():
            ids = seed(session)
            treatment = session.get(TreatmentSession, uuid.UUID(ids["session_id"]))
            assert treatment is not None
            session.add_all(
                [
                    esketamine_dose(treatment.id, devices=2),
                    Alert(
                        patient_id=treatment.patient_id,
                        kind=AlertKind.VITALS,
                        severity=AlertSeverity.HIGH,
                        message="BP high",
                        rule_id="BP-ESK-01",
                    ),
                ]
            )
        yield engine
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


@pytest.fixture(params=DB_PARAMS)
def seeded(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    with seeded_database(str(request.param), tmp_path) as engine:
        yield engine


def counter(connection: Connection, name: str) -> int:
    value = connection.scalar(
        text("SELECT value FROM change_counters WHERE name = :name"), {"name": name}
    )
    assert isinstance(value, int)
    return value


def any_id(connection: Connection, table: str) -> object:
    found = connection.scalar(text(f"SELECT id FROM {table} LIMIT 1"))
    assert found is not None, f"the seed left {table} empty"
    return found


def trigger_tables(engine: Engine) -> dict[str, set[str]]:
    """Trigger name -> the table it is on, as the database reports it."""
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            rows = connection.execute(
                text("SELECT name, tbl_name FROM sqlite_master WHERE type = 'trigger'")
            )
        else:
            rows = connection.execute(
                text(
                    "SELECT tgname, relname FROM pg_trigger "
                    "JOIN pg_class ON pg_class.oid = tgrelid WHERE NOT tgisinternal"
                )
            )
        found: dict[str, set[str]] = {}
        for name, table in rows:
            found.setdefault(table, set()).add(name)
        return found


class TestTriggers:
    def test_every_counted_table_has_its_triggers_for_every_event(self, seeded):
        triggers = trigger_tables(seeded)
        for counter_name, table in COUNTED:
            names = triggers.get(table, set())
            if seeded.dialect.name == "sqlite":
                expected = {
                    f"{table}_{event}_counts_{counter_name}"
                    for event in ("insert", "update", "delete")
                }
            else:
                expected = {
                    f"{table}_counts_{counter_name}",
                    f"{table}_truncate_counts_{counter_name}",
                }
            assert expected <= names, f"{table} lacks {expected - names}"

    def test_no_table_outside_the_list_sets_a_counter(self, seeded):
        counted = {table for _, table in COUNTED}
        for table, names in trigger_tables(seeded).items():
            if any("_counts_" in name for name in names):
                assert table in counted

    @pytest.mark.parametrize(("counter_name", "table"), COUNTED)
    def test_an_update_sets_the_counter_anew_once_committed(
        self, seeded, counter_name, table
    ):
        with seeded.connect() as reader:
            before = counter(reader, counter_name)
            reader.rollback()
            with seeded.begin() as writer:
                row_id = any_id(writer, table)
                writer.execute(
                    text(f"UPDATE {table} SET id = id WHERE id = :id"),
                    {"id": row_id},
                )
            assert counter(reader, counter_name) != before

    def test_insert_and_delete_set_the_counter_anew(self, seeded):
        with seeded.connect() as reader:
            before = counter(reader, "board")
            reader.rollback()
            with seeded.begin() as writer:
                alert_id = any_id(writer, "alerts")
                writer.execute(
                    text("DELETE FROM alerts WHERE id = :id"), {"id": alert_id}
                )
            after_delete = counter(reader, "board")
            reader.rollback()
            assert after_delete != before
            with Session(seeded) as session, session.begin():
                treatment = session.scalars(select(TreatmentSession).limit(1)).one()
                session.add(esketamine_dose(treatment.id, devices=1))
            assert counter(reader, "board") != after_delete

    def test_audit_entries_set_no_counter(self, seeded):
        with seeded.connect() as reader:
            before = {name: counter(reader, name) for name in ("board", "auth")}
            reader.rollback()
            with Session(seeded) as session, session.begin():
                session.add(
                    AuditEntry(action="read", entity="board", occurred_at=utcnow())
                )
            assert {name: counter(reader, name) for name in before} == before

    def test_a_vitals_write_leaves_the_auth_counter_alone(self, seeded):
        with seeded.connect() as reader:
            before = counter(reader, "auth")
            reader.rollback()
            with seeded.begin() as writer:
                row_id = any_id(writer, "vital_signs")
                writer.execute(
                    text("UPDATE vital_signs SET spo2_pct = 97 WHERE id = :id"),
                    {"id": row_id},
                )
            assert counter(reader, "auth") == before


def counter_updates(connection: Connection) -> int:
    """Rows of change_counters updated by this backend and not yet reported (PostgreSQL)."""
    value = connection.scalar(
        text(
            "SELECT n_tup_upd FROM pg_stat_xact_user_tables "
            "WHERE relname = 'change_counters'"
        )
    )
    return int(value or 0)


@pytest.mark.postgres
class TestPostgresSetsItAtCommit:
    @pytest.fixture
    def postgres(self, tmp_path: Path) -> Iterator[Engine]:
        with seeded_database("postgres", tmp_path) as engine:
            yield engine

    def test_set_once_per_statement_however_many_rows(self, postgres):
        """Deferred, the triggers fire in one statement (COMMIT): one update per counter."""
        with postgres.begin() as writer:
            writer.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
            # counts a backend has not yet reported may include earlier transactions': deltas
            start = counter_updates(writer)
            writer.execute(text("UPDATE vital_signs SET spo2_pct = 96"))  # 20 rows
            assert counter_updates(writer) - start == 1
            writer.execute(text("UPDATE treatment_sessions SET version = version"))
            assert counter_updates(writer) - start == 2

    def test_not_seen_by_others_before_the_commit(self, postgres):
        with postgres.connect() as reader, postgres.connect() as writer:
            before = counter(reader, "board")
            reader.rollback()
            writer.begin()
            writer.execute(text("UPDATE vital_signs SET spo2_pct = 95"))
            assert counter(reader, "board") == before
            reader.rollback()
            writer.commit()
            assert counter(reader, "board") != before

    def test_writers_of_both_counters_in_opposite_orders_both_commit(self, postgres):
        """One writes a board table, then a user; the other a token, then a board table.

        At COMMIT the deferred triggers fire in the order the writes were made, so without
        one fixed order of locking the counter rows these two would each hold one row and
        wait for the other's (PostgreSQL aborts one: "deadlock detected"). Constraints are
        set IMMEDIATE so that the triggers fire, and lock, at each statement, in that order,
        deterministically.
        """
        with postgres.connect() as reader:
            before = (counter(reader, "board"), counter(reader, "auth"))
            vital_ids = list(reader.scalars(text("SELECT id FROM vital_signs LIMIT 2")))
            user_id = reader.scalar(text("SELECT id FROM users LIMIT 1"))
        errors: list[BaseException] = []
        second_started = threading.Event()

        def token_then_board() -> None:
            try:
                with postgres.begin() as other:
                    other.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
                    second_started.set()
                    other.execute(text("UPDATE auth_tokens SET kind = kind"))
                    other.execute(
                        text("UPDATE vital_signs SET spo2_pct = 93 WHERE id = :id"),
                        {"id": vital_ids[1]},
                    )
            except BaseException as error:  # reported below
                errors.append(error)

        with postgres.connect() as first:
            try:
                first.begin()
                first.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
                first.execute(
                    text("UPDATE vital_signs SET spo2_pct = 94 WHERE id = :id"),
                    {"id": vital_ids[0]},
                )
                second = threading.Thread(target=token_then_board)
                second.start()
                second_started.wait(timeout=10)
                time.sleep(0.5)  # the other writer reaches its statements
                first.execute(
                    text("UPDATE users SET on_call = on_call WHERE id = :id"),
                    {"id": user_id},
                )
                first.commit()
            except BaseException as error:  # reported below
                errors.append(error)
            second.join(timeout=30)
        assert errors == []
        with postgres.connect() as reader:
            after = (counter(reader, "board"), counter(reader, "auth"))
        assert after[0] != before[0]
        assert after[1] != before[1]

    def test_truncate_sets_it(self, postgres):
        with postgres.connect() as connection:
            before = counter(connection, "board")
            connection.rollback()
            with connection.begin():
                connection.exec_driver_sql("TRUNCATE alerts")
                assert counter(connection, "board") != before
                connection.rollback()


class TestReadCounters:
    def test_read_once_per_read_snapshot_and_none_in_a_write(self, seeded):
        with Session(seeded) as session:
            read_only(session)
            first = read_counters(session)
            assert first is not None
            with seeded.begin() as writer:
                row_id = any_id(writer, "vital_signs")
                writer.execute(
                    text("UPDATE vital_signs SET spo2_pct = 99 WHERE id = :id"),
                    {"id": row_id},
                )
            # remembered for the snapshot: the rows it reads are as of the counters it read
            assert read_counters(session) == first
        with Session(seeded) as session:
            assert read_counters(session) is None

    def test_a_new_database_starts_from_random_values(self, seeded, tmp_path):
        kind = "sqlite" if seeded.dialect.name == "sqlite" else "postgres"
        url, fresh = new_database_url(kind, tmp_path)
        other = make_engine(url)
        try:
            migrate.upgrade(other)
            with seeded.connect() as a, other.connect() as b:
                assert counter(a, "board") != counter(b, "board")
        finally:
            other.dispose()
            if fresh is not None:
                fresh.drop()


@pytest.mark.postgres
class TestPostgresWriteFlags:
    """Migration 0007: a transaction that writes users or tokens says so at once.

    A write batched after it must look its token up (``auth_counter_in_write``): the ``auth``
    counter itself is set only at COMMIT.
    """

    @pytest.fixture
    def postgres(self, tmp_path: Path) -> Iterator[Engine]:
        with seeded_database("postgres", tmp_path) as engine:
            yield engine

    def test_every_auth_table_has_its_flag_trigger(self, postgres):
        triggers = trigger_tables(postgres)
        for table in COUNTED_TABLES["auth"]:
            assert f"{table}_notes_write_auth" in triggers.get(table, set()), table

    @pytest.mark.parametrize("table", COUNTED_TABLES["auth"])
    @pytest.mark.parametrize(
        "statement",
        [
            "INSERT INTO {table} SELECT * FROM {table} WHERE false",
            "UPDATE {table} SET id = id WHERE false",
            "DELETE FROM {table} WHERE false",
        ],
    )
    def test_each_kind_of_write_flags_the_transaction(self, postgres, table, statement):
        """Statement-level: even a write of no rows flags it (costing a lookup, no more)."""
        with Session(postgres) as session:
            assert auth_counter_in_write(session) is not None
            session.connection().exec_driver_sql(statement.format(table=table))
            assert auth_counter_in_write(session) is None
            session.rollback()
            assert (
                auth_counter_in_write(session) is not None
            )  # ends with its transaction

    def test_truncate_flags_the_transaction(self, postgres):
        # (users cannot be truncated: the append-only audit log refers to them)
        with Session(postgres) as session:
            session.connection().exec_driver_sql("TRUNCATE auth_tokens")
            assert auth_counter_in_write(session) is None
            session.rollback()

    def test_a_rolled_back_savepoint_takes_its_flag_with_it(self, postgres):
        with Session(postgres) as session:
            savepoint = session.begin_nested()
            session.connection().exec_driver_sql("UPDATE users SET id = id")
            assert auth_counter_in_write(session) is None
            savepoint.rollback()
            assert auth_counter_in_write(session) is not None
            session.rollback()

    def test_a_database_without_the_flags_never_reuses_a_lookup_in_a_write(
        self, postgres, monkeypatch
    ):
        """Before migration 0007 a write of users would go unnoticed: fail closed."""
        monkeypatch.setattr(
            change_counters, "_FLAGS_INSTALLED", weakref.WeakKeyDictionary()
        )
        with Session(postgres) as session:
            session.connection().exec_driver_sql(
                "DROP TRIGGER users_notes_write_auth ON users"
            )
            assert auth_counter_in_write(session) is None
            session.rollback()
