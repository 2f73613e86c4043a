"""A patient's clinical history: conditions, medications and antidepressant trials.

Clinicians write; staff read; a patient reads their own. Every read and write is audited with
ids and field names only. Each trial is returned with the core's adequacy verdict under the
clinic's TRD rule set, so the chart shows adequacy exactly as the assessment will judge it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ketapath.core.patient import AntidepressantTrial as CoreTrial
from ketapath.core.trd import assess_adequacy, default_settings
from ketapath.db.base import utcnow
from ketapath.db.models import AntidepressantTrial, Condition, Medication, Patient
from ketapath.db.repositories.history import (
    ConditionRepository,
    MedicationRepository,
    TrialRepository,
)
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
from ketapath.services import audit
from ketapath.services.clinic import assessment_defaults, load_clinic
from ketapath.services.errors import ConflictError, NotFoundError, UnprocessableError
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "add_condition",
    "add_medication",
    "add_trial",
    "delete_condition",
    "fixed_point",
    "get_history",
    "list_conditions",
    "list_medications",
    "list_trials",
    "to_core_trial",
    "update_medication",
    "update_trial",
]


def fixed_point(value: Decimal | None) -> Decimal | None:
    """The same number without an exponent.

    PostgreSQL's normalised NUMERIC gives ``Decimal('1.5E+2')``, which would read
    "1.5E+2 mg/day" in the core's messages.
    """
    return None if value is None else Decimal(format(value, "f"))


def to_core_trial(trial: AntidepressantTrial) -> CoreTrial:
    """The stored trial as the core's value (core checks run again there)."""
    return CoreTrial(
        drug=trial.drug,
        drug_class=trial.drug_class,
        daily_dose_mg=fixed_point(trial.daily_dose_mg),
        weeks=fixed_point(trial.weeks),
        improvement_pct=fixed_point(trial.improvement_pct),
        remission=trial.remission,
        adequacy_override=trial.adequacy_override,
        override_reason=trial.override_reason,
    )


def _trial_reads(
    session: Session, actor: Actor, trials: Sequence[AntidepressantTrial]
) -> list[TrialRead]:
    ruleset, _ = assessment_defaults(load_clinic(session, clinic_id=actor.clinic_id))
    min_weeks = default_settings(ruleset).min_trial_weeks
    reads = []
    for trial in trials:
        verdict, reasons = assess_adequacy(to_core_trial(trial), min_weeks=min_weeks)
        reads.append(
            TrialRead.build(trial, ruleset=ruleset, verdict=verdict, reasons=reasons)
        )
    return reads


def _record(
    session: Session,
    actor: Actor,
    action: str,
    entity: str,
    patient: Patient,
    *,
    entity_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action=action,
        entity=entity,
        entity_id=entity_id,
        patient_id=patient.id,
        detail=detail,
    )


def _reject_nulls(changes: dict[str, Any], fields: tuple[str, ...]) -> None:
    for name in fields:
        if name in changes and changes[name] is None:
            raise UnprocessableError(f"{name} may not be null", field=name)


# --- conditions -------------------------------------------------------------------------


def add_condition(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: ConditionCreate
) -> Condition:
    """Record a coded condition (409 when the patient already has it)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.HISTORY_WRITE
    )
    conditions = ConditionRepository(session)
    existing = conditions.by_code(patient.id, data.code)
    if existing is not None and existing.resolved_at is None:
        raise ConflictError("this condition is already recorded", field="code")
    if existing is not None:
        conditions.reopen(existing)
        _record(session, actor, "reopen", "condition", patient, entity_id=existing.id)
        return existing
    condition = conditions.add(
        Condition(
            patient_id=patient.id,
            code=data.code,
            note=data.note,
            recorded_by_id=actor.user_id,
        )
    )
    _record(session, actor, "create", "condition", patient, entity_id=condition.id)
    return condition


def list_conditions(
    session: Session, *, actor: Actor, patient_id: uuid.UUID
) -> Sequence[Condition]:
    """The patient's conditions (audited read)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_READ
    )
    rows = ConditionRepository(session).for_patient(patient.id)
    _record(session, actor, "read", "condition", patient, detail={"count": len(rows)})
    return rows


def delete_condition(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, condition_id: uuid.UUID
) -> None:
    """Resolve a condition: it stops counting but stays on record (history is never deleted)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.HISTORY_WRITE
    )
    conditions = ConditionRepository(session)
    condition = conditions.get(condition_id)
    if (
        condition is None
        or condition.patient_id != patient.id
        or condition.resolved_at is not None
    ):
        raise NotFoundError("condition not found")
    conditions.resolve(condition, at=utcnow())
    _record(session, actor, "resolve", "condition", patient, entity_id=condition_id)


# --- medications ------------------------------------------------------------------------


def add_medication(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: MedicationCreate
) -> Medication:
    """Record a medication."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.HISTORY_WRITE
    )
    medication = MedicationRepository(session).add(
        Medication(
            patient_id=patient.id,
            **data.model_dump(),
            recorded_by_id=actor.user_id,
        )
    )
    _record(session, actor, "create", "medication", patient, entity_id=medication.id)
    return medication


def list_medications(
    session: Session, *, actor: Actor, patient_id: uuid.UUID
) -> Sequence[Medication]:
    """The patient's medications, active first (audited read)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_READ
    )
    rows = MedicationRepository(session).for_patient(patient.id)
    _record(session, actor, "read", "medication", patient, detail={"count": len(rows)})
    return rows


def update_medication(
    session: Session, *, actor: Actor, medication_id: uuid.UUID, data: MedicationUpdate
) -> Medication:
    """Change a medication; ``active=False`` stops it. The audit lists the fields changed."""
    require(actor, Capability.HISTORY_WRITE)
    medications = MedicationRepository(session)
    medication = medications.get(medication_id)
    if medication is None:
        raise NotFoundError("medication not found")
    patient = load_patient(
        session,
        actor=actor,
        patient_id=medication.patient_id,
        capability=Capability.HISTORY_WRITE,
    )
    changes = data.model_dump(exclude_unset=True)
    _reject_nulls(changes, ("active",))
    for name, value in changes.items():
        setattr(medication, name, value)
    session.flush()
    _record(
        session,
        actor,
        "update",
        "medication",
        patient,
        entity_id=medication.id,
        detail={"fields": sorted(changes)},
    )
    return medication


# --- antidepressant trials --------------------------------------------------------------


def add_trial(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: TrialCreate
) -> TrialRead:
    """Record an antidepressant trial; the answer carries the core's adequacy verdict."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.HISTORY_WRITE
    )
    trial = AntidepressantTrial(
        patient_id=patient.id, **data.model_dump(), recorded_by_id=actor.user_id
    )
    to_core_trial(trial)  # the core's checks, before anything is written
    TrialRepository(session).add(trial)
    _record(
        session, actor, "create", "antidepressant_trial", patient, entity_id=trial.id
    )
    return _trial_reads(session, actor, [trial])[0]


def list_trials(
    session: Session, *, actor: Actor, patient_id: uuid.UUID
) -> list[TrialRead]:
    """The patient's trials with adequacy verdicts (audited read)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_READ
    )
    rows = TrialRepository(session).for_patient(patient.id)
    _record(
        session,
        actor,
        "read",
        "antidepressant_trial",
        patient,
        detail={"count": len(rows)},
    )
    return _trial_reads(session, actor, rows)


def update_trial(
    session: Session, *, actor: Actor, trial_id: uuid.UUID, data: TrialUpdate
) -> TrialRead:
    """Change a trial. Setting an adequacy override needs a reason in the same request."""
    require(actor, Capability.HISTORY_WRITE)
    trials = TrialRepository(session)
    trial = trials.get(trial_id)
    if trial is None:
        raise NotFoundError("trial not found")
    patient = load_patient(
        session,
        actor=actor,
        patient_id=trial.patient_id,
        capability=Capability.HISTORY_WRITE,
    )
    changes = data.model_dump(exclude_unset=True)
    _reject_nulls(changes, ("drug", "drug_class"))
    if "adequacy_override" in changes:
        if changes["adequacy_override"] is None:
            changes["override_reason"] = None
        elif changes.get("override_reason") is None:
            raise UnprocessableError(
                "a reason is required when adequacy_override is set",
                field="override_reason",
            )
    elif (
        "override_reason" in changes
        and changes["override_reason"] is None
        and trial.adequacy_override is not None
    ):
        raise UnprocessableError(
            "an adequacy override keeps its reason; clear adequacy_override instead",
            field="override_reason",
        )
    for name, value in changes.items():
        setattr(trial, name, value)
    to_core_trial(trial)  # the core's checks, before the change is flushed
    session.flush()
    _record(
        session,
        actor,
        "update",
        "antidepressant_trial",
        patient,
        entity_id=trial.id,
        detail={"fields": sorted(changes)},
    )
    return _trial_reads(session, actor, [trial])[0]


# --- the whole history ------------------------------------------------------------------


def get_history(
    session: Session, *, actor: Actor, patient_id: uuid.UUID
) -> HistoryRead:
    """Conditions, medications, trials and the current episode in one audited read."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.PATIENT_READ
    )
    conditions = ConditionRepository(session).for_patient(patient.id)
    medications = MedicationRepository(session).for_patient(patient.id)
    trials = TrialRepository(session).for_patient(patient.id)
    _record(session, actor, "read", "history", patient)
    return HistoryRead(
        patient_id=patient.id,
        episode_duration_months=patient.episode_duration_months,
        episode_severity=patient.episode_severity,
        augmentation_used=patient.augmentation_used,
        ect_used=patient.ect_used,
        conditions=[ConditionRead.model_validate(c) for c in conditions],
        medications=[MedicationRead.model_validate(m) for m in medications],
        trials=_trial_reads(session, actor, trials),
    )
