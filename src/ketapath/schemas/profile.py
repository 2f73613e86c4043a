"""Patient profile boundary model: what ``ketapath assess`` and the API accept.

Bounds are realistic input checks (errors name the field and range); the clinical rules live in
the core. Adults only: ketapath's TRD treatments are for adults (18–120 years). Missing values
are ``null`` (never 0) and stay ``None`` in the core.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Literal

from pydantic import Field, model_validator

from ketapath.core.monitoring.blood_pressure import (
    DIASTOLIC_RANGE_MMHG,
    SYSTOLIC_RANGE_MMHG,
)
from ketapath.core.patient import (
    ADULT_AGE_RANGE_YEARS,
    AntidepressantTrial,
    BloodPressureReading,
    ConditionCode,
    DrugClass,
    EpisodeInfo,
    EpisodeSeverity,
    Medication,
    PatientProfile,
    Sex,
)
from ketapath.schemas.base import Schema

__all__ = [
    "AntidepressantClass",
    "AntidepressantTrialIn",
    "BloodPressureIn",
    "EpisodeIn",
    "MedicationIn",
    "PatientProfileIn",
]

AntidepressantClass = Literal[
    "ssri", "snri", "tca", "maoi", "ndri", "nassa", "serotonin_modulator", "atypical"
]
"""The antidepressant classes of ``ketapath.core.patient.ANTIDEPRESSANT_CLASSES``."""


class BloodPressureIn(Schema):
    """A resting blood pressure in mmHg."""

    systolic: int = Field(ge=SYSTOLIC_RANGE_MMHG[0], le=SYSTOLIC_RANGE_MMHG[1])
    diastolic: int = Field(ge=DIASTOLIC_RANGE_MMHG[0], le=DIASTOLIC_RANGE_MMHG[1])

    @model_validator(mode="after")
    def _diastolic_below_systolic(self) -> BloodPressureIn:
        if self.diastolic >= self.systolic:
            raise ValueError("diastolic must be below systolic")
        return self


class MedicationIn(Schema):
    """A current medication: generic name and class."""

    name: str = Field(min_length=1, max_length=100)
    drug_class: DrugClass


class EpisodeIn(Schema):
    """The current depressive episode."""

    duration_months: Decimal | None = Field(default=None, ge=0, le=1200)
    severity: EpisodeSeverity | None = None


class AntidepressantTrialIn(Schema):
    """One antidepressant trial in the current episode (improvement_pct: % from baseline)."""

    drug: str = Field(min_length=1, max_length=100)
    drug_class: AntidepressantClass
    daily_dose_mg: Decimal | None = Field(default=None, ge=0, le=10000)
    weeks: Decimal | None = Field(default=None, ge=0, le=520)
    improvement_pct: Decimal | None = Field(default=None, ge=-100, le=100)
    remission: bool | None = None
    adequacy_override: bool | None = None
    override_reason: str | None = Field(default=None, min_length=1, max_length=500)

    @model_validator(mode="after")
    def _override_needs_reason(self) -> AntidepressantTrialIn:
        if self.adequacy_override is not None and self.override_reason is None:
            raise ValueError(
                "override_reason is required when adequacy_override is set"
            )
        return self


class PatientProfileIn(Schema):
    """Everything the TRD, staging and eligibility rules read about one adult patient."""

    age_years: int = Field(ge=ADULT_AGE_RANGE_YEARS[0], le=ADULT_AGE_RANGE_YEARS[1])
    sex: Sex
    weight_kg: Decimal | None = Field(default=None, ge=20, le=400)
    height_cm: Decimal | None = Field(default=None, ge=100, le=250)
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    blood_pressure: BloodPressureIn | None = None
    conditions: list[ConditionCode] = Field(default_factory=list)
    medications: list[MedicationIn] = Field(default_factory=list)
    current_episode: EpisodeIn | None = None
    antidepressant_trials: list[AntidepressantTrialIn] = Field(default_factory=list)
    augmentation_used: bool | None = None
    ect_used: bool | None = None
    bilateral_ect_failed: bool | None = None

    def to_core(self) -> PatientProfile:
        """Convert to the core :class:`PatientProfile` (core checks run again there)."""
        bp = self.blood_pressure
        episode = self.current_episode
        return PatientProfile(
            age_years=self.age_years,
            sex=self.sex,
            weight_kg=self.weight_kg,
            height_cm=self.height_cm,
            pregnant=self.pregnant,
            breastfeeding=self.breastfeeding,
            blood_pressure=None
            if bp is None
            else BloodPressureReading(bp.systolic, bp.diastolic),
            conditions=frozenset(self.conditions),
            medications=tuple(
                Medication(m.name, m.drug_class) for m in self.medications
            ),
            current_episode=(
                None
                if episode is None
                else EpisodeInfo(episode.duration_months, episode.severity)
            ),
            antidepressant_trials=tuple(
                AntidepressantTrial(
                    drug=t.drug,
                    drug_class=t.drug_class,
                    daily_dose_mg=t.daily_dose_mg,
                    weeks=t.weeks,
                    improvement_pct=t.improvement_pct,
                    remission=t.remission,
                    adequacy_override=t.adequacy_override,
                    override_reason=t.override_reason,
                )
                for t in self.antidepressant_trials
            ),
            augmentation_used=self.augmentation_used,
            ect_used=self.ect_used,
            bilateral_ect_failed=self.bilateral_ect_failed,
        )
