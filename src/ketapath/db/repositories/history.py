"""Clinical history queries: conditions, medications, antidepressant trials, latest vitals."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from ketapath.db.models import (
    AntidepressantTrial,
    Condition,
    Medication,
    TreatmentSession,
    VitalSign,
)
from ketapath.db.repositories.base import Repository

__all__ = [
    "ConditionRepository",
    "MedicationRepository",
    "TrialRepository",
    "VitalSignRepository",
]


class ConditionRepository(Repository[Condition]):
    """A patient's coded conditions."""

    model = Condition

    def for_patient(
        self, patient_id: uuid.UUID, *, include_resolved: bool = False
    ) -> Sequence[Condition]:
        """The patient's current conditions (or all, resolved too), by code."""
        query = select(Condition).where(Condition.patient_id == patient_id)
        if not include_resolved:
            query = query.where(Condition.resolved_at.is_(None))
        return self.session.scalars(query.order_by(Condition.code)).all()

    def by_code(self, patient_id: uuid.UUID, code: str) -> Condition | None:
        """The patient's condition with this code, if recorded."""
        return self.session.scalar(
            select(Condition).where(
                Condition.patient_id == patient_id, Condition.code == code
            )
        )

    def resolve(self, condition: Condition, *, at: datetime) -> None:
        """Mark a condition resolved; the row stays (clinical history is never deleted)."""
        condition.resolved_at = at
        self.session.flush()

    def reopen(self, condition: Condition) -> None:
        """Make a resolved condition current again."""
        condition.resolved_at = None
        self.session.flush()


class MedicationRepository(Repository[Medication]):
    """A patient's current and past medications."""

    model = Medication

    def for_patient(
        self, patient_id: uuid.UUID, *, active_only: bool = False
    ) -> Sequence[Medication]:
        """The patient's medications, active first, then by name."""
        query = select(Medication).where(Medication.patient_id == patient_id)
        if active_only:
            query = query.where(Medication.active.is_(True))
        return self.session.scalars(
            query.order_by(
                Medication.active.desc(),
                Medication.name,
                Medication.created_at,
                Medication.id,
            )
        ).all()


class TrialRepository(Repository[AntidepressantTrial]):
    """A patient's antidepressant trials in the current episode."""

    model = AntidepressantTrial

    def for_patient(self, patient_id: uuid.UUID) -> Sequence[AntidepressantTrial]:
        """The patient's trials in the order they were recorded."""
        return self.session.scalars(
            select(AntidepressantTrial)
            .where(AntidepressantTrial.patient_id == patient_id)
            .order_by(AntidepressantTrial.created_at, AntidepressantTrial.id)
        ).all()


class VitalSignRepository(Repository[VitalSign]):
    """Vital signs recorded in a patient's treatment sessions."""

    model = VitalSign

    def latest_blood_pressure(self, patient_id: uuid.UUID) -> tuple[int, int] | None:
        """(systolic, diastolic) of the most recent reading that has both, or None."""
        row = self.session.execute(
            select(VitalSign.systolic_mmhg, VitalSign.diastolic_mmhg)
            .join(TreatmentSession, TreatmentSession.id == VitalSign.session_id)
            .where(
                TreatmentSession.patient_id == patient_id,
                VitalSign.systolic_mmhg.is_not(None),
                VitalSign.diastolic_mmhg.is_not(None),
            )
            .order_by(VitalSign.taken_at.desc(), VitalSign.recorded_at.desc())
            .limit(1)
        ).first()
        if row is None or row[0] is None or row[1] is None:
            return None
        return int(row[0]), int(row[1])
