"""Measurements and outcomes pages (clinicians): list, enter any instrument, result, trajectory.

- ``GET  /patients/{id}/measurements``: the patient's measurements and an instrument picker.
- ``GET  /patients/{id}/measurements/new?instrument=phq9``: the item form, built from the core
  instrument definition (``_instrument_form.html``).
- ``POST /patients/{id}/measurements``: scored and stored by
  :func:`ketapath.services.measurements.record_measurement`; the result page shows total,
  severity, flags and any alert raised. A missing or bad answer re-renders the form (422) with
  the message beside each item; nothing is written.
- ``GET  /patients/{id}/outcomes``: one SVG trajectory per instrument (:mod:`ketapath.web.charts`)
  with the outcome summary, and the futility / end-of-induction reviews from the core.

Scores, bands, response, remission and reviews all come from the core through the services;
this module only arranges them for the page.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from markupsafe import Markup
from sqlalchemy.orm import Session
from starlette.responses import Response

from ketapath.core.errors import ClinicalError, IncompleteResponsesError
from ketapath.core.findings import Finding
from ketapath.core.instruments import Instrument, all_instruments, get_instrument
from ketapath.core.outcomes import (
    REMISSION_DEFINITIONS,
    assess_outcome,
    end_of_induction_review,
    futility_review,
)
from ketapath.db.models import (
    CourseStatus,
    Role,
    Route,
    SessionStatus,
    TreatmentCourse,
)
from ketapath.http import SessionDep
from ketapath.schemas.measurement import InstrumentOutcomeRead, MeasurementCreate
from ketapath.services import courses as course_service
from ketapath.services import measurements as measurement_service
from ketapath.services import outcomes as outcome_service
from ketapath.services import patients as patient_service
from ketapath.services.errors import UnprocessableError
from ketapath.services.permissions import Actor, Capability, require
from ketapath.web.charts import ChartPoint, trajectory_svg
from ketapath.web.deps import WebUser
from ketapath.web.forms import FormErrors, error_for, form_values, parse_form
from ketapath.web.templating import render

router = APIRouter()

HELD_STATUSES = frozenset(
    {
        SessionStatus.DOSING,
        SessionStatus.MONITORING,
        SessionStatus.READY,
        SessionStatus.DISCHARGED,
    }
)
"""A session that took place (the dose was given, or the patient is being monitored)."""
PRIMARY_ORDER = ("madrs", "phq9", "qids_sr16", "hamd17", "gad7")
"""Which outcome drives the course reviews when several instruments are scored."""
REVIEWED_COURSES = frozenset({CourseStatus.PLANNED, CourseStatus.ACTIVE})


@dataclass(frozen=True, slots=True)
class TrajectoryView:
    """One instrument's chart, outcome summary and data table, ready for a template."""

    instrument: str
    title: str
    svg: Markup
    outcome: InstrumentOutcomeRead
    response_at: float | None
    remission_at: int | None
    remission_label: str | None
    plain: str
    session_count: int


@dataclass(frozen=True, slots=True)
class CourseReview:
    """A core review finding about one course (futility or end of induction)."""

    course: TreatmentCourse
    finding: Finding


def _instrument_choices(actor: Actor) -> list[tuple[str, str]]:
    """Every instrument for clinicians; only the self-report ones for a patient."""
    return [
        (i.key, i.title)
        for i in all_instruments()
        if actor.role is not Role.PATIENT
        or i.key in measurement_service.SELF_REPORT_INSTRUMENTS
    ]


# -- patient courses (for session markers and reviews) ------------------------------------


def patient_courses(
    session: Session, *, actor: Actor, patient_id: uuid.UUID
) -> Sequence[TreatmentCourse]:
    """The patient's courses (a patient user sees only their own)."""
    if actor.role is Role.PATIENT and actor.patient_id != patient_id:
        return ()
    return course_service.list_courses(session, actor=actor, patient_id=patient_id)


def held_session_dates(courses: Sequence[TreatmentCourse]) -> list[date]:
    """Dates of sessions that took place, for the chart's session markers."""
    return sorted(
        {
            s.scheduled_date
            for course in courses
            for s in course.sessions
            if s.status in HELD_STATUSES
        }
    )


# -- charts ---------------------------------------------------------------------------------


def _plain_summary(title: str, outcome: InstrumentOutcomeRead) -> str:
    """'Your PHQ-9 went from 21 to 9' in words (lower scores mean fewer symptoms)."""
    first, last = outcome.baseline.total, outcome.latest.total
    if len(outcome.points) < 2:
        return f"Your first {title} score is {first}."
    if last == first:
        return f"Your {title} is {last}, the same as at the start."
    return f"Your {title} went from {first} to {last}."


def trajectory_views(
    outcomes: Sequence[InstrumentOutcomeRead],
    session_dates: Sequence[date],
    *,
    id_prefix: str = "chart",
    width: int = 640,
) -> list[TrajectoryView]:
    """Build one chart per instrument with the lines the outcome summary used."""
    views: list[TrajectoryView] = []
    for outcome in outcomes:
        spec = get_instrument(outcome.instrument)
        definition = (
            REMISSION_DEFINITIONS.get(outcome.remission_definition)
            if outcome.remission_definition
            else None
        )
        baseline = outcome.baseline.total
        response_at = baseline / 2 if baseline > 0 else None
        remission_at = definition.max_total if definition is not None else None
        label = outcome.remission_definition_label
        plain = _plain_summary(spec.title, outcome)
        description = (
            f"{spec.title} scores from {outcome.baseline.on.isoformat()} to "
            f"{outcome.latest.on.isoformat()}: {plain.removeprefix('Your ')} "
            f"{len(outcome.points)} scores, {len(session_dates)} sessions marked."
        )
        first, last = outcome.baseline.on, outcome.latest.on
        markers = [d for d in session_dates if first <= d <= last]
        svg = trajectory_svg(
            chart_id=f"{id_prefix}-{outcome.instrument}",
            title=f"{spec.title} over time",
            description=description,
            points=[ChartPoint(p.on, p.total) for p in outcome.points],
            y_min=spec.min_total or 0,
            y_max=spec.max_total if spec.max_total is not None else 100,
            response_at=response_at,
            remission_at=remission_at,
            remission_label=label,
            session_dates=markers,
            width=width,
        )
        views.append(
            TrajectoryView(
                instrument=outcome.instrument,
                title=spec.title,
                # Every text in the SVG is escaped by charts.trajectory_svg.
                svg=Markup(svg),
                outcome=outcome,
                response_at=response_at,
                remission_at=remission_at,
                remission_label=label,
                plain=plain,
                session_count=len(markers),
            )
        )
    return views


def course_reviews(
    courses: Sequence[TreatmentCourse], outcomes: Sequence[InstrumentOutcomeRead]
) -> list[CourseReview]:
    """The core's end-of-induction review, and the futility prompt for IV courses."""
    by_key = {o.instrument: o for o in outcomes}
    primary = next((by_key[k] for k in PRIMARY_ORDER if k in by_key), None)
    outcome = (
        assess_outcome(
            primary.instrument,
            baseline=primary.baseline.total,
            current=primary.latest.total,
        )
        if primary is not None
        else None
    )
    reviews: list[CourseReview] = []
    for course in courses:
        if course.status not in REVIEWED_COURSES:
            continue
        dosing = [
            s
            for s in course.sessions
            if s.status in HELD_STATUSES and s.kind in course_service.DOSING_KINDS
        ]
        induction = [s for s in dosing if s.phase in ("induction", "dosing")]
        reviews.append(
            CourseReview(
                course,
                end_of_induction_review(
                    protocol_key=course.protocol,
                    sessions_completed=len(induction),
                    outcome=outcome,
                ),
            )
        )
        if course.route is Route.IV_KETAMINE:
            reviews.append(
                CourseReview(
                    course,
                    futility_review(
                        infusions_completed=len(dosing),
                        response=primary.response if primary is not None else None,
                    ),
                )
            )
    return reviews


# -- instrument form --------------------------------------------------------------------------


def _answers(
    instrument: Instrument, form: Mapping[str, Any]
) -> tuple[dict[str, int | None], FormErrors]:
    """Item answers from the form: blank is unanswered (never 0), text is an error."""
    answers: dict[str, int | None] = {}
    errors: FormErrors = {}
    for item in instrument.items:
        raw = form.get(item.item_id)
        if raw is None:
            answers[item.item_id] = None
            continue
        text = str(raw)
        if text.lstrip("-").isdigit() and len(text) <= 4:
            answers[item.item_id] = int(text)
        else:
            answers[item.item_id] = None
            errors[item.item_id] = f"enter a whole number (allowed {item.allowed})"
    return answers, errors


def _item_errors(
    instrument: Instrument, answers: Mapping[str, int | None]
) -> FormErrors:
    """Every item the core refuses, not just the first.

    Each refused item is set aside and the core asked again, so the form can show all the
    messages at once (the core stays the only place that decides what is valid).
    """
    trial = dict(answers)
    errors: FormErrors = {}
    for _ in range(len(instrument.items) + 1):
        try:
            instrument.score(trial)
        except ClinicalError as error:
            field = error.field
            if field is None or field not in trial or field in errors:
                errors.setdefault("__all__", error.message)
                return errors
            if isinstance(error, IncompleteResponsesError):
                errors[field] = f"answer this item (allowed {error.allowed})"
            else:
                errors.update(error_for(error))
            trial[field] = instrument.item(field).min_value
        else:
            return errors
    return errors


def _form_page(
    request: Request,
    *,
    patient: dict[str, Any],
    instrument: Instrument,
    values: Mapping[str, str],
    errors: FormErrors,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "measurements/new.html",
        {
            "patient": patient,
            "instrument": instrument,
            "values": dict(values),
            "errors": errors,
        },
        status_code=status_code,
    )


def _patient_header(
    session: Session, actor: Actor, patient_id: uuid.UUID
) -> dict[str, Any]:
    """Name and MRN as plain values (they survive a rollback)."""
    patient = patient_service.get_patient(session, actor=actor, patient_id=patient_id)
    return {
        "id": patient.id,
        "name": f"{patient.given_name} {patient.family_name}",
        "mrn": patient.mrn,
    }


@router.get("/patients/{patient_id}/measurements")
def measurement_list(
    request: Request,
    session: SessionDep,
    web: WebUser,
    patient_id: uuid.UUID,
    instrument: Annotated[
        str | None, Query(max_length=32, pattern=r"^[a-z0-9_]+$")
    ] = None,
) -> Response:
    """The patient's measurements, newest first, and the 'Enter instrument' picker."""
    rows, total = measurement_service.list_measurements(
        session,
        actor=web.actor,
        patient_id=patient_id,
        instrument=instrument,
        limit=200,
        offset=0,
    )
    return render(
        request,
        "measurements/list.html",
        {
            "patient": _patient_header(session, web.actor, patient_id),
            "rows": rows,
            "total": total,
            "titles": {i.key: i.title for i in all_instruments()},
            "choices": _instrument_choices(web.actor),
            "instrument": instrument,
        },
    )


@router.get("/patients/{patient_id}/measurements/new")
def measurement_form(
    request: Request,
    session: SessionDep,
    web: WebUser,
    patient_id: uuid.UUID,
    instrument: Annotated[str, Query(max_length=32, pattern=r"^[a-z0-9_]+$")],
) -> Response:
    """The item form for one instrument, built from the core definition."""
    require(web.actor, Capability.MEASUREMENT_WRITE)
    patient = _patient_header(session, web.actor, patient_id)
    if instrument not in dict(_instrument_choices(web.actor)):
        raise UnprocessableError(
            f"unknown instrument {instrument!r}; choose one of "
            + ", ".join(k for k, _ in _instrument_choices(web.actor)),
            field="instrument",
        )
    return _form_page(
        request,
        patient=patient,
        instrument=get_instrument(instrument),
        values={},
        errors={},
    )


@router.post("/patients/{patient_id}/measurements")
async def measurement_create(
    request: Request, session: SessionDep, web: WebUser, patient_id: uuid.UUID
) -> Response:
    """Score and store the answers; show the result, or the form again with the errors."""
    form = form_values(await request.form())
    key = str(form.get("instrument", ""))
    patient = _patient_header(session, web.actor, patient_id)
    if key not in dict(_instrument_choices(web.actor)):
        raise UnprocessableError("choose an instrument", field="instrument")
    instrument = get_instrument(key)
    values = {
        i.item_id: str(form[i.item_id]) for i in instrument.items if i.item_id in form
    }
    answers, errors = _answers(instrument, form)
    if not errors:
        errors = _item_errors(instrument, answers)
    data: MeasurementCreate | None = None
    if not errors:
        data, errors = parse_form(
            MeasurementCreate, {"instrument": key, "responses": answers}
        )
    if errors or data is None:
        session.rollback()
        return _form_page(
            request,
            patient=patient,
            instrument=instrument,
            values=values,
            errors=errors,
            status_code=422,
        )
    try:
        recorded = measurement_service.record_measurement(
            session, actor=web.actor, patient_id=patient_id, data=data
        )
    except (UnprocessableError, ClinicalError) as error:
        session.rollback()
        return _form_page(
            request,
            patient=patient,
            instrument=instrument,
            values=values,
            errors=error_for(error),
            status_code=422,
        )
    return render(
        request,
        "measurements/result.html",
        {
            "patient": patient,
            "instrument": instrument,
            "measurement": recorded.measurement,
            "findings": recorded.findings,
            "alerts": recorded.alerts,
        },
    )


@router.get("/patients/{patient_id}/outcomes")
def outcomes_page(
    request: Request, session: SessionDep, web: WebUser, patient_id: uuid.UUID
) -> Response:
    """Trajectory charts with the outcome summary and the course reviews."""
    outcomes = outcome_service.patient_outcomes(
        session, actor=web.actor, patient_id=patient_id
    )
    courses = patient_courses(session, actor=web.actor, patient_id=patient_id)
    return render(
        request,
        "measurements/outcomes.html",
        {
            "patient": _patient_header(session, web.actor, patient_id),
            "charts": trajectory_views(
                outcomes.instruments, held_session_dates(courses)
            ),
            "reviews": course_reviews(courses, outcomes.instruments),
        },
    )
