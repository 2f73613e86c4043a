"""Concurrent writers on one session: no reading is lost; a racing status change is a 409.

Each thread has its own database session on a freshly migrated database (not the rolled-back
test transaction), and commits per call as a request would.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.conftest import new_database_url
from tests.factories import (
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course

from ketapath.db import migrate
from ketapath.db.base import utcnow
from ketapath.db.engine import begin_write, make_engine, make_session_factory
from ketapath.db.models import Role, TreatmentSession
from ketapath.db.repositories.sessions import SessionRepository
from ketapath.schemas.course import SessionCancel
from ketapath.schemas.session import (
    CheckInCreate,
    DoseCreate,
    ReadyCreate,
    VitalSignCreate,
)
from ketapath.services import courses as course_service
from ketapath.services import session_flows as flows
from ketapath.services.errors import ConflictError
from ketapath.services.permissions import Actor

READINGS_PER_THREAD = 15


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[sessionmaker[Session]]:
    url, fresh = new_database_url(str(request.param), tmp_path)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        yield make_session_factory(engine)
    finally:
        engine.dispose()
        if fresh is not None:
            fresh.drop()


def _load(s: Session, session_id: uuid.UUID) -> TreatmentSession:
    treatment = SessionRepository(s).get_full(session_id)
    assert treatment is not None
    return treatment


def _setup(
    factory: sessionmaker[Session], *, dosed: bool
) -> tuple[Actor, Actor, list[uuid.UUID]]:
    with factory() as s:
        begin_write(s)
        clinic = make_clinic(s)
        _site, chairs = make_site_with_chairs(s, clinic)
        patient = make_patient(s, clinic)
        patient.rems_enrolled = True
        prescriber = make_user(s, clinic, role=Role.PRESCRIBER)
        nurse = make_user(s, clinic, role=Role.NURSE)
        _course, sessions = make_course(s, patient, prescriber, chair=chairs[0])
        ids = [t.id for t in sessions]
        doctor, other = actor_for(prescriber), actor_for(nurse)
        if dosed:
            flows.check_in(
                s,
                actor=doctor,
                session_id=ids[0],
                data=CheckInCreate(
                    systolic_mmhg=120,
                    diastolic_mmhg=80,
                    hours_since_food=Decimal(3),
                    minutes_since_liquids=60,
                    pulse_oximeter_available=True,
                    transport_arranged=True,
                ),
            )
            flows.give_dose(
                s,
                actor=doctor,
                session_id=ids[0],
                data=DoseCreate(given_at=utcnow() - timedelta(minutes=30)),
            )
        s.commit()
    return doctor, other, ids


def _in_threads(*targets: Callable[[], None]) -> list[BaseException]:
    barrier = threading.Barrier(len(targets))
    errors: list[BaseException] = []

    def run(target: Callable[[], None]) -> None:
        barrier.wait()
        try:
            target()
        except BaseException as error:  # collected and asserted by the test
            errors.append(error)

    threads = [threading.Thread(target=run, args=(t,)) for t in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


class TestConcurrentVitals:
    def test_two_nurses_recording_at_once_lose_no_reading(self, factory):
        doctor, nurse, ids = _setup(factory, dosed=True)

        def record(actor: Actor, base: int):
            def go() -> None:
                for i in range(READINGS_PER_THREAD):
                    with factory() as s:
                        begin_write(s)
                        flows.record_vitals(
                            s,
                            actor=actor,
                            session_id=ids[0],
                            data=VitalSignCreate(heart_rate_bpm=base + i, spo2_pct=97),
                        )
                        s.commit()

            return go

        assert _in_threads(record(doctor, 60), record(nurse, 100)) == []
        with factory() as s:
            rates = sorted(
                v.heart_rate_bpm
                for v in _load(s, ids[0]).vitals
                if v.heart_rate_bpm is not None
            )
        expected = sorted(
            [60 + i for i in range(READINGS_PER_THREAD)]
            + [100 + i for i in range(READINGS_PER_THREAD)]
        )
        assert (
            rates == expected
        )  # check-in reading has no heart rate; 2N readings, none lost


class TestConcurrentStatusChange:
    def test_racing_ready_calls_give_one_success_and_one_409(self, factory):
        doctor, nurse, ids = _setup(factory, dosed=True)
        outcomes: list[str] = []

        def ready(actor: Actor):
            def go() -> None:
                with factory() as s:
                    begin_write(s)
                    try:
                        flows.mark_ready(
                            s,
                            actor=actor,
                            session_id=ids[0],
                            data=ReadyCreate(
                                sedation_resolved=True,
                                dissociation_resolved=True,
                                respiratory_ok=True,
                            ),
                        )
                        s.commit()
                        outcomes.append("ok")
                    except ConflictError:
                        s.rollback()
                        outcomes.append("conflict")

            return go

        assert _in_threads(ready(doctor), ready(nurse)) == []
        assert sorted(outcomes) == ["conflict", "ok"]

    def test_a_change_from_a_stale_read_is_a_409_not_a_lost_update(self, factory):
        doctor, nurse, ids = _setup(factory, dosed=False)
        stale = factory()
        seen = _load(stale, ids[0])  # read version 1 (keep a reference) ...
        stale.commit()  # ... and keep the object (expire_on_commit is off)
        with factory() as s:
            begin_write(s)
            flows.check_in(
                s,
                actor=doctor,
                session_id=ids[0],
                data=CheckInCreate(
                    systolic_mmhg=120,
                    diastolic_mmhg=80,
                    hours_since_food=Decimal(3),
                    minutes_since_liquids=60,
                    pulse_oximeter_available=True,
                    transport_arranged=True,
                ),
            )
            s.commit()
        assert seen.version == 1  # the other writer is at version 2
        begin_write(stale)
        with pytest.raises(ConflictError, match="session changed, reload"):
            course_service.cancel_session(
                stale,
                actor=nurse,
                session_id=ids[0],
                data=SessionCancel(reason="double booked"),
            )
        stale.rollback()
        stale.close()
        with factory() as s:
            assert _load(s, ids[0]).status.value == "checked_in"
