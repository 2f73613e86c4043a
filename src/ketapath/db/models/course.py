"""Treatment courses: route + protocol + dosing basis, planned into sessions."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ketapath.db.base import Base, TimestampMixin, new_id
from ketapath.db.models._types import CourseStatus, Route, enum_column


class TreatmentCourse(TimestampMixin, Base):
    """A course from a protocol template; its sessions are planned when it is created."""

    __tablename__ = "treatment_courses"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    route: Mapped[Route] = mapped_column(enum_column(Route, "route"))
    protocol: Mapped[str] = mapped_column(String(32))
    status: Mapped[CourseStatus] = mapped_column(
        enum_column(CourseStatus, "course_status")
    )
    start_date: Mapped[date]
    weekdays: Mapped[list[Any]]
    weight_basis: Mapped[str | None] = mapped_column(String(16))
    dose_mg_per_kg: Mapped[Decimal | None]
    infusion_minutes: Mapped[int | None]
    assessment_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("assessments.id")
    )
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None]
    sessions: Mapped[list[Any]] = relationship(
        "TreatmentSession",
        lazy="raise",
        order_by="TreatmentSession.number",
        viewonly=True,
    )
