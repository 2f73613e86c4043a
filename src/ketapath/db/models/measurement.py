"""Measurements: item-level responses plus the result and the rule that computed it."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ketapath.db.base import Base, new_id, utcnow
from ketapath.db.models._types import MeasurementSource, enum_column


class Measurement(Base):
    """One completed instrument. Totals are recomputed by the core, never trusted from input."""

    __tablename__ = "measurements"
    __table_args__ = (
        Index("ix_measurements_patient_taken", "patient_id", "taken_at"),
        CheckConstraint("total IS NULL OR total >= 0", name="total_non_negative"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE")
    )
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="SET NULL"), index=True
    )
    instrument: Mapped[str] = mapped_column(String(32))
    taken_at: Mapped[datetime]
    source: Mapped[MeasurementSource] = mapped_column(
        enum_column(MeasurementSource, "source")
    )
    total: Mapped[int | None]
    severity: Mapped[str | None] = mapped_column(String(32))
    risk: Mapped[str | None] = mapped_column(String(16))
    flags: Mapped[list[Any]] = mapped_column(default=list)
    rule_id: Mapped[str] = mapped_column(String(64))
    rule_version: Mapped[str] = mapped_column(String(16))
    minutes_after_dose: Mapped[int | None]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    items: Mapped[list[MeasurementItem]] = relationship(
        lazy="raise", order_by="MeasurementItem.position", cascade="all, delete-orphan"
    )


class MeasurementItem(Base):
    """One item response of a measurement (always stored, never only the total)."""

    __tablename__ = "measurement_items"
    __table_args__ = (UniqueConstraint("measurement_id", "item_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    measurement_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("measurements.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int]
    item_id: Mapped[str] = mapped_column(String(32))
    value: Mapped[int]
