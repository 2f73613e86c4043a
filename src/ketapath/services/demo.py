"""Seed a realistic demo clinic through the real use cases.

Every record is made by the same services a clinician's request would call (enrol, record
history, assess, plan a course, check in, dose, vitals, scales, discharge, measurements,
acknowledge alerts), with past timestamps passed in where a session happened in the past. So
the demo shows exactly what ketapath stores, and the seed doubles as an end-to-end exercise of
the services. Names and scores are synthetic and deterministic (a fixed random seed).
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from ketapath.core.instruments import get_instrument
from ketapath.db.models import (
    Chair,
    Clinic,
    Role,
    SessionStatus,
    Site,
    TreatmentSession,
    User,
)
from ketapath.db.repositories.courses import CourseRepository
from ketapath.schemas.alert import AlertAcknowledge
from ketapath.schemas.assessment import AssessmentCreate, OverrideCreate
from ketapath.schemas.course import CourseCreate
from ketapath.schemas.history import ConditionCreate, MedicationCreate, TrialCreate
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.schemas.patient import PatientCreate, PatientUpdate
from ketapath.schemas.session import (
    CheckInCreate,
    DoseCreate,
    ReadyCreate,
    ScaleCreate,
    VitalSignCreate,
)
from ketapath.services import alerts as alert_service
from ketapath.services import assessments as assessment_service
from ketapath.services import auth as auth_service
from ketapath.services import courses as course_service
from ketapath.services import history as history_service
from ketapath.services import measurements as measurement_service
from ketapath.services import patients as patient_service
from ketapath.services import session_flows
from ketapath.services.demo_data import (
    FAMILY_NAMES,
    GIVEN_NAMES_F,
    GIVEN_NAMES_M,
    Pattern,
    items_for_total,
    scaled_total,
    trials_for,
)
from ketapath.services.errors import ServiceError
from ketapath.services.permissions import Actor

__all__ = ["DEMO_PASSWORD", "DemoSeedResult", "demo_logins", "seed_demo"]

DEMO_PASSWORD = "ketapath-demo"
CLINIC_NAME = "Riverside Ketamine Clinic"
CLINIC_TIMEZONE = "America/New_York"
PATIENT_COUNT = 50
RANDOM_SEED = 20261121

STAFF: tuple[tuple[Role, str, str, bool], ...] = (
    (Role.ADMIN, "admin@demo.ketapath.org", "Morgan Reyes (admin)", False),
    (Role.PRESCRIBER, "dr.okafor@demo.ketapath.org", "Dr Chinwe Okafor, MD", True),
    (Role.PRESCRIBER, "dr.lindqvist@demo.ketapath.org", "Dr Erik Lindqvist, MD", False),
    (Role.NURSE, "nurse.haddad@demo.ketapath.org", "Samira Haddad, RN", False),
    (Role.NURSE, "nurse.brennan@demo.ketapath.org", "Liam Brennan, RN", False),
    (Role.NURSE, "nurse.iwasaki@demo.ketapath.org", "Aiko Iwasaki, RN", False),
    (Role.THERAPIST, "therapist.valdez@demo.ketapath.org", "Lucia Valdez, LMFT", False),
    (Role.FRONT_DESK, "desk@demo.ketapath.org", "Jordan Pike (front desk)", False),
)
PATIENT_LOGIN = "patient@demo.ketapath.org"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CHAIRS = ("Chair 1", "Chair 2", "Chair 3", "Chair 4", "Room A (KAP)", "Room B (KAP)")


@dataclass
class DemoSeedResult:
    """What the seed made, and the logins to print."""

    logins: list[tuple[str, str, str]]
    patients: int = 0
    courses: int = 0
    sessions_held: int = 0
    measurements: int = 0
    open_alerts: int = 0


def demo_logins() -> list[tuple[str, str, str]]:
    """(role, e-mail, password) of every demo login, one per role plus the demo patient."""
    logins = [
        (role.value, email, DEMO_PASSWORD) for role, email, _name, _on_call in STAFF
    ]
    return [*logins, (Role.PATIENT.value, PATIENT_LOGIN, DEMO_PASSWORD)]


@dataclass
class _Staff:
    admin: Actor
    prescribers: list[Actor]
    nurses: list[Actor]
    therapist: Actor
    desk: Actor


@dataclass
class _Plan:
    """How one demo patient's story goes."""

    index: int
    protocol: str | None
    pattern: Pattern
    weeks_in: int
    sex: str
    age_years: int
    conditions: tuple[str, ...] = ()
    medications: tuple[tuple[str, str], ...] = ()
    open_suicide_alert: bool = False
    past_suicide_alert: bool = False
    today_state: SessionStatus | None = None
    notes: list[str] = field(default_factory=list)


def _actor(user: User) -> Actor:
    return Actor(
        user.id,
        user.role,
        user.clinic_id,
        user.patient_id,
        "127.0.0.1",
        user.display_name,
    )


def _at(day: date, clock: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=zone).astimezone(UTC)


def _plans(rng: random.Random) -> list[_Plan]:
    """Fifty stories: all three routes, every outcome pattern, a few not (yet) treated."""
    patterns = [
        Pattern.REMITTER,
        Pattern.RESPONDER,
        Pattern.PARTIAL,
        Pattern.NON_RESPONDER,
        Pattern.RELAPSE,
    ]
    protocols = (
        ["esketamine_trd"] * 20 + ["iv_induction"] * 18 + ["kap"] * 8 + [None] * 4
    )
    plans = []
    for index, protocol in enumerate(protocols):
        sex = "female" if index % 2 == 0 else "male"
        age = 22 + (index * 7) % 50
        if protocol == "esketamine_trd" and index % 9 == 0:
            age = 67 + index % 6
        plan = _Plan(
            index=index,
            protocol=protocol,
            pattern=patterns[index % len(patterns)],
            weeks_in=1 + (index * 5) % 16,
            sex=sex,
            age_years=age,
        )
        if index % 6 == 1:
            plan.conditions += ("hypertension",)
        if index % 11 == 3:
            plan.medications += (("lorazepam", "benzodiazepine"),)
        if protocol is None and index % 2 == 0:
            plan.conditions += (
                "aneurysmal_vascular_disease",
            )  # assessed: not eligible
        plans.append(plan)
    # Recognisable cases for the demo walkthrough.
    plans[3].pattern = Pattern.NON_RESPONDER
    plans[3].open_suicide_alert = True
    plans[4].pattern = Pattern.RELAPSE
    plans[4].past_suicide_alert = True
    for offset, state in enumerate(
        [
            SessionStatus.MONITORING,
            SessionStatus.MONITORING,
            SessionStatus.CHECKED_IN,
            SessionStatus.READY,
            SessionStatus.DISCHARGED,
            SessionStatus.SCHEDULED,
            SessionStatus.SCHEDULED,
            SessionStatus.MONITORING,
        ]
    ):
        today_plan = plans[5 + offset * 5]
        today_plan.today_state = state
        today_plan.protocol = "esketamine_trd"
        today_plan.weeks_in = 3  # mid-induction: twice weekly, so a session falls today
    return plans


def seed_demo(
    session: Session, *, as_of: date | None = None, now: datetime | None = None
) -> DemoSeedResult:
    """Create the demo clinic.

    ``now`` anchors today's sessions; ``as_of`` defaults to the clinic-local date of ``now``
    (the date the session board shows).
    """
    rng = random.Random(RANDOM_SEED)
    zone = ZoneInfo(CLINIC_TIMEZONE)
    now = now or datetime.now(UTC)
    as_of = as_of or now.astimezone(zone).date()
    clinic = Clinic(name=CLINIC_NAME, timezone=CLINIC_TIMEZONE, settings={})
    session.add(clinic)
    session.flush()
    site = Site(
        clinic_id=clinic.id,
        name="Riverside",
        address="200 River Road, Springfield",
        rems_certified=True,
    )
    session.add(site)
    session.flush()
    chairs = [
        Chair(site_id=site.id, name=name, kind="room" if "Room" in name else "chair")
        for name in CHAIRS
    ]
    session.add_all(chairs)
    session.flush()
    staff = _create_staff(session, clinic)
    result = DemoSeedResult(logins=demo_logins())
    for plan in _plans(rng):
        _seed_patient(
            session,
            plan,
            staff=staff,
            chairs=chairs,
            rng=rng,
            zone=zone,
            as_of=as_of,
            now=now,
            result=result,
        )
    _rows, result.open_alerts = alert_service.list_inbox(
        session, actor=staff.prescribers[0], status="open", kind=None, limit=1, offset=0
    )
    return result


def _create_staff(session: Session, clinic: Clinic) -> _Staff:
    users = [
        auth_service.create_user(
            session,
            clinic_id=clinic.id,
            email=email,
            display_name=name,
            role=role,
            password=DEMO_PASSWORD,
            npi=f"19{abs(hash(email)) % 10**8:08d}"
            if role is Role.PRESCRIBER
            else None,
            on_call=on_call,
        )
        for role, email, name, on_call in STAFF
    ]
    actors = [_actor(user) for user in users]
    return _Staff(
        admin=actors[0],
        prescribers=[a for a in actors if a.role is Role.PRESCRIBER],
        nurses=[a for a in actors if a.role is Role.NURSE],
        therapist=next(a for a in actors if a.role is Role.THERAPIST),
        desk=next(a for a in actors if a.role is Role.FRONT_DESK),
    )


def _seed_patient(
    session: Session,
    plan: _Plan,
    *,
    staff: _Staff,
    chairs: list[Chair],
    rng: random.Random,
    zone: ZoneInfo,
    as_of: date,
    now: datetime,
    result: DemoSeedResult,
) -> None:
    prescriber = staff.prescribers[plan.index % 2]
    nurse = staff.nurses[plan.index % 3]
    names = GIVEN_NAMES_F if plan.sex == "female" else GIVEN_NAMES_M
    given = names[(plan.index // 2) % len(names)]
    family = FAMILY_NAMES[(plan.index * 7) % len(FAMILY_NAMES)]
    born = date(
        as_of.year - plan.age_years, 1 + plan.index % 12, 1 + (plan.index * 3) % 28
    )
    patient = patient_service.enrol_patient(
        session,
        actor=staff.desk,
        data=PatientCreate(
            mrn=f"RKC-{1000 + plan.index}",
            given_name=given,
            family_name=family,
            birth_date=born,
            sex=plan.sex,  # type: ignore[arg-type]
            email=f"{given.lower()}.{family.lower()}@example.org",
            phone=f"+1 555 01{plan.index:02d} {1000 + plan.index * 37 % 9000:04d}",
            address=f"{10 + plan.index} Elm Street, Springfield",
            emergency_contact_name=f"{rng.choice(GIVEN_NAMES_F + GIVEN_NAMES_M)} {family}",
            emergency_contact_phone=f"+1 555 02{plan.index:02d} {2000 + plan.index:04d}",
            weight_kg=Decimal(rng.randint(52, 108)),
            height_cm=Decimal(rng.randint(155, 192)),
            pregnant=False if plan.sex == "female" else None,
            breastfeeding=False if plan.sex == "female" else None,
        ),
    )
    result.patients += 1
    if plan.index == 0:
        auth_service.create_user(
            session,
            clinic_id=staff.admin.clinic_id,
            email=PATIENT_LOGIN,
            display_name=f"{given} {family}",
            role=Role.PATIENT,
            password=DEMO_PASSWORD,
            patient_id=patient.id,
            actor=staff.admin,
        )
    patient_service.update_patient(
        session,
        actor=nurse,
        patient_id=patient.id,
        data=PatientUpdate(
            episode_duration_months=6 + (plan.index * 5) % 40,
            episode_severity="severe" if plan.index % 4 in (1, 2) else "moderate",
            augmentation_used=plan.index % 3 == 0,
            ect_used=plan.index % 10 == 7,
            rems_enrolled=plan.protocol == "esketamine_trd",
        ),
    )
    for spec in trials_for(rng, 2 + plan.index % 3):
        history_service.add_trial(
            session,
            actor=prescriber,
            patient_id=patient.id,
            data=TrialCreate(
                drug=spec.drug,
                drug_class=spec.drug_class,  # type: ignore[arg-type]
                daily_dose_mg=Decimal(spec.daily_dose_mg),
                weeks=Decimal(spec.weeks),
                improvement_pct=Decimal(spec.improvement_pct),
                remission=False,
            ),
        )
    for code in plan.conditions:
        history_service.add_condition(
            session,
            actor=prescriber,
            patient_id=patient.id,
            data=ConditionCreate.model_validate({"code": code}),
        )
    medications = list(plan.medications)
    if plan.protocol == "esketamine_trd":
        # Esketamine is given with an oral antidepressant.
        medications.append(("escitalopram", "ssri"))
    for name, drug_class in medications:
        history_service.add_medication(
            session,
            actor=prescriber,
            patient_id=patient.id,
            data=MedicationCreate(name=name, drug_class=drug_class),  # type: ignore[arg-type]
        )
    start = as_of - timedelta(weeks=plan.weeks_in)
    baseline_at = _at(start - timedelta(days=4), time(10, 0), zone)
    baseline_phq9 = rng.randint(16, 24)
    baseline_madrs = rng.randint(28, 42)
    _measure(
        session, nurse, patient.id, "phq9", baseline_phq9, baseline_at, rng, result
    )
    _measure(
        session,
        prescriber,
        patient.id,
        "madrs",
        baseline_madrs,
        baseline_at + timedelta(minutes=30),
        rng,
        result,
    )
    _measure(
        session,
        nurse,
        patient.id,
        "cssrs",
        0,
        baseline_at + timedelta(minutes=45),
        rng,
        result,
    )
    if plan.index == 49:
        return  # newly referred: measured, not yet assessed
    assessment = assessment_service.create_assessment(
        session, actor=prescriber, patient_id=patient.id, data=AssessmentCreate()
    )
    if plan.protocol is None:
        return  # assessed; not treated (contraindicated or declined)
    route = course_service.route_of(plan.protocol).value
    for finding in assessment.decision["routes"][route]["findings"]:
        if finding["severity"] == "caution" and plan.index % 4 == 1:
            assessment_service.add_override(
                session,
                actor=prescriber,
                assessment_id=assessment.id,
                data=OverrideCreate(
                    route=route,  # type: ignore[arg-type]
                    rule_id=finding["rule"],
                    reason="Reviewed with the patient; controlled on treatment and monitored each session.",
                ),
            )
    chair = (
        chairs[4 + plan.index % 2] if plan.protocol == "kap" else chairs[plan.index % 4]
    )
    weekdays = None
    if plan.today_state is not None:
        # Patients on today's board come on today's weekday and three days later, so the demo
        # board has live sessions whatever day it is started (the spacing rules still apply).
        today = as_of.weekday()
        weekdays = [WEEKDAYS[today], WEEKDAYS[(today + 3) % 7]]
    course, _findings = course_service.create_course(
        session,
        actor=prescriber,
        patient_id=patient.id,
        data=CourseCreate(
            protocol=plan.protocol,  # type: ignore[arg-type]
            start_date=start,
            weekdays=weekdays,  # type: ignore[arg-type]
            chair_id=chair.id,
            scheduled_time=f"{8 + plan.index % 8:02d}:{(plan.index % 2) * 30:02d}",
        ),
    )
    result.courses += 1
    loaded = CourseRepository(session).get_with_sessions(course.id)
    sessions = sorted(loaded.sessions if loaded else [], key=lambda s: s.number)
    _hold_sessions(
        session,
        plan,
        sessions,
        staff=staff,
        nurse=nurse,
        prescriber=prescriber,
        zone=zone,
        as_of=as_of,
        now=now,
        result=result,
        rng=rng,
    )
    _measure_course(
        session,
        plan,
        patient.id,
        staff=staff,
        nurse=nurse,
        prescriber=prescriber,
        start=start,
        as_of=as_of,
        zone=zone,
        baselines=(baseline_phq9, baseline_madrs),
        rng=rng,
        result=result,
    )


def _measure(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    instrument: str,
    total: int,
    taken_at: datetime,
    rng: random.Random,
    result: DemoSeedResult,
    *,
    suicide_item: int = 0,
) -> list[uuid.UUID]:
    """Record one measurement whose items sum to ``total``; returns ids of alerts it raised."""
    spec = get_instrument(instrument)
    if instrument == "cssrs":
        answers: list[int | None] = [
            suicide_item,
            suicide_item,
            None,
            None,
            None,
            0,
            None,
        ]
    else:
        scored = [item for item in spec.items if item.scored]
        suicide_index = {"phq9": 8, "madrs": 9, "qids_sr16": 11}.get(instrument)
        zero = () if suicide_index is None else (suicide_index,)
        values = items_for_total(
            total,
            items=len(scored),
            max_value=scored[0].max_value,
            rng=rng,
            zero_items=zero,
        )
        if suicide_index is not None and suicide_item:
            values[suicide_index] = suicide_item
        answers = list(values)
    recorded = measurement_service.record_measurement(
        session,
        actor=actor,
        patient_id=patient_id,
        data=MeasurementCreate(
            instrument=instrument, responses=answers, taken_at=taken_at
        ),
    )
    result.measurements += 1
    return [alert.id for alert in recorded.alerts]


def _hold_sessions(
    session: Session,
    plan: _Plan,
    sessions: list[TreatmentSession],
    *,
    staff: _Staff,
    nurse: Actor,
    prescriber: Actor,
    zone: ZoneInfo,
    as_of: date,
    now: datetime,
    result: DemoSeedResult,
    rng: random.Random,
) -> None:
    """Run every past session through check-in → dose → vitals → scales → discharge."""
    given_mg: list[int] = []
    for treatment in sessions:
        if treatment.scheduled_date > as_of:
            break
        clock = time.fromisoformat(treatment.scheduled_time or "09:00")
        if treatment.scheduled_date == as_of:
            state = plan.today_state or SessionStatus.SCHEDULED
            if state is SessionStatus.SCHEDULED:
                break
            minutes_ago = {
                SessionStatus.CHECKED_IN: 10,
                SessionStatus.MONITORING: 35 + plan.index % 70,
                SessionStatus.READY: 125,
                SessionStatus.DISCHARGED: 180,
            }[state]
            arrived = now - timedelta(minutes=minutes_ago + 10)
        else:
            state = SessionStatus.DISCHARGED
            arrived = _at(treatment.scheduled_date, clock, zone)
        therapist_session = treatment.kind not in course_service.DOSING_KINDS
        runner = staff.therapist if therapist_session else nurse
        try:
            _run_session(
                session,
                treatment,
                runner=runner if not therapist_session else nurse,
                prescriber=prescriber,
                arrived=arrived,
                state=state,
                plan=plan,
                given_mg=given_mg,
                rng=rng,
                now=now,
            )
        except ServiceError:
            # A real clinic meets refusals too (a stop at check-in); the demo leaves such a
            # session as it stands, which is what ketapath would show.
            continue
        result.sessions_held += 1


def _run_session(
    session: Session,
    treatment: TreatmentSession,
    *,
    runner: Actor,
    prescriber: Actor,
    arrived: datetime,
    state: SessionStatus,
    plan: _Plan,
    given_mg: list[int],
    rng: random.Random,
    now: datetime,
) -> None:
    systolic = rng.randint(112, 136)
    session_flows.check_in(
        session,
        actor=runner,
        session_id=treatment.id,
        data=CheckInCreate(
            systolic_mmhg=systolic,
            diastolic_mmhg=rng.randint(68, min(88, systolic - 30)),
            heart_rate_bpm=rng.randint(62, 88),
            spo2_pct=rng.randint(96, 99),
            respiratory_rate_per_min=rng.randint(12, 18),
            hours_since_food=Decimal(3),
            minutes_since_liquids=90,
            minutes_since_nasal_medication=180,
            pulse_oximeter_available=True,
            transport_arranged=True,
        ),
        now=arrived,
    )
    if state is SessionStatus.CHECKED_IN:
        return
    if treatment.kind not in course_service.DOSING_KINDS:
        # Preparation or integration (KAP): a therapy hour, completed without a drug.
        session_flows.discharge(
            session,
            actor=runner,
            session_id=treatment.id,
            now=min(arrived + timedelta(minutes=55), now),
        )
        return
    dosed_at = arrived + timedelta(minutes=8)
    if treatment.kind in {"esketamine", "infusion", "dosing"}:
        dose_mg: Decimal | None = None
        if treatment.kind == "esketamine":
            dose_mg = Decimal(
                56
                if not given_mg
                or plan.age_years >= 65
                or plan.pattern is Pattern.REMITTER
                else 84
            )
            given_mg.append(int(dose_mg))
        elif treatment.kind == "dosing":
            dose_mg = Decimal(
                56
            )  # synthetic demo value (KAP has no dose rule in ketapath)
        session_flows.give_dose(
            session,
            actor=runner,
            session_id=treatment.id,
            data=DoseCreate(
                dose_mg=dose_mg,
                lot_number=f"DEMO{treatment.scheduled_date:%y%m}A",
                given_at=dosed_at,
            ),
            now=dosed_at,
        )
        for minute in (40, 90):
            moment = dosed_at + timedelta(minutes=minute)
            if moment > now:
                break
            session_flows.record_vitals(
                session,
                actor=runner,
                session_id=treatment.id,
                data=VitalSignCreate(
                    systolic_mmhg=rng.randint(118, 139),
                    diastolic_mmhg=rng.randint(70, 88),
                    heart_rate_bpm=rng.randint(64, 92),
                    spo2_pct=rng.randint(95, 99),
                    taken_at=moment,
                ),
                now=moment,
            )
            if minute == 40:
                session_flows.record_scale(
                    session,
                    actor=runner,
                    session_id=treatment.id,
                    data=ScaleCreate(
                        instrument="moaas",
                        responses=[rng.choice((4, 5, 5))],
                        taken_at=moment,
                    ),
                    now=moment,
                )
                session_flows.record_scale(
                    session,
                    actor=runner,
                    session_id=treatment.id,
                    data=ScaleCreate(
                        instrument="cadss",
                        responses=items_for_total(
                            rng.randint(4, 18), items=23, max_value=4, rng=rng
                        ),  # type: ignore[arg-type]
                        taken_at=moment,
                    ),
                    now=moment,
                )
    if state is SessionStatus.MONITORING:
        return
    ready_at = dosed_at + timedelta(minutes=122)
    session_flows.mark_ready(
        session,
        actor=runner,
        session_id=treatment.id,
        data=ReadyCreate(
            sedation_resolved=True,
            dissociation_resolved=True,
            respiratory_ok=True,
            vital_signs_stable=True,
            mental_status_at_baseline=True,
        ),
        now=min(ready_at, now),
    )
    if state is SessionStatus.READY:
        return
    session_flows.discharge(
        session,
        actor=runner,
        session_id=treatment.id,
        now=min(ready_at + timedelta(minutes=5), now),
    )


def _measure_course(
    session: Session,
    plan: _Plan,
    patient_id: uuid.UUID,
    *,
    staff: _Staff,
    nurse: Actor,
    prescriber: Actor,
    start: date,
    as_of: date,
    zone: ZoneInfo,
    baselines: tuple[int, int],
    rng: random.Random,
    result: DemoSeedResult,
) -> None:
    """Weekly PHQ-9 (between visits) and fortnightly MADRS, following the patient's pattern."""
    weeks = max(1, (as_of - start).days // 7)
    for week in range(1, weeks + 1):
        day = start + timedelta(days=7 * week - 1)
        if day >= as_of:
            day = as_of - timedelta(days=1)
        progress = week / max(weeks, 4)
        phq9 = scaled_total(plan.pattern, baselines[0], progress, rng)
        last_week = week == weeks
        suicide_item = (
            1
            if (plan.open_suicide_alert and last_week)
            or (plan.past_suicide_alert and week == 2)
            else 0
        )
        raised = _measure(
            session,
            nurse,
            patient_id,
            "phq9",
            phq9,
            _at(day, time(19, 30), zone),
            rng,
            result,
            suicide_item=suicide_item,
        )
        if suicide_item and not (plan.open_suicide_alert and last_week):
            for alert_id in raised:
                alert_service.acknowledge_alert(
                    session,
                    actor=prescriber,
                    alert_id=alert_id,
                    data=AlertAcknowledge(
                        note="Called the patient the same day; C-SSRS screen low risk, safety plan reviewed."
                    ),
                )
        if week % 2 == 0 or last_week:
            madrs = scaled_total(plan.pattern, baselines[1], progress, rng)
            if plan.pattern is Pattern.RELAPSE and last_week:
                madrs = max(madrs, 24)
            _measure(
                session,
                prescriber,
                patient_id,
                "madrs",
                madrs,
                _at(day, time(11, 0), zone),
                rng,
                result,
            )
