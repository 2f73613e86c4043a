"""Questionnaire link queries: by the SHA-256 of the link's secret, and a patient's links."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select

from ketapath.db.models.questionnaire_link import QuestionnaireLink
from ketapath.db.repositories.base import Repository

__all__ = ["QuestionnaireLinkRepository"]


class QuestionnaireLinkRepository(Repository[QuestionnaireLink]):
    """Links of one patient, or the one a token opens."""

    model = QuestionnaireLink

    def by_token_hash(
        self, token_hash: str, *, for_update: bool = False
    ) -> QuestionnaireLink | None:
        """The link whose secret hashes to ``token_hash`` (locked for a submission)."""
        statement = select(QuestionnaireLink).where(
            QuestionnaireLink.token_hash == token_hash
        )
        if for_update:
            statement = statement.with_for_update()
        return self.session.scalar(statement)

    def for_patient(
        self, *, patient_id: uuid.UUID, limit: int, offset: int
    ) -> tuple[Sequence[QuestionnaireLink], int]:
        """A patient's links, newest first, and how many there are."""
        statement = select(QuestionnaireLink).where(
            QuestionnaireLink.patient_id == patient_id
        )
        total = (
            self.session.scalar(select(func.count()).select_from(statement.subquery()))
            or 0
        )
        rows = self.session.scalars(
            statement.order_by(
                QuestionnaireLink.created_at.desc(), QuestionnaireLink.id
            )
            .limit(limit)
            .offset(offset)
        ).all()
        return rows, total
