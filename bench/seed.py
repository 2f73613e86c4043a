"""Seed a benchmark clinic: 20 chairs with an active esketamine session each, a nurse, a token."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from ketapath.db.models import (
    AuthToken,
    Chair,
    Clinic,
    CourseStatus,
    Patient,
    Role,
    Route,
    SessionStatus,
    Site,
    TreatmentCourse,
    TreatmentSession,
    User,
    VitalSign,
)
from ketapath.services.auth import hash_password

ACTIVE_SESSIONS = 20


def seed(session: Session) -> dict[str, str]:
    """Create the clinic and return ids and the bearer token the load generator uses."""
    now = datetime.now(UTC)
    clinic = Clinic(name="Bench Clinic", timezone="UTC", settings={})
    session.add(clinic)
    session.flush()
    site = Site(clinic_id=clinic.id, name="Main", rems_certified=True)
    session.add(site)
    session.flush()
    nurse = User(
        clinic_id=clinic.id,
        email="bench-nurse@example.org",
        display_name="Bench Nurse",
        role=Role.NURSE,
        password_hash=hash_password("bench-password-1"),
    )
    session.add(nurse)
    session.flush()
    token = secrets.token_urlsafe(32)
    session.add(
        AuthToken(
            user_id=nurse.id,
            token_hash=hashlib.sha256(token.encode()).hexdigest(),
            kind="api",
            created_at=now,
            expires_at=now + timedelta(days=1),
        )
    )
    first_session_id = ""
    first_patient_id = ""
    for index in range(ACTIVE_SESSIONS):
        chair = Chair(site_id=site.id, name=f"Chair {index + 1:02d}")
        patient = Patient(
            clinic_id=clinic.id,
            mrn=f"BENCH-{index:04d}",
            given_name=f"Patient{index}",
            family_name="Bench",
            birth_date=date(1970 + index % 30, 1 + index % 12, 1 + index % 28),
            sex="female" if index % 2 else "male",
            weight_kg=Decimal(70),
            height_cm=Decimal(170),
            rems_enrolled=True,
        )
        session.add_all([chair, patient])
        session.flush()
        course = TreatmentCourse(
            patient_id=patient.id,
            route=Route.ESKETAMINE,
            protocol="esketamine_trd",
            status=CourseStatus.ACTIVE,
            start_date=now.date() - timedelta(days=14),
            weekdays=[0, 3],
        )
        session.add(course)
        session.flush()
        treatment = TreatmentSession(
            course_id=course.id,
            patient_id=patient.id,
            number=5,
            phase="induction",
            kind="esketamine",
            scheduled_date=now.date(),
            scheduled_time=f"{8 + index // 4:02d}:{(index % 4) * 15:02d}",
            chair_id=chair.id,
            planned_dose_mg=Decimal(56),
            planned_chair_minutes=135,
            status=SessionStatus.MONITORING,
            checked_in_at=now - timedelta(minutes=45),
            first_dose_at=now - timedelta(minutes=30 + index),
        )
        session.add(treatment)
        session.flush()
        session.add(
            VitalSign(
                session_id=treatment.id,
                taken_at=now - timedelta(minutes=5),
                minutes_after_dose=25 + index,
                systolic_mmhg=128,
                diastolic_mmhg=82,
                heart_rate_bpm=74,
                spo2_pct=98,
            )
        )
        if index == 0:
            first_session_id, first_patient_id = str(treatment.id), str(patient.id)
    session.flush()
    return {
        "token": token,
        "session_id": first_session_id,
        "patient_id": first_patient_id,
    }
