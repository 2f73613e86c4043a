"""/api/v1 sessions (record, check-in, dose, vitals, scales, events, discharge) and the board.

Also reschedule and cancel, and the board at ``/api/v1/board``.

A refused gate (pre-dose stop, unsigned caution, discharge before the gate opens) is a 409
whose body carries ``findings``: every reason, each with its rule id.
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

from ketapath.api.measurements import recorded_response
from ketapath.api.work import WorkDep
from ketapath.db.models import AuditEntry
from ketapath.db.repositories.change_counters import Counters
from ketapath.schemas.alert import AlertRead
from ketapath.schemas.base import Schema
from ketapath.schemas.board import BoardRead
from ketapath.schemas.course import SessionCancel, SessionReschedule, SessionSummary
from ketapath.schemas.measurement import (
    MeasurementRecorded,
)
from ketapath.schemas.session import (
    AdverseEventCreate,
    AdverseEventRead,
    CheckInCreate,
    DoseCreate,
    ReadyCreate,
    ScaleCreate,
    SessionRead,
    VitalSignCreate,
    VitalSignRead,
)
from ketapath.services import board as board_service
from ketapath.services import courses as course_service
from ketapath.services import session_flows
from ketapath.services import sessions as session_service
from ketapath.services.courses import GateClosedError
from ketapath.services.permissions import Actor

__all__ = ["GateRoute", "kept_board", "router"]


class GateRoute(APIRoute):
    """Renders :class:`GateClosedError` as 409 with ``detail`` and the ``findings`` list.

    The request's work (api.work.Work) has already rolled back when the error reaches this wrapper.
    """

    def get_route_handler(
        self,
    ) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def gate_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except GateClosedError as error:
                return JSONResponse(
                    {"detail": error.message, "findings": error.findings},
                    status_code=status.HTTP_409_CONFLICT,
                )

        return gate_handler


router = APIRouter(tags=["sessions"], route_class=GateRoute)


class VitalRecorded(Schema):
    """A stored reading and the alert it raised, if any."""

    vital: VitalSignRead
    alert: AlertRead | None


class AdverseEventRecorded(Schema):
    """A stored adverse event and the alert it raised, if any."""

    event: AdverseEventRead
    alert: AlertRead | None


@router.get("/board", response_model=BoardRead)
async def get_board(
    work: WorkDep,
    on: Annotated[
        date | None, Query(alias="date", description="Clinic-local date")
    ] = None,
    site_id: uuid.UUID | None = None,
) -> Response:
    """The session board: one card per session of the day, by chair then time."""

    def run(session: Session, actor: Actor) -> bytes:
        return board_service.board_json(session, actor=actor, day=on, site_id=site_id)

    # Screens poll it: between writes it is answered from what is kept (Work.kept; most polls
    # are answered before routing, api.board_polls), and it is built from the cards' stored
    # JSON (a BoardRead), not serialized again here.
    return Response(
        await work.kept(kept_board(on, site_id), run), media_type="application/json"
    )


def kept_board(
    on: date | None, site_id: uuid.UUID | None
) -> Callable[[Counters, Actor], tuple[bytes, AuditEntry] | None]:
    """The board's answer from what is kept, for :meth:`Work.kept` (JSON body, audit entry)."""

    def kept(counters: Counters, actor: Actor) -> tuple[bytes, AuditEntry] | None:
        return board_service.kept_board_json(
            counters, actor=actor, day=on, site_id=site_id
        )

    return kept


@router.get("/sessions/{session_id}", response_model=SessionRead)
async def get_session(work: WorkDep, session_id: uuid.UUID) -> SessionRead:
    """The full record of a session."""

    def run(session: Session, actor: Actor) -> SessionRead:
        return session_service.get_session(session, actor=actor, session_id=session_id)

    return await work(run)


@router.patch("/sessions/{session_id}/schedule", response_model=SessionSummary)
async def reschedule_session(
    work: WorkDep, session_id: uuid.UUID, data: SessionReschedule
) -> SessionSummary:
    """Move a scheduled session (date, time, chair)."""

    def run(session: Session, actor: Actor) -> SessionSummary:
        return SessionSummary.model_validate(
            course_service.reschedule_session(
                session, actor=actor, session_id=session_id, data=data
            )
        )

    return await work(run)


@router.post("/sessions/{session_id}/cancel", response_model=SessionSummary)
async def cancel_session(
    work: WorkDep, session_id: uuid.UUID, data: SessionCancel
) -> SessionSummary:
    """Cancel a session before dosing."""

    def run(session: Session, actor: Actor) -> SessionSummary:
        return SessionSummary.model_validate(
            course_service.cancel_session(
                session, actor=actor, session_id=session_id, data=data
            )
        )

    return await work(run)


@router.post("/sessions/{session_id}/check-in", response_model=SessionRead)
async def check_in(
    work: WorkDep, session_id: uuid.UUID, data: CheckInCreate
) -> SessionRead:
    """Pre-dose vitals and checklist; 409 with the findings on a stop or unsigned caution."""

    def run(session: Session, actor: Actor) -> SessionRead:
        return session_flows.check_in(
            session, actor=actor, session_id=session_id, data=data
        )

    return await work(run)


@router.post(
    "/sessions/{session_id}/doses",
    response_model=SessionRead,
    status_code=status.HTTP_201_CREATED,
)
async def give_dose(
    work: WorkDep, session_id: uuid.UUID, data: DoseCreate
) -> SessionRead:
    """Give the session's dose; a dose the rules forbid is 422 naming the rule."""

    def run(session: Session, actor: Actor) -> SessionRead:
        return session_flows.give_dose(
            session, actor=actor, session_id=session_id, data=data
        )

    return await work(run)


@router.post(
    "/sessions/{session_id}/vitals",
    response_model=VitalRecorded,
    status_code=status.HTTP_201_CREATED,
)
async def record_vitals(
    work: WorkDep, session_id: uuid.UUID, data: VitalSignCreate
) -> VitalRecorded:
    """One timed reading; a BP over the route's threshold raises an alert."""

    def run(session: Session, actor: Actor) -> VitalRecorded:
        vital, alert = session_flows.record_vitals(
            session, actor=actor, session_id=session_id, data=data
        )
        return VitalRecorded(
            vital=VitalSignRead.model_validate(vital),
            alert=AlertRead.model_validate(alert) if alert else None,
        )

    return await work(run)


@router.post(
    "/sessions/{session_id}/scales",
    response_model=MeasurementRecorded,
    status_code=status.HTTP_201_CREATED,
)
async def record_scale(
    work: WorkDep, session_id: uuid.UUID, data: ScaleCreate
) -> MeasurementRecorded:
    """MOAA/S, CADSS or BPRS positive in the session."""

    def run(session: Session, actor: Actor) -> MeasurementRecorded:
        recorded = session_flows.record_scale(
            session, actor=actor, session_id=session_id, data=data
        )
        return recorded_response(recorded)

    return await work(run)


@router.post(
    "/sessions/{session_id}/adverse-events",
    response_model=AdverseEventRecorded,
    status_code=status.HTTP_201_CREATED,
)
async def record_adverse_event(
    work: WorkDep, session_id: uuid.UUID, data: AdverseEventCreate
) -> AdverseEventRecorded:
    """An adverse event; a serious one raises an alert."""

    def run(session: Session, actor: Actor) -> AdverseEventRecorded:
        event, alert = session_flows.record_adverse_event(
            session, actor=actor, session_id=session_id, data=data
        )
        return AdverseEventRecorded(
            event=AdverseEventRead.model_validate(event),
            alert=AlertRead.model_validate(alert) if alert else None,
        )

    return await work(run)


@router.post("/sessions/{session_id}/ready", response_model=SessionRead)
async def mark_ready(
    work: WorkDep, session_id: uuid.UUID, data: ReadyCreate
) -> SessionRead:
    """Effects resolved: the patient would be ready to leave."""

    def run(session: Session, actor: Actor) -> SessionRead:
        return session_flows.mark_ready(
            session, actor=actor, session_id=session_id, data=data
        )

    return await work(run)


@router.post("/sessions/{session_id}/discharge", response_model=SessionRead)
async def discharge(work: WorkDep, session_id: uuid.UUID) -> SessionRead:
    """Discharge through the core's gate; 409 lists every reason it is closed."""

    def run(session: Session, actor: Actor) -> SessionRead:
        return session_flows.discharge(session, actor=actor, session_id=session_id)

    return await work(run)
