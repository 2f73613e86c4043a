"""Treatment session queries: the full record, dosing history, and the board in a few queries."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ketapath.db.models import (
    AdverseEvent,
    Alert,
    Chair,
    Dose,
    Measurement,
    Patient,
    SessionStatus,
    Site,
    TreatmentCourse,
    TreatmentSession,
    VitalSign,
)
from ketapath.db.repositories.base import Repository

__all__ = ["BoardRow", "SessionRepository"]

BoardRow = tuple[TreatmentSession, TreatmentCourse, Patient, Chair | None, Site | None]
"""One board card's rows: the session, its course, patient, chair and site."""


class SessionRepository(Repository[TreatmentSession]):
    """Treatment sessions and what is recorded in them."""

    model = TreatmentSession

    def get_full(
        self, session_id: uuid.UUID, *, refresh: bool = False
    ) -> TreatmentSession | None:
        """One session with its doses, vitals and adverse events loaded.

        ``refresh`` reloads an object already in the session (after this request's writes).
        """
        return self.session.scalar(
            select(TreatmentSession)
            .where(TreatmentSession.id == session_id)
            .execution_options(populate_existing=refresh)
            .options(
                selectinload(TreatmentSession.doses),
                selectinload(TreatmentSession.vitals),
                selectinload(TreatmentSession.adverse_events),
            )
        )

    def course_of(self, session: TreatmentSession) -> TreatmentCourse:
        """The course a session belongs to (the foreign key guarantees it exists)."""
        course = self.session.get(TreatmentCourse, session.course_id)
        assert course is not None
        return course

    def chair_with_site(
        self, chair_id: uuid.UUID | None
    ) -> tuple[Chair | None, Site | None]:
        """The session's chair and its site, or (None, None)."""
        if chair_id is None:
            return None, None
        row = self.session.execute(
            select(Chair, Site)
            .join(Site, Site.id == Chair.site_id)
            .where(Chair.id == chair_id)
        ).first()
        return (row[0], row[1]) if row else (None, None)

    def course_sessions(self, course_id: uuid.UUID) -> Sequence[TreatmentSession]:
        """Every session of a course, by number."""
        return self.session.scalars(
            select(TreatmentSession)
            .where(TreatmentSession.course_id == course_id)
            .order_by(TreatmentSession.number)
        ).all()

    def previous_doses_mg(
        self, *, patient_id: uuid.UUID, drug: str, excluding_session_id: uuid.UUID
    ) -> list[Decimal]:
        """The patient's doses of ``drug`` in other sessions of any course, oldest first."""
        return list(
            self.session.scalars(
                select(Dose.dose_mg)
                .join(TreatmentSession, TreatmentSession.id == Dose.session_id)
                .where(
                    TreatmentSession.patient_id == patient_id,
                    Dose.drug == drug,
                    Dose.session_id != excluding_session_id,
                )
                .order_by(Dose.given_at, Dose.id)
            ).all()
        )

    def scales(self, session_id: uuid.UUID) -> Sequence[Measurement]:
        """Measurements taken in the session, with items, in the order taken."""
        return self.session.scalars(
            select(Measurement)
            .where(Measurement.session_id == session_id)
            .options(selectinload(Measurement.items))
            .order_by(Measurement.taken_at, Measurement.recorded_at, Measurement.id)
        ).all()

    def add_vital(self, vital: VitalSign) -> VitalSign:
        """Insert one reading (a new row: concurrent readings never overwrite each other)."""
        self.session.add(vital)
        self.session.flush()
        return vital

    def add_dose(self, dose: Dose) -> Dose:
        """Insert one dose."""
        self.session.add(dose)
        self.session.flush()
        return dose

    def add_adverse_event(self, event: AdverseEvent) -> AdverseEvent:
        """Insert one adverse event."""
        self.session.add(event)
        self.session.flush()
        return event

    def vitals_count(self, session_id: uuid.UUID) -> int:
        """How many readings a session has (the concurrency test counts them)."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(VitalSign)
                .where(VitalSign.session_id == session_id)
            )
            or 0
        )

    def board(
        self, *, clinic_id: uuid.UUID, day: date, site_id: uuid.UUID | None
    ) -> Sequence[BoardRow]:
        """The day's sessions (not cancelled) with course, patient, chair and site.

        Three queries however many cards: the joined rows, then vitals and doses in one
        ``IN`` query each. Ordered by chair, then time.
        """
        statement = (
            select(TreatmentSession, TreatmentCourse, Patient, Chair, Site)
            .join(TreatmentCourse, TreatmentCourse.id == TreatmentSession.course_id)
            .join(Patient, Patient.id == TreatmentSession.patient_id)
            .outerjoin(Chair, Chair.id == TreatmentSession.chair_id)
            .outerjoin(Site, Site.id == Chair.site_id)
            .where(
                Patient.clinic_id == clinic_id,
                TreatmentSession.scheduled_date == day,
                TreatmentSession.status != SessionStatus.CANCELLED,
            )
            .options(
                selectinload(TreatmentSession.vitals),
                selectinload(TreatmentSession.doses),
            )
            .order_by(
                Chair.name.is_(None),
                Chair.name,
                TreatmentSession.scheduled_time.is_(None),
                TreatmentSession.scheduled_time,
                Patient.family_name,
                TreatmentSession.id,
            )
        )
        if site_id is not None:
            statement = statement.where(Chair.site_id == site_id)
        rows = self.session.execute(statement).all()
        return [(r[0], r[1], r[2], r[3], r[4]) for r in rows]

    def open_alert_counts(
        self, patient_ids: Collection[uuid.UUID]
    ) -> dict[uuid.UUID, int]:
        """Unacknowledged alerts per patient, in one grouped query."""
        if not patient_ids:
            return {}
        rows = self.session.execute(
            select(Alert.patient_id, func.count())
            .where(
                Alert.patient_id.in_(list(patient_ids)), Alert.acknowledged_at.is_(None)
            )
            .group_by(Alert.patient_id)
        ).all()
        return {patient_id: int(count) for patient_id, count in rows}
