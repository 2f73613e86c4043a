"""Audit every read and write of patient data; entries never hold clinical values."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import AuditEntry
from ketapath.db.repositories.audit import AuditRepository
from ketapath.db.repositories.base import untracked
from ketapath.db.repositories.patients import PatientRepository
from ketapath.services.errors import NotFoundError
from ketapath.services.permissions import Actor, Capability, require

__all__ = ["entry", "list_entries", "record"]


def record(
    session: Session,
    *,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: uuid.UUID | str | None = None,
    patient_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
    clinic_id: uuid.UUID | None = None,
) -> None:
    """Append one audit entry in the current transaction (it commits with the change it records).

    ``clinic_id`` defaults to the actor's; pass it where there is no actor (a failed login).
    """
    AuditRepository(session).append(
        entry(
            actor=actor,
            action=action,
            entity=entity,
            entity_id=entity_id,
            patient_id=patient_id,
            detail=detail,
            clinic_id=clinic_id,
        )
    )


def entry(
    *,
    actor: Actor | None,
    action: str,
    entity: str,
    entity_id: uuid.UUID | str | None = None,
    patient_id: uuid.UUID | None = None,
    detail: dict[str, Any] | None = None,
    clinic_id: uuid.UUID | None = None,
) -> AuditEntry:
    """One audit entry, in no transaction yet.

    For a read answered without a session, whose entry ``http.AuditBatches`` commits before
    the answer is sent.
    """
    return untracked(
        AuditEntry,
        occurred_at=utcnow(),
        clinic_id=actor.clinic_id if actor else clinic_id,
        actor_id=actor.user_id if actor else None,
        actor_role=actor.role.value if actor else None,
        action=action,
        entity=entity,
        entity_id=str(entity_id) if entity_id is not None else None,
        patient_id=patient_id,
        client_address=actor.client_address if actor else None,
        detail=detail or {},
    )


def list_entries(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID | None = None,
    since: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[AuditEntry]:
    """Admins read their clinic's audit log; reading it is itself audited.

    A ``patient_id`` must be a patient of the admin's clinic (404 naming it otherwise).
    """
    require(actor, Capability.AUDIT_READ)
    if patient_id is not None:
        patient = PatientRepository(session).get(patient_id)
        if patient is None or patient.clinic_id != actor.clinic_id:
            raise NotFoundError("patient not found", field="patient_id")
    record(
        session, actor=actor, action="read", entity="audit_log", patient_id=patient_id
    )
    return AuditRepository(session).list(
        clinic_id=actor.clinic_id,
        patient_id=patient_id,
        since=since,
        limit=limit,
        offset=offset,
    )
