"""/api/v1/patients: enrol, search, read, update."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.patient import (
    PatientCreate,
    PatientPage,
    PatientRead,
    PatientSummary,
    PatientUpdate,
)
from ketapath.services import patients as patient_service
from ketapath.services.permissions import Actor

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("", response_model=PatientPage)
async def list_patients(
    work: WorkDep,
    q: Annotated[
        str | None, Query(max_length=100, description="Name or MRN contains")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1000000)] = 0,
) -> PatientPage:
    """Search patients by name or MRN."""

    def run(session: Session, actor: Actor) -> PatientPage:
        rows, total = patient_service.search_patients(
            session, actor=actor, query=q, limit=limit, offset=offset
        )
        return PatientPage(
            items=[PatientSummary.model_validate(p) for p in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    return await work(run)


@router.post("", response_model=PatientRead, status_code=status.HTTP_201_CREATED)
async def enrol_patient(work: WorkDep, data: PatientCreate) -> PatientRead:
    """Enrol a new patient."""

    def run(session: Session, actor: Actor) -> PatientRead:
        return PatientRead.model_validate(
            patient_service.enrol_patient(session, actor=actor, data=data)
        )

    return await work(run)


@router.get("/{patient_id}", response_model=PatientRead)
async def get_patient(work: WorkDep, patient_id: uuid.UUID) -> PatientRead:
    """Read one patient record."""

    def run(session: Session, actor: Actor) -> PatientRead:
        return PatientRead.model_validate(
            patient_service.get_patient(session, actor=actor, patient_id=patient_id)
        )

    return await work(run)


@router.patch("/{patient_id}", response_model=PatientRead)
async def update_patient(
    work: WorkDep, patient_id: uuid.UUID, data: PatientUpdate
) -> PatientRead:
    """Update demographics, contacts or the clinical profile."""

    def run(session: Session, actor: Actor) -> PatientRead:
        return PatientRead.model_validate(
            patient_service.update_patient(
                session, actor=actor, patient_id=patient_id, data=data
            )
        )

    return await work(run)
