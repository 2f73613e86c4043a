"""Assessment boundary models and the JSON documents an assessment stores.

An assessment stores two documents so that its decision can be re-derived and audited later:

* ``profile``: the core :class:`~ketapath.core.patient.PatientProfile` it used, as a document
  that :class:`~ketapath.schemas.profile.PatientProfileIn` (and so ``ketapath assess``) reads;
  decimals are kept exact as strings.
* ``decision``: the same shape ``ketapath assess`` prints (``trd``, ``staging``, ``routes``
  with findings ``{rule, version, severity, message, sources}``, ``jurisdiction``) plus
  ``rulesets`` (the name and version of every rule set that ran) and ``as_of``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import Field, field_validator

from ketapath.core.eligibility import RouteEligibility
from ketapath.core.patient import PatientProfile
from ketapath.core.trd import MsmResult, TrdAssessment, TrdStaging, TrialVerdict
from ketapath.schemas.base import Schema
from ketapath.schemas.history import finding_json

__all__ = [
    "AssessmentCreate",
    "AssessmentRead",
    "AssessmentSummary",
    "JurisdictionName",
    "OverrideCreate",
    "OverrideRead",
    "RouteName",
    "TrdRulesetName",
    "render_decision",
    "render_profile",
]

TrdRulesetName = Literal["seed", "eu-pearl-2022"]
"""``ketapath.core.trd.RULESET_NAMES``."""
JurisdictionName = Literal["us", "eu-au"]
"""``ketapath.core.eligibility.JURISDICTIONS``."""
RouteName = Literal["iv_ketamine", "esketamine", "kap"]
"""``ketapath.core.eligibility.ROUTES``."""


class AssessmentCreate(Schema):
    """Run TRD, staging and route eligibility on the stored record; omitted: clinic default."""

    trd_ruleset: TrdRulesetName | None = None
    jurisdiction: JurisdictionName | None = None


class OverrideCreate(Schema):
    """Override one finding of one route, with the clinician's reason (at least 10 characters)."""

    route: RouteName
    rule_id: str = Field(min_length=1, max_length=64)
    reason: str = Field(min_length=10, max_length=2000)

    @field_validator("reason")
    @classmethod
    def _reason_has_content(cls, value: str) -> str:
        if len(value.strip()) < 10:
            raise ValueError("reason must have at least 10 characters besides spaces")
        return value.strip()


class OverrideRead(Schema):
    """A stored override: which finding, its severity, why, who and when."""

    id: uuid.UUID
    assessment_id: uuid.UUID
    route: str
    rule_id: str
    severity: str
    reason: str
    overridden_by_id: uuid.UUID
    overridden_at: datetime


class AssessmentSummary(Schema):
    """A stored assessment's headline values."""

    id: uuid.UUID
    patient_id: uuid.UUID
    assessed_at: datetime
    assessed_by_id: uuid.UUID | None
    trd_ruleset: str
    jurisdiction: str
    trd_met: bool
    msm_score: int | None
    msm_band: str | None


class AssessmentRead(AssessmentSummary):
    """A stored assessment: the decision as made, its overrides and the status after them.

    ``status`` is each route's status as decided; ``effective_status`` is the most severe
    finding that no override covers. The stored ``decision`` never changes.
    """

    status: dict[str, str]
    effective_status: dict[str, str]
    overrides: list[OverrideRead]
    profile: dict[str, Any]
    decision: dict[str, Any]


# --- the stored documents ---------------------------------------------------------------


def _decimal(value: Decimal | None) -> str | None:
    return None if value is None else format(value, "f")


def render_profile(profile: PatientProfile) -> dict[str, Any]:
    """The profile as a ``PatientProfileIn`` document (exact decimals as strings)."""
    bp = profile.blood_pressure
    episode = profile.current_episode
    return {
        "age_years": profile.age_years,
        "sex": profile.sex,
        "weight_kg": _decimal(profile.weight_kg),
        "height_cm": _decimal(profile.height_cm),
        "pregnant": profile.pregnant,
        "breastfeeding": profile.breastfeeding,
        "blood_pressure": None
        if bp is None
        else {"systolic": bp.systolic_mmhg, "diastolic": bp.diastolic_mmhg},
        "conditions": sorted(profile.conditions),
        "medications": [
            {"name": m.name, "drug_class": m.drug_class} for m in profile.medications
        ],
        "current_episode": None
        if episode is None
        else {
            "duration_months": _decimal(episode.duration_months),
            "severity": episode.severity,
        },
        "antidepressant_trials": [
            {
                "drug": t.drug,
                "drug_class": t.drug_class,
                "daily_dose_mg": _decimal(t.daily_dose_mg),
                "weeks": _decimal(t.weeks),
                "improvement_pct": _decimal(t.improvement_pct),
                "remission": t.remission,
                "adequacy_override": t.adequacy_override,
                "override_reason": t.override_reason,
            }
            for t in profile.antidepressant_trials
        ],
        "augmentation_used": profile.augmentation_used,
        "ect_used": profile.ect_used,
        "bilateral_ect_failed": profile.bilateral_ect_failed,
    }


def _trial(verdict: TrialVerdict) -> dict[str, Any]:
    return {
        "index": verdict.index,
        "drug": verdict.drug,
        "drug_class": verdict.drug_class,
        "adequacy": verdict.adequacy.value,
        "outcome": verdict.outcome.value,
        "counts_as_failure": verdict.counts_as_failure,
        "reasons": [finding_json(f) for f in verdict.reasons],
    }


def _trd(assessment: TrdAssessment) -> dict[str, Any]:
    return {
        "met": assessment.met,
        "ruleset": assessment.ruleset,
        "ruleset_version": assessment.ruleset_version,
        "adequate_trials": assessment.adequate_trials,
        "failed_adequate_trials": assessment.failed_adequate_trials,
        "reasons": [finding_json(f) for f in assessment.reasons],
        "trials": [_trial(v) for v in assessment.trials],
    }


def _msm(result: MsmResult) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "score": result.score,
        "band": None if result.band is None else result.band.value,
        "parts": [
            {"dimension": p.dimension, "level": p.level, "score": p.score}
            for p in result.parts
        ],
        "reason": finding_json(result.finding),
    }
    if not result.complete:
        rendered["missing"] = list(result.missing)
    return rendered


def render_assessment(
    *,
    trd: TrdAssessment,
    staging: TrdStaging,
    routes: Mapping[str, RouteEligibility],
    jurisdiction: str,
) -> dict[str, Any]:
    """The JSON that ``ketapath assess`` prints: TRD, staging and every route's findings."""
    return {
        "trd": _trd(trd),
        "staging": {
            "msm": _msm(staging.msm),
            "thase_rush": staging.thase_rush.stage,
            "thase_rush_reason": finding_json(staging.thase_rush.finding),
        },
        "routes": {
            route: {
                "status": decision.status.value,
                "findings": [finding_json(f) for f in decision.findings],
            }
            for route, decision in routes.items()
        },
        "jurisdiction": jurisdiction,
    }


def render_decision(
    *,
    trd: TrdAssessment,
    staging: TrdStaging,
    routes: Mapping[str, RouteEligibility],
    jurisdiction: str,
    rulesets: Mapping[str, Mapping[str, str]],
    as_of: date,
) -> dict[str, Any]:
    """The stored decision: ``ketapath assess``'s JSON plus rule-set versions and ``as_of``."""
    return {
        **render_assessment(
            trd=trd, staging=staging, routes=routes, jurisdiction=jurisdiction
        ),
        "rulesets": {key: dict(value) for key, value in rulesets.items()},
        "as_of": as_of.isoformat(),
    }
