"""Typed factory functions for shell tests."""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import AuthToken, Chair, Clinic, Patient, Role, Site, User
from ketapath.services.auth import _digest
from ketapath.services.permissions import Actor

TEST_PASSWORD = "correct horse battery"
# A real argon2id hash of TEST_PASSWORD, computed once: hashing per factory call is slow.
_PASSWORD_HASH: str | None = None


def password_hash() -> str:
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        from ketapath.services.auth import hash_password

        _PASSWORD_HASH = hash_password(TEST_PASSWORD)
    return _PASSWORD_HASH


def make_clinic(session: Session, *, name: str = "Test Clinic") -> Clinic:
    clinic = Clinic(name=name, timezone="America/New_York", settings={})
    session.add(clinic)
    session.flush()
    return clinic


def make_site_with_chairs(
    session: Session, clinic: Clinic, *, chairs: int = 2
) -> tuple[Site, list[Chair]]:
    site = Site(
        clinic_id=clinic.id, name=f"Site {uuid.uuid4().hex[:4]}", rems_certified=True
    )
    session.add(site)
    session.flush()
    made = [Chair(site_id=site.id, name=f"Chair {i + 1}") for i in range(chairs)]
    session.add_all(made)
    session.flush()
    return site, made


def make_patient(
    session: Session,
    clinic: Clinic,
    *,
    mrn: str | None = None,
    given_name: str = "Ada",
    family_name: str = "Lovelace",
    weight_kg: Decimal | None = Decimal("70"),
) -> Patient:
    patient = Patient(
        clinic_id=clinic.id,
        mrn=mrn or f"MRN-{uuid.uuid4().hex[:8]}",
        given_name=given_name,
        family_name=family_name,
        birth_date=date(1980, 5, 17),
        sex="female",
        weight_kg=weight_kg,
        height_cm=Decimal("168"),
        pregnant=False,
        breastfeeding=False,
    )
    session.add(patient)
    session.flush()
    return patient


def make_user(
    session: Session,
    clinic: Clinic,
    *,
    role: Role,
    patient: Patient | None = None,
    email: str | None = None,
    on_call: bool = False,
) -> User:
    user = User(
        clinic_id=clinic.id,
        email=email or f"{role.value}-{uuid.uuid4().hex[:6]}@example.org",
        display_name=f"Test {role.value}",
        role=role,
        password_hash=password_hash(),
        patient_id=patient.id if patient else None,
        on_call=on_call,
    )
    session.add(user)
    session.flush()
    return user


def actor_for(user: User) -> Actor:
    return Actor(
        user.id,
        user.role,
        user.clinic_id,
        user.patient_id,
        "127.0.0.1",
        user.display_name,
    )


def bearer_for(session: Session, user: User) -> dict[str, str]:
    """Headers with a fresh API token for ``user``."""
    token = uuid.uuid4().hex + uuid.uuid4().hex
    now = utcnow()
    session.add(
        AuthToken(
            user_id=user.id,
            token_hash=_digest(token),
            kind="api",
            created_at=now,
            expires_at=now + timedelta(hours=1),
        )
    )
    session.flush()
    return {"Authorization": f"Bearer {token}"}
