"""Pre-dose blood pressure rules for esketamine, IV racemic ketamine and KAP.

Rules in plain words:

* **Esketamine** (``BP-ESK-01``): a pre-dose BP above 140 mmHg systolic *or* above 90 mmHg
  diastolic is a caution that needs a prescriber's acknowledgement (weigh a short-term BP rise
  against benefit); it is not a stop. The hard stops are the label contraindications
  (Spravato US PI §2 and §4 via label mirrors [S]).
* **IV racemic ketamine** (``BP-IV-STOP``): uncontrolled hypertension is a contraindication for
  IV ketamine in the programme ketapath implements (seed 002 [S]); the numeric threshold is a
  clinic setting whose default, ≥180 systolic *or* ≥110 diastolic, is unverified [M].
  ``BP-IV-CAUTION``: ≥140 systolic *or* ≥90 diastolic is a caution [M], also a clinic setting.
* **KAP** uses racemic ketamine (compounded nasal, sublingual, IM or IV), not the licensed
  esketamine device, so the Spravato label thresholds do not apply to it; it follows the
  racemic ketamine (IV) rules.

Note the asymmetry the sources give: the esketamine threshold is *strictly above* 140/90, the
racemic ketamine thresholds are *at or above* the numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketapath.core.citations import Citation, Confidence
from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.sources import (
    KETALAR_PI,
    SANACORA_2017,
    SEED_002,
    SPRAVATO_EU_SMPC,
    SPRAVATO_US_PI,
    YALE_BP_SERIES,
)

__all__ = [
    "BP_ESK_01",
    "BP_IV_CAUTION",
    "BP_IV_STOP",
    "BP_ROUTES",
    "DEFAULT_THRESHOLDS",
    "DIASTOLIC_RANGE_MMHG",
    "ESKETAMINE_CAUTION_DIASTOLIC_MMHG",
    "ESKETAMINE_CAUTION_SYSTOLIC_MMHG",
    "KETAMINE_CAUTION_DIASTOLIC_MMHG",
    "KETAMINE_CAUTION_SYSTOLIC_MMHG",
    "KETAMINE_STOP_DIASTOLIC_MMHG",
    "KETAMINE_STOP_SYSTOLIC_MMHG",
    "ROUTE_ESKETAMINE",
    "ROUTE_IV_KETAMINE",
    "ROUTE_KAP",
    "RULES",
    "RULESET_VERSION",
    "SOURCES",
    "SYSTOLIC_RANGE_MMHG",
    "BloodPressureThresholds",
    "blood_pressure_finding",
    "validate_blood_pressure",
]

RULESET_VERSION = "1.0"

ROUTE_IV_KETAMINE = "iv_ketamine"
ROUTE_ESKETAMINE = "esketamine"
ROUTE_KAP = "kap"
BP_ROUTES: tuple[str, ...] = (ROUTE_IV_KETAMINE, ROUTE_ESKETAMINE, ROUTE_KAP)

SYSTOLIC_RANGE_MMHG: tuple[int, int] = (50, 300)
"""Plausible systolic values accepted as input (a sanity check, not a clinical rule)."""
DIASTOLIC_RANGE_MMHG: tuple[int, int] = (20, 200)
"""Plausible diastolic values accepted as input (a sanity check, not a clinical rule)."""

ESKETAMINE_CAUTION_SYSTOLIC_MMHG = 140
"""Esketamine caution when systolic is *above* this value [S]."""
ESKETAMINE_CAUTION_DIASTOLIC_MMHG = 90
"""Esketamine caution when diastolic is *above* this value [S]."""
KETAMINE_STOP_SYSTOLIC_MMHG = 180
"""Racemic ketamine stop when systolic is *at or above* this value (default [M])."""
KETAMINE_STOP_DIASTOLIC_MMHG = 110
"""Racemic ketamine stop when diastolic is *at or above* this value (default [M])."""
KETAMINE_CAUTION_SYSTOLIC_MMHG = 140
"""Racemic ketamine caution when systolic is *at or above* this value (default [M])."""
KETAMINE_CAUTION_DIASTOLIC_MMHG = 90
"""Racemic ketamine caution when diastolic is *at or above* this value (default [M])."""

SPRAVATO_BP_TEXT = SPRAVATO_US_PI.at(
    "§2 (assess BP before dosing; if baseline BP is elevated, e.g. >140/90 mmHg, weigh risks)"
)
SPRAVATO_BP_MIRROR = SPRAVATO_EU_SMPC.at(
    "dosage: blood pressure before and ~40 min after dose"
)
IV_BP_THRESHOLD_DEFAULT = Citation(
    "aagbi-bhs-2016",
    "Hartle et al. 2016, AAGBI/BHS guideline on BP before elective surgery (Anaesthesia "
    "71:326): proceed if clinic BP is below 180/110 mmHg; used by analogy as ketapath's "
    "default IV ketamine stop threshold",
    Confidence.UNVERIFIED,
    "https://bihs.org.uk/managing-bp-surgery/",
)

SOURCES: tuple[Citation, ...] = (
    SPRAVATO_BP_TEXT,
    SPRAVATO_BP_MIRROR,
    SEED_002,
    KETALAR_PI,
    SANACORA_2017,
    YALE_BP_SERIES,
    IV_BP_THRESHOLD_DEFAULT,
)

BP_ESK_01 = RuleSpec(
    rule_id="BP-ESK-01",
    version=RULESET_VERSION,
    title="Esketamine: pre-dose BP above 140/90 needs prescriber acknowledgement",
    severity="caution",
    confidence=Confidence.SECONDARY,
    sources=(SPRAVATO_BP_TEXT, SPRAVATO_BP_MIRROR),
    configurable=True,
    description=(
        "Systolic >140 or diastolic >90 mmHg before esketamine: weigh a short-term BP rise "
        "against benefit; a prescriber acknowledges before dosing. Not a stop; the label "
        "contraindications are the hard stops."
    ),
)
BP_IV_STOP = RuleSpec(
    rule_id="BP-IV-STOP",
    version=RULESET_VERSION,
    title="Racemic ketamine (IV, KAP): uncontrolled hypertension stops the session",
    severity="contraindicated",
    confidence=Confidence.SECONDARY,
    sources=(
        SEED_002,
        KETALAR_PI.with_confidence(Confidence.UNVERIFIED).at(
            "§4 (BP elevation a serious hazard)"
        ),
        IV_BP_THRESHOLD_DEFAULT,
    ),
    configurable=True,
    description=(
        "Uncontrolled hypertension is a contraindication to racemic ketamine (seed 002 [S]). "
        "The clinic sets the threshold; the default ≥180 systolic or ≥110 diastolic mmHg is "
        "unverified [M]. Only a prescriber may override, with a recorded reason."
    ),
)
BP_IV_CAUTION = RuleSpec(
    rule_id="BP-IV-CAUTION",
    version=RULESET_VERSION,
    title="Racemic ketamine (IV, KAP): pre-dose BP at or above 140/90 is a caution",
    severity="caution",
    confidence=Confidence.UNVERIFIED,
    sources=(SANACORA_2017.with_confidence(Confidence.UNVERIFIED), YALE_BP_SERIES),
    configurable=True,
    description=(
        "Systolic ≥140 or diastolic ≥90 mmHg before racemic ketamine: a caution a clinician "
        "acknowledges. BP rises peak ~40 min after the start (Yale series [V]); the 140/90 "
        "pre-infusion threshold is commonly quoted but not verified in Sanacora 2017 [M]."
    ),
)
RULES: tuple[RuleSpec, ...] = (BP_ESK_01, BP_IV_STOP, BP_IV_CAUTION)


def _check_range(value: int, name: str, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            f"{name} must be a whole number of mmHg",
            field=name,
            allowed=f"{low}–{high} mmHg",
        )
    if not low <= value <= high:
        raise InvalidInputError(
            f"{name} {value} is outside {low}–{high} mmHg",
            field=name,
            allowed=f"{low}–{high} mmHg",
        )


def validate_blood_pressure(*, systolic_mmhg: int, diastolic_mmhg: int) -> None:
    """Raise InvalidInputError unless both values are plausible and diastolic < systolic."""
    _check_range(systolic_mmhg, "systolic_mmhg", SYSTOLIC_RANGE_MMHG)
    _check_range(diastolic_mmhg, "diastolic_mmhg", DIASTOLIC_RANGE_MMHG)
    if diastolic_mmhg >= systolic_mmhg:
        raise InvalidInputError(
            f"diastolic_mmhg {diastolic_mmhg} must be below systolic_mmhg {systolic_mmhg}",
            field="diastolic_mmhg",
            allowed=f"below systolic ({systolic_mmhg} mmHg)",
        )


@dataclass(frozen=True, slots=True)
class BloodPressureThresholds:
    """Per-route BP thresholds a clinic may change (defaults are the module constants).

    Esketamine thresholds are exclusive (caution when *above*); racemic ketamine thresholds
    are inclusive (caution or stop when *at or above*).
    """

    esketamine_caution_systolic_mmhg: int = ESKETAMINE_CAUTION_SYSTOLIC_MMHG
    esketamine_caution_diastolic_mmhg: int = ESKETAMINE_CAUTION_DIASTOLIC_MMHG
    ketamine_stop_systolic_mmhg: int = KETAMINE_STOP_SYSTOLIC_MMHG
    ketamine_stop_diastolic_mmhg: int = KETAMINE_STOP_DIASTOLIC_MMHG
    ketamine_caution_systolic_mmhg: int = KETAMINE_CAUTION_SYSTOLIC_MMHG
    ketamine_caution_diastolic_mmhg: int = KETAMINE_CAUTION_DIASTOLIC_MMHG

    def __post_init__(self) -> None:
        for name in (
            "esketamine_caution_systolic_mmhg",
            "ketamine_stop_systolic_mmhg",
            "ketamine_caution_systolic_mmhg",
        ):
            _check_range(getattr(self, name), f"thresholds.{name}", SYSTOLIC_RANGE_MMHG)
        for name in (
            "esketamine_caution_diastolic_mmhg",
            "ketamine_stop_diastolic_mmhg",
            "ketamine_caution_diastolic_mmhg",
        ):
            _check_range(
                getattr(self, name), f"thresholds.{name}", DIASTOLIC_RANGE_MMHG
            )
        if self.ketamine_caution_systolic_mmhg > self.ketamine_stop_systolic_mmhg:
            raise InvalidInputError(
                "the ketamine caution systolic threshold must not exceed the stop threshold",
                field="thresholds.ketamine_caution_systolic_mmhg",
                allowed=f"≤ {self.ketamine_stop_systolic_mmhg} mmHg",
            )
        if self.ketamine_caution_diastolic_mmhg > self.ketamine_stop_diastolic_mmhg:
            raise InvalidInputError(
                "the ketamine caution diastolic threshold must not exceed the stop threshold",
                field="thresholds.ketamine_caution_diastolic_mmhg",
                allowed=f"≤ {self.ketamine_stop_diastolic_mmhg} mmHg",
            )


DEFAULT_THRESHOLDS = BloodPressureThresholds()


def _esketamine_finding(
    systolic_mmhg: int, diastolic_mmhg: int, limits: BloodPressureThresholds
) -> Finding | None:
    sys_limit = limits.esketamine_caution_systolic_mmhg
    dia_limit = limits.esketamine_caution_diastolic_mmhg
    if systolic_mmhg <= sys_limit and diastolic_mmhg <= dia_limit:
        return None
    return BP_ESK_01.finding(
        Severity.CAUTION,
        f"Pre-dose BP {systolic_mmhg}/{diastolic_mmhg} mmHg is above {sys_limit}/{dia_limit}: "
        "weigh a short-term BP rise against benefit; prescriber acknowledgement required "
        "before esketamine.",
        route=ROUTE_ESKETAMINE,
        systolic_mmhg=systolic_mmhg,
        diastolic_mmhg=diastolic_mmhg,
        threshold_mmhg=f">{sys_limit}/>{dia_limit}",
        requires_acknowledgement=True,
        acknowledged_by="prescriber",
    )


def _ketamine_finding(
    route: str, systolic_mmhg: int, diastolic_mmhg: int, limits: BloodPressureThresholds
) -> Finding | None:
    stop_sys, stop_dia = (
        limits.ketamine_stop_systolic_mmhg,
        limits.ketamine_stop_diastolic_mmhg,
    )
    if systolic_mmhg >= stop_sys or diastolic_mmhg >= stop_dia:
        return BP_IV_STOP.finding(
            Severity.CONTRAINDICATED,
            f"Pre-dose BP {systolic_mmhg}/{diastolic_mmhg} mmHg is at or above the clinic's "
            f"stop threshold {stop_sys}/{stop_dia}: do not give ketamine now; only a prescriber "
            "may override, with a recorded reason.",
            route=route,
            systolic_mmhg=systolic_mmhg,
            diastolic_mmhg=diastolic_mmhg,
            threshold_mmhg=f"≥{stop_sys}/≥{stop_dia}",
            stop=True,
            requires_acknowledgement=True,
            acknowledged_by="prescriber",
        )
    cau_sys = limits.ketamine_caution_systolic_mmhg
    cau_dia = limits.ketamine_caution_diastolic_mmhg
    if systolic_mmhg >= cau_sys or diastolic_mmhg >= cau_dia:
        return BP_IV_CAUTION.finding(
            Severity.CAUTION,
            f"Pre-dose BP {systolic_mmhg}/{diastolic_mmhg} mmHg is at or above {cau_sys}/{cau_dia}: "
            "BP usually rises further during ketamine (peak ~40 min); acknowledge before dosing.",
            route=route,
            systolic_mmhg=systolic_mmhg,
            diastolic_mmhg=diastolic_mmhg,
            threshold_mmhg=f"≥{cau_sys}/≥{cau_dia}",
            requires_acknowledgement=True,
            acknowledged_by="clinician",
        )
    return None


def blood_pressure_finding(
    route: str,
    *,
    systolic_mmhg: int,
    diastolic_mmhg: int,
    thresholds: BloodPressureThresholds | None = None,
) -> Finding | None:
    """Return the pre-dose BP finding for a route, or None when BP is below every threshold.

    ``route`` is ``iv_ketamine``, ``esketamine`` or ``kap`` (KAP follows racemic ketamine).
    Raises UnknownNameError for another route and InvalidInputError for implausible values.
    """
    if route not in BP_ROUTES:
        raise UnknownNameError(
            f"unknown route {route!r}", field="route", allowed=", ".join(BP_ROUTES)
        )
    validate_blood_pressure(systolic_mmhg=systolic_mmhg, diastolic_mmhg=diastolic_mmhg)
    limits = DEFAULT_THRESHOLDS if thresholds is None else thresholds
    if route == ROUTE_ESKETAMINE:
        return _esketamine_finding(systolic_mmhg, diastolic_mmhg, limits)
    return _ketamine_finding(route, systolic_mmhg, diastolic_mmhg, limits)
