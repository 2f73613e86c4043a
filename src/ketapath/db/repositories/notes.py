"""Clinical note queries."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from ketapath.db.models import Note
from ketapath.db.repositories.base import Repository

__all__ = ["NoteRepository"]


class NoteRepository(Repository[Note]):
    """Notes about a patient."""

    model = Note

    def list_for_patient(
        self, *, patient_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[Sequence[Note], int]:
        """Newest first, and the total count."""
        statement = select(Note).where(Note.patient_id == patient_id)
        total = (
            self.session.scalar(select(func.count()).select_from(statement.subquery()))
            or 0
        )
        rows = self.session.scalars(
            statement.order_by(Note.created_at.desc(), Note.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return rows, total
