"""The clinic (sites, chairs), its provider directory, and the clinic's own today."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from ketapath.core.eligibility import DEFAULT_JURISDICTION
from ketapath.core.trd import DEFAULT_RULESET
from ketapath.db.base import utcnow
from ketapath.db.models import Clinic, Role, User
from ketapath.db.repositories.clinic import ClinicRepository, StaffRepository
from ketapath.db.repositories.courses import ClinicSettings
from ketapath.schemas.clinic import (
    ChairRead,
    ClinicRead,
    SiteRead,
    StaffCreate,
)
from ketapath.services import auth as auth_service
from ketapath.services.errors import ConflictError, NotFoundError
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "assessment_defaults",
    "clinic_today",
    "create_staff",
    "get_clinic",
    "list_staff",
    "load_clinic",
    "today_in",
]


def today_in(clinic: Clinic | ClinicSettings) -> date:
    """Today's date where the clinic is (the shell reads the clock; the core never does)."""
    try:
        zone = ZoneInfo(clinic.timezone)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConflictError(
            f"clinic time zone {clinic.timezone!r} is not a known IANA zone",
            field="timezone",
        ) from error
    return utcnow().astimezone(zone).date()


def clinic_today(session: Session, *, clinic_id: uuid.UUID) -> date:
    """Today's date in the time zone of the clinic with this id."""
    return today_in(load_clinic(session, clinic_id=clinic_id))


def assessment_defaults(clinic: Clinic) -> tuple[str, str]:
    """The clinic's TRD rule set and jurisdiction, else the core's defaults.

    Read from the clinic settings ``trd_ruleset`` and ``jurisdiction``; the core rejects
    unknown names (422).
    """
    settings = clinic.settings or {}
    ruleset = settings.get("trd_ruleset")
    jurisdiction = settings.get("jurisdiction")
    return (
        ruleset if isinstance(ruleset, str) else DEFAULT_RULESET,
        jurisdiction if isinstance(jurisdiction, str) else DEFAULT_JURISDICTION,
    )


def load_clinic(session: Session, *, clinic_id: uuid.UUID) -> Clinic:
    """The clinic with this id (404 when missing)."""
    clinic = ClinicRepository(session).get(clinic_id)
    if clinic is None:
        raise NotFoundError("clinic not found")
    return clinic


def get_clinic(session: Session, *, actor: Actor) -> ClinicRead:
    """The actor's clinic with its sites and chairs, each by name (staff only)."""
    require(actor, Capability.CLINIC_READ)
    clinic = ClinicRepository(session).get_with_sites(actor.clinic_id)
    if clinic is None:
        raise NotFoundError("clinic not found")
    return ClinicRead(
        id=clinic.id,
        name=clinic.name,
        timezone=clinic.timezone,
        sites=[
            SiteRead(
                id=site.id,
                name=site.name,
                address=site.address,
                rems_certified=site.rems_certified,
                chairs=[
                    ChairRead.model_validate(chair)
                    for chair in sorted(site.chairs, key=lambda c: (c.name, c.id))
                ],
            )
            for site in sorted(clinic.sites, key=lambda s: (s.name, s.id))
        ],
    )


def list_staff(
    session: Session, *, actor: Actor, role: Role | None = None
) -> Sequence[User]:
    """The provider directory: active staff of the actor's clinic (staff only)."""
    require(actor, Capability.CLINIC_READ)
    return StaffRepository(session).directory(clinic_id=actor.clinic_id, role=role)


def create_staff(session: Session, *, actor: Actor, data: StaffCreate) -> User:
    """Create a staff login in the actor's clinic (admins only; audited by ``create_user``)."""
    require(actor, Capability.USER_ADMIN)
    return auth_service.create_user(
        session,
        clinic_id=actor.clinic_id,
        email=str(data.email),
        display_name=data.display_name,
        role=Role(data.role),
        password=data.password,
        npi=data.npi,
        on_call=data.on_call,
        actor=actor,
    )
