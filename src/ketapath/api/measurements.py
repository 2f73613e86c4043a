"""/api/v1 measurements and outcomes: record (scored by the core), list, read, outcomes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from ketapath.api.deps import CurrentActor, SessionDep
from ketapath.schemas.alert import AlertRead
from ketapath.schemas.measurement import (
    FindingRead,
    MeasurementCreate,
    MeasurementPage,
    MeasurementRead,
    MeasurementRecorded,
    PatientOutcomesRead,
)
from ketapath.services import measurements as measurement_service
from ketapath.services import outcomes as outcome_service

router = APIRouter(tags=["measurements"])


@router.post(
    "/patients/{patient_id}/measurements",
    response_model=MeasurementRecorded,
    status_code=status.HTTP_201_CREATED,
)
def record_measurement(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    data: MeasurementCreate,
) -> MeasurementRecorded:
    """Record item answers; the core scores them, and suicide or sedation signals raise alerts."""
    recorded = measurement_service.record_measurement(
        session, actor=actor, patient_id=patient_id, data=data
    )
    read = MeasurementRead.model_validate(recorded.measurement)
    return MeasurementRecorded(
        **read.model_dump(),
        findings=[
            FindingRead(
                rule_id=f.rule_id,
                rule_version=f.rule_version,
                severity=str(f.severity),
                message=f.message,
            )
            for f in recorded.findings
        ],
        alerts=[AlertRead.model_validate(a) for a in recorded.alerts],
    )


@router.get("/patients/{patient_id}/measurements", response_model=MeasurementPage)
def list_measurements(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    instrument: Annotated[
        str | None, Query(max_length=32, pattern=r"^[a-z0-9_]+$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> MeasurementPage:
    """A patient's measurements, newest first, with item answers."""
    rows, total = measurement_service.list_measurements(
        session,
        actor=actor,
        patient_id=patient_id,
        instrument=instrument,
        limit=limit,
        offset=offset,
    )
    return MeasurementPage(
        items=[MeasurementRead.model_validate(m) for m in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/measurements/{measurement_id}", response_model=MeasurementRead)
def get_measurement(
    session: SessionDep, actor: CurrentActor, measurement_id: uuid.UUID
) -> MeasurementRead:
    """One measurement with its item answers."""
    return MeasurementRead.model_validate(
        measurement_service.get_measurement(
            session, actor=actor, measurement_id=measurement_id
        )
    )


@router.get("/patients/{patient_id}/outcomes", response_model=PatientOutcomesRead)
def get_outcomes(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    baseline_measurement_id: uuid.UUID | None = None,
) -> PatientOutcomesRead:
    """Baseline, latest, change, response, remission, relapse and trajectory per instrument."""
    return outcome_service.patient_outcomes(
        session,
        actor=actor,
        patient_id=patient_id,
        baseline_measurement_id=baseline_measurement_id,
    )
