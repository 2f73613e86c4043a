"""Web views: reports and documents (session record, REMS form, superbill, ledger reports).

- ``GET /reports?q=&patient_id=``: find a patient, list their sessions with the session record
  (and, for esketamine, REMS form) PDFs, the superbill for a date range; the dispensing log
  (CSV or PDF) for a date range and the inventory PDF as of a day.
- ``GET /reports/...``: the files, from :mod:`ketapath.services.documents` (which checks roles
  and scope and audits each download), with ``Content-Disposition: attachment``. Query values are
  validated as in the API (``start``/``end``/``as_of`` are dates); a refusal (for example an end
  before the start) re-renders the page with the message beside the field instead of a file.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ketapath.db.models import Patient, Role, TreatmentCourse
from ketapath.http import SessionDep
from ketapath.services import courses as course_service
from ketapath.services import documents as document_service
from ketapath.services import patients as patient_service
from ketapath.services.documents import RenderedDocument
from ketapath.services.errors import ServiceError
from ketapath.web.deps import WebAuth, WebUser
from ketapath.web.forms import FormErrors, error_for
from ketapath.web.templating import render

__all__ = ["MISSING_HEADER", "router"]

router = APIRouter()

MISSING_HEADER = "X-Ketapath-Missing"
"""What a document could not fill (e.g. a fee not set), as the API sends it."""
LEDGER_ROLES = frozenset({Role.ADMIN, Role.PRESCRIBER, Role.NURSE})
"""Who is offered the ledger reports (the ledger service decides)."""
SESSION_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE})
"""Who is offered session records and REMS forms (the documents service decides)."""
SEARCH_LIMIT = 20


def _file(document: RenderedDocument) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{document.filename}"',
        "Cache-Control": "no-store",
    }
    if document.missing:
        headers[MISSING_HEADER] = "; ".join(document.missing)[:2000]
    return Response(
        content=document.content, media_type=document.media_type, headers=headers
    )


def _page(
    request: Request,
    session: SessionDep,
    web: WebAuth,
    *,
    q: str | None = None,
    patient_id: uuid.UUID | None = None,
    errors: dict[str, FormErrors] | None = None,
    values: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    """The reports page; ``errors`` by form (``superbill``, ``dispensing``, ``inventory``)."""
    if web.actor.role is Role.PATIENT:
        # A patient's own documents belong in the portal, not the clinic's reports page.
        return render(
            request,
            "errors/error.html",
            {
                "title": "Not allowed",
                "message": "the reports page is for clinic staff",
                "status": 403,
            },
            status_code=403,
        )
    patients: Sequence[Patient] = []
    if q:
        patients, _total = patient_service.search_patients(
            session, actor=web.actor, query=q, limit=SEARCH_LIMIT, offset=0
        )
    patient: Patient | None = None
    courses: Sequence[TreatmentCourse] = []
    if patient_id is not None:
        patient = patient_service.get_patient(
            session, actor=web.actor, patient_id=patient_id
        )
        if web.actor.role in SESSION_ROLES:
            courses = course_service.list_courses(
                session, actor=web.actor, patient_id=patient_id
            )
    context: dict[str, Any] = {
        "q": q or "",
        "patients": patients,
        "patient": patient,
        "courses": courses,
        "show_sessions": web.actor.role in SESSION_ROLES,
        "show_ledger": web.actor.role in LEDGER_ROLES,
        "errors": errors or {},
        "values": values or {},
    }
    return render(request, "reports/index.html", context, status_code=status_code)


def _download(
    request: Request,
    session: SessionDep,
    web: WebAuth,
    *,
    form: str,
    build: Callable[[], RenderedDocument],
    values: dict[str, Any],
    patient_id: uuid.UUID | None = None,
) -> Response:
    """The file, or the page with the service's message beside the form's field."""
    try:
        return _file(build())
    except ServiceError as error:
        if error.status_code in (401, 403, 404) and error.field is None:
            raise
        session.rollback()
        status = error.status_code if error.status_code in (409, 422) else 422
        return _page(
            request,
            session,
            web,
            patient_id=patient_id,
            errors={form: error_for(error)},
            values={form: values},
            status_code=status,
        )


@router.get("/reports")
def reports(
    request: Request,
    session: SessionDep,
    web: WebUser,
    q: Annotated[str | None, Query(max_length=100)] = None,
    patient_id: uuid.UUID | None = None,
) -> Response:
    """Documents and reports: per patient (session records, superbill) and the ledger's."""
    return _page(request, session, web, q=q, patient_id=patient_id)


@router.get("/reports/sessions/{session_id}/record.pdf")
def session_record_pdf(
    session: SessionDep, web: WebUser, session_id: uuid.UUID
) -> Response:
    """The session record (any route) as a PDF."""
    return _file(
        document_service.session_record_pdf(
            session, actor=web.actor, session_id=session_id
        )
    )


@router.get("/reports/sessions/{session_id}/rems-form.pdf")
def rems_form_pdf(session: SessionDep, web: WebUser, session_id: uuid.UUID) -> Response:
    """The session's REMS Patient Monitoring Form as a PDF (a draft lists what is missing)."""
    return _file(
        document_service.rems_form_pdf(session, actor=web.actor, session_id=session_id)
    )


@router.get("/reports/patients/{patient_id}/superbill.pdf")
def superbill_pdf(
    request: Request,
    session: SessionDep,
    web: WebUser,
    patient_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
) -> Response:
    """The superbill for a date range (fees not set are printed as such and listed)."""
    return _download(
        request,
        session,
        web,
        form="superbill",
        build=lambda: document_service.superbill_pdf(
            session, actor=web.actor, patient_id=patient_id, start=start, end=end
        ),
        values={"start": start, "end": end},
        patient_id=patient_id,
    )


@router.get("/reports/dispensing-log.{output}")
def dispensing_log(
    request: Request,
    session: SessionDep,
    web: WebUser,
    output: Literal["csv", "pdf"],
    start: date,
    end: date,
) -> Response:
    """The controlled-substance dispensing log for a date range, as CSV or PDF."""
    return _download(
        request,
        session,
        web,
        form="dispensing",
        build=lambda: document_service.dispensing_log(
            session, actor=web.actor, start=start, end=end, output=output
        ),
        values={"start": start, "end": end},
    )


@router.get("/reports/inventory.pdf")
def inventory_pdf(
    request: Request,
    session: SessionDep,
    web: WebUser,
    as_of: date | None = None,
) -> Response:
    """The controlled-substance inventory as of the end of a day (default: today)."""
    return _download(
        request,
        session,
        web,
        form="inventory",
        build=lambda: document_service.inventory(session, actor=web.actor, as_of=as_of),
        values={"as_of": as_of},
    )
