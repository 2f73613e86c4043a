"""Pre-dose checklist: what must be true before ketamine or esketamine is given.

Rules in plain words (elapsed times are parameters; nothing reads a clock):

* ``PRE-BP-REQUIRED``: a pre-dose BP is required for every route; without it the session stops
  (REFERENCE §6 [S]). A recorded BP goes through :func:`blood_pressure_finding`.
* ``PRE-FAST-ESK``: esketamine — no food for 2 h and no liquids for 30 min before dosing [S]
  (nausea and vomiting); shorter or unrecorded → caution. Clinic settings.
* ``PRE-NASAL-ESK``: esketamine — a nasal corticosteroid or decongestant is given at least
  60 min before [M]; shorter → caution. Clinic setting; never a stop.
* ``PRE-TRANSPORT``: transport home arranged (no driving until the next day after sleep):
  esketamine [V spravatohcp]; racemic ketamine (IV, KAP): no driving within 24 h (ketamine
  injection patient information [S]). Not arranged or unrecorded → stop.
* ``PRE-REMS-ESK``: US esketamine — the patient is enrolled in the SPRAVATO REMS and the
  setting is REMS-certified with a pulse oximeter on site [V]. Not confirmed → stop. A clinic
  outside the US turns ``rems_applies`` off.

Status: ``stop`` if any finding is contraindicated, ``caution`` if any is a caution, else
``clear``; anything but ``clear`` requires acknowledgement (a stop only by a prescriber).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from ketapath.core.citations import Citation, Confidence
from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.monitoring.blood_pressure import (
    BP_ROUTES,
    DEFAULT_THRESHOLDS,
    ROUTE_ESKETAMINE,
    BloodPressureThresholds,
    blood_pressure_finding,
)
from ketapath.core.sources import (
    KETALAR_PI,
    SEED_002,
    SPRAVATO_EU_SMPC,
    SPRAVATO_HCP_DOSING,
    SPRAVATO_REMS,
    SPRAVATO_US_PI,
)
from ketapath.core.units import as_decimal

__all__ = [
    "PRE_BP_REQUIRED",
    "PRE_FAST_ESK",
    "PRE_NASAL_ESK",
    "PRE_REMS_ESK",
    "PRE_TRANSPORT",
    "RULES",
    "RULESET_VERSION",
    "SOURCES",
    "PreDoseCheck",
    "PreDoseSettings",
    "PreDoseStatus",
    "predose_check",
]

RULESET_VERSION = "1.0"

PreDoseStatus = Literal["clear", "caution", "stop"]

ESKETAMINE_NO_FOOD_HOURS = Decimal(2)
ESKETAMINE_NO_LIQUIDS_MINUTES = 30
NASAL_MEDICATION_MIN_MINUTES = 60

FASTING_SOURCE = SPRAVATO_EU_SMPC.at(
    "administration: no food 2 h, no liquids 30 min before (Epocrates, MIMS PH)"
)
NASAL_SOURCE = SPRAVATO_US_PI.with_confidence(Confidence.UNVERIFIED).at(
    "§2: nasal corticosteroid or decongestant ≥1 h before"
)
TRANSPORT_ESK = SPRAVATO_HCP_DOSING.at(
    "no driving or machinery until the next day after restful sleep; arrange transport"
)
KETAMINE_DRIVING = Citation(
    "mayo-ketamine-injection",
    "Mayo Clinic (Micromedex) ketamine injection precautions: do not drive within 24 hours",
    Confidence.SECONDARY,
    "https://www.mayoclinic.org/drugs-supplements/ketamine-injection-route/precautions/drg-20075559",
)
REMS_SOURCE = SPRAVATO_REMS.at(
    "patient enrolment; certified outpatient setting with prescriber and pulse oximeter on site"
)
BP_REQUIRED_SOURCE = SPRAVATO_HCP_DOSING.at("BP monitored prior to administration")
SOURCES: tuple[Citation, ...] = (
    BP_REQUIRED_SOURCE,
    SEED_002,
    FASTING_SOURCE,
    NASAL_SOURCE,
    TRANSPORT_ESK,
    KETAMINE_DRIVING,
    REMS_SOURCE,
)

PRE_BP_REQUIRED = RuleSpec(
    rule_id="PRE-BP-REQUIRED",
    version=RULESET_VERSION,
    title="A pre-dose blood pressure is required",
    severity="contraindicated",
    confidence=Confidence.SECONDARY,
    sources=(BP_REQUIRED_SOURCE, SEED_002, KETALAR_PI),
    description="No dose without a recorded pre-dose BP (both systolic and diastolic).",
)
PRE_FAST_ESK = RuleSpec(
    rule_id="PRE-FAST-ESK",
    version=RULESET_VERSION,
    title="Esketamine: no food for 2 h and no liquids for 30 min before dosing",
    severity="caution",
    confidence=Confidence.SECONDARY,
    sources=(FASTING_SOURCE,),
    configurable=True,
    description="Shorter or unrecorded intervals are a caution (nausea and vomiting).",
)
PRE_NASAL_ESK = RuleSpec(
    rule_id="PRE-NASAL-ESK",
    version=RULESET_VERSION,
    title="Esketamine: nasal corticosteroid or decongestant at least 1 h before",
    severity="caution",
    confidence=Confidence.UNVERIFIED,
    sources=(NASAL_SOURCE,),
    configurable=True,
    description="Less than the clinic's interval (default 60 min) is a caution, never a stop.",
)
PRE_TRANSPORT = RuleSpec(
    rule_id="PRE-TRANSPORT",
    version=RULESET_VERSION,
    title="Transport home arranged: no driving until the next day",
    severity="contraindicated",
    confidence=Confidence.SECONDARY,
    sources=(TRANSPORT_ESK, KETAMINE_DRIVING),
    description="Esketamine [V] and racemic ketamine [S]: without arranged transport the session stops.",
)
PRE_REMS_ESK = RuleSpec(
    rule_id="PRE-REMS-ESK",
    version=RULESET_VERSION,
    title="US esketamine: REMS patient enrolment and certified setting with pulse oximetry",
    severity="contraindicated",
    confidence=Confidence.VERIFIED,
    sources=(REMS_SOURCE,),
    configurable=True,
    description="Enrolment, setting certification and a pulse oximeter must be confirmed (US only).",
)
RULES: tuple[RuleSpec, ...] = (
    PRE_BP_REQUIRED,
    PRE_FAST_ESK,
    PRE_NASAL_ESK,
    PRE_TRANSPORT,
    PRE_REMS_ESK,
)


@dataclass(frozen=True, slots=True)
class PreDoseSettings:
    """Clinic settings for the pre-dose checklist."""

    esketamine_no_food_hours: Decimal = ESKETAMINE_NO_FOOD_HOURS
    esketamine_no_liquids_minutes: int = ESKETAMINE_NO_LIQUIDS_MINUTES
    nasal_medication_min_minutes: int = NASAL_MEDICATION_MIN_MINUTES
    rems_applies: bool = True
    blood_pressure: BloodPressureThresholds = DEFAULT_THRESHOLDS


DEFAULT_PREDOSE_SETTINGS = PreDoseSettings()


@dataclass(frozen=True, slots=True)
class PreDoseCheck:
    """The pre-dose checklist result: overall status, the findings, and whether sign-off is needed."""

    status: PreDoseStatus
    findings: tuple[Finding, ...]
    requires_acknowledgement: bool


def _non_negative(value: Decimal | int | float | str, name: str) -> Decimal:
    if isinstance(value, bool):
        raise InvalidInputError(f"{name} must be a number", field=name, allowed="≥ 0")
    try:
        number = as_decimal(value)
    except ArithmeticError as error:
        raise InvalidInputError(
            f"{name} must be a number", field=name, allowed="≥ 0"
        ) from error
    if not number.is_finite() or number < 0:
        raise InvalidInputError(
            f"{name} {value} must not be negative", field=name, allowed="≥ 0"
        )
    return number


def _bp_findings(
    route: str, systolic: int | None, diastolic: int | None, settings: PreDoseSettings
) -> list[Finding]:
    if systolic is None or diastolic is None:
        missing = "systolic_mmhg" if systolic is None else "diastolic_mmhg"
        return [
            PRE_BP_REQUIRED.finding(
                Severity.CONTRAINDICATED,
                "Pre-dose BP required: record systolic and diastolic before dosing.",
                missing=missing,
                stop=True,
            )
        ]
    finding = blood_pressure_finding(
        route,
        systolic_mmhg=systolic,
        diastolic_mmhg=diastolic,
        thresholds=settings.blood_pressure,
    )
    return [] if finding is None else [finding]


def _fasting_findings(
    hours_since_food: Decimal | int | float | str | None,
    minutes_since_liquids: Decimal | int | float | str | None,
    settings: PreDoseSettings,
) -> list[Finding]:
    findings: list[Finding] = []
    food_limit = settings.esketamine_no_food_hours
    if (
        hours_since_food is None
        or _non_negative(hours_since_food, "hours_since_food") < food_limit
    ):
        what = "not recorded" if hours_since_food is None else f"{hours_since_food} h"
        findings.append(
            PRE_FAST_ESK.finding(
                Severity.CAUTION,
                f"Time since food {what}: no food for {food_limit} h before esketamine (nausea, vomiting).",
                hours_since_food=hours_since_food,
                requires_acknowledgement=True,
            )
        )
    liquid_limit = settings.esketamine_no_liquids_minutes
    if (
        minutes_since_liquids is None
        or _non_negative(minutes_since_liquids, "minutes_since_liquids") < liquid_limit
    ):
        what = (
            "not recorded"
            if minutes_since_liquids is None
            else f"{minutes_since_liquids} min"
        )
        findings.append(
            PRE_FAST_ESK.finding(
                Severity.CAUTION,
                f"Time since liquids {what}: no liquids for {liquid_limit} min before esketamine.",
                minutes_since_liquids=minutes_since_liquids,
                requires_acknowledgement=True,
            )
        )
    return findings


def _rems_findings(
    patient_rems_enrolled: bool | None,
    setting_rems_certified: bool | None,
    pulse_oximeter_available: bool | None,
) -> list[Finding]:
    items = (
        (
            "patient_rems_enrolled",
            patient_rems_enrolled,
            "patient enrolled in the SPRAVATO REMS",
        ),
        (
            "setting_rems_certified",
            setting_rems_certified,
            "setting certified in the SPRAVATO REMS",
        ),
        (
            "pulse_oximeter_available",
            pulse_oximeter_available,
            "pulse oximeter on site",
        ),
    )
    return [
        PRE_REMS_ESK.finding(
            Severity.CONTRAINDICATED,
            f"REMS: {label} is {'not recorded' if value is None else 'not confirmed'}; do not dose.",
            item=name,
            stop=True,
        )
        for name, value, label in items
        if value is not True
    ]


def predose_check(
    route: str,
    *,
    systolic_mmhg: int | None,
    diastolic_mmhg: int | None,
    transport_arranged: bool | None,
    hours_since_food: Decimal | int | float | str | None = None,
    minutes_since_liquids: Decimal | int | float | str | None = None,
    minutes_since_nasal_medication: Decimal | int | float | str | None = None,
    patient_rems_enrolled: bool | None = None,
    setting_rems_certified: bool | None = None,
    pulse_oximeter_available: bool | None = None,
    settings: PreDoseSettings = DEFAULT_PREDOSE_SETTINGS,
) -> PreDoseCheck:
    """Evaluate the pre-dose checklist for ``route`` (``iv_ketamine``, ``esketamine`` or ``kap``).

    ``minutes_since_nasal_medication`` is None when no nasal corticosteroid or decongestant
    was taken today. Fasting, nasal and REMS items apply to esketamine only.
    """
    if route not in BP_ROUTES:
        raise UnknownNameError(
            f"unknown route {route!r}", field="route", allowed=", ".join(BP_ROUTES)
        )
    findings = _bp_findings(route, systolic_mmhg, diastolic_mmhg, settings)
    if transport_arranged is not True:
        what = "not recorded" if transport_arranged is None else "not arranged"
        findings.append(
            PRE_TRANSPORT.finding(
                Severity.CONTRAINDICATED,
                f"Transport home {what}: the patient must not drive until the next day after sleep.",
                stop=True,
            )
        )
    if route == ROUTE_ESKETAMINE:
        findings.extend(
            _fasting_findings(hours_since_food, minutes_since_liquids, settings)
        )
        if minutes_since_nasal_medication is not None:
            minutes = _non_negative(
                minutes_since_nasal_medication, "minutes_since_nasal_medication"
            )
            if minutes < settings.nasal_medication_min_minutes:
                findings.append(
                    PRE_NASAL_ESK.finding(
                        Severity.CAUTION,
                        f"Nasal corticosteroid or decongestant {minutes} min ago: give it at least "
                        f"{settings.nasal_medication_min_minutes} min before esketamine.",
                        minutes_since_nasal_medication=minutes,
                        requires_acknowledgement=True,
                    )
                )
        if settings.rems_applies:
            findings.extend(
                _rems_findings(
                    patient_rems_enrolled,
                    setting_rems_certified,
                    pulse_oximeter_available,
                )
            )
    worst = max((finding.severity.rank for finding in findings), default=0)
    status: PreDoseStatus = (
        "stop" if worst == 2 else "caution" if worst == 1 else "clear"
    )
    return PreDoseCheck(
        status=status,
        findings=tuple(findings),
        requires_acknowledgement=status != "clear",
    )
