"""Treatment course queries, and the reads a course needs (latest assessment, chair, clinic)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any, NamedTuple

from sqlalchemy import Uuid, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from ketapath.db.models import (
    Assessment,
    Chair,
    Clinic,
    TreatmentCourse,
    TreatmentSession,
)
from ketapath.db.repositories.base import Repository

__all__ = ["ClinicSettings", "CourseRepository"]


class CourseRepository(Repository[TreatmentCourse]):
    """Courses of a patient, with their sessions where a caller reads them."""

    model = TreatmentCourse

    def get_with_sessions(self, course_id: uuid.UUID) -> TreatmentCourse | None:
        """One course with its sessions (by number)."""
        return self.session.scalar(
            select(TreatmentCourse)
            .where(TreatmentCourse.id == course_id)
            .options(selectinload(TreatmentCourse.sessions))
        )

    def list_for_patient(self, patient_id: uuid.UUID) -> Sequence[TreatmentCourse]:
        """A patient's courses, newest start first, sessions loaded."""
        return self.session.scalars(
            select(TreatmentCourse)
            .where(TreatmentCourse.patient_id == patient_id)
            .options(selectinload(TreatmentCourse.sessions))
            .order_by(
                TreatmentCourse.start_date.desc(), TreatmentCourse.created_at.desc()
            )
        ).all()

    def add_sessions(self, sessions: Sequence[TreatmentSession]) -> None:
        """Insert the planned sessions of a course and flush."""
        self.session.add_all(sessions)
        self.session.flush()

    def latest_assessment(self, patient_id: uuid.UUID) -> Assessment | None:
        """The patient's most recent stored assessment, with its overrides."""
        return self.session.scalar(
            select(Assessment)
            .where(Assessment.patient_id == patient_id)
            .execution_options(populate_existing=True)
            .options(selectinload(Assessment.overrides))
            .order_by(Assessment.assessed_at.desc(), Assessment.id.desc())
            .limit(1)
        )

    def chair_in_clinic(
        self, chair_id: uuid.UUID, *, clinic_id: uuid.UUID
    ) -> Chair | None:
        """An active chair of the clinic, with its site loaded (None when not the clinic's)."""
        chair = self.session.scalar(
            select(Chair)
            .where(Chair.id == chair_id, Chair.active.is_(True))
            .options(joinedload(Chair.site))
        )
        if chair is None or chair.site.clinic_id != clinic_id:
            return None
        return chair

    def clinic(self, clinic_id: uuid.UUID) -> Clinic | None:
        """The clinic (time zone and settings)."""
        return self.session.get(Clinic, clinic_id)

    def clinic_settings(self, clinic_id: uuid.UUID) -> ClinicSettings | None:
        """Only the clinic's time zone and settings: a quarter of the cost of loading it."""
        row = self.session.execute(
            _CLINIC_SETTINGS, {"clinic_id": clinic_id}
        ).one_or_none()
        return None if row is None else ClinicSettings(row.timezone, row.settings)


class ClinicSettings(NamedTuple):
    """What the board and the calendar read of a clinic (see ``services.clinic.today_in``)."""

    timezone: str
    settings: dict[str, Any]


_CLINIC_SETTINGS = select(Clinic.timezone, Clinic.settings).where(
    Clinic.id == bindparam("clinic_id", type_=Uuid())
)
