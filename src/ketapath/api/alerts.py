"""/api/v1 alerts: the clinic inbox, a patient's alerts, acknowledgement by a named clinician."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.alert import (
    AlertAcknowledge,
    AlertInboxItem,
    AlertInboxPage,
    AlertKindName,
    AlertPage,
    AlertRead,
    AlertStatusFilter,
)
from ketapath.services import alerts as alert_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["alerts"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/alerts", response_model=AlertInboxPage)
async def list_inbox(
    work: WorkDep,
    status: AlertStatusFilter = "open",
    kind: AlertKindName | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AlertInboxPage:
    """The clinic's alerts: most severe first, then newest, with patient name and MRN."""

    def run(session: Session, actor: Actor) -> AlertInboxPage:
        rows, total = alert_service.list_inbox(
            session, actor=actor, status=status, kind=kind, limit=limit, offset=offset
        )
        return AlertInboxPage(
            items=[
                AlertInboxItem(
                    **AlertRead.model_validate(alert).model_dump(),
                    patient_mrn=patient.mrn,
                    patient_given_name=patient.given_name,
                    patient_family_name=patient.family_name,
                )
                for alert, patient in rows
            ],
            total=total,
            limit=limit,
            offset=offset,
        )

    return await work(run)


@router.get("/patients/{patient_id}/alerts", response_model=AlertPage)
async def list_patient_alerts(
    work: WorkDep,
    patient_id: uuid.UUID,
    status: AlertStatusFilter = "all",
    limit: Limit = 50,
    offset: Offset = 0,
) -> AlertPage:
    """One patient's alerts, newest first."""

    def run(session: Session, actor: Actor) -> AlertPage:
        rows, total = alert_service.list_patient_alerts(
            session,
            actor=actor,
            patient_id=patient_id,
            status=status,
            limit=limit,
            offset=offset,
        )
        return AlertPage(
            items=[AlertRead.model_validate(a) for a in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    return await work(run)


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
async def acknowledge_alert(
    work: WorkDep, alert_id: uuid.UUID, data: AlertAcknowledge
) -> AlertRead:
    """Acknowledge an alert with a note; who and when are recorded. Twice is 409."""

    def run(session: Session, actor: Actor) -> AlertRead:
        return AlertRead.model_validate(
            alert_service.acknowledge_alert(
                session, actor=actor, alert_id=alert_id, data=data
            )
        )

    return await work(run)
