"""Treatment sessions and what happens in them: doses, timed vitals, adverse events."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ketapath.db.base import Base, TimestampMixin, new_id, utcnow
from ketapath.db.models._types import SessionStatus, enum_column


class TreatmentSession(TimestampMixin, Base):
    """One planned or held session. ``version`` guards concurrent status changes."""

    __tablename__ = "treatment_sessions"
    __table_args__ = (
        UniqueConstraint("course_id", "number"),
        Index("ix_treatment_sessions_date", "scheduled_date"),
        CheckConstraint(
            "planned_chair_minutes IS NULL OR planned_chair_minutes > 0",
            name="chair_minutes_positive",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    course_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_courses.id", ondelete="CASCADE")
    )
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    phase: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    scheduled_date: Mapped[date]
    scheduled_time: Mapped[str | None] = mapped_column(String(5))
    chair_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("chairs.id"))
    planned_dose_mg: Mapped[Decimal | None]
    planned_dose_mg_per_kg: Mapped[Decimal | None]
    planned_chair_minutes: Mapped[int | None]
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status")
    )
    predose_check: Mapped[dict[str, Any] | None]
    predose_acknowledged_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id")
    )
    checked_in_at: Mapped[datetime | None]
    first_dose_at: Mapped[datetime | None]
    ready_at: Mapped[datetime | None]
    discharged_at: Mapped[datetime | None]
    discharged_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    discharge: Mapped[dict[str, Any] | None]
    cancelled_reason: Mapped[str | None] = mapped_column(String(500))
    version: Mapped[int] = mapped_column(default=1)

    doses: Mapped[list[Dose]] = relationship(lazy="raise", order_by="Dose.given_at")
    vitals: Mapped[list[VitalSign]] = relationship(
        lazy="raise", order_by="VitalSign.taken_at"
    )
    adverse_events: Mapped[list[AdverseEvent]] = relationship(
        lazy="raise", order_by="AdverseEvent.onset_at"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 (SQLAlchemy declares it)


class Dose(Base):
    """A dose given in a session (an esketamine device set or an IV infusion)."""

    __tablename__ = "doses"
    __table_args__ = (
        CheckConstraint(
            "CAST(dose_mg AS REAL) > 0 AND CAST(dose_mg AS REAL) <= 1000",
            name="dose_mg_range",
        ),
        CheckConstraint(
            "devices IS NULL OR (devices >= 1 AND devices <= 3)", name="devices_range"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True
    )
    drug: Mapped[str] = mapped_column(String(32))
    dose_mg: Mapped[Decimal]
    devices: Mapped[int | None]
    infusion_minutes: Mapped[int | None]
    dosing_weight_kg: Mapped[Decimal | None]
    lot_number: Mapped[str | None] = mapped_column(String(64))
    rule_id: Mapped[str | None] = mapped_column(String(64))
    given_at: Mapped[datetime]
    given_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class VitalSign(Base):
    """A timed set of vitals. One row per reading, so concurrent writers never overwrite each other."""

    __tablename__ = "vital_signs"
    __table_args__ = (
        CheckConstraint(
            "systolic_mmhg IS NULL OR (systolic_mmhg >= 50 AND systolic_mmhg <= 300)",
            name="systolic_range",
        ),
        CheckConstraint(
            "diastolic_mmhg IS NULL OR (diastolic_mmhg >= 20 AND diastolic_mmhg <= 200)",
            name="diastolic_range",
        ),
        CheckConstraint(
            "heart_rate_bpm IS NULL OR (heart_rate_bpm >= 20 AND heart_rate_bpm <= 250)",
            name="heart_rate_range",
        ),
        CheckConstraint(
            "spo2_pct IS NULL OR (spo2_pct >= 50 AND spo2_pct <= 100)",
            name="spo2_range",
        ),
        CheckConstraint(
            "respiratory_rate_per_min IS NULL OR (respiratory_rate_per_min >= 4 AND respiratory_rate_per_min <= 60)",
            name="respiratory_rate_range",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True
    )
    taken_at: Mapped[datetime]
    minutes_after_dose: Mapped[int | None]
    systolic_mmhg: Mapped[int | None]
    diastolic_mmhg: Mapped[int | None]
    heart_rate_bpm: Mapped[int | None]
    spo2_pct: Mapped[int | None]
    respiratory_rate_per_min: Mapped[int | None]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class AdverseEvent(Base):
    """An adverse event during or after a session."""

    __tablename__ = "adverse_events"
    __table_args__ = (
        CheckConstraint(
            "severity IN ('mild', 'moderate', 'severe', 'serious')", name="severity"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    session_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    onset_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    description: Mapped[str | None] = mapped_column(String(2000))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
