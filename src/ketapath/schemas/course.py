"""Treatment course boundary models: create (route + protocol + dosing basis), read, reschedule."""

from __future__ import annotations

import datetime as dt
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, StringConstraints

from ketapath.schemas.base import Schema

__all__ = [
    "CourseCreate",
    "CourseCreated",
    "CourseDetail",
    "CourseRead",
    "FindingOut",
    "ProtocolKey",
    "SessionCancel",
    "SessionReschedule",
    "SessionSummary",
    "WeekdayName",
]

ProtocolKey = Literal["esketamine_trd", "esketamine_mdsi", "iv_induction", "kap"]
"""The core's protocol templates (``core.protocols.PROTOCOL_KEYS``)."""

WeekdayName = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]

ClockTime = Annotated[
    str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
]
"""A clinic-local time of day, ``HH:MM`` (24 h)."""


class CourseCreate(Schema):
    """Start a course. The route follows from the protocol; the core plans the sessions.

    ``weight_basis``, ``dose_mg_per_kg`` and ``infusion_minutes`` apply to IV ketamine only;
    ``sessions`` sets the number of IV infusions or KAP dosing sessions.
    """

    protocol: ProtocolKey
    start_date: date
    weekdays: list[WeekdayName] | None = Field(default=None, min_length=1, max_length=7)
    chair_id: uuid.UUID | None = None
    scheduled_time: ClockTime | None = None
    weight_basis: Literal["actual", "ideal", "adjusted"] | None = None
    dose_mg_per_kg: Decimal | None = Field(default=None, gt=0, le=5, decimal_places=3)
    infusion_minutes: StrictInt | None = Field(default=None, ge=1, le=240)
    sessions: StrictInt | None = Field(default=None, ge=1, le=12)


class FindingOut(Schema):
    """A core finding: which rule, how severe, what it says."""

    rule_id: str
    rule_version: str
    severity: str
    message: str


class SessionSummary(Schema):
    """A session as planned or held, without its readings."""

    id: uuid.UUID
    course_id: uuid.UUID
    patient_id: uuid.UUID
    number: int
    phase: str
    kind: str
    scheduled_date: date
    scheduled_time: str | None
    chair_id: uuid.UUID | None
    planned_dose_mg: Decimal | None
    planned_dose_mg_per_kg: Decimal | None
    planned_chair_minutes: int | None
    status: str
    cancelled_reason: str | None
    version: int


class CourseRead(Schema):
    """A course as stored."""

    id: uuid.UUID
    patient_id: uuid.UUID
    route: str
    protocol: str
    status: str
    start_date: date
    weekdays: list[Any]
    weight_basis: str | None
    dose_mg_per_kg: Decimal | None
    infusion_minutes: int | None
    assessment_id: uuid.UUID | None
    created_by_id: uuid.UUID | None
    created_at: datetime


class CourseDetail(CourseRead):
    """A course with its sessions, by number."""

    sessions: list[SessionSummary]


class CourseCreated(CourseDetail):
    """What creating a course returns: the course, its sessions and the planner's findings."""

    findings: list[FindingOut]


class SessionReschedule(Schema):
    """Move a scheduled session; omitted fields stay as they are (the spacing rules still hold)."""

    date: dt.date | None = None
    time: ClockTime | None = None
    chair_id: uuid.UUID | None = None


class SessionCancel(Schema):
    """Cancel a session that has not been dosed, with the reason."""

    reason: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=500)
    ]
