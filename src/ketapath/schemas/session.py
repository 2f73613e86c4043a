"""Session boundary models: check-in, dose, timed vitals, scales, adverse events, discharge.

Vital-sign ranges are plausibility limits (the database has the same CHECK constraints), not
clinical thresholds: the thresholds live in ``ketapath.core.monitoring``.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    Field,
    StrictBool,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from ketapath.schemas.base import Schema
from ketapath.schemas.course import FindingOut
from ketapath.schemas.measurement import MeasurementRead

__all__ = [
    "ADVERSE_EVENT_KINDS",
    "VITAL_RANGES",
    "AdverseEventCreate",
    "AdverseEventRead",
    "CheckInCreate",
    "DoseCreate",
    "DoseRead",
    "NextDue",
    "ReadyCreate",
    "ScaleCreate",
    "SessionRead",
    "VitalSignCreate",
    "VitalSignRead",
]

CLOCK_SKEW = timedelta(minutes=5)

VITAL_RANGES: dict[str, tuple[int, int, str]] = {
    "systolic_mmhg": (50, 300, "mmHg"),
    "diastolic_mmhg": (20, 200, "mmHg"),
    "heart_rate_bpm": (20, 250, "bpm"),
    "spo2_pct": (50, 100, "%"),
    "respiratory_rate_per_min": (4, 60, "/min"),
}
"""Plausible values per field: (low, high, unit); the same limits as the database."""

ADVERSE_EVENT_KINDS: tuple[str, ...] = (
    "dissociation",
    "sedation",
    "loss_of_consciousness",
    "respiratory_depression",
    "dizziness",
    "vertigo",
    "nausea",
    "vomiting",
    "hypoaesthesia",
    "anxiety",
    "lethargy",
    "increased_blood_pressure",
    "feeling_drunk",
    "headache",
    "dysgeusia",
    "euphoria",
    "suicidal_ideation",
    "other",
)
"""Adverse event kinds for esketamine and racemic ketamine sessions.

Sources: the boxed warning and warnings of the Spravato US PI (sedation, dissociation,
respiratory depression; MOAA/S 0 = loss of consciousness; suicidal thoughts), and its most
common adverse reactions (dissociation, dizziness, nausea, sedation, vertigo, hypoaesthesia,
anxiety, lethargy, blood pressure increased, vomiting, feeling drunk; headache and dysgeusia in
the adverse-reaction table) — REFERENCE.md §6 and evidence-notes.md §1.7, §1.9 [S/V]; racemic
ketamine infusion effects (dissociation, BP rise, nausea, euphoria) per Sanacora 2017 [S].
``other`` takes the description.
"""


def _in_range(name: str, value: int | None) -> int | None:
    if value is None:
        return None
    low, high, unit = VITAL_RANGES[name]
    if not low <= value <= high:
        raise ValueError(
            f"{value} is outside {low}–{high} {unit} (allowed: {low}–{high})"
        )
    return value


def _not_in_future(value: datetime | None) -> datetime | None:
    if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return value


class _Vitals(Schema):
    """Shared vital-sign fields and their plausibility ranges."""

    systolic_mmhg: StrictInt | None = None
    diastolic_mmhg: StrictInt | None = None
    heart_rate_bpm: StrictInt | None = None
    spo2_pct: StrictInt | None = None
    respiratory_rate_per_min: StrictInt | None = None

    @field_validator(
        "systolic_mmhg",
        "diastolic_mmhg",
        "heart_rate_bpm",
        "spo2_pct",
        "respiratory_rate_per_min",
    )
    @classmethod
    def _plausible(cls, value: int | None, info: ValidationInfo) -> int | None:
        name = str(info.field_name)
        checked = _in_range(name, value)
        systolic = info.data.get("systolic_mmhg")
        if (
            name == "diastolic_mmhg"
            and checked is not None
            and systolic is not None
            and checked >= systolic
        ):
            raise ValueError(
                f"{checked} must be below systolic_mmhg {systolic} "
                f"(allowed: 20–{min(200, systolic - 1)})"
            )
        return checked


class CheckInCreate(_Vitals):
    """Arrival: the pre-dose vitals and checklist answers the core's pre-dose check needs.

    ``pulse_oximeter_available`` and ``minutes_since_nasal_medication`` feed the esketamine
    REMS and nasal-medication items; ``acknowledge_cautions`` is a prescriber's sign-off.
    """

    systolic_mmhg: StrictInt
    diastolic_mmhg: StrictInt
    hours_since_food: Decimal | None = Field(default=None, ge=0, le=168)
    minutes_since_liquids: StrictInt | None = Field(default=None, ge=0, le=10080)
    minutes_since_nasal_medication: StrictInt | None = Field(
        default=None, ge=0, le=1440
    )
    pulse_oximeter_available: StrictBool | None = None
    transport_arranged: StrictBool
    acknowledge_cautions: StrictBool = False


class DoseCreate(Schema):
    """A dose given: esketamine the requested mg (default from the core), IV from the course.

    KAP dosing sessions record the mg given; the reference has no KAP dose rule, so none is
    applied.
    """

    dose_mg: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2)
    lot_number: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9./-]+$"
    )
    given_at: AwareDatetime | None = None

    @field_validator("given_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        return _not_in_future(value)


class VitalSignCreate(_Vitals):
    """One timed reading; at least one value."""

    taken_at: AwareDatetime | None = None

    @field_validator("taken_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        return _not_in_future(value)

    @model_validator(mode="after")
    def _at_least_one(self) -> Any:
        if all(getattr(self, name) is None for name in VITAL_RANGES):
            raise ValueError(f"give at least one of {', '.join(VITAL_RANGES)}")
        return self


class ScaleCreate(Schema):
    """A session scale: MOAA/S, CADSS or BPRS positive; item answers only (the core scores)."""

    instrument: Literal["moaas", "cadss", "bprs_positive"]
    responses: list[StrictInt | None] | dict[str, StrictInt | None] = Field(
        max_length=50
    )
    taken_at: AwareDatetime | None = None

    @field_validator("taken_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        return _not_in_future(value)


class AdverseEventCreate(Schema):
    """An adverse event; ``kind`` from :data:`ADVERSE_EVENT_KINDS`; ``serious`` raises an alert."""

    kind: Literal[
        "dissociation",
        "sedation",
        "loss_of_consciousness",
        "respiratory_depression",
        "dizziness",
        "vertigo",
        "nausea",
        "vomiting",
        "hypoaesthesia",
        "anxiety",
        "lethargy",
        "increased_blood_pressure",
        "feeling_drunk",
        "headache",
        "dysgeusia",
        "euphoria",
        "suicidal_ideation",
        "other",
    ]
    severity: Literal["mild", "moderate", "severe", "serious"]
    onset_at: AwareDatetime | None = None
    description: str | None = Field(default=None, max_length=2000)

    @field_validator("onset_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        return _not_in_future(value)


class ReadyCreate(Schema):
    """Effects resolved: esketamine needs the three REMS items; IV and KAP the clinic's two."""

    sedation_resolved: StrictBool
    dissociation_resolved: StrictBool
    respiratory_ok: StrictBool
    vital_signs_stable: StrictBool | None = None
    mental_status_at_baseline: StrictBool | None = None


class DoseRead(Schema):
    """A dose as stored."""

    id: uuid.UUID
    drug: str
    dose_mg: Decimal
    devices: int | None
    infusion_minutes: int | None
    dosing_weight_kg: Decimal | None
    lot_number: str | None
    rule_id: str | None
    given_at: datetime
    given_by_id: uuid.UUID | None


class VitalSignRead(Schema):
    """A reading as stored."""

    id: uuid.UUID
    taken_at: datetime
    minutes_after_dose: int | None
    systolic_mmhg: int | None
    diastolic_mmhg: int | None
    heart_rate_bpm: int | None
    spo2_pct: int | None
    respiratory_rate_per_min: int | None
    recorded_by_id: uuid.UUID | None


class AdverseEventRead(Schema):
    """An adverse event as stored."""

    id: uuid.UUID
    kind: str
    severity: str
    onset_at: datetime
    resolved_at: datetime | None
    description: str | None
    recorded_by_id: uuid.UUID | None


class NextDue(Schema):
    """What is due next from the core's vital-sign schedule."""

    label: str
    at_minutes: int
    due_in_minutes: int


class SessionRead(Schema):
    """The full record of a session, as the nurse running it sees it."""

    id: uuid.UUID
    course_id: uuid.UUID
    protocol: str
    route: str
    patient_id: uuid.UUID
    patient_name: str
    patient_mrn: str
    number: int
    phase: str
    kind: str
    scheduled_date: date
    scheduled_time: str | None
    chair_id: uuid.UUID | None
    status: str
    version: int
    planned_dose_mg: Decimal | None
    planned_dose_mg_per_kg: Decimal | None
    planned_chair_minutes: int | None
    predose_check: dict[str, Any] | None
    predose_acknowledged_by_id: uuid.UUID | None
    checked_in_at: datetime | None
    first_dose_at: datetime | None
    ready_at: datetime | None
    discharged_at: datetime | None
    discharged_by_id: uuid.UUID | None
    discharge: dict[str, Any] | None
    minutes_since_first_dose: int | None
    next_due: NextDue | None
    vitals_schedule_minutes: list[int]
    discharge_gate: dict[str, Any] | None
    doses: list[DoseRead]
    vitals: list[VitalSignRead]
    scales: list[MeasurementRead]
    adverse_events: list[AdverseEventRead]
    findings: list[FindingOut] = Field(default_factory=list)
