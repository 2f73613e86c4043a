"""Stored eligibility decisions and their overrides (who, why, when)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ketapath.db.base import Base, new_id, utcnow


class Assessment(Base):
    """A TRD + staging + route-eligibility decision exactly as the core returned it."""

    __tablename__ = "assessments"
    __table_args__ = (Index("ix_assessments_patient_at", "patient_id", "assessed_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE")
    )
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)
    assessed_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    trd_ruleset: Mapped[str] = mapped_column(String(32))
    jurisdiction: Mapped[str] = mapped_column(String(16))
    trd_met: Mapped[bool]
    msm_score: Mapped[int | None]
    msm_band: Mapped[str | None] = mapped_column(String(16))
    iv_ketamine_status: Mapped[str] = mapped_column(String(16))
    esketamine_status: Mapped[str] = mapped_column(String(16))
    kap_status: Mapped[str] = mapped_column(String(16))
    profile: Mapped[dict[str, Any]]
    decision: Mapped[dict[str, Any]]
    overrides: Mapped[list[AssessmentOverride]] = relationship(lazy="raise")


class AssessmentOverride(Base):
    """A clinician's override of one finding, with the reason; contraindications need a prescriber."""

    __tablename__ = "assessment_overrides"
    __table_args__ = (CheckConstraint("length(reason) >= 10", name="reason_length"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    assessment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    route: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(String(2000))
    overridden_by_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    overridden_at: Mapped[datetime] = mapped_column(default=utcnow)
