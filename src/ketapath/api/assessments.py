"""/api/v1 assessments: assess a patient from the stored record, read decisions, override."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from ketapath.api.deps import CurrentActor, SessionDep
from ketapath.schemas.assessment import AssessmentCreate, AssessmentRead, OverrideCreate
from ketapath.services import assessments as assessment_service

router = APIRouter(tags=["assessments"])


@router.post(
    "/patients/{patient_id}/assessments",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
)
def create_assessment(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    data: AssessmentCreate,
) -> AssessmentRead:
    """TRD, staging and route eligibility from the stored record; the decision is stored."""
    return assessment_service.create_assessment(
        session, actor=actor, patient_id=patient_id, data=data
    )


@router.get("/patients/{patient_id}/assessments", response_model=list[AssessmentRead])
def list_assessments(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID
) -> list[AssessmentRead]:
    """The patient's assessments, newest first."""
    return assessment_service.list_assessments(
        session, actor=actor, patient_id=patient_id
    )


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
def get_assessment(
    session: SessionDep, actor: CurrentActor, assessment_id: uuid.UUID
) -> AssessmentRead:
    """One assessment: the decision, its overrides and the status after them."""
    return assessment_service.get_assessment(
        session, actor=actor, assessment_id=assessment_id
    )


@router.post(
    "/assessments/{assessment_id}/overrides",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
)
def add_override(
    session: SessionDep,
    actor: CurrentActor,
    assessment_id: uuid.UUID,
    data: OverrideCreate,
) -> AssessmentRead:
    """Override one finding of one route, with a reason (contraindications: prescribers)."""
    return assessment_service.add_override(
        session, actor=actor, assessment_id=assessment_id, data=data
    )
