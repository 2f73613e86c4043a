"""Billing data for superbills: the clinic's fee schedule, diagnosis codes, payments.

Fees are never invented: a code without a fee-schedule row is shown as "fee not set".
"""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ketapath.db.base import Base, TimestampMixin, new_id


class FeeScheduleEntry(TimestampMixin, Base):
    """The clinic's fee for one CPT/HCPCS code (per unit)."""

    __tablename__ = "fee_schedule_entries"
    __table_args__ = (
        UniqueConstraint("clinic_id", "code"),
        CheckConstraint("CAST(fee AS REAL) >= 0", name="fee_non_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="CASCADE")
    )
    code: Mapped[str] = mapped_column(String(16))
    fee: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    updated_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class PatientDiagnosisCode(TimestampMixin, Base):
    """An ICD-10-CM code a patient's superbills carry (rank 1 is the primary diagnosis)."""

    __tablename__ = "patient_diagnosis_codes"
    __table_args__ = (
        UniqueConstraint("patient_id", "code"),
        CheckConstraint("rank >= 1", name="rank_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(8))
    rank: Mapped[int]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Payment(TimestampMixin, Base):
    """A payment a patient made (the superbill's "paid" amount), optionally for one session."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint("CAST(amount AS REAL) > 0", name="amount_positive"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="SET NULL")
    )
    paid_on: Mapped[date]
    amount: Mapped[Decimal]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    method: Mapped[str | None] = mapped_column(String(32))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
