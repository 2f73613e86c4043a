"""Run a session: check-in, dose, timed vitals, scales, adverse events, ready, discharge.

Each flow: load the session and its patient (scope, role) → check the status transition →
call the core → write → audit. A refused gate raises :class:`GateClosedError` *before* anything
is written, so a 409 leaves the record exactly as it was (a refused check-in keeps no vitals:
the nurse re-enters them once the cause is fixed). Status changes are guarded by the session's
``version`` (a concurrent change is a 409 "session changed, reload"); vitals, scales and adverse
events are new rows that never touch the session row, so concurrent writers never collide.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from ketapath.core.dosing import esketamine_dose, iv_dose
from ketapath.core.errors import DoseNotAllowedError
from ketapath.core.findings import Finding, Severity
from ketapath.core.monitoring import blood_pressure_finding, predose_check
from ketapath.db.base import utcnow
from ketapath.db.models import (
    AdverseEvent,
    Alert,
    AlertKind,
    AlertSeverity,
    CourseStatus,
    Dose,
    Patient,
    Role,
    Route,
    SessionStatus,
    TreatmentCourse,
    TreatmentSession,
    VitalSign,
)
from ketapath.db.repositories.alerts import AlertRepository
from ketapath.db.repositories.base import untracked
from ketapath.db.repositories.sessions import SessionRepository
from ketapath.schemas.course import FindingOut
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.schemas.session import (
    AdverseEventCreate,
    CheckInCreate,
    DoseCreate,
    ReadyCreate,
    ScaleCreate,
    SessionRead,
    VitalSignCreate,
)
from ketapath.services import audit
from ketapath.services import measurements as measurement_service
from ketapath.services.courses import (
    DOSING_KINDS,
    ClinicRules,
    GateClosedError,
    clinic_rules,
    finding_dicts,
    flush_session_change,
)
from ketapath.services.errors import ConflictError, NotFoundError, UnprocessableError
from ketapath.services.measurements import RecordedMeasurement
from ketapath.services.patients import load_patient
from ketapath.services.permissions import (
    Actor,
    Capability,
    ensure_patient_scope,
    require,
)
from ketapath.services.sessions import (
    MAX_ELAPSED_MINUTES,
    discharge_gate,
    ensure_transition,
    load_rules,
    minutes_after,
    session_read,
)

__all__ = [
    "check_in",
    "discharge",
    "give_dose",
    "mark_ready",
    "record_adverse_event",
    "record_scale",
    "record_vitals",
]

RECORDING_STATUSES = frozenset(
    {
        SessionStatus.CHECKED_IN,
        SessionStatus.DOSING,
        SessionStatus.MONITORING,
        SessionStatus.READY,
    }
)
_ALERT_SEVERITY = {
    Severity.CONTRAINDICATED: AlertSeverity.HIGH,
    Severity.CAUTION: AlertSeverity.MODERATE,
    Severity.INFO: AlertSeverity.LOW,
}
SERIOUS_ADVERSE_EVENT_RULE = "AE-SERIOUS"
"""Alert rule id for a serious adverse event (a reporting duty, not a clinical threshold)."""


def _ensure_recording(treatment: TreatmentSession) -> None:
    if treatment.status not in RECORDING_STATUSES:
        raise ConflictError(
            f"nothing can be recorded in a {treatment.status.value} session "
            f"(current status: {treatment.status.value})",
            field="status",
        )


def _load_for_recording(
    session: Session, *, actor: Actor, session_id: uuid.UUID, capability: Capability
) -> tuple[TreatmentSession, Patient, TreatmentCourse, ClinicRules]:
    """:func:`load_session`'s checks (same errors, same order) without the session's records.

    Adding a reading, scale or adverse event reads only the session's own columns, so this
    loads the session, patient, course and clinic in one query instead of every dose, reading
    and adverse event the session already holds.
    """
    found = SessionRepository(session).recording_context(session_id)
    if found is None:
        raise NotFoundError("session not found")
    treatment, patient, course, clinic = found
    ensure_patient_scope(actor, treatment.patient_id)
    # load_patient's checks, on the patient already loaded
    require(actor, capability)
    ensure_patient_scope(actor, patient.id)
    if patient.clinic_id != actor.clinic_id:
        raise NotFoundError("patient not found")
    return treatment, patient, course, clinic_rules(clinic)


def _load_fresh(
    session: Session, *, actor: Actor, session_id: uuid.UUID, capability: Capability
) -> tuple[TreatmentSession, Patient]:
    """:func:`load_session`, read fresh from the database (a session may outlive one flow).

    The flows that answer with the full record load it once, here; :func:`_read` then
    re-reads only what the flow changed.
    """
    treatment = SessionRepository(session).get_full(session_id, refresh=True)
    if treatment is None:
        raise NotFoundError("session not found")
    ensure_patient_scope(actor, treatment.patient_id)
    patient = load_patient(
        session, actor=actor, patient_id=treatment.patient_id, capability=capability
    )
    return treatment, patient


def _read(
    session: Session,
    treatment: TreatmentSession,
    patient: Patient,
    now: datetime,
    *,
    doses: bool = False,
    vitals: bool = False,
) -> SessionRead:
    """The record after this request's change, re-read as the database holds it.

    The session's columns are re-read, and its doses or vitals when a row was added to them;
    the other collections were loaded with the session in this request.
    """
    SessionRepository(session).reload(treatment, doses=doses, vitals=vitals)
    return session_read(
        session,
        treatment=treatment,
        patient=patient,
        rules=load_rules(session, patient),
        now=now,
    )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    entity_id: uuid.UUID,
    patient_id: uuid.UUID,
    fields: set[str],
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        detail={"fields": sorted(fields)},
    )


def check_in(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: CheckInCreate,
    now: datetime | None = None,
) -> SessionRead:
    """Record the pre-dose vitals and run the core's pre-dose check (409 on stop or unsigned caution)."""
    moment = now or utcnow()
    treatment, patient = _load_fresh(
        session, actor=actor, session_id=session_id, capability=Capability.SESSION_RUN
    )
    ensure_transition(treatment, SessionStatus.CHECKED_IN)
    repository = SessionRepository(session)
    course = repository.course_of(treatment)
    rules = load_rules(session, patient)
    predose: dict[str, object] = {"status": "not_applicable", "findings": []}
    acknowledged_by = None
    if treatment.kind in DOSING_KINDS:
        _chair, site = repository.chair_with_site(treatment.chair_id)
        check = predose_check(
            course.route.value,
            systolic_mmhg=data.systolic_mmhg,
            diastolic_mmhg=data.diastolic_mmhg,
            transport_arranged=data.transport_arranged,
            hours_since_food=data.hours_since_food,
            minutes_since_liquids=data.minutes_since_liquids,
            minutes_since_nasal_medication=data.minutes_since_nasal_medication,
            patient_rems_enrolled=patient.rems_enrolled,
            setting_rems_certified=None if site is None else site.rems_certified,
            pulse_oximeter_available=data.pulse_oximeter_available,
            settings=rules.predose,
        )
        shown = [f for f in check.findings if f.severity is not Severity.INFO]
        if check.status == "stop":
            raise GateClosedError("pre-dose check: stop", findings=finding_dicts(shown))
        if check.requires_acknowledgement:
            if not data.acknowledge_cautions or actor.role is not Role.PRESCRIBER:
                raise GateClosedError(
                    "pre-dose check: caution needs a prescriber's acknowledgement "
                    "(acknowledge_cautions by a prescriber)",
                    findings=finding_dicts(shown),
                )
            acknowledged_by = actor.user_id
        predose = {"status": check.status, "findings": finding_dicts(check.findings)}
    repository.add_vital(
        VitalSign(
            session_id=treatment.id,
            taken_at=moment,
            minutes_after_dose=None,
            systolic_mmhg=data.systolic_mmhg,
            diastolic_mmhg=data.diastolic_mmhg,
            heart_rate_bpm=data.heart_rate_bpm,
            spo2_pct=data.spo2_pct,
            respiratory_rate_per_min=data.respiratory_rate_per_min,
            recorded_by_id=actor.user_id,
            recorded_at=moment,
        )
    )
    treatment.status = SessionStatus.CHECKED_IN
    treatment.checked_in_at = moment
    treatment.predose_check = predose
    treatment.predose_acknowledged_by_id = acknowledged_by
    flush_session_change(session)
    _audit(
        session,
        actor,
        "check_in",
        "session",
        treatment.id,
        patient.id,
        data.model_fields_set,
    )
    return _read(session, treatment, patient, moment, vitals=True)


def _age_years(birth_date: date, on: date) -> int:
    before_birthday = (on.month, on.day) < (birth_date.month, birth_date.day)
    return on.year - birth_date.year - int(before_birthday)


def _esketamine(
    session: Session,
    treatment: TreatmentSession,
    patient: Patient,
    data: DoseCreate,
    protocol: str,
    on: date,
) -> tuple[Dose, tuple[Finding, ...]]:
    previous = SessionRepository(session).previous_doses_mg(
        patient_id=patient.id, drug="esketamine", excluding_session_id=treatment.id
    )
    requested = None
    if data.dose_mg is not None:
        if data.dose_mg != data.dose_mg.to_integral_value():
            raise UnprocessableError("esketamine doses are whole mg", field="dose_mg")
        requested = int(data.dose_mg)
    try:
        result = esketamine_dose(
            age_years=_age_years(patient.birth_date, on),
            previous_doses_mg=[int(d) for d in previous],
            indication="mdsi" if protocol == "esketamine_mdsi" else "trd",
            requested_mg=requested,
            ruleset=load_rules(session, patient).esketamine_ruleset,
        )
    except DoseNotAllowedError as error:
        field = "dose_mg" if error.field == "requested_mg" else error.field
        raise DoseNotAllowedError(
            error.message, rule_id=error.rule_id, field=field, allowed=error.allowed
        ) from error
    dose = Dose(
        drug="esketamine",
        dose_mg=Decimal(result.dose_mg),
        devices=result.devices,
        rule_id=result.findings[0].rule_id,
    )
    return dose, result.findings


def _iv(
    session: Session, patient: Patient, data: DoseCreate, treatment: TreatmentSession
) -> tuple[Dose, tuple[Finding, ...]]:
    if data.dose_mg is not None:
        raise UnprocessableError(
            "the IV dose is calculated from the patient's weight and the course; omit dose_mg",
            field="dose_mg",
        )
    if patient.weight_kg is None:
        raise UnprocessableError("record the patient's weight first", field="weight_kg")
    course = SessionRepository(session).course_of(treatment)
    result = iv_dose(
        weight_kg=patient.weight_kg,
        mg_per_kg=course.dose_mg_per_kg,
        minutes=course.infusion_minutes,
        weight_basis=course.weight_basis,
        height_cm=patient.height_cm,
        sex=patient.sex,
        settings=load_rules(session, patient).iv,
    )
    dose = Dose(
        drug="ketamine",
        dose_mg=result.dose_mg,
        infusion_minutes=result.minutes,
        dosing_weight_kg=result.dosing_weight_kg,
        rule_id=result.findings[0].rule_id,
    )
    return dose, result.findings


def give_dose(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: DoseCreate,
    now: datetime | None = None,
) -> SessionRead:
    """Give the session's dose with the core's dosing rules; the first dose starts monitoring."""
    moment = now or utcnow()
    treatment, patient = _load_fresh(
        session, actor=actor, session_id=session_id, capability=Capability.DOSE_GIVE
    )
    if treatment.status not in (SessionStatus.CHECKED_IN, SessionStatus.MONITORING):
        raise ConflictError(
            f"a dose needs a checked-in session (current status: {treatment.status.value})",
            field="status",
        )
    if treatment.kind not in DOSING_KINDS:
        raise ConflictError(f"a {treatment.kind} session has no dose", field="kind")
    if treatment.doses:
        raise ConflictError("this session's dose is already recorded", field="dose_mg")
    repository = SessionRepository(session)
    course = repository.course_of(treatment)
    given_at = data.given_at or moment
    if course.route is Route.ESKETAMINE:
        dose, findings = _esketamine(
            session, treatment, patient, data, course.protocol, given_at.date()
        )
    elif course.route is Route.IV_KETAMINE:
        dose, findings = _iv(session, patient, data, treatment)
    else:
        if data.dose_mg is None:
            raise UnprocessableError("give the KAP dose in mg", field="dose_mg")
        dose, findings = Dose(drug="ketamine", dose_mg=data.dose_mg), ()
    dose.session_id = treatment.id
    dose.lot_number = data.lot_number
    dose.given_at = given_at
    dose.given_by_id = actor.user_id
    repository.add_dose(dose)
    if treatment.first_dose_at is None:
        ensure_transition(treatment, SessionStatus.MONITORING)
        treatment.first_dose_at = given_at
        treatment.status = SessionStatus.MONITORING
        if course.status is CourseStatus.PLANNED:
            course.status = CourseStatus.ACTIVE
    flush_session_change(session)
    _audit(session, actor, "create", "dose", dose.id, patient.id, data.model_fields_set)
    read = _read(session, treatment, patient, moment, doses=True)
    return read.model_copy(
        update={
            "findings": [FindingOut.model_validate(f) for f in finding_dicts(findings)]
        }
    )


def _vitals_alert(
    session: Session,
    treatment: TreatmentSession,
    route: Route,
    vital: VitalSign,
    rules: ClinicRules,
) -> Alert | None:
    if vital.systolic_mmhg is None or vital.diastolic_mmhg is None:
        return None
    finding = blood_pressure_finding(
        route.value,
        systolic_mmhg=vital.systolic_mmhg,
        diastolic_mmhg=vital.diastolic_mmhg,
        thresholds=rules.predose.blood_pressure,
    )
    if finding is None:
        return None
    return AlertRepository(session).add(
        Alert(
            patient_id=treatment.patient_id,
            session_id=treatment.id,
            kind=AlertKind.VITALS,
            severity=_ALERT_SEVERITY[finding.severity],
            message=finding.message,
            rule_id=finding.rule_id,
            raised_at=utcnow(),
        )
    )


def record_vitals(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: VitalSignCreate,
    now: datetime | None = None,
) -> tuple[VitalSign, Alert | None]:
    """Add one timed reading; a BP over the route's threshold raises a vitals alert."""
    moment = now or utcnow()
    treatment, patient, course, rules = _load_for_recording(
        session, actor=actor, session_id=session_id, capability=Capability.SESSION_RUN
    )
    _ensure_recording(treatment)
    taken_at = data.taken_at or moment
    repository = SessionRepository(session)
    vital = repository.add_vital(
        untracked(
            VitalSign,
            session_id=treatment.id,
            taken_at=taken_at,
            minutes_after_dose=minutes_after(treatment.first_dose_at, taken_at),
            systolic_mmhg=data.systolic_mmhg,
            diastolic_mmhg=data.diastolic_mmhg,
            heart_rate_bpm=data.heart_rate_bpm,
            spo2_pct=data.spo2_pct,
            respiratory_rate_per_min=data.respiratory_rate_per_min,
            recorded_by_id=actor.user_id,
            recorded_at=moment,
        )
    )
    alert = _vitals_alert(session, treatment, course.route, vital, rules)
    detail_fields = set(data.model_fields_set)
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="vital_sign",
        entity_id=vital.id,
        patient_id=patient.id,
        detail={
            "fields": sorted(detail_fields),
            "session_id": str(treatment.id),
            "alert_ids": [str(alert.id)] if alert is not None else [],
        },
    )
    return vital, alert


def record_scale(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: ScaleCreate,
    now: datetime | None = None,
) -> RecordedMeasurement:
    """Score a session scale through the measurements service (which raises its alerts)."""
    moment = now or utcnow()
    treatment, patient, _course, _rules = _load_for_recording(
        session, actor=actor, session_id=session_id, capability=Capability.SESSION_RUN
    )
    _ensure_recording(treatment)
    taken_at = data.taken_at or moment
    elapsed = minutes_after(treatment.first_dose_at, taken_at)
    return measurement_service.record_measurement(
        session,
        actor=actor,
        patient_id=patient.id,
        data=MeasurementCreate(
            instrument=data.instrument,
            responses=data.responses,
            taken_at=taken_at,
            session_id=treatment.id,
            minutes_after_dose=None
            if elapsed is None
            else min(elapsed, MAX_ELAPSED_MINUTES),
        ),
    )


def record_adverse_event(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: AdverseEventCreate,
    now: datetime | None = None,
) -> tuple[AdverseEvent, Alert | None]:
    """Record an adverse event; a serious one raises an adverse_event alert."""
    moment = now or utcnow()
    treatment, patient, _course, _rules = _load_for_recording(
        session, actor=actor, session_id=session_id, capability=Capability.SESSION_RUN
    )
    if treatment.status in (SessionStatus.SCHEDULED, SessionStatus.CANCELLED):
        raise ConflictError(
            f"the session has not started (current status: {treatment.status.value})",
            field="status",
        )
    event = SessionRepository(session).add_adverse_event(
        AdverseEvent(
            session_id=treatment.id,
            kind=data.kind,
            severity=data.severity,
            onset_at=data.onset_at or moment,
            description=data.description,
            recorded_by_id=actor.user_id,
        )
    )
    alert = None
    if data.severity == "serious":
        alert = AlertRepository(session).add(
            Alert(
                patient_id=patient.id,
                session_id=treatment.id,
                kind=AlertKind.ADVERSE_EVENT,
                severity=AlertSeverity.CRITICAL,
                message=f"Serious adverse event in session {treatment.number}: {data.kind}",
                rule_id=SERIOUS_ADVERSE_EVENT_RULE,
                raised_at=moment,
            )
        )
    _audit(
        session,
        actor,
        "create",
        "adverse_event",
        event.id,
        patient.id,
        data.model_fields_set,
    )
    return event, alert


def mark_ready(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: ReadyCreate,
    now: datetime | None = None,
) -> SessionRead:
    """Record that the effects have resolved (the REMS form's "ready to leave" time)."""
    moment = now or utcnow()
    treatment, patient = _load_fresh(
        session, actor=actor, session_id=session_id, capability=Capability.DISCHARGE
    )
    ensure_transition(treatment, SessionStatus.READY)
    course = SessionRepository(session).course_of(treatment)
    needed: tuple[str, ...]
    if course.route is Route.ESKETAMINE:
        needed = ("sedation_resolved", "dissociation_resolved", "respiratory_ok")
    else:
        needed = ("vital_signs_stable", "mental_status_at_baseline")
    missing = [name for name in needed if getattr(data, name) is not True]
    if missing:
        raise GateClosedError(
            "not ready",
            findings=[
                {
                    "rule_id": None,
                    "severity": "caution",
                    "message": f"{name} is not confirmed",
                    "field": name,
                }
                for name in missing
            ],
        )
    treatment.status = SessionStatus.READY
    treatment.ready_at = moment
    treatment.discharge = {
        "effects": data.model_dump(),
        "ready_confirmed_by_id": str(actor.user_id),
    }
    flush_session_change(session)
    _audit(
        session,
        actor,
        "ready",
        "session",
        treatment.id,
        patient.id,
        data.model_fields_set,
    )
    return _read(session, treatment, patient, moment)


def discharge(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> SessionRead:
    """Discharge through the core's gate; a refusal (409) lists every reason."""
    moment = now or utcnow()
    treatment, patient = _load_fresh(
        session, actor=actor, session_id=session_id, capability=Capability.DISCHARGE
    )
    ensure_transition(treatment, SessionStatus.DISCHARGED)
    if treatment.kind not in DOSING_KINDS:
        # No drug was given (KAP preparation or integration): the session is simply completed.
        treatment.status = SessionStatus.DISCHARGED
        treatment.discharged_at = moment
        treatment.discharged_by_id = actor.user_id
        treatment.discharge = {"drug_given": False, "findings": []}
        flush_session_change(session)
        _audit(session, actor, "discharge", "session", treatment.id, patient.id, set())
        return _read(session, treatment, patient, moment)
    course = SessionRepository(session).course_of(treatment)
    check = discharge_gate(course, treatment, load_rules(session, patient), moment)
    assert (
        check is not None
    )  # a dosing session reaches discharge only after its first dose
    if not check.ready:
        reasons = [f for f in finding_dicts(check.findings) if f["severity"] != "info"]
        raise GateClosedError("discharge refused", findings=reasons)
    first = treatment.first_dose_at
    ready_after = (
        minutes_after(first, treatment.ready_at) if treatment.ready_at else None
    )
    treatment.status = SessionStatus.DISCHARGED
    treatment.discharged_at = moment
    treatment.discharged_by_id = actor.user_id
    treatment.discharge = {
        **(treatment.discharge or {}),
        "minutes_observed": minutes_after(first, moment),
        "ready_after_minutes": ready_after,
        "findings": finding_dicts(check.findings),
    }
    flush_session_change(session)
    _audit(session, actor, "discharge", "session", treatment.id, patient.id, set())
    return _read(session, treatment, patient, moment)
