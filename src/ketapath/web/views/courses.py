"""Web views: plan a course (preview with the core, confirm through the service) and the course page.

"Preview" shows what the core works out for the chosen inputs (dose, dosing weight and its
basis, rate, session dates) without writing anything; "Confirm" creates the course through
:func:`ketapath.services.courses.create_course`, which re-checks eligibility and plans again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, get_args

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from ketapath.core.dosing import EsketamineDose, IvDose, esketamine_dose
from ketapath.core.errors import ClinicalError
from ketapath.core.findings import Finding
from ketapath.core.protocols import PlannedSession
from ketapath.db.models import Patient, Route
from ketapath.http import SessionDep
from ketapath.schemas.course import CourseCreate, ProtocolKey, WeekdayName
from ketapath.schemas.history import finding_json
from ketapath.services import assessments as assessment_service
from ketapath.services import clinic as clinic_service
from ketapath.services import courses as course_service
from ketapath.services import patients as patient_service
from ketapath.services.courses import GateClosedError
from ketapath.services.errors import ServiceError
from ketapath.services.permissions import Actor
from ketapath.web.forms import FormErrors, error_for, form_values, parse_form
from ketapath.web.templating import render
from ketapath.web.views.patients import (
    FormDep,
    StaffActor,
    is_partial,
    options,
    wants_partial_redirect,
)

router = APIRouter()

PROTOCOLS = options(get_args(ProtocolKey))
WEEKDAYS: tuple[str, ...] = get_args(WeekdayName)
WEIGHT_BASES = [("actual", "actual"), ("ideal", "ideal"), ("adjusted", "adjusted")]
ESKETAMINE_INDICATION = {"esketamine_trd": "trd", "esketamine_mdsi": "mdsi"}
STRICT_INT_FIELDS = ("infusion_minutes", "sessions")
"""CourseCreate takes these as JSON integers (StrictInt); a form sends text."""


def _form_ints(values: dict[str, Any]) -> dict[str, Any]:
    """Whole-number text to int for the StrictInt fields; anything else stays for pydantic."""
    out = dict(values)
    for name in STRICT_INT_FIELDS:
        text = out.get(name)
        if isinstance(text, str) and text.lstrip("-").isdigit():
            out[name] = int(text)
    return out


@dataclass(frozen=True, slots=True)
class PreviewRow:
    """One planned session as the preview table shows it."""

    planned: PlannedSession
    dose: str
    chair_minutes: int | None


@dataclass(frozen=True, slots=True)
class Preview:
    """What the core works out for the chosen inputs (nothing is written)."""

    route: Route
    rows: list[PreviewRow]
    iv: IvDose | None
    esketamine: EsketamineDose | None
    findings: list[dict[str, Any]]


def _dose_text(planned: PlannedSession, iv: IvDose | None) -> str:
    if planned.kind == "infusion" and iv is not None:
        return f"{iv.dose_mg} mg ({iv.mg_per_kg} mg/kg)"
    if planned.dose_mg is not None:
        return f"{planned.dose_mg} mg"
    if planned.dose_options_mg:
        return " or ".join(f"{d} mg" for d in planned.dose_options_mg)
    if planned.dose_mg_per_kg is not None:
        return f"{planned.dose_mg_per_kg} mg/kg"
    return "—"


def _preview(
    session: Session, actor: Actor, patient: Patient, data: CourseCreate
) -> Preview:
    """Plan exactly as create_course will, for display only (raises core or service errors)."""
    clinic = clinic_service.load_clinic(session, clinic_id=actor.clinic_id)
    rules = course_service.clinic_rules(clinic)
    planned = course_service.plan_course(rules=rules, patient=patient, data=data)
    route, plan, iv = planned.route, planned.plan, planned.iv
    esk = None
    if route is Route.ESKETAMINE:
        esk = esketamine_dose(
            age_years=assessment_service.age_in_years(
                patient.birth_date, as_of=clinic_service.today_in(clinic)
            ),
            indication=ESKETAMINE_INDICATION[data.protocol],
            ruleset=rules.esketamine_ruleset,
        )
    rows = [
        PreviewRow(
            planned=row.planned,
            dose=_dose_text(row.planned, iv),
            chair_minutes=row.chair_minutes,
        )
        for row in planned.rows
    ]
    findings: list[Finding] = [
        *plan.findings,
        *(iv.findings if iv else ()),
        *(esk.findings if esk else ()),
    ]
    return Preview(route, rows, iv, esk, [finding_json(f) for f in findings])


def _plan_context(
    session: Session,
    actor: Actor,
    patient_id: uuid.UUID,
    *,
    values: dict[str, Any],
    errors: FormErrors | None = None,
    preview: Preview | None = None,
    refusal: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    patient = patient_service.get_patient(session, actor=actor, patient_id=patient_id)
    assessments = assessment_service.list_assessments(
        session, actor=actor, patient_id=patient_id
    )
    clinic = clinic_service.get_clinic(session, actor=actor)
    chairs = [
        (str(chair.id), f"{site.name} · {chair.name}")
        for site in clinic.sites
        for chair in site.chairs
        if chair.active
    ]
    return {
        "patient": patient,
        "assessment": assessments[0] if assessments else None,
        "values": values,
        "errors": errors or {},
        "preview": preview,
        "refusal": refusal,
        "options": {
            "protocol": PROTOCOLS,
            "weight_basis": WEIGHT_BASES,
            "chair": chairs,
        },
        "weekdays": WEEKDAYS,
    }


def _plan_page(
    request: Request, context: dict[str, Any], status_code: int = 200
) -> Response:
    template = "courses/_preview.html" if is_partial(request) else "courses/plan.html"
    return render(request, template, context, status_code=status_code)


@router.get("/patients/{patient_id}/plan")
def plan_form(
    request: Request, session: SessionDep, actor: StaffActor, patient_id: uuid.UUID
) -> Response:
    """Choose protocol, dates, chair and (IV) dosing; nothing is previewed yet."""
    today = clinic_service.clinic_today(session, clinic_id=actor.clinic_id)
    values = {"protocol": "esketamine_trd", "start_date": today.isoformat()}
    return _plan_page(request, _plan_context(session, actor, patient_id, values=values))


@router.post("/patients/{patient_id}/plan")
def plan_submit(
    request: Request,
    session: SessionDep,
    actor: StaffActor,
    patient_id: uuid.UUID,
    form: FormDep,
) -> Response:
    """``action=preview`` shows the core's plan; ``action=confirm`` creates the course."""
    values = form_values(form, lists=("weekdays",), drop=("csrf_token", "action"))
    confirm = form.get("action") == "confirm"
    data, errors = parse_form(CourseCreate, _form_ints(values))
    if data is None:
        context = _plan_context(
            session, actor, patient_id, values=values, errors=errors
        )
        return _plan_page(request, context, 422)
    if confirm:
        try:
            course, _ = course_service.create_course(
                session, actor=actor, patient_id=patient_id, data=data
            )
        except GateClosedError as error:
            session.rollback()
            context = _plan_context(
                session,
                actor,
                patient_id,
                values=values,
                errors={"__all__": error.message},
                refusal=error.findings,
            )
            return _plan_page(request, context, error.status_code)
        except (ServiceError, ClinicalError) as error:
            session.rollback()
            status = error.status_code if isinstance(error, ServiceError) else 422
            context = _plan_context(
                session, actor, patient_id, values=values, errors=error_for(error)
            )
            return _plan_page(request, context, status)
        return wants_partial_redirect(request, f"/courses/{course.id}")
    patient = patient_service.get_patient(session, actor=actor, patient_id=patient_id)
    try:
        preview = _preview(session, actor, patient, data)
    except (ServiceError, ClinicalError) as error:
        session.rollback()
        status = error.status_code if isinstance(error, ServiceError) else 422
        context = _plan_context(
            session, actor, patient_id, values=values, errors=error_for(error)
        )
        return _plan_page(request, context, status)
    context = _plan_context(session, actor, patient_id, values=values, preview=preview)
    return _plan_page(request, context)


@router.get("/courses/{course_id}")
def course_page(
    request: Request, session: SessionDep, actor: StaffActor, course_id: uuid.UUID
) -> Response:
    """A course and its sessions."""
    course = course_service.get_course(session, actor=actor, course_id=course_id)
    patient = patient_service.get_patient(
        session, actor=actor, patient_id=course.patient_id
    )
    clinic = clinic_service.get_clinic(session, actor=actor)
    chairs = {
        chair.id: f"{site.name} · {chair.name}"
        for site in clinic.sites
        for chair in site.chairs
    }
    context = {"course": course, "patient": patient, "chairs": chairs}
    template = (
        "courses/_sessions.html" if is_partial(request) else "courses/detail.html"
    )
    return render(request, template, context)
