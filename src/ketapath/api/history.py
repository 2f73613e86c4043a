"""/api/v1 clinical history: conditions, medications, antidepressant trials, the whole history."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from ketapath.api.deps import CurrentActor, SessionDep
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

router = APIRouter(tags=["history"])


@router.get("/patients/{patient_id}/history", response_model=HistoryRead)
def get_history(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID
) -> HistoryRead:
    """Conditions, medications, trials (with adequacy) and the current episode."""
    return history_service.get_history(session, actor=actor, patient_id=patient_id)


@router.post(
    "/patients/{patient_id}/conditions",
    response_model=ConditionRead,
    status_code=status.HTTP_201_CREATED,
)
def add_condition(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    data: ConditionCreate,
) -> ConditionRead:
    """Record a coded condition (codes from the eligibility vocabulary)."""
    return ConditionRead.model_validate(
        history_service.add_condition(
            session, actor=actor, patient_id=patient_id, data=data
        )
    )


@router.get("/patients/{patient_id}/conditions", response_model=list[ConditionRead])
def list_conditions(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID
) -> list[ConditionRead]:
    """The patient's conditions."""
    return [
        ConditionRead.model_validate(c)
        for c in history_service.list_conditions(
            session, actor=actor, patient_id=patient_id
        )
    ]


@router.delete(
    "/patients/{patient_id}/conditions/{condition_id}",
    status_code=status.HTTP_204_NO_CONTENT,
)
def delete_condition(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    condition_id: uuid.UUID,
) -> None:
    """Remove a condition."""
    history_service.delete_condition(
        session, actor=actor, patient_id=patient_id, condition_id=condition_id
    )


@router.post(
    "/patients/{patient_id}/medications",
    response_model=MedicationRead,
    status_code=status.HTTP_201_CREATED,
)
def add_medication(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    data: MedicationCreate,
) -> MedicationRead:
    """Record a medication."""
    return MedicationRead.model_validate(
        history_service.add_medication(
            session, actor=actor, patient_id=patient_id, data=data
        )
    )


@router.get("/patients/{patient_id}/medications", response_model=list[MedicationRead])
def list_medications(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID
) -> list[MedicationRead]:
    """The patient's medications, active first."""
    return [
        MedicationRead.model_validate(m)
        for m in history_service.list_medications(
            session, actor=actor, patient_id=patient_id
        )
    ]


@router.patch("/medications/{medication_id}", response_model=MedicationRead)
def update_medication(
    session: SessionDep,
    actor: CurrentActor,
    medication_id: uuid.UUID,
    data: MedicationUpdate,
) -> MedicationRead:
    """Change a medication; ``{"active": false}`` stops it."""
    return MedicationRead.model_validate(
        history_service.update_medication(
            session, actor=actor, medication_id=medication_id, data=data
        )
    )


@router.post(
    "/patients/{patient_id}/trials",
    response_model=TrialRead,
    status_code=status.HTTP_201_CREATED,
)
def add_trial(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID, data: TrialCreate
) -> TrialRead:
    """Record an antidepressant trial; the answer includes its adequacy verdict."""
    return history_service.add_trial(
        session, actor=actor, patient_id=patient_id, data=data
    )


@router.get("/patients/{patient_id}/trials", response_model=list[TrialRead])
def list_trials(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID
) -> list[TrialRead]:
    """The patient's antidepressant trials with adequacy verdicts."""
    return history_service.list_trials(session, actor=actor, patient_id=patient_id)


@router.patch("/trials/{trial_id}", response_model=TrialRead)
def update_trial(
    session: SessionDep, actor: CurrentActor, trial_id: uuid.UUID, data: TrialUpdate
) -> TrialRead:
    """Change a trial; an adequacy override needs ``override_reason``."""
    return history_service.update_trial(
        session, actor=actor, trial_id=trial_id, data=data
    )
