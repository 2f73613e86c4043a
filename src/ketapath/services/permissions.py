"""Who may do what: the one place roles are enforced.

Capabilities are coarse verbs on areas. A ``patient`` user may only ever reach their own
patient record; :func:`ensure_patient_scope` answers 404 for anyone else's so that the
existence of other records does not leak.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum

from ketapath.db.models import Role
from ketapath.services.errors import ForbiddenError, NotFoundError

__all__ = ["Actor", "Capability", "ensure_patient_scope", "require"]


class Capability(StrEnum):
    """An action on an area of the product."""

    PATIENT_READ = "patient:read"
    PATIENT_WRITE = "patient:write"
    HISTORY_WRITE = "history:write"
    ASSESS = "assessment:create"
    OVERRIDE_CAUTION = "assessment:override_caution"
    OVERRIDE_CONTRAINDICATION = "assessment:override_contraindication"
    COURSE_WRITE = "course:write"
    SESSION_READ = "session:read"
    SESSION_RUN = "session:run"
    DOSE_GIVE = "dose:give"
    DISCHARGE = "session:discharge"
    MEASUREMENT_WRITE = "measurement:write"
    ALERT_READ = "alert:read"
    ALERT_ACK = "alert:acknowledge"
    NOTE_WRITE = "note:write"
    USER_ADMIN = "user:admin"
    AUDIT_READ = "audit:read"
    CLINIC_READ = "clinic:read"


_CLINICAL = {Role.PRESCRIBER, Role.NURSE, Role.THERAPIST}
_STAFF = _CLINICAL | {Role.ADMIN, Role.FRONT_DESK}

GRANTS: dict[Capability, frozenset[Role]] = {
    Capability.PATIENT_READ: frozenset(_STAFF | {Role.PATIENT}),
    Capability.PATIENT_WRITE: frozenset(
        {Role.PRESCRIBER, Role.NURSE, Role.FRONT_DESK, Role.ADMIN}
    ),
    Capability.HISTORY_WRITE: frozenset(_CLINICAL),
    Capability.ASSESS: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Capability.OVERRIDE_CAUTION: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Capability.OVERRIDE_CONTRAINDICATION: frozenset({Role.PRESCRIBER}),
    Capability.COURSE_WRITE: frozenset({Role.PRESCRIBER}),
    Capability.SESSION_READ: frozenset(_STAFF),
    Capability.SESSION_RUN: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Capability.DOSE_GIVE: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Capability.DISCHARGE: frozenset({Role.PRESCRIBER, Role.NURSE}),
    Capability.MEASUREMENT_WRITE: frozenset(_CLINICAL | {Role.PATIENT}),
    Capability.ALERT_READ: frozenset(_CLINICAL),
    Capability.ALERT_ACK: frozenset(_CLINICAL),
    Capability.NOTE_WRITE: frozenset(_CLINICAL),
    Capability.USER_ADMIN: frozenset({Role.ADMIN}),
    Capability.AUDIT_READ: frozenset({Role.ADMIN}),
    Capability.CLINIC_READ: frozenset(_STAFF),
}


@dataclass(frozen=True, slots=True)
class Actor:
    """Who is acting, as the audit log records it."""

    user_id: uuid.UUID
    role: Role
    clinic_id: uuid.UUID
    patient_id: uuid.UUID | None = None
    client_address: str | None = None
    display_name: str = ""


def require(actor: Actor, capability: Capability) -> None:
    """Raise :class:`ForbiddenError` unless the actor's role grants ``capability``."""
    if actor.role not in GRANTS[capability]:
        raise ForbiddenError(f"role '{actor.role.value}' may not {capability.value}")


def ensure_patient_scope(actor: Actor, patient_id: uuid.UUID) -> None:
    """A patient user reaches only their own record; others get 404, never a hint."""
    if actor.role is Role.PATIENT and actor.patient_id != patient_id:
        raise NotFoundError("patient not found")
