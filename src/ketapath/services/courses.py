"""Plan treatment courses, and move or cancel their sessions; every access is audited.

Creating a course runs: prescriber only → the patient's latest stored assessment must allow the
route (a ``contraindicated`` route needs an override for each contraindicated finding) → the
core plans the sessions (:func:`ketapath.core.protocols.plan_sessions`) → IV planned doses from
:func:`ketapath.core.dosing.iv_dose` → store the course and one row per session → audit.

:func:`clinic_rules` is the one place that builds the core settings for a clinic.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ketapath.core.dosing import IvDose, IvSettings, iv_dose
from ketapath.core.errors import RuleViolationError
from ketapath.core.findings import Finding
from ketapath.core.monitoring import PreDoseSettings
from ketapath.core.protocols import (
    DEFAULT_SETTINGS,
    ESKETAMINE_MIN_GAP_DAYS,
    PlannedSession,
    ProtocolSettings,
    SessionPlan,
    format_weekdays,
    get_protocol,
    parse_weekdays,
    plan_sessions,
)
from ketapath.core.protocols.rules import PROT_SPACING_01, PROT_SPACING_02
from ketapath.db.models import (
    Assessment,
    Clinic,
    CourseStatus,
    Patient,
    Role,
    Route,
    SessionStatus,
    TreatmentCourse,
    TreatmentSession,
)
from ketapath.db.repositories.courses import ClinicSettings, CourseRepository
from ketapath.db.repositories.sessions import SessionRepository
from ketapath.schemas.course import CourseCreate, SessionCancel, SessionReschedule
from ketapath.services import audit
from ketapath.services.errors import ConflictError, NotFoundError, UnprocessableError
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, ensure_patient_scope

__all__ = [
    "DOSING_KINDS",
    "ClinicRules",
    "GateClosedError",
    "cancel_session",
    "clinic_rules",
    "create_course",
    "finding_dicts",
    "flush_session_change",
    "get_course",
    "list_courses",
    "load_session",
    "reschedule_session",
    "route_of",
]

PROTOCOL_ROUTES: dict[str, Route] = {
    "esketamine_trd": Route.ESKETAMINE,
    "esketamine_mdsi": Route.ESKETAMINE,
    "iv_induction": Route.IV_KETAMINE,
    "kap": Route.KAP,
}
DOSING_KINDS = frozenset({"esketamine", "infusion", "dosing"})
"""Session kinds in which a drug is given (the core's phase kinds)."""
SCHEDULE_CAPABILITY = Capability.PATIENT_WRITE
"""Front desk, nurse and prescriber book sessions (no narrower grant exists yet)."""


class GateClosedError(ConflictError):
    """A rule gate refused the request (409); ``findings`` lists every reason."""

    def __init__(self, message: str, *, findings: Sequence[dict[str, Any]]) -> None:
        reasons = "; ".join(str(f["message"]) for f in findings)
        super().__init__(f"{message}: {reasons}" if reasons else message)
        self.findings = list(findings)


@dataclass(frozen=True, slots=True)
class ClinicRules:
    """The core settings a clinic runs with (defaults until clinics store overrides)."""

    protocols: ProtocolSettings
    predose: PreDoseSettings
    iv: IvSettings
    esketamine_ruleset: str
    iv_vitals_interval_minutes: int


def clinic_rules(clinic: Clinic | ClinicSettings | None) -> ClinicRules:
    """Build the core settings for ``clinic``: the one place clinic overrides will be read.

    ``Clinic.settings`` may later override these; today only ``esketamine_ruleset`` (``us`` or
    ``eu-au``) is read, and the core rejects an unknown name.
    """
    stored = (clinic.settings if clinic is not None else None) or {}
    ruleset = stored.get("esketamine_ruleset")
    return ClinicRules(
        protocols=DEFAULT_SETTINGS,
        predose=PreDoseSettings(),
        iv=IvSettings(),
        esketamine_ruleset=ruleset if isinstance(ruleset, str) else "us",
        iv_vitals_interval_minutes=15,
    )


def route_of(protocol: str) -> Route:
    """The route a protocol key belongs to."""
    return PROTOCOL_ROUTES[protocol]


def finding_dicts(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Findings as JSON: rule id, version, severity and message (no patient values)."""
    return [
        {
            "rule_id": f.rule_id,
            "rule_version": f.rule_version,
            "severity": f.severity.value,
            "message": f.message,
        }
        for f in findings
    ]


def flush_session_change(session: Session) -> None:
    """Flush a status change; a concurrent change (version mismatch) is a 409."""
    try:
        session.flush()
    except StaleDataError as error:
        raise ConflictError("session changed, reload", field="version") from error


def load_session(
    session: Session, *, actor: Actor, session_id: uuid.UUID, capability: Capability
) -> tuple[TreatmentSession, Patient]:
    """Load a treatment session and its patient; 404 outside the actor's scope, 403 by role."""
    treatment = SessionRepository(session).get_full(session_id)
    if treatment is None:
        raise NotFoundError("session not found")
    ensure_patient_scope(actor, treatment.patient_id)
    patient = load_patient(
        session, actor=actor, patient_id=treatment.patient_id, capability=capability
    )
    return treatment, patient


def _contraindicated_rule_ids(assessment: Assessment, route: Route) -> list[str]:
    routes = (assessment.decision or {}).get("routes")
    entry = routes.get(route.value) if isinstance(routes, dict) else None
    findings = entry.get("findings", []) if isinstance(entry, dict) else []
    # Stored decisions name a finding's rule under "rule" (the `ketapath assess` shape).
    return sorted(
        {
            str(f["rule"])
            for f in findings
            if isinstance(f, dict)
            and f.get("severity") == "contraindicated"
            and "rule" in f
        }
    )


def _check_eligibility(assessment: Assessment | None, route: Route) -> None:
    if assessment is None:
        raise GateClosedError(
            "course refused",
            findings=[
                {
                    "rule_id": "ELIGIBILITY-REQUIRED",
                    "severity": "contraindicated",
                    "message": "no eligibility assessment on record: assess the patient first",
                }
            ],
        )
    status = getattr(assessment, f"{route.value}_status")
    if status != "contraindicated":
        return
    overridden = {o.rule_id for o in assessment.overrides if o.route == route.value}
    rule_ids = _contraindicated_rule_ids(assessment, route) or [f"{route.value}_status"]
    missing = [rule_id for rule_id in rule_ids if rule_id not in overridden]
    if missing:
        raise GateClosedError(
            "course refused",
            findings=[
                {
                    "rule_id": rule_id,
                    "severity": "contraindicated",
                    "message": f"{route.value} is contraindicated by {rule_id} with no override",
                }
                for rule_id in missing
            ],
        )


def _check_options(data: CourseCreate) -> None:
    iv_only = ("weight_basis", "dose_mg_per_kg", "infusion_minutes")
    if data.protocol != "iv_induction":
        for name in iv_only:
            if getattr(data, name) is not None:
                raise UnprocessableError(
                    f"{name} applies to iv_induction only", field=name
                )
    if data.sessions is not None and data.protocol not in ("iv_induction", "kap"):
        raise UnprocessableError(
            "sessions applies to iv_induction and kap only", field="sessions"
        )


def _protocol_settings(data: CourseCreate, base: ProtocolSettings) -> ProtocolSettings:
    if data.sessions is None:
        return base
    if data.protocol == "iv_induction":
        return replace(base, iv_infusions=data.sessions)
    return replace(base, kap_dosing_sessions=data.sessions)


@dataclass(frozen=True, slots=True)
class PlannedRow:
    """One planned session with the dose and chair time the course will store."""

    planned: PlannedSession
    dose_mg: Decimal | None
    dose_mg_per_kg: Decimal | None
    chair_minutes: int | None


@dataclass(frozen=True, slots=True)
class CoursePlan:
    """What a course request plans to: the core's plan, the IV dose and the stored rows."""

    route: Route
    plan: SessionPlan
    iv: IvDose | None
    rows: tuple[PlannedRow, ...]


def plan_course(
    *, rules: ClinicRules, patient: Patient, data: CourseCreate
) -> CoursePlan:
    """Plan a course with the core, exactly as ``create_course`` stores it (no writes).

    The plan-a-course preview calls this too, so what a prescriber previews is what is saved.
    Raises the core's errors (impossible weekdays, dose outside bounds).
    """
    route = route_of(data.protocol)
    _check_options(data)
    settings = _protocol_settings(data, rules.protocols)
    weekdays = (
        None if data.weekdays is None else parse_weekdays(",".join(data.weekdays))
    )
    plan = plan_sessions(
        data.protocol, start=data.start_date, weekdays=weekdays, settings=settings
    )
    iv = None
    if route is Route.IV_KETAMINE and patient.weight_kg is not None:
        iv = iv_dose(
            weight_kg=patient.weight_kg,
            mg_per_kg=data.dose_mg_per_kg,
            minutes=data.infusion_minutes,
            weight_basis=data.weight_basis,
            height_cm=patient.height_cm,
            sex=patient.sex,
            settings=rules.iv,
        )
    observation = settings.iv_post_infusion_observation_minutes
    rows = []
    for planned in plan.sessions:
        chair_minutes = planned.chair_minutes
        dose_mg = planned.dose_mg
        dose_mg_per_kg = planned.dose_mg_per_kg
        if planned.kind == "infusion":
            if data.infusion_minutes is not None:
                chair_minutes = data.infusion_minutes + observation
            if iv is not None:
                dose_mg, dose_mg_per_kg = iv.dose_mg, iv.mg_per_kg
            elif data.dose_mg_per_kg is not None:
                dose_mg_per_kg = data.dose_mg_per_kg
        rows.append(PlannedRow(planned, dose_mg, dose_mg_per_kg, chair_minutes))
    return CoursePlan(route, plan, iv, tuple(rows))


def create_course(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: CourseCreate
) -> tuple[TreatmentCourse, tuple[Finding, ...]]:
    """Create a course and its planned sessions; return it with the planner's findings."""
    ensure_patient_scope(actor, patient_id)
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.COURSE_WRITE
    )
    courses = CourseRepository(session)
    route = route_of(data.protocol)
    _check_options(data)
    if data.chair_id is not None and (
        courses.chair_in_clinic(data.chair_id, clinic_id=actor.clinic_id) is None
    ):
        raise UnprocessableError(
            "no such active chair in this clinic", field="chair_id"
        )
    assessment = courses.latest_assessment(patient.id)
    _check_eligibility(assessment, route)
    planned_course = plan_course(
        rules=clinic_rules(courses.clinic(patient.clinic_id)),
        patient=patient,
        data=data,
    )
    plan = planned_course.plan
    course = courses.add(
        TreatmentCourse(
            patient_id=patient.id,
            route=route,
            protocol=data.protocol,
            status=CourseStatus.PLANNED,
            start_date=data.start_date,
            weekdays=format_weekdays(plan.weekdays).split(","),
            weight_basis=data.weight_basis,
            dose_mg_per_kg=data.dose_mg_per_kg,
            infusion_minutes=data.infusion_minutes,
            assessment_id=assessment.id if assessment is not None else None,
            created_by_id=actor.user_id,
        )
    )
    rows = [
        TreatmentSession(
            course_id=course.id,
            patient_id=patient.id,
            number=row.planned.number,
            phase=row.planned.phase,
            kind=row.planned.kind,
            scheduled_date=row.planned.date,
            scheduled_time=data.scheduled_time,
            chair_id=data.chair_id if row.chair_minutes is not None else None,
            planned_dose_mg=row.dose_mg,
            planned_dose_mg_per_kg=row.dose_mg_per_kg,
            planned_chair_minutes=row.chair_minutes,
            status=SessionStatus.SCHEDULED,
        )
        for row in planned_course.rows
    ]
    courses.add_sessions(rows)
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="course",
        entity_id=course.id,
        patient_id=patient.id,
        detail={"fields": sorted(data.model_fields_set), "sessions": len(rows)},
    )
    loaded = courses.get_with_sessions(course.id)
    assert loaded is not None
    return loaded, plan.findings


def list_courses(
    session: Session, *, actor: Actor, patient_id: uuid.UUID
) -> Sequence[TreatmentCourse]:
    """A patient's courses with their sessions (audited).

    Staff need ``session:read``; a patient user may list their own courses (the portal's
    upcoming sessions) and nobody else's.
    """
    ensure_patient_scope(actor, patient_id)
    capability = (
        Capability.PATIENT_READ
        if actor.role is Role.PATIENT
        else Capability.SESSION_READ
    )
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=capability
    )
    courses = CourseRepository(session).list_for_patient(patient.id)
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="course",
        patient_id=patient.id,
        detail={"course_ids": [str(c.id) for c in courses]},
    )
    return courses


def get_course(
    session: Session, *, actor: Actor, course_id: uuid.UUID
) -> TreatmentCourse:
    """One course with its sessions (audited)."""
    course = CourseRepository(session).get_with_sessions(course_id)
    if course is None:
        raise NotFoundError("course not found")
    ensure_patient_scope(actor, course.patient_id)
    load_patient(
        session,
        actor=actor,
        patient_id=course.patient_id,
        capability=Capability.SESSION_READ,
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="course",
        entity_id=course.id,
        patient_id=course.patient_id,
    )
    return course


def _check_spacing(
    course: TreatmentCourse,
    moved: TreatmentSession,
    siblings: Sequence[TreatmentSession],
    rules: ClinicRules,
) -> None:
    """Re-check the core's no-consecutive-days rule for the moved session against its neighbours."""
    if moved.kind not in DOSING_KINDS:
        return
    protocol = get_protocol(course.protocol, rules.protocols)
    induction = {p.name for p in protocol.phases if p.is_induction}
    esketamine = course.route is Route.ESKETAMINE
    rule = PROT_SPACING_01 if esketamine else PROT_SPACING_02
    min_gap = (
        ESKETAMINE_MIN_GAP_DAYS
        if esketamine
        else rules.protocols.induction_min_gap_days
    )
    for other in siblings:
        if (
            other.id == moved.id
            or other.kind not in DOSING_KINDS
            or other.status is SessionStatus.CANCELLED
        ):
            continue
        gap = abs((other.scheduled_date - moved.scheduled_date).days)
        spaced = moved.phase in induction or other.phase in induction
        needed = min_gap if spaced else 1
        if gap < needed:
            raise RuleViolationError(
                f"session {moved.number} on {moved.scheduled_date.isoformat()} is {gap} day(s) "
                f"from session {other.number}; at least {needed} day(s) are needed "
                f"(rule {rule.rule_id})",
                rule_id=rule.rule_id,
                field="date",
                allowed=f"at least {needed} days from session {other.number}",
            )


def reschedule_session(
    session: Session, *, actor: Actor, session_id: uuid.UUID, data: SessionReschedule
) -> TreatmentSession:
    """Move a scheduled session (date, time, chair); the spacing rule still holds."""
    treatment, patient = load_session(
        session, actor=actor, session_id=session_id, capability=SCHEDULE_CAPABILITY
    )
    if treatment.status is not SessionStatus.SCHEDULED:
        raise ConflictError(
            f"only a scheduled session can be moved; it is {treatment.status.value}",
            field="status",
        )
    changes = data.model_dump(exclude_unset=True)
    courses = CourseRepository(session)
    if data.chair_id is not None and (
        courses.chair_in_clinic(data.chair_id, clinic_id=actor.clinic_id) is None
    ):
        raise UnprocessableError(
            "no such active chair in this clinic", field="chair_id"
        )
    if "date" in changes and data.date is not None:
        treatment.scheduled_date = data.date
    if "time" in changes:
        treatment.scheduled_time = data.time
    if "chair_id" in changes:
        treatment.chair_id = data.chair_id
    if "date" in changes:
        repository = SessionRepository(session)
        course = repository.course_of(treatment)
        _check_spacing(
            course,
            treatment,
            repository.course_sessions(course.id),
            clinic_rules(courses.clinic(patient.clinic_id)),
        )
    flush_session_change(session)
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="session",
        entity_id=treatment.id,
        patient_id=patient.id,
        detail={"fields": sorted(changes)},
    )
    return treatment


def cancel_session(
    session: Session, *, actor: Actor, session_id: uuid.UUID, data: SessionCancel
) -> TreatmentSession:
    """Cancel a session before any dose, with the reason."""
    treatment, patient = load_session(
        session, actor=actor, session_id=session_id, capability=SCHEDULE_CAPABILITY
    )
    if treatment.status not in (SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN):
        raise ConflictError(
            f"cannot cancel a session that is {treatment.status.value}", field="status"
        )
    treatment.status = SessionStatus.CANCELLED
    treatment.cancelled_reason = data.reason
    flush_session_change(session)
    audit.record(
        session,
        actor=actor,
        action="cancel",
        entity="session",
        entity_id=treatment.id,
        patient_id=patient.id,
        detail={"fields": ["reason"]},
    )
    return treatment
