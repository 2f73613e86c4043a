"""Billing queries: fee schedule, diagnosis codes, payments, and the sessions a superbill covers."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.orm import selectinload

from ketapath.db.models import (
    Clinic,
    FeeScheduleEntry,
    PatientDiagnosisCode,
    Payment,
    SessionStatus,
    TreatmentCourse,
    TreatmentSession,
)
from ketapath.db.repositories.base import Repository

__all__ = ["BillingRepository"]


class BillingRepository(Repository[FeeScheduleEntry]):
    """Fees, diagnosis codes, payments and billable sessions."""

    model = FeeScheduleEntry

    def clinic(self, clinic_id: uuid.UUID) -> Clinic | None:
        """The clinic by id."""
        return self.session.get(Clinic, clinic_id)

    def fees(self, clinic_id: uuid.UUID) -> dict[str, FeeScheduleEntry]:
        """The clinic's fee schedule by code."""
        return {
            e.code: e
            for e in self.session.scalars(
                select(FeeScheduleEntry)
                .where(FeeScheduleEntry.clinic_id == clinic_id)
                .order_by(FeeScheduleEntry.code)
            )
        }

    def diagnoses(self, patient_id: uuid.UUID) -> list[PatientDiagnosisCode]:
        """The patient's billing diagnosis codes, primary first."""
        return list(
            self.session.scalars(
                select(PatientDiagnosisCode)
                .where(PatientDiagnosisCode.patient_id == patient_id)
                .order_by(PatientDiagnosisCode.rank)
            )
        )

    def replace_diagnoses(
        self, patient_id: uuid.UUID, rows: Sequence[PatientDiagnosisCode]
    ) -> None:
        """Replace the patient's diagnosis codes with ``rows``."""
        self.session.execute(
            delete(PatientDiagnosisCode).where(
                PatientDiagnosisCode.patient_id == patient_id
            )
        )
        self.session.add_all(rows)
        self.session.flush()

    def add_payment(self, payment: Payment) -> Payment:
        """Insert a payment."""
        self.session.add(payment)
        self.session.flush()
        return payment

    def paid(
        self,
        *,
        patient_id: uuid.UUID,
        start: date,
        end: date,
        session_id: uuid.UUID | None = None,
    ) -> Decimal:
        """The sum of the patient's payments in [start, end] (for one session if given)."""
        statement = select(Payment.amount).where(Payment.patient_id == patient_id)
        if session_id is not None:
            statement = statement.where(Payment.session_id == session_id)
        else:
            statement = statement.where(
                Payment.paid_on >= start, Payment.paid_on <= end
            )
        return sum(self.session.scalars(statement), Decimal(0))

    def billable_sessions(
        self,
        *,
        patient_id: uuid.UUID,
        start: date,
        end: date,
        session_id: uuid.UUID | None = None,
    ) -> list[tuple[TreatmentSession, TreatmentCourse]]:
        """The patient's sessions in [start, end] in which a drug was given, with their doses."""
        statement = (
            select(TreatmentSession, TreatmentCourse)
            .join(TreatmentCourse, TreatmentCourse.id == TreatmentSession.course_id)
            .where(
                TreatmentSession.patient_id == patient_id,
                TreatmentSession.first_dose_at.is_not(None),
                TreatmentSession.status != SessionStatus.CANCELLED,
            )
            .options(selectinload(TreatmentSession.doses))
            .order_by(TreatmentSession.scheduled_date, TreatmentSession.number)
        )
        if session_id is not None:
            statement = statement.where(TreatmentSession.id == session_id)
        else:
            statement = statement.where(
                TreatmentSession.scheduled_date >= start,
                TreatmentSession.scheduled_date <= end,
            )
        return [(row[0], row[1]) for row in self.session.execute(statement).all()]

    def count_payments(self, patient_id: uuid.UUID) -> int:
        """How many payments the patient has (tests)."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(Payment)
                .where(Payment.patient_id == patient_id)
            )
            or 0
        )
