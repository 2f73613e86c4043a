"""Alert boundary models: read, inbox row, acknowledge."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import StringConstraints

from ketapath.schemas.base import Schema

__all__ = [
    "AlertAcknowledge",
    "AlertInboxItem",
    "AlertInboxPage",
    "AlertKindName",
    "AlertPage",
    "AlertRead",
    "AlertStatusFilter",
]

AlertStatusFilter = Literal["open", "acknowledged", "all"]
"""Which alerts a list shows: unacknowledged, acknowledged, or both."""

AlertKindName = Literal[
    "suicide_risk", "vitals", "sedation", "adverse_event", "outcome"
]
"""What raised an alert (the values of ``db.models.AlertKind``)."""


class AlertAcknowledge(Schema):
    """A named clinician acknowledges an alert; the note says what was done."""

    note: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=3, max_length=2000)
    ]


class AlertRead(Schema):
    """An alert as stored."""

    id: uuid.UUID
    patient_id: uuid.UUID
    session_id: uuid.UUID | None
    measurement_id: uuid.UUID | None
    kind: str
    severity: str
    message: str
    rule_id: str
    raised_at: datetime
    acknowledged_by_id: uuid.UUID | None
    acknowledged_at: datetime | None
    acknowledgement_note: str | None
    escalated_at: datetime | None


class AlertPage(Schema):
    """A page of one patient's alerts."""

    items: list[AlertRead]
    total: int
    limit: int
    offset: int


class AlertInboxItem(AlertRead):
    """An inbox row: the alert with who it is about."""

    patient_mrn: str
    patient_given_name: str
    patient_family_name: str


class AlertInboxPage(Schema):
    """A page of the clinic's alert inbox (most severe, then newest, first)."""

    items: list[AlertInboxItem]
    total: int
    limit: int
    offset: int
