"""Web views: the session run screen (check-in, dose, vitals, scales, adverse events, discharge).

``GET /sessions/{id}`` is the page; with ``X-Partial: 1`` only the session panel. Each form
posts to its own URL and is parsed into the same pydantic schema the API uses. On success the
answer is a redirect back to the record (Post/Redirect/Get: a fresh read after the commit; the
browser's ``fetch`` follows it with ``X-Partial`` and swaps the panel in place). A refused
request is rolled back and the panel is re-rendered with each message beside its field — 422
for bad input or a rule, 409 with every reason for a closed gate — and nothing is written.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Literal, get_args

from fastapi import APIRouter, Depends, Query, Request
from starlette.responses import RedirectResponse, Response

from ketapath.core.errors import ClinicalError, RuleViolationError
from ketapath.core.instruments import get_instrument
from ketapath.db.models import Role
from ketapath.http import SessionDep
from ketapath.schemas.session import (
    ADVERSE_EVENT_KINDS,
    VITAL_RANGES,
    AdverseEventCreate,
    CheckInCreate,
    DoseCreate,
    ReadyCreate,
    ScaleCreate,
    SessionRead,
    VitalSignCreate,
)
from ketapath.services import alerts as alert_service
from ketapath.services import session_flows
from ketapath.services import sessions as session_service
from ketapath.services.courses import GateClosedError
from ketapath.services.errors import ServiceError
from ketapath.web.deps import WebAuth, WebUser
from ketapath.web.forms import FormErrors, error_for, form_values, parse_form
from ketapath.web.templating import render

__all__ = ["FORM_FIELDS", "SAVED_MESSAGES", "router"]

router = APIRouter()

FormName = Literal["checkin", "dose", "vitals", "scale", "event", "ready", "discharge"]

_VITALS = tuple(VITAL_RANGES)
_CHECKIN_INTS = (*_VITALS, "minutes_since_liquids", "minutes_since_nasal_medication")
_READY_FIELDS = (
    "sedation_resolved",
    "dissociation_resolved",
    "respiratory_ok",
    "vital_signs_stable",
    "mental_status_at_baseline",
)
SCALES = ("moaas", "cadss")
"""The session scales the run screen offers (the schema also takes bprs_positive)."""

FORM_FIELDS: dict[FormName, frozenset[str]] = {
    "checkin": frozenset(
        (
            *_CHECKIN_INTS,
            "hours_since_food",
            "pulse_oximeter_available",
            "transport_arranged",
            "acknowledge_cautions",
        )
    ),
    "dose": frozenset(("dose_mg", "lot_number")),
    "vitals": frozenset(_VITALS),
    "scale": frozenset(
        (
            "instrument",
            *(item.item_id for key in SCALES for item in get_instrument(key).items),
        )
    ),
    "event": frozenset(("kind", "severity", "description")),
    "ready": frozenset(_READY_FIELDS),
    "discharge": frozenset(),
}
"""Which inputs each form has: an error on any other field is shown at the top of the form."""

SAVED_MESSAGES: dict[str, str] = {
    "checkin": "Checked in: pre-dose check recorded.",
    "dose": "Dose recorded: monitoring has started.",
    "vitals": "Vitals saved.",
    "scale": "Scale saved.",
    "event": "Adverse event recorded.",
    "ready": "Effects resolved: recorded.",
    "discharge": "Discharged.",
}

SEVERITIES: tuple[str, ...] = get_args(
    AdverseEventCreate.model_fields["severity"].annotation
)
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")
_YES = frozenset({"yes", "on", "true", "1"})
_NO = frozenset({"no", "off", "false", "0"})


async def _form_data(request: Request) -> dict[str, Any]:
    """The posted form with blank inputs dropped (missing is never zero)."""
    return form_values(await request.form())


FormData = Annotated[dict[str, Any], Depends(_form_data)]


def _coerce(
    values: Mapping[str, Any],
    *,
    ints: Iterable[str] = (),
    bools: Iterable[str] = (),
    checkboxes: Iterable[str] = (),
) -> dict[str, Any]:
    """Form strings as the schema's strict types; anything unclear is left for it to refuse."""
    data = dict(values)
    for name in ints:
        value = data.get(name)
        if isinstance(value, str) and _INTEGER.match(value):
            data[name] = int(value)
    for name in bools:
        value = data.get(name)
        if isinstance(value, str) and value.lower() in _YES | _NO:
            data[name] = value.lower() in _YES
    for name in checkboxes:
        # An unticked box is a "no" the user saw, not an unanswered question.
        data[name] = str(data.get(name, "")).lower() in _YES
    return data


def _is_partial(request: Request) -> bool:
    return request.headers.get("X-Partial") == "1"


def _place(errors: FormErrors, form: FormName) -> FormErrors:
    """Keep each message beside its input; messages about anything else go to the form's top."""
    fields = FORM_FIELDS[form]
    placed: FormErrors = {}
    general: list[str] = []
    for field, message in errors.items():
        text = "This answer is required." if message == "Field required" else message
        if field in fields:
            placed[field] = text
        else:
            general.append(
                text if field in ("__all__", "status") else f"{field}: {text}"
            )
    if general:
        placed["__all__"] = " ".join(general)
    return placed


def _panel_context(
    session: SessionDep, web: WebAuth, session_id: uuid.UUID
) -> dict[str, Any]:
    record = session_service.get_session(
        session, actor=web.actor, session_id=session_id
    )
    alerts, _total = alert_service.list_patient_alerts(
        session,
        actor=web.actor,
        patient_id=record.patient_id,
        status="open",
        limit=50,
        offset=0,
    )
    return {
        "record": record,
        "alerts": alerts,
        "form": None,
        "errors": {},
        "values": {},
        "findings": [],
        "saved": None,
        "is_prescriber": web.actor.role is Role.PRESCRIBER,
        "vital_ranges": VITAL_RANGES,
        "scales": {key: get_instrument(key) for key in SCALES},
        "event_kinds": ADVERSE_EVENT_KINDS,
        "severities": SEVERITIES,
        "timer_since": _since(record),
    }


def _since(record: SessionRead) -> str | None:
    if record.first_dose_at is None or record.status in ("discharged", "cancelled"):
        return None
    return record.first_dose_at.isoformat()


def _respond(
    request: Request, context: dict[str, Any], status_code: int = 200
) -> Response:
    template = (
        "sessions/_panel.html" if _is_partial(request) else "sessions/session.html"
    )
    return render(request, template, context, status_code=status_code)


def _submit(
    request: Request,
    session: SessionDep,
    web: WebAuth,
    session_id: uuid.UUID,
    form: FormName,
    values: Mapping[str, Any],
    parsed: tuple[Any, FormErrors],
    action: Callable[[Any], object],
) -> Response:
    """Call the service with the parsed form; on a refusal roll back and re-render the panel."""
    data, errors = parsed
    findings: list[dict[str, Any]] = []
    status_code = 422
    if not errors:
        try:
            action(data)
        except GateClosedError as error:
            errors, findings, status_code = (
                {"__all__": error.message},
                error.findings,
                409,
            )
        except RuleViolationError as error:
            errors = error_for(error)
            field = next(iter(errors))
            if error.rule_id not in errors[field]:
                errors[field] = f"{errors[field]} (rule {error.rule_id})"
        except ClinicalError as error:
            errors = error_for(error)
        except ServiceError as error:
            if error.status_code in (401, 403, 404):
                raise
            errors, status_code = error_for(error), error.status_code
    if not errors:
        return RedirectResponse(f"/sessions/{session_id}?saved={form}", status_code=303)
    # Nothing the refused request did may be committed (the read below is audited, and kept).
    session.rollback()
    context = _panel_context(session, web, session_id)
    context.update(
        form=form, errors=_place(errors, form), values=dict(values), findings=findings
    )
    return _respond(request, context, status_code)


@router.get("/sessions/{session_id}")
def session_page(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    saved: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """The run screen of one session (nurse or prescriber)."""
    context = _panel_context(session, web, session_id)
    context["saved"] = SAVED_MESSAGES.get(saved or "")
    return _respond(request, context)


@router.post("/sessions/{session_id}/check-in")
def check_in(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Pre-dose vitals and checklist through the core's pre-dose check."""
    values = _coerce(
        form,
        ints=_CHECKIN_INTS,
        bools=("pulse_oximeter_available", "transport_arranged"),
        checkboxes=("acknowledge_cautions",),
    )
    return _submit(
        request,
        session,
        web,
        session_id,
        "checkin",
        values,
        parse_form(CheckInCreate, values),
        lambda data: session_flows.check_in(
            session, actor=web.actor, session_id=session_id, data=data
        ),
    )


@router.post("/sessions/{session_id}/dose")
def give_dose(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """The session's dose (esketamine mg requested or the core's default; IV from the course)."""
    return _submit(
        request,
        session,
        web,
        session_id,
        "dose",
        form,
        parse_form(DoseCreate, form),
        lambda data: session_flows.give_dose(
            session, actor=web.actor, session_id=session_id, data=data
        ),
    )


@router.post("/sessions/{session_id}/vitals")
def record_vitals(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """One timed reading (a BP over the route's threshold raises an alert)."""
    values = _coerce(form, ints=_VITALS)
    return _submit(
        request,
        session,
        web,
        session_id,
        "vitals",
        values,
        parse_form(VitalSignCreate, values),
        lambda data: session_flows.record_vitals(
            session, actor=web.actor, session_id=session_id, data=data
        ),
    )


def _scale_values(form: Mapping[str, Any]) -> dict[str, Any]:
    """``instrument`` and its items (``cadss_1`` …) as the schema's ordered ``responses`` list."""
    instrument = form.get("instrument")
    if instrument not in SCALES:
        return {"instrument": instrument, "responses": []}
    items = get_instrument(str(instrument)).items
    answers = _coerce(form, ints=[item.item_id for item in items])
    return {
        "instrument": instrument,
        "responses": [answers.get(item.item_id) for item in items],
    }


def _scale_errors(errors: FormErrors, form: Mapping[str, Any]) -> FormErrors:
    """Schema errors on ``responses.N`` belong beside item N+1 of the instrument."""
    instrument = form.get("instrument")
    if instrument not in SCALES:
        return errors
    items = get_instrument(str(instrument)).items
    placed: FormErrors = {}
    for field, message in errors.items():
        match = re.fullmatch(r"responses\.(\d+)(\..*)?", field)
        if match and int(match.group(1)) < len(items):
            placed[items[int(match.group(1))].item_id] = message
        else:
            placed[field] = message
    return placed


@router.post("/sessions/{session_id}/scales")
def record_scale(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """MOAA/S or CADSS item answers; the core scores them."""
    data, errors = parse_form(ScaleCreate, _scale_values(form))
    return _submit(
        request,
        session,
        web,
        session_id,
        "scale",
        form,
        (data, _scale_errors(errors, form)),
        lambda data: session_flows.record_scale(
            session, actor=web.actor, session_id=session_id, data=data
        ),
    )


@router.post("/sessions/{session_id}/adverse-events")
def record_adverse_event(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """An adverse event (kinds from the schema's list); a serious one raises an alert."""
    return _submit(
        request,
        session,
        web,
        session_id,
        "event",
        form,
        parse_form(AdverseEventCreate, form),
        lambda data: session_flows.record_adverse_event(
            session, actor=web.actor, session_id=session_id, data=data
        ),
    )


@router.post("/sessions/{session_id}/ready")
def mark_ready(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Effects resolved: the confirmations the route needs."""
    shown = [name for name in _READY_FIELDS if f"{name}__shown" in form]
    values = _coerce(
        {k: v for k, v in form.items() if not k.endswith("__shown")}, checkboxes=shown
    )
    return _submit(
        request,
        session,
        web,
        session_id,
        "ready",
        values,
        parse_form(ReadyCreate, values),
        lambda data: session_flows.mark_ready(
            session, actor=web.actor, session_id=session_id, data=data
        ),
    )


@router.post("/sessions/{session_id}/discharge")
def discharge(
    request: Request, session: SessionDep, web: WebUser, session_id: uuid.UUID
) -> Response:
    """Discharge through the core's gate (409 lists every reason it is closed)."""
    return _submit(
        request,
        session,
        web,
        session_id,
        "discharge",
        {},
        (None, {}),
        lambda _data: session_flows.discharge(
            session, actor=web.actor, session_id=session_id
        ),
    )
