"""/api/v1/audit: the audit log, newest first (admins only; reading it is audited too)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime

from ketapath.api.deps import CurrentActor, SessionDep
from ketapath.schemas.audit import AuditEntryRead, AuditPage
from ketapath.services import audit as audit_service

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage)
def list_audit(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: Annotated[uuid.UUID | None, Query()] = None,
    since: Annotated[
        AwareDatetime | None,
        Query(description="Entries at or after this time (with a UTC offset)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> AuditPage:
    """Audit entries, optionally for one patient and since a time."""
    entries = audit_service.list_entries(
        session,
        actor=actor,
        patient_id=patient_id,
        since=since,
        limit=limit,
        offset=offset,
    )
    return AuditPage(
        items=[AuditEntryRead.model_validate(e) for e in entries],
        limit=limit,
        offset=offset,
    )
