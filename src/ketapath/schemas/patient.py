"""Patient boundary models: create, update, read."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import EmailStr, Field

from ketapath.schemas.base import Schema


class IdentifierIn(Schema):
    """An external identifier."""

    system: str = Field(min_length=1, max_length=200)
    value: str = Field(min_length=1, max_length=200)


class PatientCreate(Schema):
    """Enrol a patient. Adults only: ketapath's treatments are for adults (18+)."""

    mrn: str = Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")
    given_name: str = Field(min_length=1, max_length=100)
    family_name: str = Field(min_length=1, max_length=100)
    birth_date: date
    sex: Literal["female", "male"]
    email: EmailStr | None = None
    phone: str | None = Field(
        default=None, max_length=40, pattern=r"^[0-9+() .-]{5,40}$"
    )
    address: str | None = Field(default=None, max_length=500)
    emergency_contact_name: str | None = Field(default=None, max_length=200)
    emergency_contact_phone: str | None = Field(
        default=None, max_length=40, pattern=r"^[0-9+() .-]{5,40}$"
    )
    weight_kg: Decimal | None = Field(default=None, gt=20, le=350, decimal_places=2)
    height_cm: Decimal | None = Field(default=None, ge=100, le=250, decimal_places=1)
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    identifiers: list[IdentifierIn] = Field(default_factory=list, max_length=20)


class PatientUpdate(Schema):
    """Change demographics, contacts or the clinical profile; omitted fields stay as they are."""

    given_name: str | None = Field(default=None, min_length=1, max_length=100)
    family_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(
        default=None, max_length=40, pattern=r"^[0-9+() .-]{5,40}$"
    )
    address: str | None = Field(default=None, max_length=500)
    emergency_contact_name: str | None = Field(default=None, max_length=200)
    emergency_contact_phone: str | None = Field(
        default=None, max_length=40, pattern=r"^[0-9+() .-]{5,40}$"
    )
    weight_kg: Decimal | None = Field(default=None, gt=20, le=350, decimal_places=2)
    height_cm: Decimal | None = Field(default=None, ge=100, le=250, decimal_places=1)
    pregnant: bool | None = None
    breastfeeding: bool | None = None
    episode_duration_months: int | None = Field(default=None, ge=0, le=600)
    episode_severity: (
        Literal["subsyndromal", "mild", "moderate", "severe", "severe_with_psychosis"]
        | None
    ) = None
    augmentation_used: bool | None = None
    ect_used: bool | None = None
    bilateral_ect_failed: bool | None = None
    rems_enrolled: bool | None = None


class IdentifierRead(Schema):
    """An identifier as stored."""

    system: str
    value: str


class PatientRead(Schema):
    """A patient record."""

    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    email: str | None
    phone: str | None
    address: str | None
    emergency_contact_name: str | None
    emergency_contact_phone: str | None
    weight_kg: Decimal | None
    height_cm: Decimal | None
    pregnant: bool | None
    breastfeeding: bool | None
    episode_duration_months: int | None
    episode_severity: str | None
    augmentation_used: bool
    ect_used: bool
    bilateral_ect_failed: bool | None
    rems_enrolled: bool
    active: bool
    created_at: datetime


class PatientSummary(Schema):
    """A row of the patient list."""

    id: uuid.UUID
    mrn: str
    given_name: str
    family_name: str
    birth_date: date
    sex: str
    active: bool


class PatientPage(Schema):
    """A page of patients."""

    items: list[PatientSummary]
    total: int
    limit: int
    offset: int
