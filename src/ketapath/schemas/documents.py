"""What the document renderers draw: plain models assembled by ``services.documents``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from ketapath.schemas.base import Schema

__all__ = [
    "DocumentRow",
    "SessionRecordDocument",
    "SignatureLine",
]


class DocumentRow(Schema):
    """One table row of already formatted cells."""

    cells: list[str]


class SignatureLine(Schema):
    """Who did what and when (check-in, dose, ready, discharge, signature)."""

    action: str
    name: str
    at: datetime | None


class SessionRecordDocument(Schema):
    """A session record for any route: every value already read from the database."""

    clinic_name: str
    site_name: str | None
    patient_name: str
    patient_mrn: str
    patient_birth_date: date
    session_date: date
    route: str
    protocol: str
    session_number: int
    phase: str
    kind: str
    status: str
    planned_dose_mg: Decimal | None
    predose_status: str | None
    doses: list[DocumentRow]
    vitals: list[DocumentRow]
    scales: list[DocumentRow]
    adverse_events: list[DocumentRow]
    discharge: list[DocumentRow]
    signatures: list[SignatureLine]
    generated_at: datetime
