"""`ketapath user create|list`: first user on a fresh install, prompts, and errors naming the field."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from ketapath.db.engine import make_engine, make_session_factory, session_scope
from ketapath.db.models import AuditEntry, Clinic, Role, User
from ketapath.services.auth import verify_password
from tests.cli.test_db import Database, one_line_error
from tests.factories import make_patient

PASSWORD = "a long enough password"


@pytest.fixture
def database(db_kind: str, tmp_path: Path) -> Iterator[Database]:
    database = Database(db_kind, tmp_path)
    yield database
    if database.fresh is not None:
        database.fresh.drop()


def create(
    database: Database,
    *extra: str,
    email: str = "n@example.org",
    password: str = PASSWORD,
):
    return database.run(
        "user",
        "create",
        "--email",
        email,
        "--name",
        "Nina Nurse",
        "--role",
        "nurse",
        "--password-stdin",
        *extra,
        input=f"{password}\n",
    )


def stored_user(database: Database, email: str) -> User:
    engine = make_engine(database.url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            return session.scalars(select(User).where(User.email == email)).one()
    finally:
        engine.dispose()


class TestUserCreate:
    def test_first_user_on_a_fresh_install_migrates_creates_the_clinic_and_prints_the_id(
        self, database
    ):
        result = create(database, "--on-call")
        assert result.exit_code == 0, result.stderr
        user = stored_user(database, "n@example.org")
        assert uuid.UUID(result.stdout.strip()) == user.id
        assert (user.role, user.display_name, user.on_call) == (
            Role.NURSE,
            "Nina Nurse",
            True,
        )
        assert verify_password(user.password_hash, PASSWORD)
        assert PASSWORD not in result.stdout + result.stderr

    def test_creation_is_audited_and_a_second_user_joins_the_same_clinic(
        self, database
    ):
        create(database)
        assert create(database, email="second@example.org").exit_code == 0
        engine = make_engine(database.url)
        try:
            with engine.connect() as connection:
                assert len(connection.scalars(select(Clinic.id)).all()) == 1
                entities = connection.scalars(
                    select(AuditEntry.entity).where(AuditEntry.action == "create")
                ).all()
        finally:
            engine.dispose()
        assert sorted(entities) == ["clinic", "user", "user"]

    def test_prompts_twice_for_a_hidden_password(self, database):
        result = database.run(
            "user",
            "create",
            "--email",
            "p@example.org",
            "--name",
            "P",
            "--role",
            "admin",
            input=f"{PASSWORD}\n{PASSWORD}\n",
        )
        assert result.exit_code == 0, result.stderr
        assert PASSWORD not in result.stdout
        assert verify_password(
            stored_user(database, "p@example.org").password_hash, PASSWORD
        )

    def test_mismatched_prompts_ask_again(self, database):
        result = database.run(
            "user",
            "create",
            "--email",
            "p@example.org",
            "--name",
            "P",
            "--role",
            "admin",
            input=f"{PASSWORD}\nsomething else!\n{PASSWORD}x\n{PASSWORD}x\n",
        )
        assert result.exit_code == 0, result.stderr
        assert verify_password(
            stored_user(database, "p@example.org").password_hash, f"{PASSWORD}x"
        )

    def test_patient_user_is_linked_to_the_record_with_that_mrn(self, database):
        create(database)
        engine = make_engine(database.url)
        try:
            with session_scope(make_session_factory(engine)) as session:
                clinic = session.scalars(select(Clinic)).one()
                patient_id = make_patient(session, clinic, mrn="MRN-77").id
        finally:
            engine.dispose()
        result = database.run(
            "user",
            "create",
            "--email",
            "pat@example.org",
            "--name",
            "Pat",
            "--role",
            "patient",
            "--patient-mrn",
            "MRN-77",
            "--password-stdin",
            input=f"{PASSWORD}\n",
        )
        assert result.exit_code == 0, result.stderr
        assert stored_user(database, "pat@example.org").patient_id == patient_id

    @pytest.mark.parametrize(
        ("extra", "password", "prefix"),
        [
            ((), "short", "error: password: password must be at least 10"),
            (
                ("--role", "patient"),
                PASSWORD,
                "error: patient-mrn: a patient user needs",
            ),
            (
                ("--patient-mrn", "MRN-1"),
                PASSWORD,
                "error: patient-mrn: no patient with MRN MRN-1",
            ),
        ],
        ids=["short-password", "patient-without-mrn", "unknown-mrn"],
    )
    def test_bad_input_is_one_line_naming_the_field_and_writes_nothing(
        self, database, extra, password, prefix
    ):
        create(database, email="first@example.org")
        line = one_line_error(create(database, *extra, password=password))
        assert line.startswith(prefix)
        assert [u.email for u in [stored_user(database, "first@example.org")]]
        with pytest.raises(Exception, match="No row"):
            stored_user(database, "n@example.org")

    def test_taken_email_is_refused_case_insensitively(self, database):
        create(database)
        line = one_line_error(create(database, email="N@Example.org"))
        assert line == "error: email: a user with this e-mail already exists"

    def test_malformed_email_names_email(self, database):
        line = one_line_error(create(database, email="not-an-address"))
        assert line.startswith("error: email:")

    def test_unknown_role_is_a_usage_error(self, database):
        result = database.run(
            "user",
            "create",
            "--email",
            "x@example.org",
            "--name",
            "X",
            "--role",
            "boss",
            "--password-stdin",
            input=f"{PASSWORD}\n",
        )
        assert result.exit_code == 2
        assert "--role" in result.stderr


class TestUserList:
    def test_lists_users_without_password_hashes(self, database):
        create(database)
        create(database, email="second@example.org")
        result = database.run("user", "list")
        assert result.exit_code == 0, result.stderr
        assert "n@example.org" in result.stdout
        assert "second@example.org" in result.stdout
        assert "2 user(s)" in result.stdout
        assert "argon2" not in result.stdout

    def test_on_an_uninitialised_database_says_what_to_run(self, database):
        line = one_line_error(database.run("user", "list"))
        assert line.startswith("error: database: not initialised")
