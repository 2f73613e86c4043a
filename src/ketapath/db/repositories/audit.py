"""Audit log queries (insert and read only; the table refuses updates and deletes)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select

from ketapath.db.engine import is_read_only
from ketapath.db.models import AuditEntry
from ketapath.db.repositories.base import Repository, insert_now


class AuditRepository(Repository[AuditEntry]):
    """Append and list audit entries."""

    model = AuditEntry

    def append(self, entry: AuditEntry) -> None:
        """Insert one entry in the request's transaction (it commits with what it records).

        A read keeps its entries in the session for ``http.AuditBatches`` to commit; a write
        inserts at once, without the unit of work (:func:`insert_now`).
        """
        if is_read_only(self.session):
            self.session.add(entry)
        else:
            insert_now(self.session, [entry])

    def list(
        self,
        *,
        clinic_id: uuid.UUID,
        patient_id: uuid.UUID | None = None,
        since: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[AuditEntry]:
        """One clinic's entries, newest first, optionally for one patient."""
        query = (
            select(AuditEntry)
            .where(AuditEntry.clinic_id == clinic_id)
            .order_by(AuditEntry.occurred_at.desc(), AuditEntry.id)
        )
        if patient_id is not None:
            query = query.where(AuditEntry.patient_id == patient_id)
        if since is not None:
            query = query.where(AuditEntry.occurred_at >= since)
        return self.session.scalars(query.limit(limit).offset(offset)).all()
