"""The hot paths run a fixed, small number of SQL statements, however much data they cover.

The board for 5 or 20 live sessions (each with several readings) and one vitals write to a
session with few or many readings each cost the same statements; and every card agrees with
the session record the nurse opens (timer, next due, latest reading, discharge gate).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from ketapath.db.models import (
    Chair,
    Clinic,
    Dose,
    Role,
    SessionStatus,
    TreatmentSession,
    User,
    VitalSign,
)
from ketapath.schemas.board import BoardCard
from ketapath.schemas.session import VitalSignCreate
from ketapath.services import board, session_flows
from ketapath.services import sessions as session_service
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
BOUND = 3
"""Board: the cards query and the audit insert (the clinic is already loaded here)."""


@contextmanager
def statements(session: Session) -> Iterator[list[str]]:
    """Every SQL statement sent while the block runs (pending writes flushed at the end)."""
    with statements_sent(session.connection()) as seen:
        yield seen
        session.flush()


def live_session(
    session: Session,
    clinic: Clinic,
    prescriber: User,
    chair: Chair,
    index: int,
    *,
    readings: int = 4,
) -> TreatmentSession:
    """An esketamine session dosed ``30 + 5 * index`` min before NOW, with timed readings."""
    patient = make_patient(session, clinic, family_name=f"Live{index:02d}")
    _course, planned = make_course(
        session,
        patient,
        prescriber,
        chair=chair,
        start=DAY,
        scheduled_time=f"{8 + index // 4:02d}:{(index % 4) * 15:02d}",
        weekdays=ALL_DAYS,
    )
    treatment = planned[0]
    assert treatment.scheduled_date == DAY
    dosed = NOW - timedelta(minutes=30 + 5 * index)
    treatment.status = SessionStatus.MONITORING
    treatment.checked_in_at = dosed - timedelta(minutes=10)
    treatment.first_dose_at = dosed
    session.add(
        Dose(session_id=treatment.id, drug="esketamine", dose_mg=56, given_at=dosed)
    )
    for n in range(readings):
        minute = (
            12 * n + (index % 4) * 4
        )  # the 40-min BP is covered when index % 4 == 3
        bp = n % 2 == 0  # every other reading has no blood pressure
        session.add(
            VitalSign(
                session_id=treatment.id,
                taken_at=dosed + timedelta(minutes=minute),
                minutes_after_dose=minute,
                systolic_mmhg=128 if bp else None,
                diastolic_mmhg=80 if bp else None,
                heart_rate_bpm=70 + n,
                spo2_pct=98,
            )
        )
    session.flush()
    return treatment


def test_board_statements_do_not_grow_with_sessions_and_cards_match_the_record(
    session: Session,
) -> None:
    clinic = make_clinic(session)
    _site, chairs = make_site_with_chairs(session, clinic, chairs=20)
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    nurse = actor_for(make_user(session, clinic, role=Role.NURSE))
    for index in range(5):
        live_session(session, clinic, prescriber, chairs[index], index)
    with statements(session) as few:
        five = board.get_board(session, actor=nurse, day=DAY, now=NOW)
    for index in range(5, 20):
        live_session(session, clinic, prescriber, chairs[index], index)
    with statements(session) as many:
        twenty = board.get_board(session, actor=nurse, day=DAY, now=NOW)
    assert len(five.cards) == 5
    assert len(twenty.cards) == 20
    assert len(many) == len(few) <= BOUND, many
    for card in twenty.cards:
        record = session_service.get_session(
            session, actor=nurse, session_id=card.session_id, now=NOW
        )
        assert card.minutes_since_first_dose == record.minutes_since_first_dose
        assert card.next_due == record.next_due
        assert card.discharge_gate == record.discharge_gate
        latest = max(record.vitals, key=lambda v: v.taken_at)
        assert card.latest_vitals == latest
        assert card.open_alerts == 0
    assert {c.next_due.label if c.next_due else None for c in twenty.cards} >= {
        "BP at 40 min",
        "pre-discharge vitals",
    }


def test_vitals_write_statements_do_not_grow_with_readings(session: Session) -> None:
    clinic = make_clinic(session)
    _site, chairs = make_site_with_chairs(session, clinic, chairs=2)
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    nurse = actor_for(make_user(session, clinic, role=Role.NURSE))
    few_readings = live_session(session, clinic, prescriber, chairs[0], 0, readings=2)
    many_readings = live_session(session, clinic, prescriber, chairs[1], 1, readings=40)
    session.expunge_all()  # as in a request: nothing loaded yet
    data = VitalSignCreate(systolic_mmhg=132, diastolic_mmhg=84, heart_rate_bpm=76)
    counts = []
    for treatment_id in (few_readings.id, many_readings.id):
        with statements(session) as seen:
            vital, alert = session_flows.record_vitals(
                session, actor=nurse, session_id=treatment_id, data=data
            )
        assert vital.session_id == treatment_id
        assert alert is None
        counts.append(len(seen))
    # the session, patient, course and clinic in one query; the reading; the audit entry
    assert counts[0] == counts[1] <= 3, counts


def test_board_cards_are_reused_only_while_nothing_they_show_changes(
    session: Session,
) -> None:
    """The card memo: same row and same minute → the same card; any change → a new one."""
    clinic = make_clinic(session)
    _site, chairs = make_site_with_chairs(session, clinic, chairs=1)
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    nurse = actor_for(make_user(session, clinic, role=Role.NURSE))
    treatment = live_session(session, clinic, prescriber, chairs[0], 3)

    def card_at(moment: datetime) -> BoardCard:
        (only,) = board.get_board(session, actor=nurse, day=DAY, now=moment).cards
        return only

    first = card_at(NOW)
    assert card_at(NOW + timedelta(seconds=59)) is first  # same minute, same row
    later = card_at(NOW + timedelta(minutes=1))
    assert later is not first
    assert first.minutes_since_first_dose is not None
    assert later.minutes_since_first_dose == first.minutes_since_first_dose + 1

    moment = NOW + timedelta(minutes=10)  # after the fixture's last reading
    before_reading = card_at(moment)
    vital, _ = session_flows.record_vitals(
        session,
        actor=nurse,
        session_id=treatment.id,
        data=VitalSignCreate(systolic_mmhg=150, diastolic_mmhg=90),
        now=moment,
    )
    after_reading = card_at(moment)
    assert after_reading is not before_reading
    assert after_reading.latest_vitals is not None
    assert after_reading.latest_vitals.id == vital.id

    gate_before = after_reading.discharge_gate
    treatment.discharge = {"effects": {"sedation_resolved": True}}
    session.flush()
    after_discharge_note = card_at(moment)
    assert after_discharge_note.discharge_gate != gate_before
    record = session_service.get_session(
        session, actor=nurse, session_id=treatment.id, now=moment
    )
    assert after_discharge_note.discharge_gate == record.discharge_gate
    assert after_discharge_note.latest_vitals == max(
        record.vitals, key=lambda v: v.taken_at
    )
