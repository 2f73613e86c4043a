"""Stored assessments and their overrides (overrides eager-loaded, never lazily)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ketapath.db.models import Assessment, AssessmentOverride
from ketapath.db.repositories.base import Repository

__all__ = ["AssessmentOverrideRepository", "AssessmentRepository"]


class AssessmentRepository(Repository[Assessment]):
    """Assessments of a patient."""

    model = Assessment

    def get_with_overrides(self, assessment_id: uuid.UUID) -> Assessment | None:
        """One assessment with its overrides loaded (refreshed if already in the session)."""
        return self.session.scalar(
            select(Assessment)
            .where(Assessment.id == assessment_id)
            .options(selectinload(Assessment.overrides))
            .execution_options(populate_existing=True)
        )

    def for_patient(self, patient_id: uuid.UUID) -> Sequence[Assessment]:
        """The patient's assessments with their overrides, newest first."""
        return self.session.scalars(
            select(Assessment)
            .where(Assessment.patient_id == patient_id)
            .options(selectinload(Assessment.overrides))
            .order_by(Assessment.assessed_at.desc(), Assessment.id)
            .execution_options(populate_existing=True)
        ).all()


class AssessmentOverrideRepository(Repository[AssessmentOverride]):
    """Overrides of assessment findings."""

    model = AssessmentOverride

    def exists(self, *, assessment_id: uuid.UUID, route: str, rule_id: str) -> bool:
        """True when this route's finding of this rule is already overridden."""
        return (
            self.session.scalar(
                select(AssessmentOverride.id).where(
                    AssessmentOverride.assessment_id == assessment_id,
                    AssessmentOverride.route == route,
                    AssessmentOverride.rule_id == rule_id,
                )
            )
            is not None
        )
