"""/api/v1 documents: session record, REMS form and superbill PDFs, ledger reports, billing.

Files are served with ``Content-Disposition: attachment``. A superbill that could not be
completed (a fee not set, no diagnosis code, a missing NPI) still downloads, prints "fee not
set" where a fee is missing, and names every gap in the ``X-Ketapath-Missing`` header.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.billing import (
    DiagnosisCodesSet,
    DiagnosisRead,
    FeeRead,
    FeeSet,
    PaymentCreate,
    PaymentRead,
    SuperbillRead,
)
from ketapath.services import billing as billing_service
from ketapath.services import documents as document_service
from ketapath.services.documents import RenderedDocument
from ketapath.services.permissions import Actor

__all__ = ["MISSING_HEADER", "router"]

router = APIRouter(tags=["documents"])

MISSING_HEADER = "X-Ketapath-Missing"
_PDF: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/pdf": {}}, "description": "The PDF"}
}
_CSV: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/csv": {}}, "description": "The CSV"}
}


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


@router.get(
    "/sessions/{session_id}/record.pdf", response_class=Response, responses=_PDF
)
async def session_record_pdf(work: WorkDep, session_id: uuid.UUID) -> Response:
    """The session record (any route) as a PDF."""

    def run(session: Session, actor: Actor) -> Response:
        return _file(
            document_service.session_record_pdf(
                session, actor=actor, session_id=session_id
            )
        )

    return await work(run)


@router.get(
    "/sessions/{session_id}/rems-form.pdf", response_class=Response, responses=_PDF
)
async def rems_form_pdf(work: WorkDep, session_id: uuid.UUID) -> Response:
    """The session's REMS Patient Monitoring Form as a PDF (a draft lists what is missing)."""

    def run(session: Session, actor: Actor) -> Response:
        return _file(
            document_service.rems_form_pdf(session, actor=actor, session_id=session_id)
        )

    return await work(run)


@router.get("/patients/{patient_id}/superbill", response_model=SuperbillRead)
async def superbill(
    work: WorkDep,
    patient_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
    session_id: uuid.UUID | None = None,
) -> SuperbillRead:
    """The superbill as JSON: lines, totals, and ``missing`` (fees not set, codes, NPIs)."""

    def run(session: Session, actor: Actor) -> SuperbillRead:
        return document_service.superbill(
            session,
            actor=actor,
            patient_id=patient_id,
            start=start,
            end=end,
            session_id=session_id,
        )

    return await work(run)


@router.get(
    "/patients/{patient_id}/superbill.pdf", response_class=Response, responses=_PDF
)
async def superbill_pdf(
    work: WorkDep,
    patient_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
    session_id: uuid.UUID | None = None,
) -> Response:
    """The superbill for a date range or one session (a patient: their own only)."""

    def run(session: Session, actor: Actor) -> Response:
        return _file(
            document_service.superbill_pdf(
                session,
                actor=actor,
                patient_id=patient_id,
                start=start,
                end=end,
                session_id=session_id,
            )
        )

    return await work(run)


@router.get("/reports/dispensing-log.csv", response_class=Response, responses=_CSV)
async def dispensing_log_csv(
    work: WorkDep, start: date | None = None, end: date | None = None
) -> Response:
    """The controlled-substance dispensing log as CSV (``start`` and ``end`` required)."""

    def run(session: Session, actor: Actor) -> Response:
        return _file(
            document_service.dispensing_log(
                session, actor=actor, start=start, end=end, output="csv"
            )
        )

    return await work(run)


@router.get("/reports/dispensing-log.pdf", response_class=Response, responses=_PDF)
async def dispensing_log_pdf(
    work: WorkDep, start: date | None = None, end: date | None = None
) -> Response:
    """The controlled-substance dispensing log as a PDF (``start`` and ``end`` required)."""

    def run(session: Session, actor: Actor) -> Response:
        return _file(
            document_service.dispensing_log(
                session, actor=actor, start=start, end=end, output="pdf"
            )
        )

    return await work(run)


@router.get("/reports/inventory.pdf", response_class=Response, responses=_PDF)
async def inventory_pdf(
    work: WorkDep,
    as_of: Annotated[date | None, Query(description="Clinic-local date")] = None,
) -> Response:
    """The controlled-substance inventory as a PDF (default: today)."""

    def run(session: Session, actor: Actor) -> Response:
        return _file(document_service.inventory(session, actor=actor, as_of=as_of))

    return await work(run)


@router.get("/billing/fees", response_model=list[FeeRead])
async def list_fees(work: WorkDep) -> list[FeeRead]:
    """The clinic's fee schedule."""

    def run(session: Session, actor: Actor) -> list[FeeRead]:
        return billing_service.list_fees(session, actor=actor)

    return await work(run)


@router.put("/billing/fees/{code}", response_model=FeeRead)
async def set_fee(work: WorkDep, code: str, data: FeeSet) -> FeeRead:
    """Set the clinic's fee for a code (admins)."""

    def run(session: Session, actor: Actor) -> FeeRead:
        return billing_service.set_fee(session, actor=actor, code=code, data=data)

    return await work(run)


@router.put(
    "/patients/{patient_id}/diagnosis-codes", response_model=list[DiagnosisRead]
)
async def set_diagnosis_codes(
    work: WorkDep, patient_id: uuid.UUID, data: DiagnosisCodesSet
) -> list[DiagnosisRead]:
    """Set the ICD-10-CM codes the patient's superbills carry (primary first)."""

    def run(session: Session, actor: Actor) -> list[DiagnosisRead]:
        return billing_service.set_diagnosis_codes(
            session, actor=actor, patient_id=patient_id, data=data
        )

    return await work(run)


@router.post(
    "/patients/{patient_id}/payments",
    response_model=PaymentRead,
    status_code=status.HTTP_201_CREATED,
)
async def record_payment(
    work: WorkDep, patient_id: uuid.UUID, data: PaymentCreate
) -> PaymentRead:
    """Record a payment by the patient (the superbill's "paid")."""

    def run(session: Session, actor: Actor) -> PaymentRead:
        return billing_service.record_payment(
            session, actor=actor, patient_id=patient_id, data=data
        )

    return await work(run)
