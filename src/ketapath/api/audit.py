"""/api/v1/audit: the audit log, newest first (admins only; reading it is audited too)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.audit import AuditEntryRead, AuditPage
from ketapath.services import audit as audit_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["audit"])


@router.get("/audit", response_model=AuditPage)
async def list_audit(
    work: WorkDep,
    patient_id: Annotated[uuid.UUID | None, Query()] = None,
    since: Annotated[
        AwareDatetime | None,
        Query(description="Entries at or after this time (with a UTC offset)"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=10000000)] = 0,
) -> AuditPage:
    """Audit entries, optionally for one patient and since a time."""

    def run(session: Session, actor: Actor) -> AuditPage:
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

    return await work(run)
