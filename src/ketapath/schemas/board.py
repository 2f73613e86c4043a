"""The session board: one card per session of a day, ordered by chair then time."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from ketapath.schemas.base import Schema
from ketapath.schemas.session import NextDue, VitalSignRead

__all__ = ["BoardCard", "BoardRead"]


class BoardCard(Schema):
    """What the monitoring nurse needs at a glance for one session."""

    session_id: uuid.UUID
    course_id: uuid.UUID
    chair_id: uuid.UUID | None
    chair_name: str | None
    site_id: uuid.UUID | None
    site_name: str | None
    scheduled_time: str | None
    patient_id: uuid.UUID
    patient_name: str
    patient_mrn: str
    route: str
    protocol: str
    number: int
    phase: str
    kind: str
    status: str
    version: int
    minutes_since_first_dose: int | None
    next_due: NextDue | None
    latest_vitals: VitalSignRead | None
    open_alerts: int
    discharge_gate: dict[str, Any] | None


class BoardRead(Schema):
    """The board of one clinic-local date (optionally one site)."""

    date: date
    site_id: uuid.UUID | None
    cards: list[BoardCard]
