"""Measurement and outcome boundary models.

A client sends item answers only; the core computes totals, bands, flags and risk. ``total`` and
other derived fields are not accepted on input (unknown fields are errors), so a client total is
never trusted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from pydantic import AwareDatetime, Field, StrictInt, field_validator

from ketapath.schemas.alert import AlertRead
from ketapath.schemas.base import Schema

__all__ = [
    "CLOCK_SKEW",
    "FindingRead",
    "InstrumentOutcomeRead",
    "MeasurementCreate",
    "MeasurementItemRead",
    "MeasurementPage",
    "MeasurementRead",
    "MeasurementRecorded",
    "OutcomePoint",
    "PatientOutcomesRead",
    "RelapseRead",
]

CLOCK_SKEW = timedelta(minutes=5)
"""How far in the future ``taken_at`` may be (client clocks drift); later is an error."""


class MeasurementCreate(Schema):
    """Item answers for one instrument: a list in item order, or item id → answer.

    ``null`` means not answered (never zero); the core says which items may be left out.
    """

    instrument: str = Field(min_length=1, max_length=32, pattern=r"^[a-z0-9_]+$")
    responses: list[StrictInt | None] | dict[str, StrictInt | None] = Field(
        max_length=50
    )
    taken_at: AwareDatetime | None = None
    session_id: uuid.UUID | None = None
    minutes_after_dose: int | None = Field(default=None, ge=0, le=1440)

    @field_validator("taken_at")
    @classmethod
    def _not_in_the_future(cls, value: datetime | None) -> datetime | None:
        if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
            raise ValueError(
                f"must not be in the future (more than {int(CLOCK_SKEW.total_seconds() // 60)} "
                "minutes ahead of the server clock)"
            )
        return value


class MeasurementItemRead(Schema):
    """One stored item answer."""

    position: int
    item_id: str
    value: int


class MeasurementRead(Schema):
    """A stored measurement with its item answers and the rule that scored it."""

    id: uuid.UUID
    patient_id: uuid.UUID
    session_id: uuid.UUID | None
    instrument: str
    taken_at: datetime
    source: str
    total: int | None
    severity: str | None
    risk: str | None
    flags: list[str]
    rule_id: str
    rule_version: str
    minutes_after_dose: int | None
    recorded_by_id: uuid.UUID | None
    recorded_at: datetime
    items: list[MeasurementItemRead]


class FindingRead(Schema):
    """A core finding: which rule said what."""

    rule_id: str
    rule_version: str
    severity: str
    message: str


class MeasurementRecorded(MeasurementRead):
    """What recording a measurement returns: the measurement, its findings and any alerts."""

    findings: list[FindingRead]
    alerts: list[AlertRead]


class MeasurementPage(Schema):
    """A page of a patient's measurements, newest first."""

    items: list[MeasurementRead]
    total: int
    limit: int
    offset: int


class OutcomePoint(Schema):
    """One scored measurement on a trajectory (``on`` is the clinic-local date)."""

    measurement_id: uuid.UUID
    taken_at: datetime
    on: date
    total: int


class RelapseRead(Schema):
    """Relapse status from the core's relapse rule."""

    relapsed: bool
    first_elevated_on: date | None
    confirmed_on: date | None
    rule_id: str
    message: str


class InstrumentOutcomeRead(Schema):
    """Baseline to latest on one instrument, computed by ``ketapath.core.outcomes``."""

    instrument: str
    baseline: OutcomePoint
    latest: OutcomePoint
    best: OutcomePoint
    change: int
    percent_change: Decimal | None
    response: bool | None
    remission: bool | None
    remission_definition: str | None
    remission_definition_label: str | None
    relapse: RelapseRead | None
    trend: str
    weeks_since_baseline: int
    points: list[OutcomePoint]
    findings: list[FindingRead]


class PatientOutcomesRead(Schema):
    """Outcomes on every outcome instrument the patient has a scored measurement of."""

    patient_id: uuid.UUID
    instruments: list[InstrumentOutcomeRead]
