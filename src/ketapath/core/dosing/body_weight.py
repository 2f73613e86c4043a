"""Body weights for weight-based dosing: actual, ideal (Devine), adjusted, and BMI.

Rules in plain words:

* Ideal body weight (Devine 1974): 50 kg (male) or 45.5 kg (female) plus 2.3 kg per inch of
  height over 60 inches [M]. Below 60 inches the formula is applied as written and gives a
  weight *below* the base (it subtracts 2.3 kg per inch); ketapath does not clamp, because a
  lower dosing weight is the conservative direction, and it adds a caution (``DOSE-WT-DEVINE-SHORT``)
  because the formula was built for heights of 5 ft and over.
* Adjusted body weight: IBW + 0.4 × (actual − IBW) [M].
* BMI = weight_kg / height_m².
* Dosing weight (``DOSE-WT-BASIS``): actual body weight by default. A clinic may choose ideal or
  adjusted weight for obese patients; ketapath uses the alternative only when BMI is at least
  the clinic setting ``alternative_weight_min_bmi`` (default 30 [M]; Sanacora 2017 as
  summarised: "consider ideal or adjusted body weight in obesity") and never when it would
  exceed actual weight. Otherwise actual weight is used and a finding says so.

Rounding: every weight is rounded half-up to 0.1 kg, BMI to 0.1 kg/m².
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ketapath.core.citations import Citation, Confidence
from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.sources import DEVINE_IBW, SANACORA_2017
from ketapath.core.units import as_decimal, cm_to_inches, round_to_increment

__all__ = [
    "ADJUSTED_WEIGHT_FACTOR",
    "ALTERNATIVE_WEIGHT_MIN_BMI",
    "DEVINE_BASE_FEMALE_KG",
    "DEVINE_BASE_HEIGHT_IN",
    "DEVINE_BASE_MALE_KG",
    "DEVINE_KG_PER_INCH",
    "DOSE_WT_BASIS",
    "DOSE_WT_DEVINE_SHORT",
    "HEIGHT_RANGE_CM",
    "RULES",
    "RULESET_VERSION",
    "SEXES",
    "SOURCES",
    "WEIGHT_BASES",
    "WEIGHT_INCREMENT_KG",
    "WEIGHT_RANGE_KG",
    "DosingWeight",
    "Sex",
    "WeightBasis",
    "adjusted_body_weight_kg",
    "bmi_kg_per_m2",
    "check_height_cm",
    "check_sex",
    "check_weight_basis",
    "check_weight_kg",
    "dosing_weight",
    "ideal_body_weight_kg",
]

Sex = Literal["female", "male"]
WeightBasis = Literal["actual", "ideal", "adjusted"]
SEXES: tuple[str, ...] = ("female", "male")
WEIGHT_BASES: tuple[str, ...] = ("actual", "ideal", "adjusted")

DEVINE_BASE_MALE_KG = Decimal(50)
DEVINE_BASE_FEMALE_KG = Decimal("45.5")
DEVINE_KG_PER_INCH = Decimal("2.3")
DEVINE_BASE_HEIGHT_IN = Decimal(60)
ADJUSTED_WEIGHT_FACTOR = Decimal("0.4")
ALTERNATIVE_WEIGHT_MIN_BMI = Decimal(30)
"""Default clinic setting: ideal/adjusted weight only at BMI ≥ this value [M]."""

WEIGHT_RANGE_KG: tuple[Decimal, Decimal] = (Decimal(25), Decimal(350))
"""Plausible adult body weights accepted as input (sanity check, not a clinical rule)."""
HEIGHT_RANGE_CM: tuple[Decimal, Decimal] = (Decimal(120), Decimal(250))
"""Plausible adult heights accepted as input (sanity check, not a clinical rule)."""
WEIGHT_INCREMENT_KG = Decimal("0.1")
BMI_INCREMENT = Decimal("0.1")
CM_PER_M = Decimal(100)

DEVINE_BELOW_60_IN = Citation(
    "devine-below-60in",
    "Devine formula explainer: below 5 ft the formula subtracts 2.3 kg per inch (no clamp)",
    Confidence.UNVERIFIED,
    "https://definitivecalc.com/blog/devine-formula-ideal-weight",
)
SANACORA_WEIGHT = SANACORA_2017.with_confidence(Confidence.UNVERIFIED).at(
    "'Ketamine dose and delivery': consider ideal or adjusted weight when BMI >30 (not read)"
)
SOURCES: tuple[Citation, ...] = (DEVINE_IBW, SANACORA_WEIGHT, DEVINE_BELOW_60_IN)

RULESET_VERSION = "1.0"

DOSE_WT_BASIS = RuleSpec(
    rule_id="DOSE-WT-BASIS",
    version=RULESET_VERSION,
    title="Dosing weight: actual by default; ideal or adjusted only in obesity",
    severity="info",
    confidence=Confidence.UNVERIFIED,
    sources=(SANACORA_WEIGHT, DEVINE_IBW),
    configurable=True,
    description=(
        "Actual body weight unless the clinic chooses ideal (Devine) or adjusted "
        "(IBW + 0.4 × (ABW − IBW)) weight; the alternative applies only at BMI ≥ "
        "alternative_weight_min_bmi (default 30) and never above actual weight."
    ),
)
DOSE_WT_DEVINE_SHORT = RuleSpec(
    rule_id="DOSE-WT-DEVINE-SHORT",
    version=RULESET_VERSION,
    title="Devine ideal weight below 60 inches is an extrapolation",
    severity="caution",
    confidence=Confidence.UNVERIFIED,
    sources=(DEVINE_IBW, DEVINE_BELOW_60_IN),
    configurable=True,
    description=(
        "Under 60 in (152.4 cm) Devine is applied as written (below the base weight); "
        "a clinician should confirm the dosing weight."
    ),
)
RULES: tuple[RuleSpec, ...] = (DOSE_WT_BASIS, DOSE_WT_DEVINE_SHORT)


def _checked(
    value: Decimal | int | float | str, name: str, bounds: tuple[Decimal, Decimal]
) -> Decimal:
    low, high = bounds
    allowed = f"{low}–{high}"
    if isinstance(value, bool):
        raise InvalidInputError(f"{name} must be a number", field=name, allowed=allowed)
    try:
        number = as_decimal(value)
    except ArithmeticError as error:
        raise InvalidInputError(
            f"{name} must be a number", field=name, allowed=allowed
        ) from error
    if not number.is_finite() or not low <= number <= high:
        raise InvalidInputError(
            f"{name} {value} is outside {allowed}", field=name, allowed=allowed
        )
    return number


def check_weight_kg(
    weight_kg: Decimal | int | float | str, name: str = "weight_kg"
) -> Decimal:
    """Return ``weight_kg`` as Decimal, or raise InvalidInputError outside the plausible range."""
    return _checked(weight_kg, name, WEIGHT_RANGE_KG)


def check_height_cm(height_cm: Decimal | int | float | str | None) -> Decimal:
    """Return ``height_cm`` as Decimal; missing or implausible height is an InvalidInputError."""
    if height_cm is None:
        raise InvalidInputError(
            "height_cm is required for ideal or adjusted body weight",
            field="height_cm",
            allowed=f"{HEIGHT_RANGE_CM[0]}–{HEIGHT_RANGE_CM[1]}",
        )
    return _checked(height_cm, "height_cm", HEIGHT_RANGE_CM)


def check_sex(sex: str | None) -> Sex:
    """Return ``sex`` as ``"female"`` or ``"male"``; anything else is an InvalidInputError."""
    if sex == "female":
        return "female"
    if sex == "male":
        return "male"
    what = (
        "is required for ideal or adjusted body weight"
        if sex is None
        else f"{sex!r} is not known"
    )
    raise InvalidInputError(f"sex {what}", field="sex", allowed="female, male")


def _ideal_unrounded(height: Decimal, sex: Sex) -> Decimal:
    base = DEVINE_BASE_MALE_KG if sex == "male" else DEVINE_BASE_FEMALE_KG
    return base + DEVINE_KG_PER_INCH * (cm_to_inches(height) - DEVINE_BASE_HEIGHT_IN)


def ideal_body_weight_kg(
    *, height_cm: Decimal | int | float | str | None, sex: str | None
) -> Decimal:
    """Return Devine ideal body weight in kg (0.1 kg), extrapolated below 60 inches."""
    return round_to_increment(
        _ideal_unrounded(check_height_cm(height_cm), check_sex(sex)),
        WEIGHT_INCREMENT_KG,
    )


def adjusted_body_weight_kg(
    *,
    weight_kg: Decimal | int | float | str,
    height_cm: Decimal | int | float | str | None,
    sex: str | None,
) -> Decimal:
    """Return adjusted body weight IBW + 0.4 × (ABW − IBW) in kg (0.1 kg)."""
    actual = check_weight_kg(weight_kg)
    ideal = _ideal_unrounded(check_height_cm(height_cm), check_sex(sex))
    return round_to_increment(
        ideal + ADJUSTED_WEIGHT_FACTOR * (actual - ideal), WEIGHT_INCREMENT_KG
    )


def bmi_kg_per_m2(
    *,
    weight_kg: Decimal | int | float | str,
    height_cm: Decimal | int | float | str | None,
) -> Decimal:
    """Return body mass index in kg/m² (0.1)."""
    actual = check_weight_kg(weight_kg)
    height_m = check_height_cm(height_cm) / CM_PER_M
    return round_to_increment(actual / (height_m * height_m), BMI_INCREMENT)


@dataclass(frozen=True, slots=True)
class DosingWeight:
    """The weight a dose is calculated from, which basis was used, and why."""

    weight_kg: Decimal
    weight_basis: WeightBasis
    requested_basis: WeightBasis
    actual_weight_kg: Decimal
    ideal_weight_kg: Decimal | None
    adjusted_weight_kg: Decimal | None
    bmi_kg_per_m2: Decimal | None
    findings: tuple[Finding, ...]


def check_weight_basis(weight_basis: str) -> WeightBasis:
    """Return a known weight basis or raise InvalidInputError naming the allowed values."""
    if weight_basis == "actual":
        return "actual"
    if weight_basis == "ideal":
        return "ideal"
    if weight_basis == "adjusted":
        return "adjusted"
    raise InvalidInputError(
        f"unknown weight_basis {weight_basis!r}",
        field="weight_basis",
        allowed=", ".join(WEIGHT_BASES),
    )


def _basis_finding(
    chosen: WeightBasis, requested: WeightBasis, weight: Decimal, why: str
) -> Finding:
    return DOSE_WT_BASIS.finding(
        Severity.INFO,
        f"Dosing weight {weight} kg ({chosen} body weight): {why}",
        weight_basis=chosen,
        requested_basis=requested,
        dosing_weight_kg=weight,
    )


def dosing_weight(
    *,
    weight_kg: Decimal | int | float | str,
    weight_basis: str = "actual",
    height_cm: Decimal | int | float | str | None = None,
    sex: str | None = None,
    alternative_weight_min_bmi: Decimal | int = ALTERNATIVE_WEIGHT_MIN_BMI,
) -> DosingWeight:
    """Choose the dosing weight for the requested basis, explaining the choice in findings.

    ``actual`` needs only ``weight_kg``; ``ideal`` and ``adjusted`` also need ``height_cm`` and
    ``sex`` (InvalidInputError naming the missing field otherwise).
    """
    requested = check_weight_basis(weight_basis)
    actual = round_to_increment(check_weight_kg(weight_kg), WEIGHT_INCREMENT_KG)
    if requested == "actual":
        finding = _basis_finding(
            "actual", requested, actual, "the clinic's basis is actual weight."
        )
        return DosingWeight(
            actual, "actual", requested, actual, None, None, None, (finding,)
        )
    height = check_height_cm(height_cm)
    checked_sex = check_sex(sex)
    findings: list[Finding] = []
    if cm_to_inches(height) < DEVINE_BASE_HEIGHT_IN:
        findings.append(
            DOSE_WT_DEVINE_SHORT.finding(
                Severity.CAUTION,
                f"Height {height} cm is under 60 in (152.4 cm): Devine ideal weight is extrapolated "
                "below its base weight; confirm the dosing weight.",
                height_cm=height,
                requires_acknowledgement=True,
            )
        )
    ideal = ideal_body_weight_kg(height_cm=height, sex=checked_sex)
    adjusted = adjusted_body_weight_kg(
        weight_kg=actual, height_cm=height, sex=checked_sex
    )
    bmi = bmi_kg_per_m2(weight_kg=actual, height_cm=height)
    alternative = ideal if requested == "ideal" else adjusted
    min_bmi = as_decimal(alternative_weight_min_bmi)
    chosen: WeightBasis
    if bmi < min_bmi:
        chosen, weight = "actual", actual
        why = f"BMI {bmi} is below {min_bmi}, so {requested} weight does not apply."
    elif alternative > actual:
        chosen, weight = "actual", actual
        why = f"{requested} weight {alternative} kg would exceed actual weight."
    else:
        chosen, weight = requested, alternative
        why = f"BMI {bmi} ≥ {min_bmi}; actual {actual} kg, ideal {ideal} kg, adjusted {adjusted} kg."
    findings.insert(0, _basis_finding(chosen, requested, weight, why))
    return DosingWeight(
        weight, chosen, requested, actual, ideal, adjusted, bmi, tuple(findings)
    )
