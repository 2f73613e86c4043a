"""Billing boundary models: fee schedule, ICD-10 diagnosis codes, payments, the superbill."""

from __future__ import annotations

import re
import uuid
from datetime import date
from decimal import Decimal
from typing import Literal

from pydantic import Field, field_validator

from ketapath.schemas.base import Schema

__all__ = [
    "BILLABLE_CODE_PATTERN",
    "DiagnosisCodesSet",
    "DiagnosisRead",
    "FeeRead",
    "FeeSet",
    "PaymentCreate",
    "PaymentRead",
    "ProviderRead",
    "SuperbillLine",
    "SuperbillRead",
]

BILLABLE_CODE_PATTERN = r"^[A-Z0-9]{5}$"
"""A CPT or HCPCS Level II code: five characters (e.g. 96365, G2082, J3490)."""
_ICD10_DEPRESSION = re.compile(r"^F3[23]\.([0-9]|[0-9][0-9]|A)$")


class FeeSet(Schema):
    """The clinic's fee for one code (per unit), in US dollars."""

    fee: Decimal = Field(ge=0, le=100000, decimal_places=2)


class FeeRead(Schema):
    """A fee-schedule entry."""

    code: str
    fee: Decimal
    currency: str


class DiagnosisCodesSet(Schema):
    """The ICD-10-CM codes a patient's superbills carry, primary first (F32.x / F33.x)."""

    codes: list[str] = Field(min_length=1, max_length=4)

    @field_validator("codes")
    @classmethod
    def _depression_codes(cls, codes: list[str]) -> list[str]:
        cleaned = [c.strip().upper() for c in codes]
        for code in cleaned:
            if not _ICD10_DEPRESSION.match(code) or code == "F32.81":
                raise ValueError(
                    f"{code!r} is not a depression code (allowed: F32.x or F33.x, "
                    "not F32.81)"
                )
        if len(set(cleaned)) != len(cleaned):
            raise ValueError("codes must not repeat")
        return cleaned


class DiagnosisRead(Schema):
    """An ICD-10-CM code and its description."""

    code: str
    description: str


class PaymentCreate(Schema):
    """A payment the patient made, optionally for one session."""

    amount: Decimal = Field(gt=0, le=100000, decimal_places=2)
    paid_on: date
    session_id: uuid.UUID | None = None
    method: Literal["card", "cash", "check", "transfer", "other"] | None = None


class PaymentRead(Schema):
    """A payment as stored."""

    id: uuid.UUID
    patient_id: uuid.UUID
    session_id: uuid.UUID | None
    amount: Decimal
    currency: str
    paid_on: date
    method: str | None


class ProviderRead(Schema):
    """A rendering or prescribing provider on a superbill."""

    name: str
    npi: str | None


class SuperbillLine(Schema):
    """One billed service: a code chosen by rule for one session.

    ``unit_fee`` and ``amount`` are None when the clinic's fee schedule has no fee for the code
    (the superbill then prints "fee not set"); ``confidence`` is the code rule's tag.
    """

    session_id: uuid.UUID
    date_of_service: date
    code: str
    description: str
    units: int
    unit_fee: Decimal | None
    amount: Decimal | None
    confidence: str
    rule: str


class SuperbillRead(Schema):
    """A superbill: who, what was done (codes), why (ICD-10), charges, paid and balance."""

    clinic_name: str
    clinic_address: str | None
    providers: list[ProviderRead]
    patient_id: uuid.UUID
    patient_name: str
    patient_birth_date: date
    patient_address: str | None
    start: date
    end: date
    diagnoses: list[DiagnosisRead]
    lines: list[SuperbillLine]
    total_charges: Decimal
    paid: Decimal
    balance: Decimal
    complete: bool
    missing: list[str]
    notes: list[str]
