"""Typed factories for clinical history, vitals and assessments (beside tests/factories.py)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from ketapath.db.models import (
    AntidepressantTrial,
    Condition,
    CourseStatus,
    Medication,
    Patient,
    Route,
    SessionStatus,
    TreatmentCourse,
    TreatmentSession,
    VitalSign,
)


def make_condition(session: Session, patient: Patient, *, code: str) -> Condition:
    condition = Condition(patient_id=patient.id, code=code)
    session.add(condition)
    session.flush()
    return condition


def make_medication(
    session: Session,
    patient: Patient,
    *,
    name: str = "lorazepam",
    drug_class: str = "benzodiazepine",
    active: bool = True,
) -> Medication:
    medication = Medication(
        patient_id=patient.id, name=name, drug_class=drug_class, active=active
    )
    session.add(medication)
    session.flush()
    return medication


def make_trial(
    session: Session,
    patient: Patient,
    *,
    drug: str = "sertraline",
    drug_class: str = "ssri",
    daily_dose_mg: Decimal | None = Decimal("150"),
    weeks: Decimal | None = Decimal("8"),
    improvement_pct: Decimal | None = Decimal("20"),
    remission: bool | None = False,
) -> AntidepressantTrial:
    trial = AntidepressantTrial(
        patient_id=patient.id,
        drug=drug,
        drug_class=drug_class,
        daily_dose_mg=daily_dose_mg,
        weeks=weeks,
        improvement_pct=improvement_pct,
        remission=remission,
    )
    session.add(trial)
    session.flush()
    return trial


def make_two_failed_trials(session: Session, patient: Patient) -> None:
    """Two adequate, failed trials of different classes: TRD under the seed rule set."""
    make_trial(session, patient, drug="sertraline", drug_class="ssri")
    make_trial(
        session,
        patient,
        drug="venlafaxine",
        drug_class="snri",
        daily_dose_mg=Decimal("225"),
        improvement_pct=Decimal("15"),
    )


def make_vitals(
    session: Session,
    patient: Patient,
    *,
    taken_at: datetime,
    systolic_mmhg: int | None,
    diastolic_mmhg: int | None,
) -> VitalSign:
    """One vital-sign reading in a (new) session of a (new) course."""
    course = TreatmentCourse(
        patient_id=patient.id,
        route=Route.ESKETAMINE,
        protocol="esketamine_trd",
        status=CourseStatus.ACTIVE,
        start_date=date(2026, 1, 5),
        weekdays=["mon", "thu"],
    )
    session.add(course)
    session.flush()
    treatment_session = TreatmentSession(
        course_id=course.id,
        patient_id=patient.id,
        number=1,
        phase="induction",
        kind="dosing",
        scheduled_date=taken_at.date(),
        status=SessionStatus.DISCHARGED,
    )
    session.add(treatment_session)
    session.flush()
    vitals = VitalSign(
        session_id=treatment_session.id,
        taken_at=taken_at,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        heart_rate_bpm=72,
    )
    session.add(vitals)
    session.flush()
    return vitals
