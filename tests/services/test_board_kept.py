"""The board kept between reads is the board a fresh read builds, whatever was written between.

A read keeps the day's rows under the ``board`` change counter (services.board._day); any write
to a table the board reads must raise it. Each step here reads the board (so that it is kept),
makes one write straight through the ORM, as no service path in particular (a new reading,
a dose, a renamed patient, a moved chair, an alert raised or acknowledged, a status change, a
renamed site, the clinic's esketamine ruleset, or a write the board does not read), then compares the
board the next read answers with one built after everything kept was dropped. A table missing
its trigger makes the kept board stale and fails this.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from ketapath.db.engine import read_only
from ketapath.db.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    AuditEntry,
    Chair,
    Clinic,
    Dose,
    Note,
    Patient,
    Role,
    SessionStatus,
    Site,
    TreatmentSession,
    VitalSign,
)
from ketapath.services import board
from ketapath.services.clinic import today_in
from ketapath.services.permissions import Actor
from tests.factories import (
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course
from tests.statements import statements_sent

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY = date(2025, 3, 3)
NOW = datetime.fromisoformat("2025-03-03T15:00:00+00:00")
ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")
"""UTC+14 and UTC-11: their dates always differ, so today's board depends on the zone."""


def drop_kept() -> None:
    board._DAYS.clear()
    board._CLINICS.clear()
    board._card_at.cache_clear()


def read_board(
    connection: Connection, actor: Actor, now: datetime, day: date | None = DAY
) -> bytes:
    """One read snapshot's board, as the API answers it (``day`` None: the clinic's today)."""
    reader = read_only(
        Session(bind=connection, join_transaction_mode="create_savepoint")
    )
    try:
        return board.board_json(reader, actor=actor, day=day, now=now)
    finally:
        reader.expunge_all()  # the read's audit entry: not what is compared here
        reader.close()


Write = Callable[[Session, int], None]


def _sessions(session: Session) -> list[TreatmentSession]:
    return list(
        session.query(TreatmentSession)
        .filter(TreatmentSession.scheduled_date == DAY)
        .order_by(TreatmentSession.id)
    )


def new_reading(session: Session, n: int) -> None:
    target = _sessions(session)[n % 3]
    session.add(
        VitalSign(
            session_id=target.id,
            taken_at=NOW - timedelta(minutes=n % 7),
            minutes_after_dose=40 + n,
            systolic_mmhg=120 + n,
            diastolic_mmhg=80,
            heart_rate_bpm=70,
            spo2_pct=98,
        )
    )


def new_dose(session: Session, n: int) -> None:
    target = _sessions(session)[n % 3]
    session.add(
        Dose(
            session_id=target.id,
            drug="esketamine",
            dose_mg=Decimal(56),
            devices=2,
            given_at=NOW - timedelta(minutes=30 + n),
        )
    )
    target.first_dose_at = target.first_dose_at or NOW - timedelta(minutes=30 + n)
    target.status = SessionStatus.MONITORING


def rename_patient(session: Session, n: int) -> None:
    patient = session.get(Patient, _sessions(session)[n % 3].patient_id)
    assert patient is not None
    patient.family_name = f"Renamed{n}"


def move_chair(session: Session, n: int) -> None:
    target = _sessions(session)[n % 3]
    chairs = list(session.query(Chair).order_by(Chair.name))
    target.chair_id = chairs[n % len(chairs)].id


def rename_chair(session: Session, n: int) -> None:
    chair = session.query(Chair).order_by(Chair.name).first()
    assert chair is not None
    chair.name = f"Renamed chair {uuid.uuid4().hex[:8]}"


def rename_site(session: Session, n: int) -> None:
    site = session.query(Site).first()
    assert site is not None
    site.name = f"Site {n}"


def raise_alert(session: Session, n: int) -> None:
    session.add(
        Alert(
            patient_id=_sessions(session)[n % 3].patient_id,
            kind=AlertKind.VITALS,
            severity=AlertSeverity.HIGH,
            message="BP high",
            rule_id="BP-ESK-01",
        )
    )


def acknowledge_alerts(session: Session, n: int) -> None:
    for alert in session.query(Alert).filter(Alert.acknowledged_at.is_(None)):
        alert.acknowledged_at = NOW
        alert.acknowledged_by_id = session.info["author_id"]


def discharge(session: Session, n: int) -> None:
    target = _sessions(session)[n % 3]
    target.status = SessionStatus.DISCHARGED
    target.version += 1


def change_time_zone(session: Session, n: int) -> None:
    """Which date is today's board: the two zones are always a day apart."""
    clinic = session.query(Clinic).first()
    assert clinic is not None
    clinic.timezone = ZONES[n % 2]


def change_ruleset(session: Session, n: int) -> None:
    """The esketamine ruleset decides the vitals schedule and the discharge gate on a card."""
    clinic = session.query(Clinic).first()
    assert clinic is not None
    clinic.settings = {"esketamine_ruleset": ["eu-au", "us"][n % 2]}


def unseen_write(session: Session, n: int) -> None:
    """Rows the board never reads: the kept board stays (and must still be right)."""
    session.add(AuditEntry(action="read", entity="patient", occurred_at=NOW))
    patient = _sessions(session)[n % 3].patient_id
    session.add(
        Note(
            patient_id=patient,
            author_id=session.info["author_id"],
            kind="progress",
            body=f"note {n}",
        )
    )


WRITES: list[Write] = [
    new_reading,
    new_dose,
    rename_patient,
    move_chair,
    rename_chair,
    rename_site,
    raise_alert,
    acknowledge_alerts,
    discharge,
    change_ruleset,
    change_time_zone,
    unseen_write,
]


@pytest.fixture
def clinic_day(session):
    drop_kept()
    clinic = make_clinic(session)
    _site, chairs = make_site_with_chairs(session, clinic, chairs=3)
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    nurse = make_user(session, clinic, role=Role.NURSE)
    for index in range(3):
        patient = make_patient(session, clinic, family_name=f"P{index}")
        make_course(
            session,
            patient,
            prescriber,
            chair=chairs[index],
            start=DAY,
            scheduled_time=f"{8 + index:02d}:00",
            weekdays=ALL_DAYS,
        )
    # sessions every day around today, so that today's board differs between the zones
    clinic.timezone = ZONES[0]
    today = min(today_in(Clinic(timezone=zone)) for zone in ZONES)
    make_course(
        session,
        make_patient(session, clinic, family_name="Today"),
        prescriber,
        chair=chairs[0],
        start=today - timedelta(days=1),
        scheduled_time="12:00",
        weekdays=ALL_DAYS,
    )
    session.info["author_id"] = prescriber.id
    session.flush()
    actor = actor_for(nurse)
    boards = set()
    for zone in ZONES:
        clinic.timezone = zone
        session.flush()
        drop_kept()
        boards.add(read_board(session.connection(), actor, NOW, day=None))
    assert len(boards) == 2, "today's board should differ between the zones"
    clinic.timezone = ZONES[0]
    session.flush()
    yield actor
    drop_kept()


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    steps=st.lists(
        st.tuples(st.sampled_from(WRITES), st.integers(0, 50), st.integers(0, 90)),
        min_size=1,
        max_size=6,
    )
)
def test_kept_board_equals_a_fresh_one_after_any_write(
    session, connection, clinic_day, steps
):
    actor = clinic_day
    example = session.begin_nested()  # each example starts from the same clinic day
    drop_kept()
    try:
        for write, n, minutes in steps:
            now = NOW + timedelta(minutes=minutes)
            read_board(connection, actor, now)  # kept from here
            read_board(connection, actor, now, day=None)
            write(session, n)
            session.flush()
            kept = read_board(connection, actor, now)
            kept_today = read_board(connection, actor, now, day=None)
            drop_kept()
            assert kept == read_board(connection, actor, now), write.__name__
            assert kept_today == read_board(connection, actor, now, day=None), (
                write.__name__
            )
    finally:
        example.rollback()
        session.expunge_all()


def test_an_unchanged_board_is_answered_from_what_was_kept(
    session, connection, clinic_day
):
    """Without a write in between, the second read runs no board query (it would be stale
    if a write were missed, which the property above rules out)."""
    read_board(connection, clinic_day, NOW)
    with statements_sent(connection) as seen:
        read_board(connection, clinic_day, NOW + timedelta(minutes=1))
    assert not [s for s in seen if "treatment_sessions" in s], seen
    assert any("change_counters" in s for s in seen)
