"""The patient profile the clinical core reasons about: demographics, conditions, drugs, history.

Plain rules:

* Missing is ``None``, never ``0`` or ``False``: an unrecorded dose, duration or outcome stays
  ``None`` and the rules that need it say so instead of guessing.
* Conditions and drug classes come from closed vocabularies (:data:`CONDITIONS`,
  :data:`DRUG_CLASSES`); an unknown code raises :class:`InvalidInputError` naming the field and
  the allowed values, so a typo can never silently skip a contraindication.
* ketapath's TRD treatments are for adults: ``age_years`` must be 18–120.

The antidepressant trials listed are those of the current depressive episode (the TRD rule sets
count failures "in the current episode", REFERENCE.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal, get_args

from ketapath.core.errors import InvalidInputError
from ketapath.core.monitoring.blood_pressure import validate_blood_pressure

__all__ = [
    "ADULT_AGE_RANGE_YEARS",
    "ANTIDEPRESSANT_CLASSES",
    "CONDITIONS",
    "DRUG_CLASSES",
    "EPISODE_SEVERITIES",
    "SEXES",
    "AntidepressantTrial",
    "BloodPressureReading",
    "ConditionCode",
    "DrugClass",
    "EpisodeInfo",
    "EpisodeSeverity",
    "Medication",
    "PatientProfile",
    "Sex",
    "check_condition",
    "check_drug_class",
]

ConditionCode = Literal[
    "aneurysmal_vascular_disease",
    "arteriovenous_malformation",
    "intracerebral_hemorrhage_history",
    "ketamine_hypersensitivity",
    "uncontrolled_hypertension",
    "hypertension",
    "cardiovascular_disease",
    "arrhythmia",
    "myocardial_infarction_history",
    "stroke_history",
    "recent_cardiovascular_event",
    "psychosis_history",
    "bipolar_disorder",
    "active_substance_use_disorder",
    "substance_use_disorder_history",
    "current_alcohol_use",
    "liver_disease",
    "child_pugh_b",
    "child_pugh_c",
    "raised_intracranial_pressure",
]
"""Condition codes the eligibility rules understand (``current_alcohol_use`` feeds INT-SEDATIVES)."""

DrugClass = Literal[
    "ssri",
    "snri",
    "tca",
    "maoi",
    "ndri",
    "nassa",
    "serotonin_modulator",
    "atypical",
    "benzodiazepine",
    "nonbenzodiazepine_hypnotic",
    "opioid",
    "psychostimulant",
    "antipsychotic",
    "mood_stabilizer",
    "other",
]
"""Drug classes. ``ndri`` (bupropion), ``nassa`` (mirtazapine) and ``serotonin_modulator``
(vilazodone, vortioxetine, trazodone) split the heterogeneous "atypical" group so that
"different class" means something; ``atypical`` remains for drugs not listed."""

Sex = Literal["female", "male"]
EpisodeSeverity = Literal[
    "subsyndromal", "mild", "moderate", "severe", "severe_with_psychosis"
]

CONDITIONS: frozenset[str] = frozenset(get_args(ConditionCode))
DRUG_CLASSES: frozenset[str] = frozenset(get_args(DrugClass))
ANTIDEPRESSANT_CLASSES: frozenset[str] = frozenset(
    {"ssri", "snri", "tca", "maoi", "ndri", "nassa", "serotonin_modulator", "atypical"}
)
"""Classes an antidepressant trial may have (sedatives, opioids and stimulants may not)."""
SEXES: frozenset[str] = frozenset(get_args(Sex))
EPISODE_SEVERITIES: tuple[str, ...] = get_args(EpisodeSeverity)
ADULT_AGE_RANGE_YEARS: tuple[int, int] = (18, 120)


def _allowed(values: frozenset[str] | tuple[str, ...]) -> str:
    return ", ".join(sorted(values))


def check_condition(code: str, *, field: str = "conditions") -> str:
    """Return ``code`` if it is a known condition code, else raise InvalidInputError."""
    if code not in CONDITIONS:
        raise InvalidInputError(
            f"unknown condition code {code!r}",
            field=field,
            allowed=_allowed(CONDITIONS),
        )
    return code


def check_drug_class(
    drug_class: str, *, field: str, allowed: frozenset[str] = DRUG_CLASSES
) -> str:
    """Return ``drug_class`` if it is in ``allowed``, else raise InvalidInputError."""
    if drug_class not in allowed:
        raise InvalidInputError(
            f"unknown drug class {drug_class!r}", field=field, allowed=_allowed(allowed)
        )
    return drug_class


def _check_non_negative(
    value: Decimal | None, field: str, upper: Decimal | None = None
) -> None:
    if value is None:
        return
    if value < 0 or (upper is not None and value > upper):
        allowed = f"0–{upper}" if upper is not None else "≥ 0"
        raise InvalidInputError(
            f"{field} {value} is out of range", field=field, allowed=allowed
        )


@dataclass(frozen=True, slots=True)
class BloodPressureReading:
    """A resting pre-assessment blood pressure in mmHg (validated as plausible)."""

    systolic_mmhg: int
    diastolic_mmhg: int

    def __post_init__(self) -> None:
        try:
            validate_blood_pressure(
                systolic_mmhg=self.systolic_mmhg, diastolic_mmhg=self.diastolic_mmhg
            )
        except InvalidInputError as error:
            raise InvalidInputError(
                error.message,
                field=f"blood_pressure.{error.field}",
                allowed=error.allowed,
            ) from error


@dataclass(frozen=True, slots=True)
class Medication:
    """A current medication: generic name and drug class (the class drives interaction rules)."""

    name: str
    drug_class: str

    def __post_init__(self) -> None:
        check_drug_class(self.drug_class, field="medications.drug_class")


@dataclass(frozen=True, slots=True)
class EpisodeInfo:
    """The current depressive episode: duration in months and severity (either may be missing)."""

    duration_months: Decimal | None
    severity: str | None

    def __post_init__(self) -> None:
        _check_non_negative(self.duration_months, "current_episode.duration_months")
        if self.severity is not None and self.severity not in EPISODE_SEVERITIES:
            raise InvalidInputError(
                f"unknown episode severity {self.severity!r}",
                field="current_episode.severity",
                allowed=", ".join(EPISODE_SEVERITIES),
            )


@dataclass(frozen=True, slots=True)
class AntidepressantTrial:
    """One antidepressant trial in the current episode.

    ``improvement_pct`` is the percentage symptom improvement from the trial's baseline
    (negative = worse). ``adequacy_override`` lets a clinician mark the trial adequate (True)
    or inadequate (False) by hand; it needs ``override_reason``.
    """

    drug: str
    drug_class: str
    daily_dose_mg: Decimal | None
    weeks: Decimal | None
    improvement_pct: Decimal | None
    remission: bool | None
    adequacy_override: bool | None = None
    override_reason: str | None = None

    def __post_init__(self) -> None:
        if not self.drug.strip():
            raise InvalidInputError(
                "drug name is empty",
                field="antidepressant_trials.drug",
                allowed="a generic name",
            )
        check_drug_class(
            self.drug_class,
            field="antidepressant_trials.drug_class",
            allowed=ANTIDEPRESSANT_CLASSES,
        )
        _check_non_negative(self.daily_dose_mg, "antidepressant_trials.daily_dose_mg")
        _check_non_negative(self.weeks, "antidepressant_trials.weeks")
        if self.improvement_pct is not None and not (
            Decimal(-100) <= self.improvement_pct <= Decimal(100)
        ):
            raise InvalidInputError(
                f"improvement_pct {self.improvement_pct} is out of range",
                field="antidepressant_trials.improvement_pct",
                allowed="-100–100",
            )
        if self.adequacy_override is not None and (
            self.override_reason is None or not self.override_reason.strip()
        ):
            raise InvalidInputError(
                "a clinician adequacy override needs a reason",
                field="antidepressant_trials.override_reason",
                allowed="a non-empty reason when adequacy_override is set",
            )


@dataclass(frozen=True, slots=True)
class PatientProfile:
    """Everything the TRD, staging and eligibility rules read about one adult patient."""

    age_years: int
    sex: str
    weight_kg: Decimal | None = None
    height_cm: Decimal | None = None
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    blood_pressure: BloodPressureReading | None = None
    conditions: frozenset[str] = frozenset()
    medications: tuple[Medication, ...] = ()
    current_episode: EpisodeInfo | None = None
    antidepressant_trials: tuple[AntidepressantTrial, ...] = ()
    augmentation_used: bool | None = None
    ect_used: bool | None = None
    bilateral_ect_failed: bool | None = None

    def __post_init__(self) -> None:
        low, high = ADULT_AGE_RANGE_YEARS
        if isinstance(self.age_years, bool) or not low <= self.age_years <= high:
            raise InvalidInputError(
                f"age_years {self.age_years} is out of range (adults only)",
                field="age_years",
                allowed=f"{low}–{high}",
            )
        if self.sex not in SEXES:
            raise InvalidInputError(
                f"unknown sex {self.sex!r}", field="sex", allowed=_allowed(SEXES)
            )
        for name in ("weight_kg", "height_cm"):
            value = getattr(self, name)
            if value is not None and value <= 0:
                raise InvalidInputError(
                    f"{name} must be positive", field=name, allowed="> 0"
                )
        for code in self.conditions:
            check_condition(code)
