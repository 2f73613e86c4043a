"""/api/v1 alerts: the clinic inbox, a patient's alerts, acknowledgement by a named clinician."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query

from ketapath.api.deps import CurrentActor, SessionDep
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

router = APIRouter(tags=["alerts"])

Limit = Annotated[int, Query(ge=1, le=200)]
Offset = Annotated[int, Query(ge=0, le=1_000_000)]


@router.get("/alerts", response_model=AlertInboxPage)
def list_inbox(
    session: SessionDep,
    actor: CurrentActor,
    status: AlertStatusFilter = "open",
    kind: AlertKindName | None = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AlertInboxPage:
    """The clinic's alerts: most severe first, then newest, with patient name and MRN."""
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


@router.get("/patients/{patient_id}/alerts", response_model=AlertPage)
def list_patient_alerts(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    status: AlertStatusFilter = "all",
    limit: Limit = 50,
    offset: Offset = 0,
) -> AlertPage:
    """One patient's alerts, newest first."""
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


@router.post("/alerts/{alert_id}/acknowledge", response_model=AlertRead)
def acknowledge_alert(
    session: SessionDep,
    actor: CurrentActor,
    alert_id: uuid.UUID,
    data: AlertAcknowledge,
) -> AlertRead:
    """Acknowledge an alert with a note; who and when are recorded. Twice is 409."""
    return AlertRead.model_validate(
        alert_service.acknowledge_alert(
            session, actor=actor, alert_id=alert_id, data=data
        )
    )
