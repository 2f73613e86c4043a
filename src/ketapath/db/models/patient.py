"""Patients and their clinical history (conditions, medications, antidepressant trials)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ketapath.db.base import Base, TimestampMixin, new_id


class Patient(TimestampMixin, Base):
    """Demographics, contacts and the current clinical profile used by eligibility rules."""

    __tablename__ = "patients"
    __table_args__ = (
        CheckConstraint("sex IN ('female', 'male')", name="sex"),
        CheckConstraint(
            "weight_kg IS NULL OR (CAST(weight_kg AS REAL) > 20 AND CAST(weight_kg AS REAL) <= 350)",
            name="weight_kg_range",
        ),
        CheckConstraint(
            "height_cm IS NULL OR (CAST(height_cm AS REAL) >= 100 AND CAST(height_cm AS REAL) <= 250)",
            name="height_cm_range",
        ),
        CheckConstraint(
            "episode_duration_months IS NULL OR episode_duration_months >= 0",
            name="episode_duration_months_range",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT")
    )
    mrn: Mapped[str] = mapped_column(String(40), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    family_name: Mapped[str] = mapped_column(String(100))
    birth_date: Mapped[date]
    sex: Mapped[str] = mapped_column(String(8))
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(String(500))
    emergency_contact_name: Mapped[str | None] = mapped_column(String(200))
    emergency_contact_phone: Mapped[str | None] = mapped_column(String(40))
    weight_kg: Mapped[Decimal | None]
    height_cm: Mapped[Decimal | None]
    # None = not recorded: the eligibility rules treat unknown pregnancy status as a caution.
    pregnant: Mapped[bool | None]
    breastfeeding: Mapped[bool | None]
    episode_duration_months: Mapped[int | None]
    episode_severity: Mapped[str | None] = mapped_column(String(32))
    augmentation_used: Mapped[bool] = mapped_column(default=False)
    ect_used: Mapped[bool] = mapped_column(default=False)
    bilateral_ect_failed: Mapped[bool | None]
    rems_enrolled: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    identifiers: Mapped[list[PatientIdentifier]] = relationship(lazy="raise")
    conditions: Mapped[list[Condition]] = relationship(lazy="raise")
    medications: Mapped[list[Medication]] = relationship(lazy="raise")
    trials: Mapped[list[AntidepressantTrial]] = relationship(lazy="raise")


class PatientIdentifier(Base):
    """An external identifier (insurance member id, national id, another EHR's MRN)."""

    __tablename__ = "patient_identifiers"
    __table_args__ = (UniqueConstraint("system", "value"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    system: Mapped[str] = mapped_column(String(200))
    value: Mapped[str] = mapped_column(String(200))


class Condition(TimestampMixin, Base):
    """A coded condition from the eligibility vocabulary (``core.patient``)."""

    __tablename__ = "conditions"
    __table_args__ = (UniqueConstraint("patient_id", "code"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    code: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(String(1000))
    # A resolved condition stays on record (history is never deleted) but no longer counts.
    resolved_at: Mapped[datetime | None]
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class Medication(TimestampMixin, Base):
    """A current or past medication with the drug class the interaction rules use."""

    __tablename__ = "medications"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    drug_class: Mapped[str] = mapped_column(String(64))
    daily_dose_mg: Mapped[Decimal | None]
    active: Mapped[bool] = mapped_column(default=True)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))


class AntidepressantTrial(TimestampMixin, Base):
    """One antidepressant trial in the current episode, as TRD assessment needs it."""

    __tablename__ = "antidepressant_trials"
    __table_args__ = (
        CheckConstraint(
            "weeks IS NULL OR (CAST(weeks AS REAL) >= 0 AND CAST(weeks AS REAL) <= 520)",
            name="weeks_range",
        ),
        CheckConstraint(
            "improvement_pct IS NULL OR (CAST(improvement_pct AS REAL) >= -100 AND CAST(improvement_pct AS REAL) <= 100)",
            name="improvement_pct_range",
        ),
        CheckConstraint(
            "daily_dose_mg IS NULL OR CAST(daily_dose_mg AS REAL) > 0",
            name="daily_dose_mg_positive",
        ),
        CheckConstraint(
            "adequacy_override IS NULL OR override_reason IS NOT NULL",
            name="override_needs_reason",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    drug: Mapped[str] = mapped_column(String(100))
    drug_class: Mapped[str] = mapped_column(String(64))
    daily_dose_mg: Mapped[Decimal | None]
    weeks: Mapped[Decimal | None]
    improvement_pct: Mapped[Decimal | None]
    remission: Mapped[bool | None]
    adequacy_override: Mapped[bool | None]
    override_reason: Mapped[str | None] = mapped_column(String(1000))
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
