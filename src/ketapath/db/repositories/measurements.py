"""Measurement queries (items are always eager-loaded where a caller reads them)."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from ketapath.db.models import Clinic, Measurement, TreatmentSession
from ketapath.db.repositories.base import Repository, insert_now

__all__ = ["MeasurementRepository", "clinic_timezone", "treatment_session_patient_id"]


def treatment_session_patient_id(
    session: Session, session_id: uuid.UUID
) -> uuid.UUID | None:
    """The patient a treatment session belongs to, or None when there is no such session."""
    return session.scalar(
        select(TreatmentSession.patient_id).where(TreatmentSession.id == session_id)
    )


def clinic_timezone(session: Session, clinic_id: uuid.UUID) -> str | None:
    """The clinic's IANA time zone name (clinic-local dates for trajectories)."""
    return session.scalar(select(Clinic.timezone).where(Clinic.id == clinic_id))


class MeasurementRepository(Repository[Measurement]):
    """Measurements of a patient, with their item answers."""

    model = Measurement

    def add(self, instance: Measurement) -> Measurement:
        """Insert the measurement and its item answers now, without the unit of work.

        A hot write path (:func:`insert_now`): ``instance`` and its items come back complete
        (ids, defaults) but untracked.
        """
        insert_now(self.session, [instance])
        for item in instance.items:
            item.__dict__["measurement_id"] = (
                instance.id
            )  # untracked, as insert_now sets
        insert_now(self.session, instance.items)
        return instance

    def get_with_items(self, measurement_id: uuid.UUID) -> Measurement | None:
        """One measurement with its items loaded."""
        return self.session.scalar(
            select(Measurement)
            .where(Measurement.id == measurement_id)
            .options(selectinload(Measurement.items))
        )

    def list_for_patient(
        self,
        *,
        patient_id: uuid.UUID,
        instrument: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Measurement], int]:
        """Newest first (by when taken, then when recorded), with items; and the total count."""
        statement = select(Measurement).where(Measurement.patient_id == patient_id)
        if instrument is not None:
            statement = statement.where(Measurement.instrument == instrument)
        total = (
            self.session.scalar(select(func.count()).select_from(statement.subquery()))
            or 0
        )
        rows = self.session.scalars(
            statement.options(selectinload(Measurement.items))
            .order_by(
                Measurement.taken_at.desc(),
                Measurement.recorded_at.desc(),
                Measurement.id,
            )
            .limit(limit)
            .offset(offset)
        ).all()
        return rows, total

    def scored_series(
        self, *, patient_id: uuid.UUID, instruments: Collection[str]
    ) -> Sequence[Measurement]:
        """Measurements with a total on these instruments, oldest first (items not loaded)."""
        return self.session.scalars(
            select(Measurement)
            .where(
                Measurement.patient_id == patient_id,
                Measurement.instrument.in_(list(instruments)),
                Measurement.total.is_not(None),
            )
            .order_by(Measurement.taken_at, Measurement.recorded_at, Measurement.id)
        ).all()
