"""/api/v1 clinical history: conditions, medications, antidepressant trials, the whole history."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.history import (
    ConditionCreate,
    ConditionRead,
    HistoryRead,
    MedicationCreate,
    MedicationRead,
    MedicationUpdate,
    TrialCreate,
    TrialRead,
    TrialUpdate,
)
from ketapath.services import history as history_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["history"])


@router.get("/patients/{patient_id}/history", response_model=HistoryRead)
async def get_history(work: WorkDep, patient_id: uuid.UUID) -> HistoryRead:
    """Conditions, medications, trials (with adequacy) and the current episode."""

    def run(session: Session, actor: Actor) -> HistoryRead:
        return history_service.get_history(session, actor=actor, patient_id=patient_id)

    return await work(run)


@router.post(
    "/patients/{patient_id}/conditions",
    response_model=ConditionRead,
    status_code=status.HTTP_201_CREATED,
)
async def add_condition(
    work: WorkDep, patient_id: uuid.UUID, data: ConditionCreate
) -> ConditionRead:
    """Record a coded condition (codes from the eligibility vocabulary)."""

    def run(session: Session, actor: Actor) -> ConditionRead:
        return ConditionRead.model_validate(
            history_service.add_condition(
                session, actor=actor, patient_id=patient_id, data=data
            )
        )

    return await work(run)


@router.get("/patients/{patient_id}/conditions", response_model=list[ConditionRead])
async def list_conditions(work: WorkDep, patient_id: uuid.UUID) -> list[ConditionRead]:
    """The patient's conditions."""

    def run(session: Session, actor: Actor) -> list[ConditionRead]:
        return [
            ConditionRead.model_validate(c)
            for c in history_service.list_conditions(
                session, actor=actor, patient_id=patient_id
            )
        ]

    return await work(run)


@router.delete(
    "/patients/{patient_id}/conditions/{condition_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
async def delete_condition(
    work: WorkDep, patient_id: uuid.UUID, condition_id: uuid.UUID
) -> None:
    """Remove a condition."""

    def run(session: Session, actor: Actor) -> None:
        history_service.delete_condition(
            session, actor=actor, patient_id=patient_id, condition_id=condition_id
        )

    return await work(run)


@router.post(
    "/patients/{patient_id}/medications",
    response_model=MedicationRead,
    status_code=status.HTTP_201_CREATED,
)
async def add_medication(
    work: WorkDep, patient_id: uuid.UUID, data: MedicationCreate
) -> MedicationRead:
    """Record a medication."""

    def run(session: Session, actor: Actor) -> MedicationRead:
        return MedicationRead.model_validate(
            history_service.add_medication(
                session, actor=actor, patient_id=patient_id, data=data
            )
        )

    return await work(run)


@router.get("/patients/{patient_id}/medications", response_model=list[MedicationRead])
async def list_medications(
    work: WorkDep, patient_id: uuid.UUID
) -> list[MedicationRead]:
    """The patient's medications, active first."""

    def run(session: Session, actor: Actor) -> list[MedicationRead]:
        return [
            MedicationRead.model_validate(m)
            for m in history_service.list_medications(
                session, actor=actor, patient_id=patient_id
            )
        ]

    return await work(run)


@router.patch("/medications/{medication_id}", response_model=MedicationRead)
async def update_medication(
    work: WorkDep, medication_id: uuid.UUID, data: MedicationUpdate
) -> MedicationRead:
    """Change a medication; ``{"active": false}`` stops it."""

    def run(session: Session, actor: Actor) -> MedicationRead:
        return MedicationRead.model_validate(
            history_service.update_medication(
                session, actor=actor, medication_id=medication_id, data=data
            )
        )

    return await work(run)


@router.post(
    "/patients/{patient_id}/trials",
    response_model=TrialRead,
    status_code=status.HTTP_201_CREATED,
)
async def add_trial(
    work: WorkDep, patient_id: uuid.UUID, data: TrialCreate
) -> TrialRead:
    """Record an antidepressant trial; the answer includes its adequacy verdict."""

    def run(session: Session, actor: Actor) -> TrialRead:
        return history_service.add_trial(
            session, actor=actor, patient_id=patient_id, data=data
        )

    return await work(run)


@router.get("/patients/{patient_id}/trials", response_model=list[TrialRead])
async def list_trials(work: WorkDep, patient_id: uuid.UUID) -> list[TrialRead]:
    """The patient's antidepressant trials with adequacy verdicts."""

    def run(session: Session, actor: Actor) -> list[TrialRead]:
        return history_service.list_trials(session, actor=actor, patient_id=patient_id)

    return await work(run)


@router.patch("/trials/{trial_id}", response_model=TrialRead)
async def update_trial(
    work: WorkDep, trial_id: uuid.UUID, data: TrialUpdate
) -> TrialRead:
    """Change a trial; an adequacy override needs ``override_reason``."""

    def run(session: Session, actor: Actor) -> TrialRead:
        return history_service.update_trial(
            session, actor=actor, trial_id=trial_id, data=data
        )

    return await work(run)
