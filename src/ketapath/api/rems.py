"""/api/v1 REMS: the Patient Monitoring Form per esketamine session, its queue, REMS ids.

Signing an incomplete form is a 409 whose body lists ``missing`` (every absent field by name)
and ``problems`` (values present but not acceptable).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.rems import (
    RemsCertificationSet,
    RemsEnrolmentSet,
    RemsFormAmend,
    RemsFormRead,
    RemsFormSubmitted,
    RemsFormValues,
    RemsQueueRead,
)
from ketapath.services import rems as rems_service
from ketapath.services.permissions import Actor
from ketapath.services.rems import RemsFormIncompleteError

__all__ = ["router"]


class RemsRoute(APIRoute):
    """Renders :class:`RemsFormIncompleteError` as 409 with ``missing`` and ``problems``."""

    def get_route_handler(
        self,
    ) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def rems_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except RemsFormIncompleteError as error:
                return JSONResponse(
                    {
                        "detail": error.message,
                        "missing": error.missing,
                        "problems": [p.model_dump() for p in error.problems],
                    },
                    status_code=status.HTTP_409_CONFLICT,
                )

        return rems_handler


router = APIRouter(tags=["rems"], route_class=RemsRoute)


@router.get("/sessions/{session_id}/rems-form", response_model=RemsFormRead)
async def get_rems_form(work: WorkDep, session_id: uuid.UUID) -> RemsFormRead:
    """The form: pre-filled and entered values, and every field still ``missing``."""

    def run(session: Session, actor: Actor) -> RemsFormRead:
        return rems_service.get_form(session, actor=actor, session_id=session_id)

    return await work(run)


@router.put("/sessions/{session_id}/rems-form", response_model=RemsFormRead)
async def update_rems_form(
    work: WorkDep, session_id: uuid.UUID, data: RemsFormValues
) -> RemsFormRead:
    """Save entries (only the fields sent; null reverts a field to its pre-filled value)."""

    def run(session: Session, actor: Actor) -> RemsFormRead:
        return rems_service.update_form(
            session, actor=actor, session_id=session_id, data=data
        )

    return await work(run)


@router.post("/sessions/{session_id}/rems-form/sign", response_model=RemsFormRead)
async def sign_rems_form(work: WorkDep, session_id: uuid.UUID) -> RemsFormRead:
    """Sign: 409 listing every missing field until the form is complete; then immutable."""

    def run(session: Session, actor: Actor) -> RemsFormRead:
        return rems_service.sign_form(session, actor=actor, session_id=session_id)

    return await work(run)


@router.post(
    "/sessions/{session_id}/rems-form/amend",
    response_model=RemsFormRead,
    status_code=status.HTTP_201_CREATED,
)
async def amend_rems_form(
    work: WorkDep, session_id: uuid.UUID, data: RemsFormAmend
) -> RemsFormRead:
    """Correct a signed form: a new draft that references the signed one."""

    def run(session: Session, actor: Actor) -> RemsFormRead:
        return rems_service.amend_form(
            session, actor=actor, session_id=session_id, data=data
        )

    return await work(run)


@router.post("/sessions/{session_id}/rems-form/submitted", response_model=RemsFormRead)
async def mark_rems_form_submitted(
    work: WorkDep, session_id: uuid.UUID, data: RemsFormSubmitted
) -> RemsFormRead:
    """Record the date the signed form was submitted to the REMS."""

    def run(session: Session, actor: Actor) -> RemsFormRead:
        return rems_service.mark_submitted(
            session, actor=actor, session_id=session_id, data=data
        )

    return await work(run)


@router.get("/rems/queue", response_model=RemsQueueRead)
async def rems_queue(
    work: WorkDep,
    as_of: Annotated[date | None, Query(description="Clinic-local date")] = None,
    soon_days: Annotated[int, Query(ge=0, le=7)] = 2,
) -> RemsQueueRead:
    """Forms not yet submitted, overdue and due soon first (due 7 days after the session)."""

    def run(session: Session, actor: Actor) -> RemsQueueRead:
        return rems_service.queue(
            session, actor=actor, as_of=as_of, soon_days=soon_days
        )

    return await work(run)


@router.put("/patients/{patient_id}/rems-enrolment", response_model=RemsEnrolmentSet)
async def set_rems_enrolment(
    work: WorkDep, patient_id: uuid.UUID, data: RemsEnrolmentSet
) -> RemsEnrolmentSet:
    """Record the patient's REMS enrolment id and date."""

    def run(session: Session, actor: Actor) -> RemsEnrolmentSet:
        return rems_service.set_patient_enrolment(
            session, actor=actor, patient_id=patient_id, data=data
        )

    return await work(run)


@router.put("/sites/{site_id}/rems-certification", response_model=RemsCertificationSet)
async def set_rems_certification(
    work: WorkDep, site_id: uuid.UUID, data: RemsCertificationSet
) -> RemsCertificationSet:
    """Record a site's REMS certification id and date (admins)."""

    def run(session: Session, actor: Actor) -> RemsCertificationSet:
        return rems_service.set_site_certification(
            session, actor=actor, site_id=site_id, data=data
        )

    return await work(run)
