"""`ketapath user`: create the first accounts from the shell, and list who can sign in.

Creating a user is how an installation starts, so ``user create`` migrates an empty or older
database and, when there is no clinic yet, creates it. Passwords are read without echo (or
from stdin for scripts) and never printed or logged.
"""

from __future__ import annotations

import sys
import uuid
from typing import Annotated

import typer
from email_validator import EmailNotValidError, validate_email
from rich.console import Console
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketapath.cli.console import console
from ketapath.cli.db import DataDirOption, open_engine
from ketapath.cli.output import fail
from ketapath.db import migrate
from ketapath.db.engine import make_session_factory, session_scope
from ketapath.db.models import Clinic, Role, User
from ketapath.db.repositories.patients import PatientRepository
from ketapath.db.repositories.users import UserRepository
from ketapath.services import audit
from ketapath.services import auth as auth_service
from ketapath.services.errors import UnprocessableError

__all__ = ["register"]

DEFAULT_CLINIC_NAME = "ketapath clinic"

user_app = typer.Typer(name="user", help="Create and list users.", no_args_is_help=True)


def _checked_email(email: str) -> str:
    """The e-mail, syntax-checked (no DNS look-up: clinics may run offline)."""
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as error:
        fail(f"email: {error}")


def _read_password(from_stdin: bool) -> str:
    """One line from stdin (scripts), or a hidden prompt asked twice (people)."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


def _clinic_for(session: Session, clinic_name: str) -> Clinic:
    """The installation's clinic; created (and audited) when the database has none.

    ketapath runs one clinic per database, so a second clinic is an error, not a guess.
    """
    clinics = session.scalars(select(Clinic).order_by(Clinic.created_at)).all()
    if len(clinics) > 1:
        fail(
            "clinic: the database holds more than one clinic; create users in the web UI"
        )
    if clinics:
        return clinics[0]
    clinic = Clinic(name=clinic_name, timezone="UTC", settings={})
    session.add(clinic)
    session.flush()
    audit.record(
        session, actor=None, action="create", entity="clinic", entity_id=clinic.id
    )
    return clinic


def _patient_id(session: Session, mrn: str | None, clinic: Clinic) -> uuid.UUID | None:
    """Resolve ``--patient-mrn`` to the patient's id within the clinic."""
    if mrn is None:
        return None
    patient = PatientRepository(session).by_mrn(mrn)
    if patient is None or patient.clinic_id != clinic.id:
        fail(f"patient-mrn: no patient with MRN {mrn}")
    return patient.id


@user_app.command("create")
def create(
    email: Annotated[str, typer.Option("--email", help="Sign-in e-mail.")],
    name: Annotated[str, typer.Option("--name", help="Display name.")],
    role: Annotated[Role, typer.Option("--role", help="What the user may do.")],
    patient_mrn: Annotated[
        str | None,
        typer.Option("--patient-mrn", help="The patient record of a `patient` user."),
    ] = None,
    on_call: Annotated[
        bool, typer.Option("--on-call", help="Receives alert escalations.")
    ] = False,
    password_stdin: Annotated[
        bool,
        typer.Option(
            "--password-stdin", help="Read the password from stdin (one line)."
        ),
    ] = False,
    clinic_name: Annotated[
        str,
        typer.Option("--clinic-name", help="Name of the clinic if none exists yet."),
    ] = DEFAULT_CLINIC_NAME,
    data_dir: DataDirOption = None,
) -> None:
    """Create a user and print their id."""
    address = _checked_email(email)
    display_name = name.strip()
    if not display_name or len(display_name) > 200:
        fail("name: must be 1 to 200 characters")
    password = _read_password(password_stdin)
    with open_engine(data_dir) as engine:
        migrate.upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            clinic = _clinic_for(session, clinic_name)
            user = _create_user(
                session,
                clinic=clinic,
                email=address,
                display_name=display_name,
                role=role,
                password=password,
                patient_id=_patient_id(session, patient_mrn, clinic),
                on_call=on_call,
            )
        typer.echo(str(user.id))


def _create_user(
    session: Session,
    *,
    clinic: Clinic,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    patient_id: uuid.UUID | None,
    on_call: bool,
) -> User:
    """Call the service, naming CLI options rather than API fields in its errors."""
    try:
        return auth_service.create_user(
            session,
            clinic_id=clinic.id,
            email=email,
            display_name=display_name,
            role=role,
            password=password,
            patient_id=patient_id,
            on_call=on_call,
        )
    except UnprocessableError as error:
        if error.field == "patient_id":
            fail(
                "patient-mrn: a patient user needs --patient-mrn; staff users must not have one"
            )
        raise


@user_app.command("list")
def list_users(data_dir: DataDirOption = None) -> None:
    """List every user (never their password hashes)."""
    with open_engine(data_dir) as engine:
        if migrate.current_revision(engine) is None:
            fail(
                "database: not initialised; run `ketapath db upgrade` or `ketapath user create`"
            )
        with session_scope(make_session_factory(engine)) as session:
            users = [
                user
                for clinic in session.scalars(select(Clinic)).all()
                for user in UserRepository(session).list(clinic_id=clinic.id)
            ]
            _print_unfolded(_user_table(users))


def _print_unfolded(table: Table) -> None:
    """Print to a terminal as usual; piped output (grep, scripts) never folds an e-mail or id."""
    if console.is_terminal:
        console.print(table)
        return
    wide = console.options.update_width(10_000)
    width = console.measure(table, options=wide).maximum
    Console(file=console.file, width=width, color_system=None).print(table)


def _user_table(users: list[User]) -> Table:
    """A Rich table of users, by display name."""
    table = Table(title=f"{len(users)} user(s)")
    for column in ("email", "name", "role", "on call", "active", "id"):
        table.add_column(column, overflow="fold")
    for user in users:
        table.add_row(
            user.email,
            user.display_name,
            user.role.value,
            "yes" if user.on_call else "no",
            "yes" if user.active else "no",
            str(user.id),
        )
    return table


def register(app: typer.Typer) -> None:
    """Attach `user` to the root app."""
    app.add_typer(user_app, name="user")
