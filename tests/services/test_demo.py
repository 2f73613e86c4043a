"""The demo clinic seeds through the real services and tells the stories the README promises.

Seeding takes tens of seconds, so one test per database seeds once and checks everything.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from ketapath.db.models import (
    Alert,
    AlertKind,
    Measurement,
    Patient,
    Role,
    SessionStatus,
    TreatmentSession,
    User,
)
from ketapath.services.auth import verify_password
from ketapath.services.demo import CLINIC_TIMEZONE, demo_logins, seed_demo


def test_demo_clinic(session):
    # The schemas refuse timestamps in the future, so the seed is anchored on the real clock.
    now = datetime.now(UTC)
    today = now.astimezone(ZoneInfo(CLINIC_TIMEZONE)).date()
    seeded = seed_demo(session, now=now)

    # About fifty patients across all three routes, with courses, sessions and measurements.
    assert seeded.patients == 50
    assert session.scalar(select(func.count()).select_from(Patient)) == 50
    assert seeded.courses >= 40
    assert seeded.sessions_held > 200
    counted = select(func.count()).select_from(Measurement)
    assert (
        session.scalar(counted.where(Measurement.session_id.is_(None)))
        == seeded.measurements
    )
    # MOAA/S and CADSS recorded during dosing sessions.
    assert session.scalar(counted.where(Measurement.session_id.is_not(None))) > 0

    # Every printed login works, and every role is covered.
    roles = set()
    for role, email, password in demo_logins():
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None, email
        assert user.role.value == role
        assert verify_password(user.password_hash, password)
        roles.add(user.role)
    assert roles == set(Role)

    # Exactly one suicide-risk alert is open (the others were acknowledged by a clinician).
    open_alerts = session.scalars(
        select(Alert).where(
            Alert.kind == AlertKind.SUICIDE_RISK, Alert.acknowledged_at.is_(None)
        )
    ).all()
    assert len(open_alerts) == 1
    assert seeded.open_alerts == 1

    # No past session is left half done; today's board has sessions in every live state.
    stuck = session.scalars(
        select(TreatmentSession).where(
            TreatmentSession.scheduled_date < today,
            TreatmentSession.status.not_in(
                [SessionStatus.DISCHARGED, SessionStatus.SCHEDULED]
            ),
        )
    ).all()
    assert stuck == []
    states = set(
        session.scalars(
            select(TreatmentSession.status).where(
                TreatmentSession.scheduled_date == today
            )
        ).all()
    )
    assert {
        SessionStatus.CHECKED_IN,
        SessionStatus.MONITORING,
        SessionStatus.READY,
        SessionStatus.DISCHARGED,
    } <= states
