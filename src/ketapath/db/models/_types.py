"""Closed vocabularies stored as VARCHAR with a CHECK constraint on both databases."""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import Enum

__all__ = [
    "AlertKind",
    "AlertSeverity",
    "CourseStatus",
    "MeasurementSource",
    "Role",
    "Route",
    "SessionStatus",
    "enum_column",
]


class Role(StrEnum):
    """What a user may do; enforced in one place (``services.permissions``)."""

    ADMIN = "admin"
    PRESCRIBER = "prescriber"
    NURSE = "nurse"
    THERAPIST = "therapist"
    FRONT_DESK = "front_desk"
    PATIENT = "patient"


class Route(StrEnum):
    """Treatment route of a course."""

    IV_KETAMINE = "iv_ketamine"
    ESKETAMINE = "esketamine"
    KAP = "kap"


class CourseStatus(StrEnum):
    """Life cycle of a treatment course."""

    PLANNED = "planned"
    ACTIVE = "active"
    COMPLETED = "completed"
    STOPPED = "stopped"


class SessionStatus(StrEnum):
    """Life cycle of a treatment session, in order (cancelled may happen before dosing)."""

    SCHEDULED = "scheduled"
    CHECKED_IN = "checked_in"
    DOSING = "dosing"
    MONITORING = "monitoring"
    READY = "ready"
    DISCHARGED = "discharged"
    CANCELLED = "cancelled"


class MeasurementSource(StrEnum):
    """Who entered a measurement."""

    CLINICIAN = "clinician"
    PATIENT = "patient"
    IMPORT = "import"


class AlertKind(StrEnum):
    """What raised an alert."""

    SUICIDE_RISK = "suicide_risk"
    VITALS = "vitals"
    SEDATION = "sedation"
    ADVERSE_EVENT = "adverse_event"
    OUTCOME = "outcome"


class AlertSeverity(StrEnum):
    """How urgent an alert is."""

    CRITICAL = "critical"
    HIGH = "high"
    MODERATE = "moderate"
    LOW = "low"


def enum_column(enum: type[StrEnum], name: str) -> Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint listing the values."""
    return Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        length=32,
    )
