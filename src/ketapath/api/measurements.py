"""/api/v1 measurements and outcomes: record (scored by the core), list, read, outcomes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
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
from ketapath.services.measurements import RecordedMeasurement
from ketapath.services.permissions import Actor

router = APIRouter(tags=["measurements"])


def recorded_response(recorded: RecordedMeasurement) -> MeasurementRecorded:
    """A stored measurement with the findings and alerts it produced (also session scales)."""
    read = MeasurementRead.model_validate(recorded.measurement)
    # every part is validated already (read, the findings' and alerts' models): assembled as is
    return MeasurementRecorded.model_construct(
        **dict(read),
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


@router.post(
    "/patients/{patient_id}/measurements",
    response_model=MeasurementRecorded,
    status_code=status.HTTP_201_CREATED,
)
async def record_measurement(
    work: WorkDep, patient_id: uuid.UUID, data: MeasurementCreate
) -> MeasurementRecorded:
    """Record item answers; the core scores them, and suicide or sedation signals raise alerts."""

    def run(session: Session, actor: Actor) -> MeasurementRecorded:
        recorded = measurement_service.record_measurement(
            session, actor=actor, patient_id=patient_id, data=data
        )
        return recorded_response(recorded)

    return await work(run)


@router.get("/patients/{patient_id}/measurements", response_model=MeasurementPage)
async def list_measurements(
    work: WorkDep,
    patient_id: uuid.UUID,
    instrument: Annotated[
        str | None, Query(max_length=32, pattern="^[a-z0-9_]+$")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1000000)] = 0,
) -> MeasurementPage:
    """A patient's measurements, newest first, with item answers."""

    def run(session: Session, actor: Actor) -> MeasurementPage:
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

    return await work(run)


@router.get("/measurements/{measurement_id}", response_model=MeasurementRead)
async def get_measurement(work: WorkDep, measurement_id: uuid.UUID) -> MeasurementRead:
    """One measurement with its item answers."""

    def run(session: Session, actor: Actor) -> MeasurementRead:
        return MeasurementRead.model_validate(
            measurement_service.get_measurement(
                session, actor=actor, measurement_id=measurement_id
            )
        )

    return await work(run)


@router.get("/patients/{patient_id}/outcomes", response_model=PatientOutcomesRead)
async def get_outcomes(
    work: WorkDep,
    patient_id: uuid.UUID,
    baseline_measurement_id: uuid.UUID | None = None,
) -> PatientOutcomesRead:
    """Baseline, latest, change, response, remission, relapse and trajectory per instrument."""

    def run(session: Session, actor: Actor) -> PatientOutcomesRead:
        return outcome_service.patient_outcomes(
            session,
            actor=actor,
            patient_id=patient_id,
            baseline_measurement_id=baseline_measurement_id,
        )

    return await work(run)
