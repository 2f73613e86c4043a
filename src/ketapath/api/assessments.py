"""/api/v1 assessments: assess a patient from the stored record, read decisions, override."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.assessment import AssessmentCreate, AssessmentRead, OverrideCreate
from ketapath.services import assessments as assessment_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["assessments"])


@router.post(
    "/patients/{patient_id}/assessments",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_assessment(
    work: WorkDep, patient_id: uuid.UUID, data: AssessmentCreate
) -> AssessmentRead:
    """TRD, staging and route eligibility from the stored record; the decision is stored."""

    def run(session: Session, actor: Actor) -> AssessmentRead:
        return assessment_service.create_assessment(
            session, actor=actor, patient_id=patient_id, data=data
        )

    return await work(run)


@router.get("/patients/{patient_id}/assessments", response_model=list[AssessmentRead])
async def list_assessments(
    work: WorkDep, patient_id: uuid.UUID
) -> list[AssessmentRead]:
    """The patient's assessments, newest first."""

    def run(session: Session, actor: Actor) -> list[AssessmentRead]:
        return assessment_service.list_assessments(
            session, actor=actor, patient_id=patient_id
        )

    return await work(run)


@router.get("/assessments/{assessment_id}", response_model=AssessmentRead)
async def get_assessment(work: WorkDep, assessment_id: uuid.UUID) -> AssessmentRead:
    """One assessment: the decision, its overrides and the status after them."""

    def run(session: Session, actor: Actor) -> AssessmentRead:
        return assessment_service.get_assessment(
            session, actor=actor, assessment_id=assessment_id
        )

    return await work(run)


@router.post(
    "/assessments/{assessment_id}/overrides",
    response_model=AssessmentRead,
    status_code=status.HTTP_201_CREATED,
)
async def add_override(
    work: WorkDep, assessment_id: uuid.UUID, data: OverrideCreate
) -> AssessmentRead:
    """Override one finding of one route, with a reason (contraindications: prescribers)."""

    def run(session: Session, actor: Actor) -> AssessmentRead:
        return assessment_service.add_override(
            session, actor=actor, assessment_id=assessment_id, data=data
        )

    return await work(run)
