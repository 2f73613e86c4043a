"""Questionnaire links: clinicians make them; patients answer by link on a phone, no account.

- ``GET  /patients/{id}/questionnaire-links``: the patient's links and a form to make one.
- ``POST /patients/{id}/questionnaire-links``: make a link (clinicians); the answer shows the
  URL once, with e-mail (``mailto:``) and SMS text ready to send. With ``X-Partial: 1`` only the
  ``#questionnaire-link`` section is returned (for a ``data-partial`` form on the chart).
- ``GET  /q/{token}``: the next questionnaire on the link (one instrument per page).
- ``POST /q/{token}``: answers to one instrument, checked against the per-link form nonce;
  every item must be answered (message beside each item, 422, nothing stored); then a
  thank-you page, with crisis guidance when a suicide item was positive.

Unknown links are 404 and expired or used ones 410, on a page that does not say whether a
patient exists. Pages carrying the token are ``no-store`` and send no referrer. Rate limiting
of ``/q/`` is out of scope here (do it at the proxy). Rules: :mod:`ketapath.services.questionnaire_links`.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from starlette.responses import Response

from ketapath.core.instruments import Instrument, get_instrument
from ketapath.db.base import utcnow
from ketapath.http import SessionDep
from ketapath.schemas.questionnaire_link import (
    DEFAULT_EXPIRES_IN_HOURS,
    MAX_EXPIRES_IN_HOURS,
    QuestionnaireLinkCreate,
)
from ketapath.services import patients as patient_service
from ketapath.services import questionnaire_links as link_service
from ketapath.services.errors import ServiceError
from ketapath.web.deps import WebUser
from ketapath.web.forms import FormErrors, error_for, form_values, parse_form
from ketapath.web.templating import render

router = APIRouter()

LINK_INSTRUMENTS = (
    ("phq9", "PHQ-9 (depression)"),
    ("gad7", "GAD-7 (anxiety)"),
    ("qids_sr16", "QIDS-SR16 (depression, self-report)"),
    ("cssrs", "C-SSRS screener (suicide risk)"),
)
# The token is in the URL: never cache these pages, never leak the URL as a referrer.
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
}


def _links_page(
    request: Request,
    session: SessionDep,
    web: WebUser,
    patient_id: uuid.UUID,
    *,
    errors: FormErrors,
    values: dict[str, Any],
    status_code: int = 200,
) -> Response:
    patient = patient_service.get_patient(
        session, actor=web.actor, patient_id=patient_id
    )
    links, total = link_service.list_links(
        session, actor=web.actor, patient_id=patient_id, limit=20, offset=0
    )
    return render(
        request,
        "questionnaire/links.html",
        {
            "patient": patient,
            "links": links,
            "total": total,
            "errors": errors,
            "values": values,
            "choices": LINK_INSTRUMENTS,
            "default_hours": DEFAULT_EXPIRES_IN_HOURS,
            "max_hours": MAX_EXPIRES_IN_HOURS,
            "now": utcnow(),
        },
        status_code=status_code,
    )


@router.get("/patients/{patient_id}/questionnaire-links")
def links_page(
    request: Request, session: SessionDep, web: WebUser, patient_id: uuid.UUID
) -> Response:
    """The patient's questionnaire links and the form to make one."""
    return _links_page(
        request,
        session,
        web,
        patient_id,
        errors={},
        values={"instruments": ["phq9"], "expires_in_hours": DEFAULT_EXPIRES_IN_HOURS},
    )


def _message_text(url: str, expires: str) -> str:
    """What the clinician sends: no name and no clinical detail (e-mail and SMS are not private)."""
    return (
        "Your clinic asks you to answer a short questionnaire before your next visit. "
        f"Open this private link on your phone or computer: {url} "
        f"(it works until {expires}). Please do not share it."
    )


@router.post("/patients/{patient_id}/questionnaire-links")
async def create_link(
    request: Request, session: SessionDep, web: WebUser, patient_id: uuid.UUID
) -> Response:
    """Make a link; show its URL once with ready-to-send e-mail and SMS text."""
    form = await request.form()
    values = form_values(form, lists=("instruments",))
    data, errors = parse_form(QuestionnaireLinkCreate, values)
    if data is None:
        errors = {key.split(".")[0]: message for key, message in errors.items()}
        return _links_page(
            request,
            session,
            web,
            patient_id,
            errors=errors,
            values=values,
            status_code=422,
        )
    try:
        issued = link_service.create_link(
            session, actor=web.actor, patient_id=patient_id, data=data
        )
    except ServiceError as error:
        if error.status_code != 422:
            raise
        return _links_page(
            request,
            session,
            web,
            patient_id,
            errors=error_for(error),
            values=values,
            status_code=422,
        )
    url = f"{str(request.base_url).rstrip('/')}/q/{issued.token}"
    expires = issued.link.expires_at
    message = _message_text(url, f"{expires:%d %b %Y %H:%M} UTC")
    subject = "Your questionnaire from the clinic"
    partial = request.headers.get("X-Partial") == "1"
    return render(
        request,
        "questionnaire/_link_created.html"
        if partial
        else "questionnaire/link_created.html",
        {
            "patient": issued.patient,
            "link": issued.link,
            "url": url,
            "message": message,
            "mailto": f"mailto:{quote(issued.patient.email or '')}"
            f"?subject={quote(subject)}&body={quote(message)}",
            "sms": f"sms:?&body={quote(message)}",
            "titles": dict(LINK_INSTRUMENTS),
        },
        headers=PRIVATE_HEADERS,
    )


def _unavailable(request: Request, error: ServiceError) -> Response:
    """404 (unknown) or 410 (expired or used), with nothing about the patient."""
    return render(
        request,
        "questionnaire/unavailable.html",
        {"gone": error.status_code == 410},
        status_code=error.status_code,
        headers=PRIVATE_HEADERS,
    )


def _form_page(
    request: Request,
    *,
    token: str,
    nonce: str,
    instrument: Instrument,
    position: int,
    count: int,
    errors: FormErrors,
    values: dict[str, str],
    status_code: int = 200,
) -> Response:
    return render(
        request,
        "questionnaire/form.html",
        {
            "token": token,
            "form_nonce": nonce,
            "instrument": instrument,
            "position": position,
            "count": count,
            "errors": errors,
            "values": values,
        },
        status_code=status_code,
        headers=PRIVATE_HEADERS,
    )


@router.get("/q/{token}")
def questionnaire(request: Request, session: SessionDep, token: str) -> Response:
    """The next unanswered questionnaire on the link."""
    try:
        opened = link_service.open_link(session, token=token, now=utcnow())
    except (link_service.LinkNotFoundError, link_service.LinkGoneError) as error:
        return _unavailable(request, error)
    link = opened.link
    return _form_page(
        request,
        token=token,
        nonce=link.form_nonce,
        instrument=opened.pending[0],
        position=len(link.completed_instruments) + 1,
        count=len(link.instruments),
        errors={},
        values={},
    )


@router.post("/q/{token}")
async def submit(request: Request, session: SessionDep, token: str) -> Response:
    """Store one questionnaire's answers; a missing answer re-shows the form (422)."""
    form = await request.form()
    fields = {k: v for k, v in form.items() if isinstance(v, str)}
    nonce = fields.pop("form_nonce", "")
    instrument = fields.pop("instrument", "")
    try:
        done = link_service.submit_answers(
            session,
            token=token,
            form_nonce=nonce,
            instrument=instrument,
            answers=fields,
            now=utcnow(),
        )
    except (link_service.LinkNotFoundError, link_service.LinkGoneError) as error:
        return _unavailable(request, error)
    except link_service.AnswersInvalidError as error:
        return _form_page(
            request,
            token=token,
            nonce=nonce,
            instrument=get_instrument(instrument),
            position=len(error.link.completed_instruments) + 1,
            count=len(error.link.instruments),
            errors=error.errors,
            values=fields,
            status_code=422,
        )
    return render(
        request,
        "questionnaire/thanks.html",
        {
            "token": token,
            "answered": done.recorded.measurement.instrument,
            "title": next(
                title
                for key, title in LINK_INSTRUMENTS
                if key == done.recorded.measurement.instrument
            ),
            "suicide_risk": done.suicide_risk,
            "next_instrument": done.pending[0] if done.pending else None,
        },
        headers=PRIVATE_HEADERS,
    )
