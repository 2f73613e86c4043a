"""IV racemic ketamine dose and infusion rate (off-label, for depression).

Rules in plain words:

* ``KET-DOSE-01``: dose_mg = mg_per_kg × dosing weight; default 0.5 mg/kg over 40 minutes
  (Sanacora 2017 via Medscape [V]; Andrade 2017 [V]).
* ``KET-DOSE-BOUNDS``: the mg/kg must lie within the clinic's bounds, default 0.1–1.0 mg/kg:
  0.1–0.75 mg/kg is the studied range (Andrade 2017 [V]) and some protocols titrate up to
  1.0 mg/kg (seed 004 [S]). Outside → :class:`DoseNotAllowedError`.
* ``KET-DOSE-ABOVE-STUDIED``: above 0.75 mg/kg is a caution (beyond the studied range).
* ``KET-IV-DURATION``: 40 minutes is conventional; 2–100 minutes have been studied (Andrade
  2017 [V]). The clinic's minutes bounds (default 2–100, a sanity setting [M]) reject other
  values as invalid input; any duration other than the clinic default gets an info finding.
* ``KET-IV-CONC-100``: the 100 mg/mL presentation must not be given IV without dilution
  (Ketalar PI [S]); a concentration ≥100 mg/mL is refused.

Rounding (half-up, ``core.units.round_to_increment``): dosing weight 0.1 kg, dose 0.1 mg,
rate 0.001 mg/min, infusion rate 0.1 mL/h, volume 0.1 mL. The dose is computed from the
rounded dosing weight and the rates from the rounded dose, so the printed numbers agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketapath.core.citations import Citation, Confidence
from ketapath.core.dosing.body_weight import (
    ALTERNATIVE_WEIGHT_MIN_BMI,
    WeightBasis,
    dosing_weight,
)
from ketapath.core.errors import DoseNotAllowedError, InvalidInputError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.sources import ANDRADE_2017, KETALAR_PI, SANACORA_2017, SEED_004
from ketapath.core.units import MINUTES_PER_HOUR, as_decimal, round_to_increment

__all__ = [
    "DEFAULT_IV_SETTINGS",
    "DEFAULT_MG_PER_KG",
    "DEFAULT_MINUTES",
    "DOSE_INCREMENT_MG",
    "KET_DOSE_01",
    "KET_DOSE_ABOVE_STUDIED",
    "KET_DOSE_BOUNDS",
    "KET_IV_CONC_100",
    "KET_IV_DURATION",
    "RATE_INCREMENT_MG_PER_MIN",
    "RATE_INCREMENT_ML_PER_H",
    "RULES",
    "RULESET_VERSION",
    "SOURCES",
    "UNDILUTED_CONCENTRATION_MG_PER_ML",
    "IvDose",
    "IvSettings",
    "iv_dose",
]

RULESET_VERSION = "1.0"

DEFAULT_MG_PER_KG = Decimal("0.5")
DEFAULT_MINUTES = 40
STUDIED_MAX_MG_PER_KG = Decimal("0.75")
STUDIED_MIN_MG_PER_KG = Decimal("0.1")
TITRATION_MAX_MG_PER_KG = Decimal("1.0")
STUDIED_MIN_MINUTES = 2
STUDIED_MAX_MINUTES = 100
UNDILUTED_CONCENTRATION_MG_PER_ML = Decimal(100)
MAX_BAG_VOLUME_ML = Decimal(1000)
"""Sanity bound on an infusion bag volume (not a clinical rule)."""

DOSE_INCREMENT_MG = Decimal("0.1")
RATE_INCREMENT_MG_PER_MIN = Decimal("0.001")
RATE_INCREMENT_ML_PER_H = Decimal("0.1")
VOLUME_INCREMENT_ML = Decimal("0.1")

ANDRADE_RANGE = ANDRADE_2017.at(
    "0.5 mg/kg most common; 0.1–0.75 mg/kg; 40 min (2–100 min studied)"
)
SANACORA_DOSE = SANACORA_2017.at(
    "0.5 mg/kg IV over 40 min most studied (Medscape summary)"
)
SEED_004_TITRATION = SEED_004.at(
    "titration up to 1.0 mg/kg ('increasing the dose could lead to better results')"
)
KETALAR_DILUTION = KETALAR_PI.at(
    "do not give the 100 mg/mL concentration IV without proper dilution"
)
MINUTES_AS_BOUNDS = Citation(
    "ketapath-iv-minutes-bounds",
    "ketapath sanity setting: infusion minutes limited to the studied 2–100 min (Andrade 2017)",
    Confidence.UNVERIFIED,
)
SOURCES: tuple[Citation, ...] = (
    SANACORA_DOSE,
    ANDRADE_RANGE,
    SEED_004_TITRATION,
    KETALAR_DILUTION,
    MINUTES_AS_BOUNDS,
)

KET_DOSE_01 = RuleSpec(
    rule_id="KET-DOSE-01",
    version=RULESET_VERSION,
    title="IV ketamine: mg/kg × dosing weight, default 0.5 mg/kg over 40 min",
    severity="info",
    confidence=Confidence.VERIFIED,
    sources=(SANACORA_DOSE, ANDRADE_RANGE),
    configurable=True,
    description="dose_mg = mg_per_kg × dosing weight; the clinic may change the defaults.",
)
KET_DOSE_BOUNDS = RuleSpec(
    rule_id="KET-DOSE-BOUNDS",
    version=RULESET_VERSION,
    title="IV ketamine: mg/kg within the clinic's bounds (default 0.1–1.0 mg/kg)",
    severity="contraindicated",
    confidence=Confidence.SECONDARY,
    sources=(ANDRADE_RANGE, SEED_004_TITRATION),
    configurable=True,
    description=(
        "Studied range 0.1–0.75 mg/kg [V]; titration up to 1.0 mg/kg [S]. A request outside "
        "the clinic's bounds is refused (DoseNotAllowedError)."
    ),
)
KET_DOSE_ABOVE_STUDIED = RuleSpec(
    rule_id="KET-DOSE-ABOVE-STUDIED",
    version=RULESET_VERSION,
    title="IV ketamine: above 0.75 mg/kg is beyond the studied range",
    severity="caution",
    confidence=Confidence.VERIFIED,
    sources=(ANDRADE_RANGE, SEED_004_TITRATION),
    configurable=True,
    description="A dose above 0.75 mg/kg is a caution that a prescriber acknowledges.",
)
KET_IV_DURATION = RuleSpec(
    rule_id="KET-IV-DURATION",
    version=RULESET_VERSION,
    title="IV ketamine: infusion minutes within the clinic's bounds (default 2–100)",
    severity="info",
    confidence=Confidence.UNVERIFIED,
    sources=(ANDRADE_RANGE, MINUTES_AS_BOUNDS),
    configurable=True,
    description=(
        "40 minutes is conventional; minutes outside the clinic's sanity bounds (default "
        "2–100, the studied range) are invalid input; other durations get an info finding."
    ),
)
KET_IV_CONC_100 = RuleSpec(
    rule_id="KET-IV-CONC-100",
    version=RULESET_VERSION,
    title="IV ketamine: 100 mg/mL must be diluted before IV use",
    severity="contraindicated",
    confidence=Confidence.SECONDARY,
    sources=(KETALAR_DILUTION,),
    description="A concentration of 100 mg/mL or more is refused for an IV rate.",
)
RULES: tuple[RuleSpec, ...] = (
    KET_DOSE_01,
    KET_DOSE_BOUNDS,
    KET_DOSE_ABOVE_STUDIED,
    KET_IV_DURATION,
    KET_IV_CONC_100,
)


@dataclass(frozen=True, slots=True)
class IvSettings:
    """Clinic settings for IV ketamine dosing (defaults from REFERENCE §4)."""

    default_mg_per_kg: Decimal = DEFAULT_MG_PER_KG
    default_minutes: int = DEFAULT_MINUTES
    min_mg_per_kg: Decimal = STUDIED_MIN_MG_PER_KG
    max_mg_per_kg: Decimal = TITRATION_MAX_MG_PER_KG
    caution_above_mg_per_kg: Decimal = STUDIED_MAX_MG_PER_KG
    min_minutes: int = STUDIED_MIN_MINUTES
    max_minutes: int = STUDIED_MAX_MINUTES
    weight_basis: WeightBasis = "actual"
    alternative_weight_min_bmi: Decimal = ALTERNATIVE_WEIGHT_MIN_BMI

    def __post_init__(self) -> None:
        if (
            not Decimal(0)
            < self.min_mg_per_kg
            <= self.default_mg_per_kg
            <= self.max_mg_per_kg
        ):
            raise InvalidInputError(
                "IV settings need 0 < min_mg_per_kg ≤ default_mg_per_kg ≤ max_mg_per_kg",
                field="settings.mg_per_kg",
                allowed="0 < min ≤ default ≤ max",
            )
        if not 0 < self.min_minutes <= self.default_minutes <= self.max_minutes:
            raise InvalidInputError(
                "IV settings need 0 < min_minutes ≤ default_minutes ≤ max_minutes",
                field="settings.minutes",
                allowed="0 < min ≤ default ≤ max",
            )


DEFAULT_IV_SETTINGS = IvSettings()


@dataclass(frozen=True, slots=True)
class IvDose:
    """An IV ketamine dose: how much, over how long, how fast, and why."""

    dose_mg: Decimal
    dosing_weight_kg: Decimal
    weight_basis: WeightBasis
    mg_per_kg: Decimal
    minutes: int
    rate_mg_per_min: Decimal
    rate_ml_per_h: Decimal | None
    findings: tuple[Finding, ...]
    volume_ml: Decimal | None = None


def _mg_per_kg(
    value: Decimal | int | float | str | None, settings: IvSettings
) -> Decimal:
    if value is None:
        return settings.default_mg_per_kg
    low, high = settings.min_mg_per_kg, settings.max_mg_per_kg
    allowed = f"{low}–{high} mg/kg"
    if isinstance(value, bool):
        raise InvalidInputError(
            "mg_per_kg must be a number", field="mg_per_kg", allowed=allowed
        )
    try:
        number = as_decimal(value)
    except ArithmeticError as error:
        raise InvalidInputError(
            "mg_per_kg must be a number", field="mg_per_kg", allowed=allowed
        ) from error
    if not number.is_finite():
        raise InvalidInputError(
            "mg_per_kg must be a number", field="mg_per_kg", allowed=allowed
        )
    if not low <= number <= high:
        raise DoseNotAllowedError(
            f"{number} mg/kg is outside the clinic's IV ketamine bounds {allowed} (rule KET-DOSE-BOUNDS)",
            rule_id=KET_DOSE_BOUNDS.rule_id,
            field="mg_per_kg",
            allowed=allowed,
        )
    return number


def _minutes(value: int | None, settings: IvSettings) -> int:
    if value is None:
        return settings.default_minutes
    allowed = f"{settings.min_minutes}–{settings.max_minutes} min"
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            "minutes must be a whole number", field="minutes", allowed=allowed
        )
    if not settings.min_minutes <= value <= settings.max_minutes:
        raise InvalidInputError(
            f"minutes {value} is outside the clinic's infusion bounds {allowed} (rule KET-IV-DURATION)",
            field="minutes",
            allowed=allowed,
        )
    return value


def _positive(
    value: Decimal | int | float | str, name: str, high: Decimal, unit: str
) -> Decimal:
    allowed = f"> 0 and ≤ {high} {unit}"
    if isinstance(value, bool):
        raise InvalidInputError(f"{name} must be a number", field=name, allowed=allowed)
    try:
        number = as_decimal(value)
    except ArithmeticError as error:
        raise InvalidInputError(
            f"{name} must be a number", field=name, allowed=allowed
        ) from error
    if not number.is_finite() or not Decimal(0) < number <= high:
        raise InvalidInputError(
            f"{name} {value} is outside {allowed}", field=name, allowed=allowed
        )
    return number


def _concentration(value: Decimal | int | float | str) -> Decimal:
    number = _positive(
        value, "concentration_mg_per_ml", UNDILUTED_CONCENTRATION_MG_PER_ML, "mg/mL"
    )
    if number >= UNDILUTED_CONCENTRATION_MG_PER_ML:
        raise DoseNotAllowedError(
            f"{number} mg/mL must be diluted before IV use (rule KET-IV-CONC-100)",
            rule_id=KET_IV_CONC_100.rule_id,
            field="concentration_mg_per_ml",
            allowed=f"< {UNDILUTED_CONCENTRATION_MG_PER_ML} mg/mL (dilute first)",
        )
    return number


def iv_dose(
    *,
    weight_kg: Decimal | int | float | str,
    mg_per_kg: Decimal | int | float | str | None = None,
    minutes: int | None = None,
    weight_basis: str | None = None,
    height_cm: Decimal | int | float | str | None = None,
    sex: str | None = None,
    concentration_mg_per_ml: Decimal | int | float | str | None = None,
    bag_volume_ml: Decimal | int | float | str | None = None,
    settings: IvSettings = DEFAULT_IV_SETTINGS,
) -> IvDose:
    """Calculate an IV ketamine dose and rate.

    ``mg_per_kg``, ``minutes`` and ``weight_basis`` default to the clinic settings. Give
    ``concentration_mg_per_ml`` (syringe or bag concentration) *or* ``bag_volume_ml`` (the whole
    dose diluted in this volume) to get ``rate_ml_per_h``; giving both is an error.
    """
    if concentration_mg_per_ml is not None and bag_volume_ml is not None:
        raise InvalidInputError(
            "give either concentration_mg_per_ml or bag_volume_ml, not both",
            field="bag_volume_ml",
            allowed="one of concentration_mg_per_ml, bag_volume_ml",
        )
    dose_per_kg = _mg_per_kg(mg_per_kg, settings)
    infusion_minutes = _minutes(minutes, settings)
    concentration = (
        None
        if concentration_mg_per_ml is None
        else _concentration(concentration_mg_per_ml)
    )
    bag_ml = (
        None
        if bag_volume_ml is None
        else _positive(bag_volume_ml, "bag_volume_ml", MAX_BAG_VOLUME_ML, "mL")
    )
    weight = dosing_weight(
        weight_kg=weight_kg,
        weight_basis=settings.weight_basis if weight_basis is None else weight_basis,
        height_cm=height_cm,
        sex=sex,
        alternative_weight_min_bmi=settings.alternative_weight_min_bmi,
    )
    dose_mg = round_to_increment(dose_per_kg * weight.weight_kg, DOSE_INCREMENT_MG)
    rate_mg_per_min = round_to_increment(
        dose_mg / Decimal(infusion_minutes), RATE_INCREMENT_MG_PER_MIN
    )
    volume_ml = bag_ml if concentration is None else dose_mg / concentration
    rate_ml_per_h = None
    if volume_ml is not None:
        rate_ml_per_h = round_to_increment(
            volume_ml * MINUTES_PER_HOUR / Decimal(infusion_minutes),
            RATE_INCREMENT_ML_PER_H,
        )
        volume_ml = round_to_increment(volume_ml, VOLUME_INCREMENT_ML)
    findings = [
        KET_DOSE_01.finding(
            Severity.INFO,
            f"{dose_per_kg} mg/kg × {weight.weight_kg} kg = {dose_mg} mg over {infusion_minutes} min "
            f"({rate_mg_per_min} mg/min).",
            dose_mg=dose_mg,
            mg_per_kg=dose_per_kg,
            minutes=infusion_minutes,
        ),
        *weight.findings,
    ]
    if dose_per_kg > settings.caution_above_mg_per_kg:
        findings.append(
            KET_DOSE_ABOVE_STUDIED.finding(
                Severity.CAUTION,
                f"{dose_per_kg} mg/kg is above the studied range (up to {settings.caution_above_mg_per_kg} "
                "mg/kg); prescriber acknowledgement required.",
                mg_per_kg=dose_per_kg,
                requires_acknowledgement=True,
            )
        )
    if infusion_minutes != settings.default_minutes:
        findings.append(
            KET_IV_DURATION.finding(
                Severity.INFO,
                f"Infusion over {infusion_minutes} min differs from the clinic default of "
                f"{settings.default_minutes} min.",
                minutes=infusion_minutes,
            )
        )
    return IvDose(
        dose_mg=dose_mg,
        dosing_weight_kg=weight.weight_kg,
        weight_basis=weight.weight_basis,
        mg_per_kg=dose_per_kg,
        minutes=infusion_minutes,
        rate_mg_per_min=rate_mg_per_min,
        rate_ml_per_h=rate_ml_per_h,
        findings=tuple(findings),
        volume_ml=volume_ml,
    )
