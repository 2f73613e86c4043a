"""Discharge gates and vital-sign schedules for a dosing session (clock-free).

Rules in plain words (elapsed minutes are parameters):

* ``DIS-ESK-120``: esketamine — observe at least 120 min from the first device (REMS [V]).
* ``DIS-ESK-RESOLVED``: esketamine — and until sedation, dissociation and respiratory
  depression have resolved (REMS objective [V]).
* ``DIS-ESK-BP40``: esketamine — BP is taken before and ~40 min after dosing (spravatohcp [V]);
  a missing 40-min BP blocks discharge until recorded.
* ``DIS-IV-CLINIC``: IV ketamine — the clinic sets its own discharge rule: a minimum number of
  minutes after the infusion ends (no default: none was found [M]) plus stable vital signs and
  mental status back to baseline, each confirmed by a clinician. These are cautions, never stops.
* ``VIT-IV-INTERVAL``: IV — vitals (BP, HR, SpO2) every 10–15 min during the infusion (default
  15, clinic setting [S]) and at the end. ``VIT-ESK-BP40``: esketamine — BP before dosing, at
  ~40 min, and before the end of monitoring.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketapath.core.citations import Confidence
from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.sources import (
    SANACORA_2017,
    SPRAVATO_HCP_DOSING,
    SPRAVATO_REMS,
    YALE_BP_SERIES,
)

__all__ = [
    "DIS_ESK_120",
    "DIS_ESK_BP40",
    "DIS_ESK_RESOLVED",
    "DIS_IV_CLINIC",
    "ESKETAMINE_MIN_MONITORING_MINUTES",
    "IV_VITALS_INTERVAL_MINUTES",
    "RULES",
    "RULESET_VERSION",
    "VIT_ESK_BP40",
    "VIT_IV_INTERVAL",
    "DischargeCheck",
    "esketamine_discharge_check",
    "iv_discharge_check",
    "vitals_schedule_minutes",
]

RULESET_VERSION = "1.0"
ESKETAMINE_MIN_MONITORING_MINUTES = 120
ESKETAMINE_BP_CHECK_MINUTES = 40
IV_VITALS_INTERVAL_MINUTES = 15
IV_VITALS_INTERVAL_RANGE_MINUTES: tuple[int, int] = (10, 15)
MAX_SESSION_MINUTES = 24 * 60

REMS_MONITORING = SPRAVATO_REMS.at(
    "objective: monitor ≥2 h and until sedation, dissociation, respiratory depression resolve"
)
HCP_BP = SPRAVATO_HCP_DOSING.at("BP prior to and 40 minutes after administration")
SANACORA_MONITORING = SANACORA_2017.with_confidence(Confidence.SECONDARY).at(
    "continuous respiratory, cardiovascular and mental-status assessment (clinic summary)"
)

DIS_ESK_120 = RuleSpec(
    "DIS-ESK-120",
    RULESET_VERSION,
    "Esketamine: at least 120 min of monitoring from the first device",
    "contraindicated",
    Confidence.VERIFIED,
    (REMS_MONITORING,),
    description="Discharge before 120 min from the first device is not allowed.",
)
DIS_ESK_RESOLVED = RuleSpec(
    "DIS-ESK-RESOLVED",
    RULESET_VERSION,
    "Esketamine: sedation, dissociation and respiratory depression resolved",
    "contraindicated",
    Confidence.VERIFIED,
    (REMS_MONITORING,),
    description="Each must be confirmed resolved before discharge.",
)
DIS_ESK_BP40 = RuleSpec(
    "DIS-ESK-BP40",
    RULESET_VERSION,
    "Esketamine: BP recorded ~40 min after dosing before discharge",
    "contraindicated",
    Confidence.VERIFIED,
    (HCP_BP,),
    description="Discharge waits until the ~40-min BP has been recorded.",
)
DIS_IV_CLINIC = RuleSpec(
    "DIS-IV-CLINIC",
    RULESET_VERSION,
    "IV ketamine: clinic discharge rule (minimum minutes, stable vitals, baseline mental status)",
    "caution",
    Confidence.UNVERIFIED,
    (SANACORA_MONITORING,),
    configurable=True,
    description="The clinic sets the minimum minutes after the infusion; no default was found.",
)
VIT_IV_INTERVAL = RuleSpec(
    "VIT-IV-INTERVAL",
    RULESET_VERSION,
    "IV ketamine: vitals every 10–15 min during the infusion and at the end",
    "info",
    Confidence.SECONDARY,
    (SANACORA_MONITORING, YALE_BP_SERIES),
    configurable=True,
    description="Default interval 15 min; the Yale series recorded BP every 10 min.",
)
VIT_ESK_BP40 = RuleSpec(
    "VIT-ESK-BP40",
    RULESET_VERSION,
    "Esketamine: BP before dosing, at ~40 min and before the end of monitoring",
    "info",
    Confidence.VERIFIED,
    (HCP_BP,),
    description="Planned BP checks at 0, 40 and 120 minutes.",
)
RULES: tuple[RuleSpec, ...] = (
    DIS_ESK_120,
    DIS_ESK_RESOLVED,
    DIS_ESK_BP40,
    DIS_IV_CLINIC,
    VIT_IV_INTERVAL,
    VIT_ESK_BP40,
)


@dataclass(frozen=True, slots=True)
class DischargeCheck:
    """Whether the patient may leave now, and the findings that say why not."""

    ready: bool
    findings: tuple[Finding, ...]


def _minutes(
    value: int, name: str, low: int = 0, high: int = MAX_SESSION_MINUTES
) -> int:
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise InvalidInputError(
            f"{name} {value!r} is outside {low}–{high} min",
            field=name,
            allowed=f"{low}–{high} min",
        )
    return value


def esketamine_discharge_check(
    *,
    minutes_since_first_device: int,
    sedation_resolved: bool | None,
    dissociation_resolved: bool | None,
    respiratory_depression_resolved: bool | None,
    bp_at_40_min_recorded: bool | None,
) -> DischargeCheck:
    """Return whether an esketamine patient may leave; every unmet gate is a finding."""
    elapsed = _minutes(minutes_since_first_device, "minutes_since_first_device")
    findings: list[Finding] = []
    if elapsed < ESKETAMINE_MIN_MONITORING_MINUTES:
        findings.append(
            DIS_ESK_120.finding(
                Severity.CONTRAINDICATED,
                f"{elapsed} min since the first device: monitor at least {ESKETAMINE_MIN_MONITORING_MINUTES} min "
                f"({ESKETAMINE_MIN_MONITORING_MINUTES - elapsed} min to go).",
                minutes_remaining=ESKETAMINE_MIN_MONITORING_MINUTES - elapsed,
            )
        )
    for name, value in (
        ("sedation", sedation_resolved),
        ("dissociation", dissociation_resolved),
        ("respiratory depression", respiratory_depression_resolved),
    ):
        if value is not True:
            state = "not recorded as resolved" if value is None else "not resolved"
            findings.append(
                DIS_ESK_RESOLVED.finding(
                    Severity.CONTRAINDICATED,
                    f"{name.capitalize()} {state}: keep monitoring.",
                    item=name,
                )
            )
    if bp_at_40_min_recorded is not True:
        findings.append(
            DIS_ESK_BP40.finding(
                Severity.CONTRAINDICATED, "BP at ~40 min after dosing not recorded."
            )
        )
    return DischargeCheck(ready=not findings, findings=tuple(findings))


def iv_discharge_check(
    *,
    minutes_since_infusion_end: int,
    vital_signs_stable: bool | None,
    mental_status_at_baseline: bool | None,
    min_minutes_after_infusion: int | None = None,
) -> DischargeCheck:
    """Return whether an IV ketamine patient may leave under the clinic's discharge rule.

    ``min_minutes_after_infusion`` is the clinic setting; None means the clinic set no minimum.
    """
    elapsed = _minutes(minutes_since_infusion_end, "minutes_since_infusion_end")
    findings: list[Finding] = []
    if min_minutes_after_infusion is None:
        findings.append(
            DIS_IV_CLINIC.finding(
                Severity.INFO,
                "The clinic has set no minimum observation time after the infusion: clinician judgement.",
            )
        )
    elif elapsed < _minutes(min_minutes_after_infusion, "min_minutes_after_infusion"):
        findings.append(
            DIS_IV_CLINIC.finding(
                Severity.CAUTION,
                f"{elapsed} min since the infusion ended; the clinic minimum is {min_minutes_after_infusion} min.",
                minutes_remaining=min_minutes_after_infusion - elapsed,
                requires_acknowledgement=True,
            )
        )
    for name, value in (
        ("vital signs stable", vital_signs_stable),
        ("mental status at baseline", mental_status_at_baseline),
    ):
        if value is not True:
            state = "not recorded" if value is None else "not confirmed"
            findings.append(
                DIS_IV_CLINIC.finding(
                    Severity.CAUTION,
                    f"{name.capitalize()}: {state}.",
                    item=name,
                    requires_acknowledgement=True,
                )
            )
    ready = all(finding.severity is Severity.INFO for finding in findings)
    return DischargeCheck(ready=ready, findings=tuple(findings))


def vitals_schedule_minutes(
    route: str,
    *,
    infusion_minutes: int = 40,
    interval_minutes: int = IV_VITALS_INTERVAL_MINUTES,
) -> tuple[int, ...]:
    """Return planned vital-sign times in minutes from the start of dosing (0 = pre-dose).

    IV and KAP: every ``interval_minutes`` (clinic setting, 10–15) up to and including the end
    of the infusion. Esketamine: 0, 40 and 120 minutes.
    """
    if route == "esketamine":
        return (0, ESKETAMINE_BP_CHECK_MINUTES, ESKETAMINE_MIN_MONITORING_MINUTES)
    if route not in ("iv_ketamine", "kap"):
        raise UnknownNameError(
            f"unknown route {route!r}",
            field="route",
            allowed="iv_ketamine, esketamine, kap",
        )
    end = _minutes(infusion_minutes, "infusion_minutes", 1)
    low, high = IV_VITALS_INTERVAL_RANGE_MINUTES
    step = _minutes(interval_minutes, "interval_minutes", low, high)
    marks = list(range(0, end, step))
    return (*marks, end)
