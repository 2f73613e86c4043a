"""Web views: the Spravato REMS Patient Monitoring Form and its deadline queue.

- ``GET  /rems``: forms not yet submitted, overdue first, then due within 7 days, with
  "mark submitted" for signed ones (submitted forms leave the queue).
- ``GET  /rems/sessions/{session_id}``: the form of one esketamine session: the values pre-filled
  from the record are shown (and may be corrected), the rest are editable; a signed form is
  read-only with its PDF.
- ``POST /rems/sessions/{session_id}``: save the draft (``RemsFormValues``, the API's schema).
- ``POST /rems/sessions/{session_id}/sign``: save, then sign. Refused (409) until complete: the
  refusal is rolled back and the form re-rendered with "required to sign" beside every missing
  field and each problem beside its field.
- ``POST /rems/sessions/{session_id}/submitted`` and ``/amend``: the submission date; a
  correction of a signed form (a new draft that references it).

Blank inputs are not sent, so a pre-filled value stays pre-filled and an entry is never blanked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal, get_args, get_origin

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import RedirectResponse, Response

from ketapath.http import SessionDep
from ketapath.schemas.rems import (
    REMS_FIELDS,
    RemsFormAmend,
    RemsFormRead,
    RemsFormSubmitted,
    RemsFormValues,
)
from ketapath.services import rems as rems_service
from ketapath.services.errors import ServiceError
from ketapath.services.rems import RemsFormIncompleteError
from ketapath.web.deps import WebAuth, WebUser
from ketapath.web.forms import FormErrors, error_for, form_values, parse_form
from ketapath.web.templating import render

__all__ = ["FIELD_KINDS", "SAVED_MESSAGES", "router"]

router = APIRouter()

QUEUE_SOON_DAYS = 7
"""The queue marks forms due within 7 days (the form's whole window) as due soon."""
REQUIRED_TO_SIGN = "Required to sign."

SAVED_MESSAGES: dict[str, str] = {
    "draft": "Draft saved.",
    "signed": "Signed. The form is now read-only; submit it to the REMS within 7 days.",
    "submitted": "Recorded as submitted.",
    "amend": "Correction started: a new draft referencing the signed form.",
}

Kind = Literal["bool", "int", "date", "decimal", "choice", "text"]


def _kind(annotation: Any) -> tuple[Kind, tuple[str, ...]]:
    """The input a schema field needs, read from its annotation (``X | None``)."""
    args = [a for a in get_args(annotation) if a is not type(None)] or [annotation]
    inner = args[0]
    if get_origin(inner) is Annotated:
        inner = get_args(inner)[0]  # StrictBool, StrictInt
    if get_origin(inner) is Literal:
        return "choice", tuple(str(v) for v in get_args(inner))
    if inner is bool:
        return "bool", ()
    if inner is int:
        return "int", ()
    if inner is date:
        return "date", ()
    if inner is Decimal:
        return "decimal", ()
    return "text", ()


FIELD_KINDS: dict[str, tuple[Kind, tuple[str, ...]]] = {
    name: _kind(info.annotation) for name, info in RemsFormValues.model_fields.items()
}
"""Each form field's input kind and, for a choice, its values."""

SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Patient", tuple(n for n, _l, _r in REMS_FIELDS[:8])),
    ("Concomitant medications", tuple(n for n, _l, _r in REMS_FIELDS[8:13])),
    ("Monitoring healthcare provider", tuple(n for n, _l, _r in REMS_FIELDS[13:17])),
    ("Healthcare setting", tuple(n for n, _l, _r in REMS_FIELDS[17:24])),
    ("Treatment", tuple(n for n, _l, _r in REMS_FIELDS[24:32])),
    ("Blood pressure (mmHg)", tuple(n for n, _l, _r in REMS_FIELDS[32:38])),
    ("Adverse events", tuple(n for n, _l, _r in REMS_FIELDS[38:])),
)
"""The form's fields grouped as on the paper form (``REMS_FIELDS`` order)."""

OTHER_INPUTS = frozenset(("submitted_on", "reason"))
"""Inputs of the submission and amendment forms."""
LABELS = {name: label for name, label, _required in REMS_FIELDS}
REQUIRED = {name for name, _label, required in REMS_FIELDS if required}
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")


async def _form_data(request: Request) -> dict[str, Any]:
    """The posted form with blank inputs dropped (missing is never zero)."""
    return form_values(await request.form())


FormData = Annotated[dict[str, Any], Depends(_form_data)]


def _values(form: Mapping[str, Any]) -> dict[str, Any]:
    """Form strings as the schema's strict types; anything unclear is left for it to refuse."""
    data: dict[str, Any] = {}
    for name, raw in form.items():
        kind = FIELD_KINDS.get(name, ("text", ()))[0]
        if kind == "bool" and isinstance(raw, str) and raw in ("yes", "no"):
            data[name] = raw == "yes"
        elif kind == "int" and isinstance(raw, str) and _INTEGER.match(raw):
            data[name] = int(raw)
        else:
            data[name] = raw
    return data


def _place(errors: FormErrors) -> FormErrors:
    """Messages beside the form's fields; anything else at the top of the form."""
    placed: FormErrors = {}
    general: list[str] = []
    for field, message in errors.items():
        if field in FIELD_KINDS or field in OTHER_INPUTS:
            placed.setdefault(field, message)
        else:
            general.append(
                message if field in ("__all__", "status") else f"{field}: {message}"
            )
    if general:
        placed["__all__"] = " ".join(general)
    return placed


def _incomplete(error: RemsFormIncompleteError) -> FormErrors:
    """Every missing field and each problem beside its field; a summary on top."""
    errors: FormErrors = dict.fromkeys(error.missing, REQUIRED_TO_SIGN)
    general: list[str] = []
    for problem in error.problems:
        if problem.field in FIELD_KINDS:
            errors.setdefault(problem.field, problem.message)
        else:
            general.append(problem.message)
    summary = "The form cannot be signed yet."
    if error.missing:
        missing = ", ".join(LABELS.get(n, n) for n in error.missing)
        summary += f" Missing ({len(error.missing)}): {missing}."
    if general:
        summary += " " + " ".join(g[0].upper() + g[1:] + "." for g in general)
    errors["__all__"] = summary
    return errors


def _form_context(
    session: SessionDep, web: WebAuth, session_id: uuid.UUID
) -> dict[str, Any]:
    record: RemsFormRead = rems_service.get_form(
        session, actor=web.actor, session_id=session_id
    )
    return {
        "form": record,
        "shown": record.values.model_dump(mode="json"),
        "sections": SECTIONS,
        "labels": LABELS,
        "kinds": FIELD_KINDS,
        "required": REQUIRED,
        "errors": {},
        "posted": None,
        "action": None,
        "saved": None,
    }


def _page(
    request: Request,
    session: SessionDep,
    web: WebAuth,
    session_id: uuid.UUID,
    *,
    saved: str | None = None,
    errors: FormErrors | None = None,
    posted: Mapping[str, Any] | None = None,
    action: str | None = None,
    status_code: int = 200,
) -> Response:
    context = _form_context(session, web, session_id)
    context.update(
        saved=SAVED_MESSAGES.get(saved or ""),
        errors=errors or {},
        posted=dict(posted) if posted is not None else None,
        action=action,
    )
    return render(request, "rems/form.html", context, status_code=status_code)


def _run(
    parsed: tuple[BaseModel | None, FormErrors], action: Callable[[Any], object]
) -> tuple[FormErrors, int]:
    data, errors = parsed
    if errors or data is None:
        return _place(errors), 422
    try:
        action(data)
    except RemsFormIncompleteError as error:
        return _incomplete(error), 409
    except ServiceError as error:
        if error.status_code in (401, 403, 404) and error.field is None:
            raise
        status = error.status_code if error.status_code in (409, 422) else 422
        return _place(error_for(error)), status
    return {}, 200


def _post(
    request: Request,
    session: SessionDep,
    web: WebAuth,
    session_id: uuid.UUID,
    form: Mapping[str, Any],
    parsed: tuple[BaseModel | None, FormErrors],
    apply: Callable[[Any], object],
    *,
    action: str,
    saved: str,
) -> Response:
    """Apply a posted form to the session's REMS record.

    Success goes back to the form showing ``saved``; a refusal shows the form again with every
    message beside its field, and nothing the request did is kept.
    """
    errors, status = _run(parsed, apply)
    if not errors:
        return RedirectResponse(
            f"/rems/sessions/{session_id}?saved={saved}", status_code=303
        )
    session.rollback()
    return _page(
        request,
        session,
        web,
        session_id,
        errors=errors,
        posted=form,
        action=action,
        status_code=status,
    )


# the queue --------------------------------------------------------------------------------
@router.get("/rems")
def queue(
    request: Request,
    session: SessionDep,
    web: WebUser,
    saved: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """Forms not yet submitted: overdue, then due within 7 days, with their status."""
    data = rems_service.queue(session, actor=web.actor, soon_days=QUEUE_SOON_DAYS)
    return render(
        request,
        "rems/queue.html",
        {
            "queue": data,
            "saved": SAVED_MESSAGES.get(saved or ""),
            "errors": {},
            "target": None,
            "posted": {},
        },
    )


@router.post("/rems/queue/{session_id}/submitted")
def queue_submitted(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Mark a signed form submitted from the queue; a refusal shows beside that row."""
    errors, status = _run(
        parse_form(RemsFormSubmitted, form),
        lambda data: rems_service.mark_submitted(
            session, actor=web.actor, session_id=session_id, data=data
        ),
    )
    if not errors:
        return RedirectResponse("/rems?saved=submitted", status_code=303)
    session.rollback()
    data = rems_service.queue(session, actor=web.actor, soon_days=QUEUE_SOON_DAYS)
    return render(
        request,
        "rems/queue.html",
        {
            "queue": data,
            "saved": None,
            "errors": errors,
            "target": session_id,
            "posted": form,
        },
        status_code=status,
    )


# one form ---------------------------------------------------------------------------------
@router.get("/rems/sessions/{session_id}")
def form_page(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    saved: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    """The session's REMS Patient Monitoring Form (pre-filled, then completed and signed)."""
    return _page(request, session, web, session_id, saved=saved)


@router.post("/rems/sessions/{session_id}")
def save_draft(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Save the clinician's entries (blank inputs leave a value as it is)."""
    return _post(
        request,
        session,
        web,
        session_id,
        form,
        parse_form(RemsFormValues, _values(form)),
        lambda data: rems_service.update_form(
            session, actor=web.actor, session_id=session_id, data=data
        ),
        action="draft",
        saved="draft",
    )


@router.post("/rems/sessions/{session_id}/sign")
def sign(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Save the entries and sign: refused, listing every missing field, until complete."""

    def save_and_sign(data: RemsFormValues) -> object:
        rems_service.update_form(
            session, actor=web.actor, session_id=session_id, data=data
        )
        return rems_service.sign_form(session, actor=web.actor, session_id=session_id)

    return _post(
        request,
        session,
        web,
        session_id,
        form,
        parse_form(RemsFormValues, _values(form)),
        save_and_sign,
        action="sign",
        saved="signed",
    )


@router.post("/rems/sessions/{session_id}/submitted")
def submitted(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """The date the signed form was submitted to the REMS (online or by fax)."""
    return _post(
        request,
        session,
        web,
        session_id,
        form,
        parse_form(RemsFormSubmitted, form),
        lambda data: rems_service.mark_submitted(
            session, actor=web.actor, session_id=session_id, data=data
        ),
        action="submitted",
        saved="submitted",
    )


@router.post("/rems/sessions/{session_id}/amend")
def amend(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Correct a signed form: a new draft that references it, with the reason."""
    return _post(
        request,
        session,
        web,
        session_id,
        form,
        parse_form(RemsFormAmend, form),
        lambda data: rems_service.amend_form(
            session, actor=web.actor, session_id=session_id, data=data
        ),
        action="amend",
        saved="amend",
    )
