"""REMS queries: monitoring forms, enrolment and certification ids, and what pre-fills a form."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import func, select

from ketapath.db.models import (
    Chair,
    Dose,
    Measurement,
    Medication,
    Patient,
    RemsMonitoringForm,
    RemsPatientEnrolment,
    RemsSettingCertification,
    Route,
    SessionStatus,
    Site,
    TreatmentCourse,
    TreatmentSession,
    User,
)
from ketapath.db.repositories.base import Repository

__all__ = ["RemsRepository"]


class RemsRepository(Repository[RemsMonitoringForm]):
    """Monitoring forms and the REMS ids of patients and sites."""

    model = RemsMonitoringForm

    def forms_for_session(self, session_id: uuid.UUID) -> list[RemsMonitoringForm]:
        """Every form of a session (the original and its amendments), oldest first."""
        return list(
            self.session.scalars(
                select(RemsMonitoringForm)
                .where(RemsMonitoringForm.session_id == session_id)
                .order_by(RemsMonitoringForm.created_at, RemsMonitoringForm.id)
            )
        )

    def forms_for_sessions(
        self, session_ids: Collection[uuid.UUID]
    ) -> list[RemsMonitoringForm]:
        """Every form of these sessions."""
        if not session_ids:
            return []
        return list(
            self.session.scalars(
                select(RemsMonitoringForm).where(
                    RemsMonitoringForm.session_id.in_(list(session_ids))
                )
            )
        )

    def enrolment(self, patient_id: uuid.UUID) -> RemsPatientEnrolment | None:
        """The patient's REMS enrolment ids, if recorded."""
        return self.session.scalar(
            select(RemsPatientEnrolment).where(
                RemsPatientEnrolment.patient_id == patient_id
            )
        )

    def certification(self, site_id: uuid.UUID) -> RemsSettingCertification | None:
        """The site's REMS certification ids, if recorded."""
        return self.session.scalar(
            select(RemsSettingCertification).where(
                RemsSettingCertification.site_id == site_id
            )
        )

    def save(self, row: RemsPatientEnrolment | RemsSettingCertification) -> None:
        """Insert or update an enrolment or certification row."""
        self.session.add(row)
        self.session.flush()

    def site(self, site_id: uuid.UUID) -> Site | None:
        """A site by id."""
        return self.session.get(Site, site_id)

    def site_of_chair(self, chair_id: uuid.UUID | None) -> Site | None:
        """The site a chair belongs to."""
        if chair_id is None:
            return None
        return self.session.scalar(
            select(Site)
            .join(Chair, Chair.site_id == Site.id)
            .where(Chair.id == chair_id)
        )

    def users(self, user_ids: Collection[uuid.UUID | None]) -> dict[uuid.UUID, User]:
        """Users by id (for names on forms and documents)."""
        ids = [i for i in set(user_ids) if i is not None]
        if not ids:
            return {}
        return {
            u.id: u for u in self.session.scalars(select(User).where(User.id.in_(ids)))
        }

    def active_medication_classes(self, patient_id: uuid.UUID) -> set[str]:
        """The drug classes of the patient's active medications."""
        return set(
            self.session.scalars(
                select(Medication.drug_class).where(
                    Medication.patient_id == patient_id, Medication.active.is_(True)
                )
            )
        )

    def esketamine_doses_before(
        self,
        *,
        patient_id: uuid.UUID,
        before: datetime,
        excluding_session_id: uuid.UUID,
    ) -> int:
        """How many esketamine doses the patient had in other sessions before ``before``."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(Dose)
                .join(TreatmentSession, TreatmentSession.id == Dose.session_id)
                .join(TreatmentCourse, TreatmentCourse.id == TreatmentSession.course_id)
                .where(
                    TreatmentSession.patient_id == patient_id,
                    TreatmentCourse.route == Route.ESKETAMINE,
                    Dose.session_id != excluding_session_id,
                    Dose.given_at < before,
                )
            )
            or 0
        )

    def scale_totals(self, session_id: uuid.UUID, instrument: str) -> list[int]:
        """Totals of one instrument taken in the session."""
        return [
            t
            for t in self.session.scalars(
                select(Measurement.total).where(
                    Measurement.session_id == session_id,
                    Measurement.instrument == instrument,
                )
            )
            if t is not None
        ]

    def dosed_esketamine_sessions(
        self, *, clinic_id: uuid.UUID
    ) -> Sequence[tuple[TreatmentSession, Patient]]:
        """Esketamine sessions of the clinic in which a dose was given (not cancelled)."""
        rows = self.session.execute(
            select(TreatmentSession, Patient)
            .join(TreatmentCourse, TreatmentCourse.id == TreatmentSession.course_id)
            .join(Patient, Patient.id == TreatmentSession.patient_id)
            .where(
                Patient.clinic_id == clinic_id,
                TreatmentCourse.route == Route.ESKETAMINE,
                TreatmentSession.first_dose_at.is_not(None),
                TreatmentSession.status != SessionStatus.CANCELLED,
            )
            .order_by(TreatmentSession.scheduled_date, TreatmentSession.id)
        ).all()
        return [(row[0], row[1]) for row in rows]
