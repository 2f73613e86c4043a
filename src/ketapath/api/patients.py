"""/api/v1/patients: enrol, search, read, update."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from ketapath.api.deps import CurrentActor, SessionDep
from ketapath.schemas.patient import (
    PatientCreate,
    PatientPage,
    PatientRead,
    PatientSummary,
    PatientUpdate,
)
from ketapath.services import patients as patient_service

router = APIRouter(prefix="/patients", tags=["patients"])


@router.get("", response_model=PatientPage)
def list_patients(
    session: SessionDep,
    actor: CurrentActor,
    q: Annotated[
        str | None, Query(max_length=100, description="Name or MRN contains")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> PatientPage:
    """Search patients by name or MRN."""
    rows, total = patient_service.search_patients(
        session, actor=actor, query=q, limit=limit, offset=offset
    )
    return PatientPage(
        items=[PatientSummary.model_validate(p) for p in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.post("", response_model=PatientRead, status_code=status.HTTP_201_CREATED)
def enrol_patient(
    session: SessionDep, actor: CurrentActor, data: PatientCreate
) -> PatientRead:
    """Enrol a new patient."""
    return PatientRead.model_validate(
        patient_service.enrol_patient(session, actor=actor, data=data)
    )


@router.get("/{patient_id}", response_model=PatientRead)
def get_patient(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID
) -> PatientRead:
    """Read one patient record."""
    return PatientRead.model_validate(
        patient_service.get_patient(session, actor=actor, patient_id=patient_id)
    )


@router.patch("/{patient_id}", response_model=PatientRead)
def update_patient(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID, data: PatientUpdate
) -> PatientRead:
    """Update demographics, contacts or the clinical profile."""
    return PatientRead.model_validate(
        patient_service.update_patient(
            session, actor=actor, patient_id=patient_id, data=data
        )
    )
