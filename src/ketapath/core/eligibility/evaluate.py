"""Evaluate every route for one patient: which rules fire, how severe, and the overall status.

Plain rules: a route's status is its most severe finding (contraindicated > caution >
info/none = eligible). Every finding names its rule id, version and sources. The pre-dose blood
pressure, when recorded, is judged by :func:`ketapath.core.monitoring.blood_pressure_finding`
(rules BP-ESK-01, BP-IV-STOP, BP-IV-CAUTION) and its finding is included unchanged; the
``uncontrolled_hypertension`` condition is handled by CI-HTN here.
"""

from __future__ import annotations

from collections.abc import Sequence

from ketapath.core.eligibility.model import (
    DEFAULT_JURISDICTION,
    ROUTES,
    Criterion,
    EligibilityRule,
    EligibilityStatus,
    RouteEligibility,
    check_jurisdiction,
    check_route,
)
from ketapath.core.eligibility.rules import CI_HTN, ELIGIBILITY_RULES
from ketapath.core.findings import Finding, Severity
from ketapath.core.monitoring.blood_pressure import (
    BloodPressureThresholds,
    blood_pressure_finding,
)
from ketapath.core.patient import PatientProfile

__all__ = ["evaluate_route", "evaluate_routes", "profile_flags"]


def profile_flags(profile: PatientProfile) -> frozenset[str]:
    """Return the profile facts criteria can test (see ``model.PROFILE_FLAGS``)."""
    flags: set[str] = set()
    if profile.pregnant is True:
        flags.add("pregnant")
    if profile.breastfeeding is True:
        flags.add("breastfeeding")
    if profile.sex == "female" and (
        profile.pregnant is None or profile.breastfeeding is None
    ):
        flags.add("pregnancy_status_unknown")
    episode = profile.current_episode
    if episode is not None and episode.severity == "severe_with_psychosis":
        flags.add("psychotic_episode")
    return frozenset(flags)


def _matches(
    criterion: Criterion, profile: PatientProfile, flags: frozenset[str]
) -> tuple[str, ...]:
    classes = {medication.drug_class for medication in profile.medications}
    matched = (
        (criterion.conditions & profile.conditions)
        | (criterion.medication_classes & classes)
        | (criterion.profile_flags & flags)
    )
    return tuple(sorted(matched))


def _rule_findings(
    rule: EligibilityRule,
    profile: PatientProfile,
    flags: frozenset[str],
    route: str,
    jurisdiction: str,
) -> list[Finding]:
    findings = []
    for criterion in rule.criteria:
        matched = _matches(criterion, profile, flags)
        if matched:
            findings.append(
                rule.spec.finding(
                    criterion.severity_for(route, jurisdiction),
                    criterion.message,
                    route=route,
                    jurisdiction=jurisdiction,
                    criterion=criterion.label,
                    matched=matched,
                )
            )
    return findings


def _bp_findings(
    profile: PatientProfile, route: str, thresholds: BloodPressureThresholds | None
) -> list[Finding]:
    reading = profile.blood_pressure
    if reading is None:
        return [
            CI_HTN.spec.finding(
                Severity.INFO,
                "No blood pressure recorded: measure it before any dose.",
                route=route,
            )
        ]
    finding = blood_pressure_finding(
        route,
        systolic_mmhg=reading.systolic_mmhg,
        diastolic_mmhg=reading.diastolic_mmhg,
        thresholds=thresholds,
    )
    return [] if finding is None else [finding]


def evaluate_route(
    profile: PatientProfile,
    route: str,
    *,
    jurisdiction: str = DEFAULT_JURISDICTION,
    rules: Sequence[EligibilityRule] = ELIGIBILITY_RULES,
    bp_thresholds: BloodPressureThresholds | None = None,
) -> RouteEligibility:
    """Return one route's status and findings (raises UnknownNameError for an unknown name)."""
    check_jurisdiction(jurisdiction)
    check_route(route)
    flags = profile_flags(profile)
    findings: list[Finding] = []
    for rule in rules:
        findings.extend(_rule_findings(rule, profile, flags, route, jurisdiction))
    findings.extend(_bp_findings(profile, route, bp_thresholds))
    ordered = tuple(sorted(findings, key=lambda f: -f.severity.rank))
    return RouteEligibility(route, EligibilityStatus.from_findings(ordered), ordered)


def evaluate_routes(
    profile: PatientProfile,
    *,
    jurisdiction: str = DEFAULT_JURISDICTION,
    rules: Sequence[EligibilityRule] = ELIGIBILITY_RULES,
    bp_thresholds: BloodPressureThresholds | None = None,
) -> dict[str, RouteEligibility]:
    """Return the eligibility of every route (``iv_ketamine``, ``esketamine``, ``kap``)."""
    return {
        route: evaluate_route(
            profile,
            route,
            jurisdiction=jurisdiction,
            rules=rules,
            bp_thresholds=bp_thresholds,
        )
        for route in ROUTES
    }
