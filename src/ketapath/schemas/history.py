"""Clinical history boundary models: conditions, medications, antidepressant trials.

Codes and classes come from the core's closed vocabularies (``ketapath.core.patient``), so a
typo is a 422 that names the field and lists the allowed values. Missing values are ``null``,
never 0. Each trial read carries the core's adequacy verdict with the findings behind it.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, PlainSerializer, ValidationInfo, field_validator

from ketapath.core.findings import Finding
from ketapath.core.patient import ConditionCode, DrugClass
from ketapath.core.trd import Adequacy
from ketapath.schemas.base import Schema
from ketapath.schemas.profile import AntidepressantClass

__all__ = [
    "ConditionCreate",
    "ConditionRead",
    "FindingRead",
    "FixedDecimal",
    "HistoryRead",
    "MedicationCreate",
    "MedicationRead",
    "MedicationUpdate",
    "TrialAdequacyRead",
    "TrialCreate",
    "TrialRead",
    "TrialUpdate",
    "finding_json",
]


FixedDecimal = Annotated[
    Decimal,
    PlainSerializer(lambda d: format(d, "f"), return_type=str, when_used="json"),
]
"""A decimal written in fixed-point notation ("70", never "7E+1" as a normalised
PostgreSQL NUMERIC would print)."""


def _not_blank(value: str | None) -> str | None:
    if value is not None and not value.strip():
        raise ValueError("must not be blank")
    return value


def finding_json(finding: Finding) -> dict[str, Any]:
    """A core finding as JSON: the same keys ``ketapath assess`` prints."""
    return {
        "rule": finding.rule_id,
        "version": finding.rule_version,
        "severity": finding.severity.value,
        "message": finding.message,
        "sources": finding.source_labels(),
    }


class FindingRead(Schema):
    """One explained result of a rule: id, version, severity, message and sources."""

    rule: str
    version: str
    severity: str
    message: str
    sources: list[str]


# --- conditions -------------------------------------------------------------------------


class ConditionCreate(Schema):
    """Record a coded condition from the eligibility vocabulary."""

    code: ConditionCode
    note: str | None = Field(default=None, max_length=1000)


class ConditionRead(Schema):
    """A recorded condition."""

    id: uuid.UUID
    patient_id: uuid.UUID
    code: str
    note: str | None
    recorded_by_id: uuid.UUID | None
    created_at: datetime
    resolved_at: datetime | None


# --- medications ------------------------------------------------------------------------


class MedicationCreate(Schema):
    """Record a medication; the class drives the interaction rules."""

    name: str = Field(min_length=1, max_length=200)
    drug_class: DrugClass
    daily_dose_mg: Decimal | None = Field(default=None, gt=0, le=100_000)
    active: bool = True

    @field_validator("name")
    @classmethod
    def _name_not_blank(cls, value: str) -> str:
        _not_blank(value)
        return value


class MedicationUpdate(Schema):
    """Change a medication; ``active=false`` stops it. Omitted fields stay as they are."""

    active: bool | None = None
    daily_dose_mg: Decimal | None = Field(default=None, gt=0, le=100_000)


class MedicationRead(Schema):
    """A recorded medication."""

    id: uuid.UUID
    patient_id: uuid.UUID
    name: str
    drug_class: str
    daily_dose_mg: FixedDecimal | None
    active: bool
    recorded_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime


# --- antidepressant trials --------------------------------------------------------------


class TrialCreate(Schema):
    """One antidepressant trial in the current episode (improvement_pct: % from baseline)."""

    drug: str = Field(min_length=1, max_length=100)
    drug_class: AntidepressantClass
    daily_dose_mg: Decimal | None = Field(default=None, gt=0, le=100_000)
    weeks: Decimal | None = Field(default=None, ge=0, le=520)
    improvement_pct: Decimal | None = Field(default=None, ge=-100, le=100)
    remission: bool | None = None
    adequacy_override: bool | None = None
    override_reason: str | None = Field(
        default=None, min_length=1, max_length=1000, validate_default=True
    )

    @field_validator("drug")
    @classmethod
    def _drug_not_blank(cls, value: str) -> str:
        _not_blank(value)
        return value

    @field_validator("override_reason")
    @classmethod
    def _override_needs_reason(
        cls, value: str | None, info: ValidationInfo
    ) -> str | None:
        _not_blank(value)
        if info.data.get("adequacy_override") is not None and value is None:
            raise ValueError("a reason is required when adequacy_override is set")
        return value


class TrialUpdate(Schema):
    """Change a trial; omitted fields stay as they are.

    Setting ``adequacy_override`` (true or false) needs ``override_reason`` in the same
    request; setting it to ``null`` removes the override and its reason.
    """

    drug: str | None = Field(default=None, min_length=1, max_length=100)
    drug_class: AntidepressantClass | None = None
    daily_dose_mg: Decimal | None = Field(default=None, gt=0, le=100_000)
    weeks: Decimal | None = Field(default=None, ge=0, le=520)
    improvement_pct: Decimal | None = Field(default=None, ge=-100, le=100)
    remission: bool | None = None
    adequacy_override: bool | None = None
    override_reason: str | None = Field(default=None, min_length=1, max_length=1000)

    @field_validator("drug", "override_reason")
    @classmethod
    def _text_not_blank(cls, value: str | None) -> str | None:
        return _not_blank(value)


class TrialAdequacyRead(Schema):
    """The core's adequacy verdict for one trial under a TRD rule set, with its reasons."""

    ruleset: str
    verdict: str
    adequate: bool
    reasons: list[FindingRead]


class TrialRead(Schema):
    """A recorded trial and the core's adequacy verdict."""

    id: uuid.UUID
    patient_id: uuid.UUID
    drug: str
    drug_class: str
    daily_dose_mg: FixedDecimal | None
    weeks: FixedDecimal | None
    improvement_pct: FixedDecimal | None
    remission: bool | None
    adequacy_override: bool | None
    override_reason: str | None
    recorded_by_id: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    adequacy: TrialAdequacyRead

    @classmethod
    def build(
        cls,
        trial: Any,
        *,
        ruleset: str,
        verdict: Adequacy,
        reasons: tuple[Finding, ...],
    ) -> TrialRead:
        """Combine a stored trial (ORM row) with the core's verdict on it."""
        return cls(
            id=trial.id,
            patient_id=trial.patient_id,
            drug=trial.drug,
            drug_class=trial.drug_class,
            daily_dose_mg=trial.daily_dose_mg,
            weeks=trial.weeks,
            improvement_pct=trial.improvement_pct,
            remission=trial.remission,
            adequacy_override=trial.adequacy_override,
            override_reason=trial.override_reason,
            recorded_by_id=trial.recorded_by_id,
            created_at=trial.created_at,
            updated_at=trial.updated_at,
            adequacy=TrialAdequacyRead(
                ruleset=ruleset,
                verdict=verdict.value,
                adequate=verdict is Adequacy.ADEQUATE,
                reasons=[FindingRead(**finding_json(f)) for f in reasons],
            ),
        )


class HistoryRead(Schema):
    """A patient's clinical history: conditions, medications, trials and the current episode."""

    patient_id: uuid.UUID
    episode_duration_months: int | None
    episode_severity: str | None
    augmentation_used: bool
    ect_used: bool
    conditions: list[ConditionRead]
    medications: list[MedicationRead]
    trials: list[TrialRead]
