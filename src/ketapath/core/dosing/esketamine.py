"""Esketamine nasal spray (Spravato) dose per session, by rule set and dosing history.

Rules in plain words:

* ``ESK-DEVICE-28``: each device holds 28 mg; a dose is a whole number of devices and the
  patient rests 5 minutes after each device [V spravatohcp; S label mirrors].
* ``ESK-DOSE-MAX-84``: at most 84 mg (3 devices) per session [S].
* ``ESK-ADULTS``: Spravato is indicated in adults (age ≥ 18) [S].
* TRD (both rule sets, adults under 65 and every age in the ``us`` set):
  ``ESK-DOSE-DAY1-56`` day 1 (no previous doses) is 56 mg [V];
  ``ESK-TRD-DOSES`` later doses are 56 or 84 mg [V/S];
  ``ESK-DOSE-84-AFTER-56`` 84 mg only after a previous dose of 56 mg [V] (ketapath accepts any
  previous dose of 56 mg or more, so a history already at 84 mg is not blocked).
* ``eu-au`` rule set, age ≥65, TRD: ``ESK-GE65-DAY1-28`` day 1 is 28 mg; later 28, 56 or 84 mg,
  and ``ESK-GE65-STEP-28`` an increase is at most one 28 mg step above the last dose [S].
* ``us`` rule set, age ≥65: the US dosing sources retrieved give one adult table (56 mg start)
  and no geriatric start dose; the US rule set encodes exactly that and adds an info finding
  ``ESK-US-GE65-NOTE`` [M] pointing to the ``eu-au`` rule set.
* MDSI: ``ESK-MDSI-DOSES`` 84 mg twice weekly, may reduce to 56 mg for tolerability [V]; day 1 is
  84 mg (no 56 mg prerequisite). ``eu-au``: the MDSI regimen is given for adults under 65 only
  [S] → ``ESK-MDSI-GE65`` caution for age ≥65.

Without ``requested_mg`` the dose is the rule set's default for this point in the history:
on day 1 the start dose (56 mg TRD, 28 mg ``eu-au`` ≥65 TRD, 84 mg MDSI); later the last dose
given, when the rules still allow it, else the start dose.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ketapath.core.citations import Citation, Confidence
from ketapath.core.errors import (
    DoseNotAllowedError,
    InvalidInputError,
    UnknownNameError,
)
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.sources import (
    MIMS_SPRAVATO,
    SPRAVATO_EU_SMPC,
    SPRAVATO_HCP_DOSING,
    SPRAVATO_HCP_MDSI,
    SPRAVATO_US_PI,
)

__all__ = [
    "DEVICE_MG",
    "ESKETAMINE_RULESETS",
    "ESK_ADULTS",
    "ESK_DEVICE_28",
    "ESK_DOSE_84_AFTER_56",
    "ESK_DOSE_DAY1_56",
    "ESK_DOSE_MAX_84",
    "ESK_GE65_DAY1_28",
    "ESK_GE65_STEP_28",
    "ESK_MDSI_DOSES",
    "ESK_MDSI_GE65",
    "ESK_TRD_DOSES",
    "ESK_US_GE65_NOTE",
    "INDICATIONS",
    "MAX_SESSION_MG",
    "REST_BETWEEN_DEVICES_MIN",
    "RULESET_VERSION",
    "RULES_EU_AU",
    "RULES_US",
    "SOURCES",
    "EsketamineDose",
    "Indication",
    "esketamine_dose",
]

RULESET_VERSION = "1.0"

Indication = Literal["trd", "mdsi"]
INDICATIONS: tuple[str, ...] = ("trd", "mdsi")
ESKETAMINE_RULESETS: tuple[str, ...] = ("us", "eu-au")

DEVICE_MG = 28
MAX_SESSION_MG = 84
REST_BETWEEN_DEVICES_MIN = 5
TRD_START_MG = 56
GE65_START_MG = 28
MDSI_START_MG = 84
GERIATRIC_AGE_YEARS = 65
ADULT_AGE_YEARS = 18
AGE_RANGE_YEARS: tuple[int, int] = (0, 120)

HCP_DOSING = SPRAVATO_HCP_DOSING.at(
    "Day 1 56 mg (2 devices); 84 mg only after an initial 56 mg dose; wait 5 min after each device"
)
US_PI_SECTION_2 = SPRAVATO_US_PI.at(
    "§2 dosage table: induction and maintenance 56 or 84 mg"
)
EU_MIRROR = SPRAVATO_EU_SMPC.at("dosage: 28 mg devices; ≥65 start 28 mg, 28 mg steps")
MIMS_GE65 = MIMS_SPRAVATO.at("elderly ≥65: start 28 mg; MDSI regimen for adults <65")
MDSI_HCP = SPRAVATO_HCP_MDSI.at("84 mg twice weekly for 4 weeks; may reduce to 56 mg")
US_GE65_UNCONFIRMED = Citation(
    "ketapath-us-ge65-unconfirmed",
    "evidence-notes §1.5: no US geriatric start dose found in the retrieved US dosing pages",
    Confidence.UNVERIFIED,
)
SOURCES: tuple[Citation, ...] = (
    HCP_DOSING,
    US_PI_SECTION_2,
    EU_MIRROR,
    MIMS_GE65,
    MDSI_HCP,
    US_GE65_UNCONFIRMED,
)


def _rule(
    rule_id: str,
    title: str,
    severity: str,
    confidence: Confidence,
    sources: tuple[Citation, ...],
    description: str,
    *,
    configurable: bool = False,
) -> RuleSpec:
    return RuleSpec(
        rule_id,
        RULESET_VERSION,
        title,
        severity,
        confidence,
        sources,
        configurable,
        description,
    )


ESK_ADULTS = _rule(
    "ESK-ADULTS",
    "Esketamine is indicated in adults (≥18 years)",
    "contraindicated",
    Confidence.SECONDARY,
    (US_PI_SECTION_2.at("§1 indications: adults"),),
    "A request for a patient under 18 is refused.",
)
ESK_DEVICE_28 = _rule(
    "ESK-DEVICE-28",
    "Esketamine doses are whole 28 mg devices with a 5-minute rest after each device",
    "contraindicated",
    Confidence.VERIFIED,
    (HCP_DOSING, EU_MIRROR),
    "A dose that is not a multiple of 28 mg is refused; the rest between devices is 5 minutes.",
)
ESK_DOSE_MAX_84 = _rule(
    "ESK-DOSE-MAX-84",
    "Esketamine: at most 84 mg (3 devices) per session",
    "contraindicated",
    Confidence.SECONDARY,
    (US_PI_SECTION_2, EU_MIRROR),
    "A request above 84 mg is refused.",
)
ESK_DOSE_DAY1_56 = _rule(
    "ESK-DOSE-DAY1-56",
    "Esketamine TRD: the day-1 dose is 56 mg",
    "contraindicated",
    Confidence.VERIFIED,
    (HCP_DOSING, US_PI_SECTION_2),
    "With no previous dose, the TRD dose is 56 mg (adults; every age in the us rule set).",
)
ESK_TRD_DOSES = _rule(
    "ESK-TRD-DOSES",
    "Esketamine TRD: later doses are 56 or 84 mg",
    "contraindicated",
    Confidence.VERIFIED,
    (HCP_DOSING, US_PI_SECTION_2),
    "After day 1 the TRD dose is 56 or 84 mg (adults; every age in the us rule set).",
)
ESK_DOSE_84_AFTER_56 = _rule(
    "ESK-DOSE-84-AFTER-56",
    "Esketamine TRD: 84 mg only after a previous 56 mg dose",
    "contraindicated",
    Confidence.VERIFIED,
    (HCP_DOSING,),
    "84 mg is allowed only when a previous dose of at least 56 mg was given.",
)
ESK_GE65_DAY1_28 = _rule(
    "ESK-GE65-DAY1-28",
    "Esketamine TRD, age ≥65 (eu-au): day-1 dose 28 mg; later 28, 56 or 84 mg",
    "contraindicated",
    Confidence.SECONDARY,
    (EU_MIRROR, MIMS_GE65),
    "In the eu-au rule set a patient aged 65 or over starts TRD at 28 mg.",
)
ESK_GE65_STEP_28 = _rule(
    "ESK-GE65-STEP-28",
    "Esketamine TRD, age ≥65 (eu-au): increase in 28 mg steps",
    "contraindicated",
    Confidence.SECONDARY,
    (EU_MIRROR, MIMS_GE65),
    "An increase is at most 28 mg above the last dose.",
)
ESK_US_GE65_NOTE = _rule(
    "ESK-US-GE65-NOTE",
    "Esketamine, age ≥65 (us): no US geriatric start dose confirmed",
    "info",
    Confidence.UNVERIFIED,
    (US_GE65_UNCONFIRMED, EU_MIRROR),
    "The us rule set uses the adult table at every age; the eu-au rule set starts at 28 mg.",
    configurable=True,
)
ESK_MDSI_DOSES = _rule(
    "ESK-MDSI-DOSES",
    "Esketamine MDSI: 84 mg twice weekly, may reduce to 56 mg",
    "contraindicated",
    Confidence.VERIFIED,
    (MDSI_HCP,),
    "MDSI doses are 84 mg (start) or 56 mg (reduction for tolerability).",
)
ESK_MDSI_GE65 = _rule(
    "ESK-MDSI-GE65",
    "Esketamine MDSI, age ≥65 (eu-au): regimen given for adults under 65 only",
    "caution",
    Confidence.SECONDARY,
    (MIMS_GE65,),
    "A caution that a prescriber acknowledges.",
    configurable=True,
)

_COMMON = (
    ESK_ADULTS,
    ESK_DEVICE_28,
    ESK_DOSE_MAX_84,
    ESK_DOSE_DAY1_56,
    ESK_TRD_DOSES,
    ESK_DOSE_84_AFTER_56,
    ESK_MDSI_DOSES,
)
RULES_US: tuple[RuleSpec, ...] = (*_COMMON, ESK_US_GE65_NOTE)
RULES_EU_AU: tuple[RuleSpec, ...] = (
    *_COMMON,
    ESK_GE65_DAY1_28,
    ESK_GE65_STEP_28,
    ESK_MDSI_GE65,
)


@dataclass(frozen=True, slots=True)
class EsketamineDose:
    """An esketamine session dose: mg, number of 28 mg devices, rest between devices, and why."""

    dose_mg: int
    devices: int
    rest_between_devices_min: int
    findings: tuple[Finding, ...]
    ruleset: str = "us"
    indication: Indication = "trd"


def _refuse(rule: RuleSpec, message: str, allowed: str) -> DoseNotAllowedError:
    return DoseNotAllowedError(
        f"{message} (rule {rule.rule_id})",
        rule_id=rule.rule_id,
        field="requested_mg",
        allowed=allowed,
    )


def _check_whole(value: object, name: str, allowed: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            f"{name} must be a whole number", field=name, allowed=allowed
        )
    return value


def _check_history(previous_doses_mg: Sequence[int]) -> tuple[int, ...]:
    allowed = "28, 56 or 84 mg"
    history: list[int] = []
    for index, dose in enumerate(previous_doses_mg):
        name = f"previous_doses_mg[{index}]"
        checked = _check_whole(dose, name, allowed)
        if checked <= 0 or checked % DEVICE_MG or checked > MAX_SESSION_MG:
            raise InvalidInputError(
                f"{name} {checked} mg is not a possible esketamine dose",
                field=name,
                allowed=allowed,
            )
        history.append(checked)
    return tuple(history)


def _check_request(requested_mg: int) -> int:
    checked = _check_whole(requested_mg, "requested_mg", "28, 56 or 84 mg")
    if checked <= 0 or checked % DEVICE_MG:
        raise _refuse(
            ESK_DEVICE_28,
            f"{checked} mg is not a whole number of 28 mg devices",
            "multiples of 28 mg: 28, 56, 84",
        )
    if checked > MAX_SESSION_MG:
        raise _refuse(
            ESK_DOSE_MAX_84,
            f"{checked} mg is above the 84 mg per-session maximum",
            "≤ 84 mg",
        )
    return checked


def _violation(
    dose_mg: int, history: tuple[int, ...], indication: Indication, geriatric_eu: bool
) -> DoseNotAllowedError | None:
    """Return the error for a dose the rules forbid, or None when the dose is allowed."""
    if indication == "mdsi":
        if dose_mg not in (56, 84):
            return _refuse(
                ESK_MDSI_DOSES, f"{dose_mg} mg is not an MDSI dose", "56 or 84 mg"
            )
        return None
    if geriatric_eu:
        if not history and dose_mg != GE65_START_MG:
            return _refuse(
                ESK_GE65_DAY1_28,
                f"the day-1 TRD dose at age ≥65 is 28 mg, not {dose_mg} mg",
                "28 mg on day 1",
            )
        if history and dose_mg > history[-1] + DEVICE_MG:
            return _refuse(
                ESK_GE65_STEP_28,
                f"{dose_mg} mg is more than one 28 mg step above the last dose of {history[-1]} mg",
                f"≤ {history[-1] + DEVICE_MG} mg",
            )
    elif not history and dose_mg != TRD_START_MG:
        if dose_mg == MAX_SESSION_MG:
            return _refuse(
                ESK_DOSE_84_AFTER_56,
                "84 mg is allowed only after a previous 56 mg dose; day 1 is 56 mg",
                "56 mg on day 1",
            )
        return _refuse(
            ESK_DOSE_DAY1_56,
            f"the day-1 TRD dose is 56 mg, not {dose_mg} mg",
            "56 mg on day 1",
        )
    elif dose_mg not in (56, 84):
        return _refuse(
            ESK_TRD_DOSES, f"{dose_mg} mg is not a TRD dose after day 1", "56 or 84 mg"
        )
    if dose_mg == MAX_SESSION_MG and not any(dose >= TRD_START_MG for dose in history):
        return _refuse(
            ESK_DOSE_84_AFTER_56,
            "84 mg is allowed only after a previous 56 mg dose",
            "56 mg first",
        )
    return None


def _start_mg(indication: Indication, geriatric_eu: bool) -> int:
    if indication == "mdsi":
        return MDSI_START_MG
    return GE65_START_MG if geriatric_eu else TRD_START_MG


def esketamine_dose(
    *,
    age_years: int,
    previous_doses_mg: Sequence[int] = (),
    indication: str = "trd",
    requested_mg: int | None = None,
    ruleset: str = "us",
) -> EsketamineDose:
    """Return the esketamine dose for this session, or raise DoseNotAllowedError naming the rule.

    ``previous_doses_mg`` is the history of this course, oldest first (empty on day 1).
    """
    if ruleset not in ESKETAMINE_RULESETS:
        raise UnknownNameError(
            f"unknown esketamine rule set {ruleset!r}",
            field="ruleset",
            allowed=", ".join(ESKETAMINE_RULESETS),
        )
    if indication not in INDICATIONS:
        raise UnknownNameError(
            f"unknown indication {indication!r}",
            field="indication",
            allowed=", ".join(INDICATIONS),
        )
    course: Indication = "mdsi" if indication == "mdsi" else "trd"
    low, high = AGE_RANGE_YEARS
    age = _check_whole(age_years, "age_years", f"{low}–{high}")
    if not low <= age <= high:
        raise InvalidInputError(
            f"age_years {age} is outside {low}–{high}",
            field="age_years",
            allowed=f"{low}–{high}",
        )
    if age < ADULT_AGE_YEARS:
        raise DoseNotAllowedError(
            f"esketamine is indicated in adults; age {age} is under 18 (rule ESK-ADULTS)",
            rule_id=ESK_ADULTS.rule_id,
            field="age_years",
            allowed="≥ 18 years",
        )
    history = _check_history(previous_doses_mg)
    geriatric = age >= GERIATRIC_AGE_YEARS
    geriatric_eu = geriatric and ruleset == "eu-au" and course == "trd"
    findings: list[Finding] = []
    if requested_mg is None:
        start = _start_mg(course, geriatric_eu)
        dose_mg = (
            history[-1]
            if history
            and _violation(history[-1], history, course, geriatric_eu) is None
            else start
        )
        basis = (
            "day-1 start dose"
            if not history
            else ("last dose given" if dose_mg == history[-1] else "start dose")
        )
    else:
        dose_mg = _check_request(requested_mg)
        error = _violation(dose_mg, history, course, geriatric_eu)
        if error is not None:
            raise error
        basis = "requested"
    devices = dose_mg // DEVICE_MG
    findings.append(
        ESK_DEVICE_28.finding(
            Severity.INFO,
            f"{dose_mg} mg = {devices} device(s) of 28 mg ({basis}); rest {REST_BETWEEN_DEVICES_MIN} min after each device.",
            dose_mg=dose_mg,
            devices=devices,
            dose_basis=basis,
        )
    )
    if geriatric and ruleset == "us":
        findings.append(
            ESK_US_GE65_NOTE.finding(
                Severity.INFO,
                "Age ≥65: no US geriatric start dose was confirmed; the us rule set uses the adult "
                "table. EU/AU labels start at 28 mg (rule set eu-au).",
                age_years=age,
            )
        )
    if geriatric and ruleset == "eu-au" and course == "mdsi":
        findings.append(
            ESK_MDSI_GE65.finding(
                Severity.CAUTION,
                "Age ≥65: the EU/AU label gives the MDSI regimen for adults under 65 only; "
                "prescriber acknowledgement required.",
                age_years=age,
                requires_acknowledgement=True,
            )
        )
    return EsketamineDose(
        dose_mg, devices, REST_BETWEEN_DEVICES_MIN, tuple(findings), ruleset, course
    )
