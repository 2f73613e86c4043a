"""Web views: patient list and enrolment, the chart with its history forms, and eligibility.

Thin: each view parses a form into the API's schema, calls a service and renders. Every read
goes through a service (so it is audited); a refused write rolls back before the form is shown
again with the message beside its field.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any, Literal, Protocol, get_args

from fastapi import APIRouter, Depends, Request
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from ketapath.core.errors import ClinicalError
from ketapath.core.patient import ConditionCode, DrugClass, EpisodeSeverity
from ketapath.db.models import CourseStatus, Role, SessionStatus
from ketapath.http import SessionDep
from ketapath.schemas.assessment import (
    AssessmentCreate,
    JurisdictionName,
    OverrideCreate,
    RouteName,
    TrdRulesetName,
)
from ketapath.schemas.base import Schema
from ketapath.schemas.history import ConditionCreate, MedicationCreate, TrialCreate
from ketapath.schemas.patient import PatientCreate, PatientUpdate
from ketapath.schemas.profile import AntidepressantClass
from ketapath.services import alerts as alert_service
from ketapath.services import assessments as assessment_service
from ketapath.services import clinic as clinic_service
from ketapath.services import courses as course_service
from ketapath.services import history as history_service
from ketapath.services import measurements as measurement_service
from ketapath.services import patients as patient_service
from ketapath.services.errors import ForbiddenError, ServiceError
from ketapath.services.permissions import Actor
from ketapath.web.deps import WebUser
from ketapath.web.forms import FormErrors, error_for, form_values, parse_form
from ketapath.web.templating import render

__all__ = [
    "FormDep",
    "StaffActor",
    "is_partial",
    "options",
    "router",
    "staff_actor",
    "wants_partial_redirect",
]

router = APIRouter()

PAGE_SIZE = 20
MED_PREFIX = "med_"
"""Medication fields are prefixed on the chart so their ids differ from the trial form's."""
Section = Literal["episode", "conditions", "medications", "trials"]


async def _form(request: Request) -> FormData:
    """The posted form (already parsed and cached by the CSRF check)."""
    return await request.form()


FormDep = Annotated[FormData, Depends(_form)]


def staff_actor(web: WebUser) -> Actor:
    """Staff pages only: a patient user is refused (their own record is under My care)."""
    if web.actor.role is Role.PATIENT:
        raise ForbiddenError(
            "this page is for clinic staff; see My care for your record"
        )
    return web.actor


StaffActor = Annotated[Actor, Depends(staff_actor)]


def is_partial(request: Request) -> bool:
    """Whether app.js asked for just the fragment."""
    return request.headers.get("X-Partial") == "1"


def wants_partial_redirect(request: Request, url: str) -> Response:
    """Go to ``url``: app.js follows X-Redirect; a plain form follows the 303."""
    if is_partial(request):
        return Response(status_code=200, headers={"X-Redirect": url})
    return RedirectResponse(url, status_code=303)


def options(values: tuple[str, ...]) -> list[tuple[str, str]]:
    """Select options from a closed vocabulary, labelled for people."""
    return [(v, v.replace("_", " ")) for v in values]


YES_NO = [("true", "yes"), ("false", "no")]
OPTIONS: dict[str, list[tuple[str, str]]] = {
    "sex": [("female", "female"), ("male", "male")],
    "yes_no": YES_NO,
    "condition": options(get_args(ConditionCode)),
    "drug_class": options(get_args(DrugClass)),
    "antidepressant_class": options(get_args(AntidepressantClass)),
    "severity": options(get_args(EpisodeSeverity)),
    "trd_ruleset": options(get_args(TrdRulesetName)),
    "jurisdiction": options(get_args(JurisdictionName)),
}
ROUTES: tuple[str, ...] = get_args(RouteName)


def _status_of(error: ServiceError | ClinicalError) -> int:
    return error.status_code if isinstance(error, ServiceError) else 422


# --- list and enrol ---------------------------------------------------------------------


def _list_context(
    session: Session, actor: Actor, q: str | None, page: int
) -> dict[str, Any]:
    page = max(page, 1)
    rows, total = patient_service.search_patients(
        session,
        actor=actor,
        query=q or None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    pages = max(1, -(-total // PAGE_SIZE))
    return {
        "patients": rows,
        "total": total,
        "q": q or "",
        "page": page,
        "pages": pages,
    }


@router.get("/patients")
def patient_list(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    q: str | None = None,
    page: int = 1,
) -> Response:
    """Search by name or MRN, a page at a time, with the enrolment form."""
    context = _list_context(session, actor, q, page)
    if is_partial(request):
        return render(request, "patients/_results.html", context)
    return render(
        request,
        "patients/list.html",
        {**context, "errors": {}, "values": {}, "options": OPTIONS},
    )


@router.post("/patients")
def enrol(
    request: Request, session: SessionDep, actor: StaffActor, form: FormDep
) -> Response:
    """Enrol a patient and open their chart."""
    values = form_values(form)
    data, errors = parse_form(PatientCreate, values)
    if data is not None:
        try:
            patient = patient_service.enrol_patient(session, actor=actor, data=data)
        except (ServiceError, ClinicalError) as error:
            session.rollback()
            errors, status = error_for(error), _status_of(error)
        else:
            return wants_partial_redirect(request, f"/patients/{patient.id}")
    else:
        status = 422
    context = {"errors": errors, "values": values, "options": OPTIONS}
    if is_partial(request):
        return render(request, "patients/_new.html", context, status_code=status)
    return render(
        request,
        "patients/list.html",
        {**_list_context(session, actor, None, 1), **context},
        status_code=status,
    )


# --- the chart --------------------------------------------------------------------------


def _latest_scores(
    session: Session, actor: Actor, patient_id: uuid.UUID
) -> list[Any] | None:
    """The newest measurement of each instrument; ``None`` where the role may not see scores."""
    try:
        rows, _ = measurement_service.list_measurements(
            session,
            actor=actor,
            patient_id=patient_id,
            instrument=None,
            limit=200,
            offset=0,
        )
    except ForbiddenError:
        return None
    latest: dict[str, Any] = {}
    for row in rows:  # newest first
        latest.setdefault(row.instrument, row)
    return list(latest.values())


def _open_alerts(session: Session, actor: Actor, patient_id: uuid.UUID) -> int | None:
    try:
        _, total = alert_service.list_patient_alerts(
            session,
            actor=actor,
            patient_id=patient_id,
            status="open",
            limit=1,
            offset=0,
        )
    except ForbiddenError:
        return None
    return total


def _course_summary(courses: list[Any], today: date) -> tuple[Any | None, Any | None]:
    """The current course (planned or active, newest) and its next scheduled session."""
    current = [
        c for c in courses if c.status in (CourseStatus.PLANNED, CourseStatus.ACTIVE)
    ]
    if not current:
        return None, None
    course = max(current, key=lambda c: (c.start_date, c.created_at))
    upcoming = [
        s
        for s in course.sessions
        if s.status is SessionStatus.SCHEDULED and s.scheduled_date >= today
    ]
    return course, min(upcoming, key=lambda s: s.scheduled_date, default=None)


def _chart_context(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    errors: dict[str, FormErrors] | None = None,
    values: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    patient = patient_service.get_patient(session, actor=actor, patient_id=patient_id)
    history = history_service.get_history(session, actor=actor, patient_id=patient_id)
    courses = list(
        course_service.list_courses(session, actor=actor, patient_id=patient_id)
    )
    today = clinic_service.clinic_today(session, clinic_id=actor.clinic_id)
    course, next_session = _course_summary(courses, today)
    assessments = assessment_service.list_assessments(
        session, actor=actor, patient_id=patient_id
    )
    return {
        "patient": patient,
        "age": assessment_service.age_in_years(patient.birth_date, as_of=today),
        "history": history,
        "courses": courses,
        "course": course,
        "next_session": next_session,
        "assessment": assessments[0] if assessments else None,
        "scores": _latest_scores(session, actor, patient_id),
        "open_alerts": _open_alerts(session, actor, patient_id),
        "errors": {
            "episode": {},
            "conditions": {},
            "medications": {},
            "trials": {},
            **(errors or {}),
        },
        "values": {
            "episode": {},
            "conditions": {},
            "medications": {},
            "trials": {},
            **(values or {}),
        },
        "options": OPTIONS,
    }


@router.get("/patients/{patient_id}")
def chart(
    request: Request, session: SessionDep, actor: StaffActor, patient_id: uuid.UUID
) -> Response:
    """The chart: summary, history with entry forms, episode details and links."""
    context = _chart_context(session, actor, patient_id)
    if is_partial(request):
        return render(request, "patients/_summary.html", context)
    return render(request, "patients/detail.html", context)


def _section_response(
    request: Request,
    session: SessionDep,
    actor: Actor,
    patient_id: uuid.UUID,
    section: Section,
    error: ServiceError | ClinicalError | None = None,
    *,
    errors: FormErrors | None = None,
    values: dict[str, Any] | None = None,
) -> Response:
    """After a history form: on success the section (or a redirect), else the form with errors."""
    status = 200
    if error is not None:
        session.rollback()
        errors, status = error_for(error), _status_of(error)
    elif errors:
        status = 422
    if status == 200 and not is_partial(request):
        return RedirectResponse(f"/patients/{patient_id}#{section}", status_code=303)
    context = _chart_context(
        session,
        actor,
        patient_id,
        errors={section: errors or {}},
        values={section: values or {}} if status != 200 else None,
    )
    template = (
        f"patients/_{section}.html" if is_partial(request) else "patients/detail.html"
    )
    return render(request, template, context, status_code=status)


class _Record(Protocol):
    """A history service: ``(session, *, actor, patient_id, data)``."""

    def __call__(
        self, session: Session, *, actor: Actor, patient_id: uuid.UUID, data: Any
    ) -> object: ...


def _section_post(
    request: Request,
    session: SessionDep,
    actor: Actor,
    patient_id: uuid.UUID,
    section: Section,
    form: FormData,
    schema: type[Schema],
    record: _Record,
) -> Response:
    """A history form: parsed as ``schema``, ``record``-ed, then :func:`_section_response`."""
    values = form_values(form)
    data, errors = parse_form(schema, values)
    if data is None:
        return _section_response(
            request, session, actor, patient_id, section, errors=errors, values=values
        )
    try:
        record(session, actor=actor, patient_id=patient_id, data=data)
    except (ServiceError, ClinicalError) as error:
        return _section_response(
            request, session, actor, patient_id, section, error, values=values
        )
    return _section_response(request, session, actor, patient_id, section)


@router.post("/patients/{patient_id}/episode")
def update_episode(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    form: FormDep,
) -> Response:
    """Episode details and the clinical profile (PatientUpdate)."""
    return _section_post(
        request,
        session,
        actor,
        patient_id,
        "episode",
        form,
        PatientUpdate,
        patient_service.update_patient,
    )


@router.post("/patients/{patient_id}/conditions")
def add_condition(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    form: FormDep,
) -> Response:
    """Record a coded condition."""
    return _section_post(
        request,
        session,
        actor,
        patient_id,
        "conditions",
        form,
        ConditionCreate,
        history_service.add_condition,
    )


@router.post("/patients/{patient_id}/conditions/{condition_id}/resolve")
def resolve_condition(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    condition_id: uuid.UUID,
) -> Response:
    """Resolve a condition (it stays on record)."""
    try:
        history_service.delete_condition(
            session, actor=actor, patient_id=patient_id, condition_id=condition_id
        )
    except (ServiceError, ClinicalError) as error:
        return _section_response(
            request, session, actor, patient_id, "conditions", error
        )
    return _section_response(request, session, actor, patient_id, "conditions")


def _unprefixed(values: dict[str, Any]) -> dict[str, Any]:
    return {k.removeprefix(MED_PREFIX): v for k, v in values.items()}


def _prefixed(errors: FormErrors) -> FormErrors:
    return {(k if k == "__all__" else MED_PREFIX + k): v for k, v in errors.items()}


@router.post("/patients/{patient_id}/medications")
def add_medication(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    form: FormDep,
) -> Response:
    """Record a medication with its drug class."""
    values = form_values(form)
    data, errors = parse_form(MedicationCreate, _unprefixed(values))
    if data is None:
        return _section_response(
            request,
            session,
            actor,
            patient_id,
            "medications",
            errors=_prefixed(errors),
            values=values,
        )
    try:
        history_service.add_medication(
            session, actor=actor, patient_id=patient_id, data=data
        )
    except (ServiceError, ClinicalError) as error:
        session.rollback()
        return _section_response(
            request,
            session,
            actor,
            patient_id,
            "medications",
            errors=_prefixed(error_for(error)),
            values=values,
        )
    return _section_response(request, session, actor, patient_id, "medications")


@router.post("/patients/{patient_id}/trials")
def add_trial(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    form: FormDep,
) -> Response:
    """Record an antidepressant trial; the chart shows the service's adequacy verdict."""
    return _section_post(
        request,
        session,
        actor,
        patient_id,
        "trials",
        form,
        TrialCreate,
        history_service.add_trial,
    )


# --- eligibility ------------------------------------------------------------------------


def _eligibility_context(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    errors: FormErrors | None = None,
    override_errors: dict[str, FormErrors] | None = None,
    override_values: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    patient = patient_service.get_patient(session, actor=actor, patient_id=patient_id)
    assessments = assessment_service.list_assessments(
        session, actor=actor, patient_id=patient_id
    )
    trd_default, jurisdiction_default = clinic_service.assessment_defaults(
        clinic_service.load_clinic(session, clinic_id=actor.clinic_id)
    )
    return {
        "patient": patient,
        "assessment": assessments[0] if assessments else None,
        "earlier": assessments[1:],
        "routes": ROUTES,
        "defaults": {"trd_ruleset": trd_default, "jurisdiction": jurisdiction_default},
        "errors": errors or {},
        "override_errors": override_errors or {},
        "override_values": override_values or {},
        "options": OPTIONS,
    }


def _eligibility_page(
    request: Request, context: dict[str, Any], status_code: int = 200
) -> Response:
    template = (
        "patients/_assessment.html"
        if is_partial(request)
        else "patients/eligibility.html"
    )
    return render(request, template, context, status_code=status_code)


@router.get("/patients/{patient_id}/eligibility")
def eligibility(
    request: Request, session: SessionDep, actor: StaffActor, patient_id: uuid.UUID
) -> Response:
    """The latest assessment: TRD, staging, each route's findings, overrides."""
    return _eligibility_page(request, _eligibility_context(session, actor, patient_id))


@router.post("/patients/{patient_id}/eligibility")
def run_assessment(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    form: FormDep,
) -> Response:
    """Assess the stored record under the chosen TRD rule set and jurisdiction."""
    data, errors = parse_form(AssessmentCreate, form_values(form))
    status = 422
    if data is not None:
        try:
            assessment_service.create_assessment(
                session, actor=actor, patient_id=patient_id, data=data
            )
        except (ServiceError, ClinicalError) as error:
            session.rollback()
            errors, status = error_for(error), _status_of(error)
        else:
            return wants_partial_redirect(
                request, f"/patients/{patient_id}/eligibility"
            )
    context = _eligibility_context(session, actor, patient_id, errors=errors)
    return _eligibility_page(request, context, status)


@router.post("/patients/{patient_id}/eligibility/{assessment_id}/overrides")
def add_override(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    assessment_id: uuid.UUID,
    form: FormDep,
) -> Response:
    """Override one finding with a reason; the service decides who may override what."""
    values = form_values(form)
    key = f"{values.get('route', '')}:{values.get('rule_id', '')}"
    data, errors = parse_form(OverrideCreate, values)
    status = 422
    if data is not None:
        try:
            assessment_service.add_override(
                session, actor=actor, assessment_id=assessment_id, data=data
            )
        except (ServiceError, ClinicalError) as error:
            session.rollback()
            errors, status = error_for(error), _status_of(error)
        else:
            return wants_partial_redirect(
                request, f"/patients/{patient_id}/eligibility#route-{data.route}"
            )
    context = _eligibility_context(
        session,
        actor,
        patient_id,
        override_errors={key: errors},
        override_values={key: values},
    )
    return _eligibility_page(request, context, status)
