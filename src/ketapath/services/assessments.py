"""Assess a patient from the stored record: TRD, staging, route eligibility; overrides.

The service builds the core :class:`~ketapath.core.patient.PatientProfile` from the record
(age as of the clinic's today: the service reads the clock, the core never does), calls the
core, and stores the profile it used and the full decision with every rule set's version, so
the decision can be re-derived and audited later. A stored decision is never changed:
overrides are separate rows, and the status after them is computed on read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ketapath.core import eligibility as core_eligibility
from ketapath.core import monitoring as core_monitoring
from ketapath.core import trd as core_trd
from ketapath.core.eligibility import EligibilityStatus, evaluate_routes
from ketapath.core.findings import Finding, RuleSet, Severity
from ketapath.core.patient import (
    BloodPressureReading,
    EpisodeInfo,
    PatientProfile,
)
from ketapath.core.patient import Medication as CoreMedication
from ketapath.core.trd import assess_trd, stage_profile
from ketapath.db.models import Assessment, AssessmentOverride
from ketapath.db.repositories.assessments import (
    AssessmentOverrideRepository,
    AssessmentRepository,
)
from ketapath.db.repositories.history import (
    ConditionRepository,
    MedicationRepository,
    TrialRepository,
    VitalSignRepository,
)
from ketapath.db.repositories.patients import PatientRepository
from ketapath.schemas.assessment import (
    AssessmentCreate,
    AssessmentRead,
    OverrideCreate,
    OverrideRead,
    render_decision,
    render_profile,
)
from ketapath.services import audit
from ketapath.services.clinic import assessment_defaults, load_clinic, today_in
from ketapath.services.errors import ConflictError, NotFoundError, UnprocessableError
from ketapath.services.history import fixed_point, to_core_trial
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "BP_RULESET",
    "add_override",
    "age_in_years",
    "build_profile",
    "create_assessment",
    "effective_status",
    "get_assessment",
    "list_assessments",
    "ruleset_versions",
]

BP_RULESET = "predose-blood-pressure"
"""The monitoring rule set whose blood-pressure findings eligibility includes."""


def age_in_years(birth_date: date, *, as_of: date) -> int:
    """Whole years completed on ``as_of`` (a 29 February birthday counts on 1 March)."""
    before_birthday = (as_of.month, as_of.day) < (birth_date.month, birth_date.day)
    return as_of.year - birth_date.year - int(before_birthday)


def build_profile(
    session: Session, *, patient_id: uuid.UUID, as_of: date
) -> PatientProfile:
    """The core profile of a stored patient as of a date.

    No permission check and no audit: callers check scope and audit.

    Blood pressure is the most recent recorded vital-sign reading with both values. Only
    active medications and current (unresolved) conditions count.
    """
    patient = PatientRepository(session).get(patient_id)
    if patient is None:
        raise NotFoundError("patient not found")
    reading = VitalSignRepository(session).latest_blood_pressure(patient.id)
    episode = (
        None
        if patient.episode_duration_months is None and patient.episode_severity is None
        else EpisodeInfo(
            duration_months=None
            if patient.episode_duration_months is None
            else Decimal(patient.episode_duration_months),
            severity=patient.episode_severity,
        )
    )
    return PatientProfile(
        age_years=age_in_years(patient.birth_date, as_of=as_of),
        sex=patient.sex,
        weight_kg=fixed_point(patient.weight_kg),
        height_cm=fixed_point(patient.height_cm),
        pregnant=patient.pregnant,
        breastfeeding=patient.breastfeeding,
        blood_pressure=None if reading is None else BloodPressureReading(*reading),
        conditions=frozenset(
            c.code for c in ConditionRepository(session).for_patient(patient.id)
        ),
        medications=tuple(
            CoreMedication(m.name, m.drug_class)
            for m in MedicationRepository(session).for_patient(
                patient.id, active_only=True
            )
        ),
        current_episode=episode,
        antidepressant_trials=tuple(
            to_core_trial(t) for t in TrialRepository(session).for_patient(patient.id)
        ),
        augmentation_used=patient.augmentation_used,
        ect_used=patient.ect_used,
        bilateral_ect_failed=patient.bilateral_ect_failed,
    )


def _version(rule_sets: Sequence[RuleSet], name: str) -> str:
    for rule_set in rule_sets:
        if rule_set.name == name:
            return rule_set.version
    raise LookupError(f"no core rule set named {name!r}")


def ruleset_versions(
    *, trd_ruleset: str, jurisdiction: str
) -> dict[str, dict[str, str]]:
    """Name and version of every rule set an assessment runs."""
    return {
        "trd": {
            "name": trd_ruleset,
            "version": _version(core_trd.RULE_SETS, trd_ruleset),
        },
        "staging": {
            "name": "staging",
            "version": _version(core_trd.RULE_SETS, "staging"),
        },
        "eligibility": {
            "name": jurisdiction,
            "version": _version(core_eligibility.RULE_SETS, jurisdiction),
        },
        "blood_pressure": {
            "name": BP_RULESET,
            "version": _version(core_monitoring.RULE_SETS, BP_RULESET),
        },
    }


def effective_status(
    assessment: Assessment, overrides: Sequence[AssessmentOverride]
) -> dict[str, str]:
    """Each route's status from the findings no override covers (the core ranks them)."""
    result: dict[str, str] = {}
    for route, body in assessment.decision["routes"].items():
        overridden = {o.rule_id for o in overrides if o.route == route}
        remaining = tuple(
            Finding(f["rule"], f["version"], Severity(f["severity"]), f["message"], ())
            for f in body["findings"]
            if f["rule"] not in overridden
        )
        result[route] = EligibilityStatus.from_findings(remaining).value
    return result


def _read(assessment: Assessment) -> AssessmentRead:
    overrides = sorted(assessment.overrides, key=lambda o: (o.overridden_at, o.id))
    return AssessmentRead(
        id=assessment.id,
        patient_id=assessment.patient_id,
        assessed_at=assessment.assessed_at,
        assessed_by_id=assessment.assessed_by_id,
        trd_ruleset=assessment.trd_ruleset,
        jurisdiction=assessment.jurisdiction,
        trd_met=assessment.trd_met,
        msm_score=assessment.msm_score,
        msm_band=assessment.msm_band,
        status={
            "iv_ketamine": assessment.iv_ketamine_status,
            "esketamine": assessment.esketamine_status,
            "kap": assessment.kap_status,
        },
        effective_status=effective_status(assessment, overrides),
        overrides=[OverrideRead.model_validate(o) for o in overrides],
        profile=assessment.profile,
        decision=assessment.decision,
    )


def create_assessment(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: AssessmentCreate
) -> AssessmentRead:
    """Run TRD, staging and route eligibility on the stored record and store the decision."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.ASSESS
    )
    clinic = load_clinic(session, clinic_id=actor.clinic_id)
    default_ruleset, default_jurisdiction = assessment_defaults(clinic)
    trd_ruleset = data.trd_ruleset or default_ruleset
    jurisdiction = data.jurisdiction or default_jurisdiction
    as_of = today_in(clinic)
    profile = build_profile(session, patient_id=patient.id, as_of=as_of)
    trd = assess_trd(profile, ruleset=trd_ruleset)
    staging = stage_profile(profile, assessment=trd)
    routes = evaluate_routes(profile, jurisdiction=jurisdiction)
    decision = render_decision(
        trd=trd,
        staging=staging,
        routes=routes,
        jurisdiction=jurisdiction,
        rulesets=ruleset_versions(trd_ruleset=trd_ruleset, jurisdiction=jurisdiction),
        as_of=as_of,
    )
    assessment = AssessmentRepository(session).add(
        Assessment(
            patient_id=patient.id,
            assessed_by_id=actor.user_id,
            trd_ruleset=trd_ruleset,
            jurisdiction=jurisdiction,
            trd_met=trd.met,
            msm_score=staging.msm.score,
            msm_band=None if staging.msm.band is None else staging.msm.band.value,
            iv_ketamine_status=routes["iv_ketamine"].status.value,
            esketamine_status=routes["esketamine"].status.value,
            kap_status=routes["kap"].status.value,
            profile=render_profile(profile),
            decision=decision,
            overrides=[],
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="assessment",
        entity_id=assessment.id,
        patient_id=patient.id,
        detail={"trd_ruleset": trd_ruleset, "jurisdiction": jurisdiction},
    )
    return _read(assessment)


def list_assessments(
    session: Session, *, actor: Actor, patient_id: uuid.UUID
) -> list[AssessmentRead]:
    """The patient's assessments, newest first, with overrides (audited read)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_READ
    )
    rows = AssessmentRepository(session).for_patient(patient.id)
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="assessment",
        patient_id=patient.id,
        detail={"count": len(rows)},
    )
    return [_read(a) for a in rows]


def _load_assessment(
    session: Session, *, actor: Actor, assessment_id: uuid.UUID, capability: Capability
) -> Assessment:
    require(actor, capability)
    assessment = AssessmentRepository(session).get_with_overrides(assessment_id)
    if assessment is None:
        raise NotFoundError("assessment not found")
    load_patient(
        session,
        actor=actor,
        patient_id=assessment.patient_id,
        capability=capability,
    )
    return assessment


def get_assessment(
    session: Session, *, actor: Actor, assessment_id: uuid.UUID
) -> AssessmentRead:
    """One assessment with its overrides (audited read)."""
    assessment = _load_assessment(
        session,
        actor=actor,
        assessment_id=assessment_id,
        capability=Capability.PATIENT_READ,
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="assessment",
        entity_id=assessment.id,
        patient_id=assessment.patient_id,
    )
    return _read(assessment)


def add_override(
    session: Session, *, actor: Actor, assessment_id: uuid.UUID, data: OverrideCreate
) -> AssessmentRead:
    """Override one route finding with a reason; the stored decision stays as it was.

    A ``caution`` may be overridden by a prescriber or nurse, a ``contraindicated`` finding
    only by a prescriber. The rule must be one of that route's findings in this assessment.
    """
    assessment = _load_assessment(
        session,
        actor=actor,
        assessment_id=assessment_id,
        capability=Capability.OVERRIDE_CAUTION,
    )
    findings = assessment.decision["routes"][data.route]["findings"]
    matching = [Severity(f["severity"]) for f in findings if f["rule"] == data.rule_id]
    overridable = sorted(
        {f["rule"] for f in findings if Severity(f["severity"]) is not Severity.INFO}
    )
    if not matching:
        raise UnprocessableError(
            f"rule {data.rule_id!r} is not a finding of {data.route} in this assessment"
            f" (allowed: {', '.join(overridable) or 'none'})",
            field="rule_id",
        )
    severity = max(matching, key=lambda s: s.rank)
    if severity is Severity.INFO:
        raise UnprocessableError(
            f"rule {data.rule_id!r} is informational for {data.route}; only caution or "
            f"contraindicated findings are overridden (allowed: {', '.join(overridable) or 'none'})",
            field="rule_id",
        )
    if severity is Severity.CONTRAINDICATED:
        require(actor, Capability.OVERRIDE_CONTRAINDICATION)
    overrides = AssessmentOverrideRepository(session)
    if overrides.exists(
        assessment_id=assessment.id, route=data.route, rule_id=data.rule_id
    ):
        raise ConflictError(
            f"{data.rule_id} is already overridden for {data.route}", field="rule_id"
        )
    override = overrides.add(
        AssessmentOverride(
            assessment_id=assessment.id,
            route=data.route,
            rule_id=data.rule_id,
            severity=severity.value,
            reason=data.reason,
            overridden_by_id=actor.user_id,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="override",
        entity="assessment",
        entity_id=assessment.id,
        patient_id=assessment.patient_id,
        detail={
            "override_id": str(override.id),
            "route": data.route,
            "rule_id": data.rule_id,
        },
    )
    refreshed = AssessmentRepository(session).get_with_overrides(assessment.id)
    if refreshed is None:  # pragma: no cover - deleted within our own transaction
        raise NotFoundError("assessment not found")
    return _read(refreshed)
