"""Read a treatment session; the status life cycle, elapsed time, next due item and gate.

Every view of a session needs the same things: status transitions, the time since the first
dose, what is due next and the discharge gate, each computed by the core.

The clock is read here (``utcnow``) and passed to the core as elapsed minutes; every function
takes an optional ``now`` so tests can move time. The actions (check-in, dose, vitals, scales,
adverse events, ready, discharge) are in :mod:`ketapath.services.session_flows`.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ketapath.core.monitoring import (
    DischargeCheck,
    esketamine_discharge_check,
    iv_discharge_check,
    vitals_schedule_minutes,
)
from ketapath.db.base import utcnow
from ketapath.db.models import (
    Dose,
    Patient,
    Route,
    SessionStatus,
    TreatmentCourse,
    TreatmentSession,
    VitalSign,
)
from ketapath.db.repositories.courses import CourseRepository
from ketapath.db.repositories.sessions import SessionRepository
from ketapath.schemas.measurement import MeasurementRead
from ketapath.schemas.session import (
    AdverseEventRead,
    DoseRead,
    NextDue,
    SessionRead,
    VitalSignRead,
)
from ketapath.services import audit
from ketapath.services.courses import (
    DOSING_KINDS,
    ClinicRules,
    clinic_rules,
    finding_dicts,
    load_session,
)
from ketapath.services.errors import ConflictError
from ketapath.services.permissions import Actor, Capability

__all__ = [
    "MAX_ELAPSED_MINUTES",
    "SCHEDULE_EARLY_MINUTES",
    "allowed_transitions",
    "bp_minutes_recorded",
    "discharge_check",
    "discharge_gate",
    "ensure_transition",
    "gate_state",
    "get_session",
    "load_rules",
    "minutes_after",
    "next_due",
    "next_due_after",
    "schedule_for",
    "schedule_minutes",
    "session_read",
]

TRANSITIONS: dict[SessionStatus, frozenset[SessionStatus]] = {
    SessionStatus.SCHEDULED: frozenset(
        {SessionStatus.CHECKED_IN, SessionStatus.CANCELLED}
    ),
    SessionStatus.CHECKED_IN: frozenset(
        {SessionStatus.DOSING, SessionStatus.MONITORING, SessionStatus.CANCELLED}
    ),
    SessionStatus.DOSING: frozenset({SessionStatus.MONITORING}),
    SessionStatus.MONITORING: frozenset(
        {SessionStatus.READY, SessionStatus.DISCHARGED}
    ),
    SessionStatus.READY: frozenset({SessionStatus.DISCHARGED}),
    SessionStatus.DISCHARGED: frozenset(),
    SessionStatus.CANCELLED: frozenset(),
}
"""The session life cycle; anything else is a 409 naming the current status."""

SCHEDULE_EARLY_MINUTES = 5
"""A reading up to 5 min before a scheduled mark counts for it (shell tolerance, not a rule)."""
MAX_ELAPSED_MINUTES = 24 * 60
"""The core's discharge checks accept at most one day of elapsed minutes."""


def allowed_transitions(treatment: TreatmentSession) -> frozenset[SessionStatus]:
    """Where the session may go next.

    A session with no drug (KAP preparation or integration) is completed straight from
    check-in: there is nothing to monitor and no gate to pass.
    """
    allowed = TRANSITIONS[treatment.status]
    if (
        treatment.kind not in DOSING_KINDS
        and treatment.status is SessionStatus.CHECKED_IN
    ):
        allowed = allowed | {SessionStatus.DISCHARGED}
    return allowed


def ensure_transition(treatment: TreatmentSession, to: SessionStatus) -> None:
    """Raise 409 unless the life cycle allows ``to`` from the current status."""
    if to not in allowed_transitions(treatment):
        raise ConflictError(
            f"cannot move a {treatment.status.value} session to {to.value} "
            f"(current status: {treatment.status.value})",
            field="status",
        )


def minutes_after(start: datetime | None, moment: datetime) -> int | None:
    """Whole minutes from ``start`` to ``moment`` (None before or without a start)."""
    if start is None or moment < start:
        return None
    return int((moment - start).total_seconds() // 60)


def schedule_minutes(
    route: Route, infusion_minutes: int | None, rules: ClinicRules
) -> tuple[int, ...]:
    """The core's vital-sign schedule (minutes from the first dose) for a course on ``route``."""
    return _schedule(
        route.value,
        infusion_minutes or rules.iv.default_minutes,
        rules.iv_vitals_interval_minutes,
    )


@functools.lru_cache(maxsize=256)
def _schedule(
    route: str, infusion_minutes: int, interval_minutes: int
) -> tuple[int, ...]:
    # The core's schedule is a pure function of these three values: computed once each.
    return vitals_schedule_minutes(
        route, infusion_minutes=infusion_minutes, interval_minutes=interval_minutes
    )


def schedule_for(course: TreatmentCourse, rules: ClinicRules) -> tuple[int, ...]:
    """The core's vital-sign schedule (minutes from the first dose) for this course."""
    return schedule_minutes(course.route, course.infusion_minutes, rules)


def bp_minutes_recorded(vitals: Iterable[VitalSign]) -> int | None:
    """The latest ``minutes_after_dose`` of a reading with both BP values, if any.

    A scheduled mark is covered when such a reading was taken at most
    :data:`SCHEDULE_EARLY_MINUTES` before it or later, so this one number answers it for every
    mark (the board gets it from the database without loading the readings).
    """
    return max(
        (
            v.minutes_after_dose
            for v in vitals
            if v.minutes_after_dose is not None
            and v.systolic_mmhg is not None
            and v.diastolic_mmhg is not None
        ),
        default=None,
    )


def _covered(bp_minutes: int | None, mark: int) -> bool:
    return bp_minutes is not None and bp_minutes >= mark - SCHEDULE_EARLY_MINUTES


def _label(route: Route, mark: int, last: int) -> str:
    if mark == last:
        return (
            "pre-discharge vitals"
            if route is Route.ESKETAMINE
            else f"vitals at end ({mark} min)"
        )
    return f"BP at {mark} min" if route is Route.ESKETAMINE else f"vitals at {mark} min"


def next_due_after(
    route: Route,
    schedule: Sequence[int],
    bp_minutes: int | None,
    elapsed: int | None,
) -> NextDue | None:
    """The first scheduled reading after dosing not yet covered (see :func:`bp_minutes_recorded`)."""
    if elapsed is None:
        return None
    marks = [m for m in schedule if m > 0]
    for mark in marks:
        if not _covered(bp_minutes, mark):
            return NextDue.model_construct(
                label=_label(route, mark, marks[-1]),
                at_minutes=mark,
                due_in_minutes=mark - elapsed,
            )
    return None


def next_due(
    route: Route,
    schedule: Sequence[int],
    vitals: Sequence[VitalSign],
    elapsed: int | None,
) -> NextDue | None:
    """The first scheduled reading after dosing that no reading covers yet."""
    if elapsed is None:
        return None
    return next_due_after(route, schedule, bp_minutes_recorded(vitals), elapsed)


def _infusion_minutes(doses: Sequence[Dose]) -> int:
    return next((d.infusion_minutes for d in doses if d.infusion_minutes), 0)


def discharge_check(
    *,
    route: Route,
    schedule: Sequence[int],
    elapsed_minutes: int | None,
    discharge: dict[str, Any] | None,
    bp_minutes: int | None,
    infusion_minutes: int,
    rules: ClinicRules,
) -> DischargeCheck | None:
    """The core's discharge check from a session's columns (None before the first dose).

    ``elapsed_minutes`` is :func:`minutes_after` the first dose (None when not dosed): the
    check depends on the clock only through it, so the board can reuse a card for a minute.
    ``schedule`` is the course's vital-sign schedule (read for esketamine's 40-minute BP),
    ``bp_minutes`` from :func:`bp_minutes_recorded`, ``infusion_minutes`` the first dose's.
    """
    if elapsed_minutes is None:
        return None
    elapsed = min(elapsed_minutes, MAX_ELAPSED_MINUTES)
    effects = (discharge or {}).get("effects", {})
    if route is Route.ESKETAMINE:
        return esketamine_discharge_check(
            minutes_since_first_device=elapsed,
            sedation_resolved=effects.get("sedation_resolved"),
            dissociation_resolved=effects.get("dissociation_resolved"),
            respiratory_depression_resolved=effects.get("respiratory_ok"),
            bp_at_40_min_recorded=_covered(bp_minutes, schedule[1]),
        )
    since_end = max(0, elapsed - infusion_minutes)
    return iv_discharge_check(
        minutes_since_infusion_end=since_end,
        vital_signs_stable=effects.get("vital_signs_stable"),
        mental_status_at_baseline=effects.get("mental_status_at_baseline"),
        min_minutes_after_infusion=rules.protocols.iv_post_infusion_observation_minutes,
    )


def discharge_gate(
    course: TreatmentCourse,
    treatment: TreatmentSession,
    rules: ClinicRules,
    now: datetime,
) -> DischargeCheck | None:
    """The core's discharge check for the session now (None before the first dose)."""
    if treatment.first_dose_at is None:
        return None
    esketamine = course.route is Route.ESKETAMINE
    return discharge_check(
        route=course.route,
        schedule=schedule_for(course, rules) if esketamine else (),
        elapsed_minutes=minutes_after(treatment.first_dose_at, now) or 0,
        discharge=treatment.discharge,
        bp_minutes=bp_minutes_recorded(treatment.vitals) if esketamine else None,
        infusion_minutes=0 if esketamine else _infusion_minutes(treatment.doses),
        rules=rules,
    )


def gate_state(check: DischargeCheck | None) -> dict[str, object] | None:
    """The discharge gate as JSON: open or not, and every reason it is closed."""
    if check is None:
        return None
    return {
        "ready": check.ready,
        "reasons": [
            f for f in finding_dicts(check.findings) if f["severity"] != "info"
        ],
    }


def session_read(
    session: Session,
    *,
    treatment: TreatmentSession,
    patient: Patient,
    rules: ClinicRules,
    now: datetime,
) -> SessionRead:
    """The full record of a session (one query for its scales, the rest already loaded)."""
    repository = SessionRepository(session)
    course = repository.course_of(treatment)
    elapsed = minutes_after(treatment.first_dose_at, now)
    dosing = treatment.kind in DOSING_KINDS
    schedule = schedule_for(course, rules) if dosing else ()
    active = treatment.status not in (SessionStatus.DISCHARGED, SessionStatus.CANCELLED)
    return SessionRead(
        id=treatment.id,
        course_id=course.id,
        protocol=course.protocol,
        route=course.route.value,
        patient_id=patient.id,
        patient_name=f"{patient.given_name} {patient.family_name}",
        patient_mrn=patient.mrn,
        number=treatment.number,
        phase=treatment.phase,
        kind=treatment.kind,
        scheduled_date=treatment.scheduled_date,
        scheduled_time=treatment.scheduled_time,
        chair_id=treatment.chair_id,
        status=treatment.status.value,
        version=treatment.version,
        planned_dose_mg=treatment.planned_dose_mg,
        planned_dose_mg_per_kg=treatment.planned_dose_mg_per_kg,
        planned_chair_minutes=treatment.planned_chair_minutes,
        predose_check=treatment.predose_check,
        predose_acknowledged_by_id=treatment.predose_acknowledged_by_id,
        checked_in_at=treatment.checked_in_at,
        first_dose_at=treatment.first_dose_at,
        ready_at=treatment.ready_at,
        discharged_at=treatment.discharged_at,
        discharged_by_id=treatment.discharged_by_id,
        discharge=treatment.discharge,
        minutes_since_first_dose=elapsed,
        next_due=next_due(course.route, schedule, treatment.vitals, elapsed)
        if active
        else None,
        vitals_schedule_minutes=list(schedule),
        discharge_gate=gate_state(discharge_gate(course, treatment, rules, now))
        if active and dosing
        else None,
        doses=[DoseRead.model_validate(d) for d in treatment.doses],
        vitals=[VitalSignRead.model_validate(v) for v in treatment.vitals],
        scales=[
            MeasurementRead.model_validate(m) for m in repository.scales(treatment.id)
        ],
        adverse_events=[
            AdverseEventRead.model_validate(a) for a in treatment.adverse_events
        ],
    )


def load_rules(session: Session, patient: Patient) -> ClinicRules:
    """The clinic's core settings for this patient's clinic."""
    return clinic_rules(CourseRepository(session).clinic(patient.clinic_id))


def get_session(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> SessionRead:
    """The full record of one session (nurse or prescriber; audited)."""
    treatment, patient = load_session(
        session, actor=actor, session_id=session_id, capability=Capability.SESSION_RUN
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="session",
        entity_id=treatment.id,
        patient_id=patient.id,
    )
    return session_read(
        session,
        treatment=treatment,
        patient=patient,
        rules=load_rules(session, patient),
        now=now or utcnow(),
    )
