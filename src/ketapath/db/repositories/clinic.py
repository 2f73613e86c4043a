"""Clinic, sites, chairs and the provider directory."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ketapath.db.models import Clinic, Role, Site, User
from ketapath.db.repositories.base import Repository

__all__ = ["ClinicRepository", "StaffRepository"]


class ClinicRepository(Repository[Clinic]):
    """Clinics with their sites and chairs."""

    model = Clinic

    def get_with_sites(self, clinic_id: uuid.UUID) -> Clinic | None:
        """The clinic with its sites and each site's chairs loaded."""
        return self.session.scalar(
            select(Clinic)
            .where(Clinic.id == clinic_id)
            .options(selectinload(Clinic.sites).selectinload(Site.chairs))
            .execution_options(populate_existing=True)
        )


class StaffRepository(Repository[User]):
    """Staff users of a clinic (never patients)."""

    model = User

    def directory(
        self, *, clinic_id: uuid.UUID, role: Role | None = None
    ) -> Sequence[User]:
        """Active staff of the clinic, optionally one role, by name."""
        query = select(User).where(
            User.clinic_id == clinic_id,
            User.role != Role.PATIENT,
            User.active.is_(True),
        )
        if role is not None:
            query = query.where(User.role == role)
        return self.session.scalars(query.order_by(User.display_name, User.id)).all()
