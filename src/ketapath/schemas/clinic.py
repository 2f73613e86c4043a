"""Clinic and provider-directory boundary models (never password hashes)."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import EmailStr, Field, field_validator

from ketapath.schemas.base import Schema

__all__ = [
    "ChairRead",
    "ClinicRead",
    "SiteRead",
    "StaffCreate",
    "StaffRead",
    "StaffRole",
]

StaffRole = Literal["admin", "prescriber", "nurse", "therapist", "front_desk"]
"""Every role except ``patient`` (``ketapath.db.models.Role``)."""


class ChairRead(Schema):
    """A treatment chair or room."""

    id: uuid.UUID
    name: str
    kind: str
    active: bool


class SiteRead(Schema):
    """A location of the clinic with its chairs."""

    id: uuid.UUID
    name: str
    address: str | None
    rems_certified: bool
    chairs: list[ChairRead]


class ClinicRead(Schema):
    """The clinic: name, time zone and sites with chairs."""

    id: uuid.UUID
    name: str
    timezone: str
    sites: list[SiteRead]


class StaffRead(Schema):
    """A provider-directory entry."""

    id: uuid.UUID
    display_name: str
    role: str
    email: str
    npi: str | None
    on_call: bool
    active: bool


class StaffCreate(Schema):
    """Create a staff login (admins only). NPI: 10 digits."""

    email: EmailStr
    display_name: str = Field(min_length=1, max_length=200)
    role: StaffRole
    password: str = Field(min_length=10, max_length=200)
    npi: str | None = Field(default=None, pattern=r"^[0-9]{10}$")
    on_call: bool = False

    @field_validator("display_name")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value.strip()
