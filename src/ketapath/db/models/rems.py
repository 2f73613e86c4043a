"""Spravato REMS records: patient enrolment and setting certification ids, monitoring forms.

The REMS Patient Monitoring Form (Janssen, 11/2021 edition) is completed after every
esketamine session and submitted within 7 days (REFERENCE.md §6 [S]; evidence-notes.md §1.10).
A form is drafted, completed by the clinician, signed (then immutable) and marked submitted; a
correction to a signed form is a new record whose ``amends_id`` names the one it corrects.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ketapath.db.base import Base, TimestampMixin, new_id


class RemsPatientEnrolment(TimestampMixin, Base):
    """A patient's REMS enrolment id and date (``patients.rems_enrolled`` stays the flag)."""

    __tablename__ = "rems_patient_enrolments"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), unique=True
    )
    rems_patient_id: Mapped[str | None] = mapped_column(String(64))
    enrolled_on: Mapped[date | None]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class RemsSettingCertification(TimestampMixin, Base):
    """A site's REMS certification id and date (``sites.rems_certified`` stays the flag)."""

    __tablename__ = "rems_setting_certifications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    site_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("sites.id", ondelete="CASCADE"), unique=True
    )
    certification_id: Mapped[str | None] = mapped_column(String(64))
    certified_on: Mapped[date | None]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class RemsMonitoringForm(TimestampMixin, Base):
    """One Patient Monitoring Form for one esketamine session.

    ``fields`` holds what the clinician entered while the form is a draft; when it is signed
    it holds the complete form (pre-filled and entered values) exactly as signed.
    """

    __tablename__ = "rems_monitoring_forms"
    __table_args__ = (
        Index("ix_rems_monitoring_forms_due_on", "due_on"),
        CheckConstraint("status IN ('draft', 'signed')", name="status"),
        CheckConstraint(
            "(status = 'signed') = (signed_at IS NOT NULL)", name="signed_has_time"
        ),
        CheckConstraint(
            "submitted_on IS NULL OR status = 'signed'", name="submitted_after_signing"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="RESTRICT"), index=True
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="RESTRICT"), index=True
    )
    amends_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("rems_monitoring_forms.id", ondelete="RESTRICT"), unique=True
    )
    amendment_reason: Mapped[str | None] = mapped_column(String(1000))
    treatment_date: Mapped[date]
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(16), default="draft")
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    signed_at: Mapped[datetime | None]
    signed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    submitted_on: Mapped[date | None]
    submitted_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
