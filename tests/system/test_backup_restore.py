"""Backup and restore round trips on SQLite and PostgreSQL: every row of every table comes back.

These tests need committed data, so each one makes its own fresh database (never the
rolled-back ``session`` fixture) and drops it afterwards.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, MetaData, delete, select, text, update
from sqlalchemy.exc import DBAPIError
from tests.conftest import new_database_url
from tests.factories import (
    actor_for,
    bearer_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)

from ketapath.db import migrate
from ketapath.db.engine import make_engine, make_session_factory, session_scope
from ketapath.db.models import Clinic, Patient, Role
from ketapath.schemas.patient import IdentifierIn, PatientCreate
from ketapath.services import auth as auth_service
from ketapath.services.backup import BackupError, backup_database, restore_database
from ketapath.services.patients import enrol_patient

Snapshot = dict[str, list[tuple[Any, ...]]]
BARE_MRN = "MRN-BARE"


@pytest.fixture
def new_engine(db_kind: str, tmp_path: Path) -> Iterator[Callable[..., Engine]]:
    """Make fresh databases of the test's kind; every one is disposed and dropped after."""
    made: list[tuple[Engine, Any]] = []

    def make(*, migrated: bool = True) -> Engine:
        url, fresh = new_database_url(db_kind, tmp_path)
        engine = make_engine(url)
        made.append((engine, fresh))
        if migrated:
            migrate.upgrade(engine)
        return engine

    yield make
    for engine, fresh in made:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


def populate(engine: Engine) -> None:
    """Commit a clinic, site, chairs, users, tokens, patients, identifiers and audit entries."""
    with session_scope(make_session_factory(engine)) as session:
        clinic = make_clinic(session)
        make_site_with_chairs(session, clinic, chairs=3)
        admin = make_user(session, clinic, role=Role.ADMIN)
        front_desk = make_user(session, clinic, role=Role.FRONT_DESK)
        bearer_for(session, admin)
        enrolled = [
            enrol_patient(
                session,
                actor=actor_for(front_desk),
                data=PatientCreate(
                    mrn=f"MRN-{n}",
                    given_name="Grace",
                    family_name=f"Hopper {n}",
                    birth_date=date(1975, 12, 9),
                    sex="female",
                    identifiers=[
                        IdentifierIn(system="urn:insurer:acme", value=f"A-{n}")
                    ],
                ),
            )
            for n in range(3)
        ]
        auth_service.create_user(
            session,
            clinic_id=clinic.id,
            email="patient0@example.org",
            display_name="Grace Hopper",
            role=Role.PATIENT,
            password="a long enough password",
            patient_id=enrolled[0].id,
            actor=actor_for(admin),
        )
        make_patient(session, clinic, mrn=BARE_MRN)  # no audit rows: may be deleted


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table in the database (reflected, so nothing is left out)."""
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        return {
            table.name: sorted(
                (tuple(row) for row in connection.execute(select(table))), key=repr
            )
            for table in metadata.sorted_tables
        }


def mutate(engine: Engine) -> None:
    """Delete, change and add rows (audit_log is append-only, so only appended to)."""
    with session_scope(make_session_factory(engine)) as session:
        session.execute(delete(Patient).where(Patient.mrn == BARE_MRN))
        session.execute(update(Clinic).values(name="Renamed"))
        clinic = session.scalars(select(Clinic)).one()
        front_desk = make_user(session, clinic, role=Role.FRONT_DESK)
        enrol_patient(
            session,
            actor=actor_for(front_desk),
            data=PatientCreate(
                mrn="MRN-LATER",
                given_name="Ada",
                family_name="Lovelace",
                birth_date=date(1980, 1, 1),
                sex="female",
            ),
        )


@pytest.fixture
def populated(new_engine: Callable[..., Engine]) -> tuple[Engine, Snapshot]:
    engine = new_engine()
    populate(engine)
    return engine, snapshot(engine)


class TestBackupAndRestore:
    def test_restore_brings_back_every_row_after_deletes_updates_and_inserts(
        self, populated, tmp_path
    ):
        engine, before = populated
        assert {"clinics", "sites", "chairs", "users", "auth_tokens", "patients"} <= {
            name for name, rows in before.items() if rows
        }
        assert len(before["audit_log"]) >= 4
        backup_database(engine, tmp_path / "clinic.backup")
        mutate(engine)
        assert snapshot(engine) != before

        result = restore_database(engine, tmp_path / "clinic.backup", overwrite=True)

        assert snapshot(engine) == before
        assert result.backup_revision == migrate.head_revision()
        assert result.revision == migrate.head_revision()

    def test_restore_into_an_empty_database_copies_every_row(
        self, populated, new_engine, tmp_path
    ):
        engine, before = populated
        backup_database(engine, tmp_path / "clinic.backup")
        target = new_engine(migrated=False)

        restore_database(target, tmp_path / "clinic.backup", overwrite=False)

        assert snapshot(target) == before

    def test_restored_audit_log_is_still_append_only(
        self, populated, new_engine, tmp_path
    ):
        engine, _ = populated
        backup_database(engine, tmp_path / "clinic.backup")
        target = new_engine(migrated=False)
        restore_database(target, tmp_path / "clinic.backup", overwrite=False)

        with pytest.raises(DBAPIError, match="append-only"), target.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))

    def test_restore_refuses_to_replace_data_without_consent(
        self, populated, new_engine, tmp_path
    ):
        engine, _ = populated
        backup_database(engine, tmp_path / "clinic.backup")
        other = new_engine()
        populate(other)
        other_rows = snapshot(other)

        with pytest.raises(BackupError, match="has data") as raised:
            restore_database(other, tmp_path / "clinic.backup", overwrite=False)

        assert raised.value.field == "yes"
        assert snapshot(other) == other_rows

    def test_backup_refuses_to_overwrite_an_existing_file(self, populated, tmp_path):
        engine, _ = populated
        existing = tmp_path / "clinic.backup"
        existing.write_bytes(b"an older backup")

        with pytest.raises(BackupError, match="already exists"):
            backup_database(engine, existing)

        assert existing.read_bytes() == b"an older backup"
        assert sorted(p.name for p in tmp_path.iterdir() if "partial" in p.name) == []

    def test_restore_rejects_a_backup_at_an_unknown_revision(
        self, populated, new_engine, tmp_path
    ):
        engine, _ = populated
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
        backup_database(engine, tmp_path / "future.backup")
        target = new_engine()

        with pytest.raises(BackupError, match="revision f00d"):
            restore_database(target, tmp_path / "future.backup", overwrite=True)

        assert snapshot(target)["clinics"] == []

    def test_restore_rejects_a_file_that_is_not_a_backup(self, new_engine, tmp_path):
        junk = tmp_path / "junk.backup"
        junk.write_bytes(b"this is not a database\n" * 100)
        target = new_engine()

        with pytest.raises(BackupError) as raised:
            restore_database(target, junk, overwrite=True)

        assert raised.value.field == "path"
        assert migrate.current_revision(target) == migrate.head_revision()

    def test_restore_rejects_a_database_without_ketapath_schema(
        self, new_engine, tmp_path
    ):
        empty = new_engine(migrated=False)
        with empty.begin() as connection:
            connection.execute(text("CREATE TABLE unrelated (id INTEGER PRIMARY KEY)"))
        backup_database(empty, tmp_path / "unrelated.backup")

        with pytest.raises(BackupError, match="not a ketapath database"):
            restore_database(
                new_engine(), tmp_path / "unrelated.backup", overwrite=True
            )
