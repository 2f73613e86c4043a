"""Spravato REMS: the Patient Monitoring Form per esketamine session, and its deadline queue.

A form is pre-filled from what ketapath already knows (patient, dose and lot, times, BP
readings, concomitant medications by class from the history, adverse events, the setting) and
completed by the clinician. Pre-filled values are suggestions: the clinician's entries win, and
a value the record cannot prove (a "No" for a medication class, an absent adverse effect) is
never pre-filled, because missing is not "no". Signing is refused (409) until every required
field is present and acceptable, listing each by name; a signed form is immutable, and a
correction is a new form that amends it. Forms are due within 7 days of the session
(REFERENCE.md §6 [S]); the queue lists every dosed esketamine session whose current form is not
yet submitted, overdue and due soon first.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, Literal

from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import (
    Patient,
    RemsMonitoringForm,
    RemsPatientEnrolment,
    RemsSettingCertification,
    Route,
    SessionStatus,
    TreatmentSession,
    VitalSign,
)
from ketapath.db.repositories.rems import RemsRepository
from ketapath.db.repositories.sessions import SessionRepository
from ketapath.schemas.rems import (
    MIN_MONITORING_MINUTES,
    REMS_DUE_DAYS,
    REMS_FIELDS,
    RemsCertificationSet,
    RemsEnrolmentSet,
    RemsFieldProblem,
    RemsFormAmend,
    RemsFormRead,
    RemsFormSubmitted,
    RemsFormValues,
    RemsQueueItem,
    RemsQueueRead,
)
from ketapath.services import audit
from ketapath.services.clinic import load_clinic, today_in
from ketapath.services.courses import load_session
from ketapath.services.errors import ConflictError, NotFoundError, UnprocessableError
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "CAPABILITY",
    "RemsFormIncompleteError",
    "amend_form",
    "get_form",
    "load_form",
    "mark_submitted",
    "queue",
    "queue_state",
    "set_patient_enrolment",
    "set_site_certification",
    "sign_form",
    "update_form",
]

CAPABILITY = Capability.SESSION_RUN
"""Nurses and prescribers (the monitoring HCPs) read, complete, sign and submit forms."""

MEDICATION_CLASSES: dict[str, str] = {
    "benzodiazepines": "benzodiazepine",
    "non_benzodiazepine_hypnotics": "nonbenzodiazepine_hypnotic",
    "psychostimulants": "psychostimulant",
    "maois": "maoi",
    "opioids": "opioid",
}
"""Form field → the history's drug class (``core.patient`` vocabulary)."""

EFFECT_KINDS: dict[str, frozenset[str]] = {
    "sedation": frozenset({"sedation", "loss_of_consciousness"}),
    "dissociation": frozenset({"dissociation"}),
    "respiratory_depression": frozenset({"respiratory_depression"}),
}
"""Form field → the adverse-event kinds that answer it "yes"."""

BP_40_EARLIEST_MINUTES = 35
"""A reading from 35 min counts as the 40-minute BP (the session schedule's 5-minute tolerance)."""

REQUIRED = tuple(name for name, _label, required in REMS_FIELDS if required)


class RemsFormIncompleteError(ConflictError):
    """Signing refused (409): ``missing`` names every absent field, ``problems`` the rest."""

    def __init__(self, *, missing: list[str], problems: list[RemsFieldProblem]) -> None:
        parts = []
        if missing:
            parts.append("missing " + ", ".join(missing))
        parts.extend(f"{p.field}: {p.message}" for p in problems)
        super().__init__("REMS form cannot be signed: " + "; ".join(parts))
        self.missing = missing
        self.problems = problems


def _name_parts(display_name: str) -> tuple[str | None, str | None]:
    parts = display_name.split()
    if len(parts) < 2:
        return None, None
    return " ".join(parts[:-1]), parts[-1]


def _bp(reading: VitalSign | None) -> tuple[int | None, int | None]:
    return (
        (None, None)
        if reading is None
        else (reading.systolic_mmhg, reading.diastolic_mmhg)
    )


def _bp_readings(
    treatment: TreatmentSession,
) -> tuple[VitalSign | None, VitalSign | None, VitalSign | None]:
    """The readings for "before", "at 40 min" and "before completion"."""
    with_bp = [
        v
        for v in treatment.vitals
        if v.systolic_mmhg is not None and v.diastolic_mmhg is not None
    ]
    first = treatment.first_dose_at
    before = [
        v
        for v in with_bp
        if v.minutes_after_dose is None and (first is None or v.taken_at <= first)
    ]
    after = [v for v in with_bp if v.minutes_after_dose is not None]
    if treatment.discharged_at is not None:
        after = [v for v in after if v.taken_at <= treatment.discharged_at]
    candidates = [
        v
        for v in after
        if v.minutes_after_dose is not None
        and v.minutes_after_dose >= BP_40_EARLIEST_MINUTES
    ]
    at_40 = min(
        candidates,
        key=lambda v: (abs((v.minutes_after_dose or 0) - 40), v.taken_at),
        default=None,
    )
    later = [
        v
        for v in after
        if at_40 is not None
        and v is not at_40
        and (v.minutes_after_dose or 0) > (at_40.minutes_after_dose or 0)
    ]
    return (
        before[-1] if before else None,
        at_40,
        later[-1] if later else None,
    )


def _prefill(
    session: Session, treatment: TreatmentSession, patient: Patient
) -> dict[str, Any]:
    """What the record already says, as JSON values; absent where the record cannot tell."""
    repository = RemsRepository(session)
    values: dict[str, Any] = {
        "patient_given_name": patient.given_name,
        "patient_family_name": patient.family_name,
        "patient_birth_date": patient.birth_date.isoformat(),
        "patient_sex": patient.sex,
        "patient_enrolled": patient.rems_enrolled,
        "treatment_date": treatment.scheduled_date.isoformat(),
    }
    enrolment = repository.enrolment(patient.id)
    if enrolment is not None and enrolment.rems_patient_id is not None:
        values["rems_patient_id"] = enrolment.rems_patient_id
    if treatment.first_dose_at is not None:
        values["first_treatment"] = (
            repository.esketamine_doses_before(
                patient_id=patient.id,
                before=treatment.first_dose_at,
                excluding_session_id=treatment.id,
            )
            == 0
        )
    classes = repository.active_medication_classes(patient.id)
    for field, drug_class in MEDICATION_CLASSES.items():
        if drug_class in classes:
            values[field] = True
    users = repository.users([treatment.discharged_by_id])
    hcp = users.get(treatment.discharged_by_id) if treatment.discharged_by_id else None
    if hcp is not None:
        given, family = _name_parts(hcp.display_name)
        if given is not None:
            values["hcp_given_name"], values["hcp_family_name"] = given, family
        values["hcp_email"] = hcp.email
    site = repository.site_of_chair(treatment.chair_id)
    if site is not None:
        values["setting_name"] = site.name
        if site.address:
            values["setting_address_1"] = site.address
        certification = repository.certification(site.id)
        if certification is not None and certification.certification_id is not None:
            values["setting_certification_id"] = certification.certification_id
    esketamine = [d for d in treatment.doses if d.drug == "esketamine"] or list(
        treatment.doses
    )
    if esketamine:
        total = sum((d.dose_mg for d in esketamine), Decimal(0))
        if total in (56, 84):
            values["dose"] = str(int(total))
        else:
            values["dose"] = "other"
            values["dose_other_mg"] = format(total, "f")
        lots = sorted({d.lot_number for d in esketamine if d.lot_number})
        if lots:
            values["lot_number"] = ", ".join(lots)
    discharge = treatment.discharge or {}
    observed = discharge.get("minutes_observed")
    if isinstance(observed, int):
        values["total_monitoring_minutes"] = observed
    ready_after = discharge.get("ready_after_minutes")
    if isinstance(ready_after, int):
        values["ready_without_two_hour_rule_minutes"] = ready_after
    for prefix, reading in zip(
        ("bp_before", "bp_40_min", "bp_before_end"),
        _bp_readings(treatment),
        strict=True,
    ):
        systolic, diastolic = _bp(reading)
        if systolic is not None and diastolic is not None:
            values[f"{prefix}_systolic_mmhg"] = systolic
            values[f"{prefix}_diastolic_mmhg"] = diastolic
    kinds = {event.kind for event in treatment.adverse_events}
    for field, answering in EFFECT_KINDS.items():
        if kinds & answering:
            values[field] = True
    if any(total < 5 for total in repository.scale_totals(treatment.id, "moaas")):
        values["sedation"] = True  # MOAA/S below 5 is sedation (REFERENCE.md §6 [V])
    serious = [e for e in treatment.adverse_events if e.severity == "serious"]
    if serious:
        values["serious_adverse_events"] = True
        values["serious_adverse_events_description"] = "; ".join(
            f"{e.kind}" + (f": {e.description}" if e.description else "")
            for e in serious
        )[:2000]
    return values


def _check(values: RemsFormValues) -> tuple[list[str], list[RemsFieldProblem]]:
    data = values.model_dump()
    missing = [name for name in REQUIRED if data[name] is None]
    if values.dose == "other" and values.dose_other_mg is None:
        missing.append("dose_other_mg")
    if (
        values.serious_adverse_events is True
        and not values.serious_adverse_events_description
    ):
        missing.append("serious_adverse_events_description")
    problems: list[RemsFieldProblem] = []
    if (
        values.total_monitoring_minutes is not None
        and values.total_monitoring_minutes < MIN_MONITORING_MINUTES
    ):
        problems.append(
            RemsFieldProblem(
                field="total_monitoring_minutes",
                message=f"must be at least {MIN_MONITORING_MINUTES} "
                f"(got {values.total_monitoring_minutes})",
            )
        )
    if values.dose != "other" and values.dose_other_mg is not None:
        problems.append(
            RemsFieldProblem(field="dose_other_mg", message="only with dose 'other'")
        )
    for prefix in ("bp_before", "bp_40_min", "bp_before_end"):
        systolic = data[f"{prefix}_systolic_mmhg"]
        diastolic = data[f"{prefix}_diastolic_mmhg"]
        if systolic is not None and diastolic is not None and diastolic >= systolic:
            problems.append(
                RemsFieldProblem(
                    field=f"{prefix}_diastolic_mmhg",
                    message=f"{diastolic} must be below systolic {systolic}",
                )
            )
    return missing, problems


def _current(forms: list[RemsMonitoringForm]) -> RemsMonitoringForm | None:
    """The form no other form amends (the end of the amendment chain)."""
    amended = {f.amends_id for f in forms if f.amends_id is not None}
    current = [f for f in forms if f.id not in amended]
    return current[-1] if current else None


def _load(
    session: Session, *, actor: Actor, session_id: uuid.UUID
) -> tuple[TreatmentSession, Patient]:
    treatment, patient = load_session(
        session, actor=actor, session_id=session_id, capability=CAPABILITY
    )
    course = SessionRepository(session).course_of(treatment)
    if course.route is not Route.ESKETAMINE:
        raise ConflictError(
            f"REMS forms are for esketamine sessions (this session is {course.route.value})",
            field="session_id",
        )
    return treatment, patient


def _read(
    session: Session,
    treatment: TreatmentSession,
    patient: Patient,
    form: RemsMonitoringForm | None,
) -> RemsFormRead:
    stored = dict(form.fields) if form is not None else {}
    if form is not None and form.status == "signed":
        prefill: dict[str, Any] = {}
        merged = stored
    else:
        prefill = _prefill(session, treatment, patient)
        merged = {**prefill, **{k: v for k, v in stored.items() if v is not None}}
    values = RemsFormValues.model_validate(merged)
    missing, problems = _check(values)
    treatment_date = form.treatment_date if form else treatment.scheduled_date
    return RemsFormRead(
        id=form.id if form else None,
        session_id=treatment.id,
        patient_id=patient.id,
        status=_status(form),
        amends_id=form.amends_id if form else None,
        amendment_reason=form.amendment_reason if form else None,
        treatment_date=treatment_date,
        due_on=form.due_on if form else treatment_date + timedelta(days=REMS_DUE_DAYS),
        values=values,
        prefilled=[n for n, _l, _r in REMS_FIELDS if n in prefill and n not in stored],
        entered=[n for n, _l, _r in REMS_FIELDS if n in stored],
        missing=missing,
        problems=problems,
        signed_at=form.signed_at if form else None,
        signed_by_id=form.signed_by_id if form else None,
        submitted_on=form.submitted_on if form else None,
        submitted_by_id=form.submitted_by_id if form else None,
    )


def _audit(
    session: Session,
    actor: Actor,
    action: str,
    treatment: TreatmentSession,
    form: RemsMonitoringForm | None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity="rems_form",
        entity_id=form.id if form else treatment.id,
        patient_id=treatment.patient_id,
        detail={"session_id": str(treatment.id), **(detail or {})},
    )


def load_form(
    session: Session, *, actor: Actor, session_id: uuid.UUID
) -> tuple[RemsFormRead, Patient]:
    """The form as :func:`get_form` returns it, and its patient, without auditing (documents)."""
    treatment, patient = _load(session, actor=actor, session_id=session_id)
    form = _current(RemsRepository(session).forms_for_session(treatment.id))
    return _read(session, treatment, patient, form), patient


def get_form(session: Session, *, actor: Actor, session_id: uuid.UUID) -> RemsFormRead:
    """The session's current form with pre-filled values and what is missing (audited)."""
    treatment, patient = _load(session, actor=actor, session_id=session_id)
    form = _current(RemsRepository(session).forms_for_session(treatment.id))
    _audit(session, actor, "read", treatment, form)
    return _read(session, treatment, patient, form)


def _new_form(
    treatment: TreatmentSession, actor: Actor, **extra: Any
) -> RemsMonitoringForm:
    return RemsMonitoringForm(
        session_id=treatment.id,
        patient_id=treatment.patient_id,
        treatment_date=treatment.scheduled_date,
        due_on=treatment.scheduled_date + timedelta(days=REMS_DUE_DAYS),
        status="draft",
        created_by_id=actor.user_id,
        **extra,
    )


def _draft(
    session: Session, treatment: TreatmentSession, actor: Actor
) -> RemsMonitoringForm:
    """The current draft, created if none exists; 409 when the current form is signed."""
    if treatment.first_dose_at is None:
        raise ConflictError(
            "no dose given in this session yet: nothing to report", field="session_id"
        )
    repository = RemsRepository(session)
    form = _current(repository.forms_for_session(treatment.id))
    if form is None:
        form = repository.add(_new_form(treatment, actor, fields={}))
    elif form.status == "signed":
        raise ConflictError(
            "the REMS form is signed and cannot change; amend it to correct it",
            field="status",
        )
    return form


def update_form(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: RemsFormValues,
) -> RemsFormRead:
    """Save the clinician's entries; a field sent as null reverts to the pre-filled value."""
    treatment, patient = _load(session, actor=actor, session_id=session_id)
    form = _draft(session, treatment, actor)
    entered = data.model_dump(mode="json", exclude_unset=True)
    fields = dict(form.fields)
    for name, value in entered.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    form.fields = fields
    session.flush()
    _audit(session, actor, "update", treatment, form, {"fields": sorted(entered)})
    return _read(session, treatment, patient, form)


def sign_form(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> RemsFormRead:
    """Sign the current form: 409 listing every missing field by name until it is complete."""
    treatment, patient = _load(session, actor=actor, session_id=session_id)
    form = _draft(session, treatment, actor)
    read = _read(session, treatment, patient, form)
    problems = list(read.problems)
    if treatment.status is not SessionStatus.DISCHARGED:
        problems.append(
            RemsFieldProblem(
                field="session",
                message=f"monitoring has not ended (session is {treatment.status.value})",
            )
        )
    if read.missing or problems:
        raise RemsFormIncompleteError(missing=read.missing, problems=problems)
    form.fields = read.values.model_dump(mode="json")
    form.status = "signed"
    form.signed_at = now or utcnow()
    form.signed_by_id = actor.user_id
    session.flush()
    _audit(session, actor, "sign", treatment, form)
    return _read(session, treatment, patient, form)


def amend_form(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: RemsFormAmend,
) -> RemsFormRead:
    """Start a correction of the signed form: a new draft that references it (409 otherwise)."""
    treatment, patient = _load(session, actor=actor, session_id=session_id)
    repository = RemsRepository(session)
    current = _current(repository.forms_for_session(treatment.id))
    if current is None or current.status != "signed":
        raise ConflictError(
            "only a signed form is amended; edit the draft instead", field="status"
        )
    form = repository.add(
        _new_form(
            treatment,
            actor,
            fields=dict(current.fields),
            amends_id=current.id,
            amendment_reason=data.reason,
        )
    )
    _audit(session, actor, "amend", treatment, form, {"amends_id": str(current.id)})
    return _read(session, treatment, patient, form)


def mark_submitted(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    data: RemsFormSubmitted,
) -> RemsFormRead:
    """Record the date the signed form was submitted (once; not before the session or future)."""
    treatment, patient = _load(session, actor=actor, session_id=session_id)
    form = _current(RemsRepository(session).forms_for_session(treatment.id))
    if form is None or form.status != "signed":
        raise ConflictError("sign the form before submitting it", field="status")
    if form.submitted_on is not None:
        raise ConflictError(
            f"already marked submitted on {form.submitted_on.isoformat()}",
            field="submitted_on",
        )
    today = today_in(load_clinic(session, clinic_id=actor.clinic_id))
    if not form.treatment_date <= data.submitted_on <= today:
        raise UnprocessableError(
            f"submitted_on must be between the treatment date {form.treatment_date} "
            f"and today {today}",
            field="submitted_on",
        )
    form.submitted_on = data.submitted_on
    form.submitted_by_id = actor.user_id
    session.flush()
    _audit(session, actor, "submit", treatment, form)
    return _read(session, treatment, patient, form)


QueueState = Literal["overdue", "due_soon", "pending"]
FormStatus = Literal["not_started", "draft", "signed"]


def _status(form: RemsMonitoringForm | None) -> FormStatus:
    if form is None:
        return "not_started"
    return "signed" if form.status == "signed" else "draft"


def queue_state(days_until_due: int, soon_days: int) -> QueueState:
    """The queue state for a form due in ``days_until_due`` days (negative: past due).

    ``overdue`` after the due day; ``due_soon`` within ``soon_days`` of it, the due day (day 7
    after the session) included; otherwise ``pending``.
    """
    if days_until_due < 0:
        return "overdue"
    if days_until_due <= soon_days:
        return "due_soon"
    return "pending"


def queue(
    session: Session,
    *,
    actor: Actor,
    as_of: date | None = None,
    soon_days: int = 2,
) -> RemsQueueRead:
    """Every dosed esketamine session whose current form is not submitted, most urgent first."""
    require(actor, CAPABILITY)
    if as_of is None:
        as_of = today_in(load_clinic(session, clinic_id=actor.clinic_id))
    repository = RemsRepository(session)
    sessions = repository.dosed_esketamine_sessions(clinic_id=actor.clinic_id)
    by_session: dict[uuid.UUID, list[RemsMonitoringForm]] = {}
    for stored in sorted(
        repository.forms_for_sessions([t.id for t, _p in sessions]),
        key=lambda f: (f.created_at, f.id),
    ):
        by_session.setdefault(stored.session_id, []).append(stored)
    items: list[RemsQueueItem] = []
    for treatment, patient in sessions:
        form = _current(by_session.get(treatment.id, []))
        if form is not None and form.submitted_on is not None:
            continue
        due_on = (
            form.due_on
            if form
            else treatment.scheduled_date + timedelta(days=REMS_DUE_DAYS)
        )
        days = (due_on - as_of).days
        items.append(
            RemsQueueItem(
                session_id=treatment.id,
                form_id=form.id if form else None,
                patient_id=patient.id,
                patient_name=f"{patient.given_name} {patient.family_name}",
                treatment_date=treatment.scheduled_date,
                due_on=due_on,
                days_until_due=days,
                state=queue_state(days, soon_days),
                form_status=_status(form),
            )
        )
    items.sort(key=lambda i: (i.due_on, i.patient_name, str(i.session_id)))
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="rems_queue",
        detail={"items": len(items)},
    )
    return RemsQueueRead(as_of=as_of, soon_days=soon_days, items=items)


def set_patient_enrolment(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: RemsEnrolmentSet
) -> RemsEnrolmentSet:
    """Record a patient's REMS enrolment id and date (also sets ``patients.rems_enrolled``)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_WRITE
    )
    require(actor, CAPABILITY)
    repository = RemsRepository(session)
    row = repository.enrolment(patient.id) or RemsPatientEnrolment(
        patient_id=patient.id
    )
    row.rems_patient_id = data.rems_patient_id
    row.enrolled_on = data.enrolled_on
    row.recorded_by_id = actor.user_id
    repository.save(row)
    patient.rems_enrolled = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="rems_enrolment",
        entity_id=row.id,
        patient_id=patient.id,
    )
    return data


def set_site_certification(
    session: Session, *, actor: Actor, site_id: uuid.UUID, data: RemsCertificationSet
) -> RemsCertificationSet:
    """Record a site's REMS certification id and date (admins; sets ``sites.rems_certified``)."""
    require(actor, Capability.USER_ADMIN)
    repository = RemsRepository(session)
    site = repository.site(site_id)
    if site is None or site.clinic_id != actor.clinic_id:
        raise NotFoundError("site not found", field="site_id")
    row = repository.certification(site.id) or RemsSettingCertification(site_id=site.id)
    row.certification_id = data.certification_id
    row.certified_on = data.certified_on
    row.recorded_by_id = actor.user_id
    repository.save(row)
    site.rems_certified = True
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="rems_certification",
        entity_id=row.id,
    )
    return data
