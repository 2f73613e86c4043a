"""Alerts: raised by a rule, acknowledged by a named clinician with a note."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ketapath.db.base import Base, new_id, utcnow
from ketapath.db.models._types import AlertKind, AlertSeverity, enum_column


class Alert(Base):
    """A clinical alert. Acknowledgement needs who and when together (database constraint)."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index("ix_alerts_open", "acknowledged_at", "raised_at"),
        CheckConstraint(
            "(acknowledged_at IS NULL AND acknowledged_by_id IS NULL) OR "
            "(acknowledged_at IS NOT NULL AND acknowledged_by_id IS NOT NULL)",
            name="ack_who_and_when",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="SET NULL")
    )
    measurement_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("measurements.id", ondelete="SET NULL")
    )
    kind: Mapped[AlertKind] = mapped_column(enum_column(AlertKind, "alert_kind"))
    severity: Mapped[AlertSeverity] = mapped_column(
        enum_column(AlertSeverity, "alert_severity")
    )
    message: Mapped[str] = mapped_column(String(1000))
    rule_id: Mapped[str] = mapped_column(String(64))
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledgement_note: Mapped[str | None] = mapped_column(String(2000))
    escalated_at: Mapped[datetime | None]
