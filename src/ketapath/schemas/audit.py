"""Audit log boundary models (read only: the log is append-only)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from ketapath.schemas.base import Schema

__all__ = ["AuditEntryRead", "AuditPage"]


class AuditEntryRead(Schema):
    """One audited action: who, what, which record, when, from where."""

    id: uuid.UUID
    occurred_at: datetime
    actor_id: uuid.UUID | None
    actor_role: str | None
    action: str
    entity: str
    entity_id: str | None
    patient_id: uuid.UUID | None
    client_address: str | None
    detail: dict[str, Any]


class AuditPage(Schema):
    """A page of audit entries, newest first."""

    items: list[AuditEntryRead]
    limit: int
    offset: int
