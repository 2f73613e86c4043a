"""/api/v1/clinic and /api/v1/staff: the clinic, its sites and chairs, the provider directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from ketapath.api.deps import CurrentActor, SessionDep
from ketapath.db.models import Role
from ketapath.schemas.clinic import ClinicRead, StaffCreate, StaffRead, StaffRole
from ketapath.services import clinic as clinic_service

router = APIRouter(tags=["clinic"])


@router.get("/clinic", response_model=ClinicRead)
def get_clinic(session: SessionDep, actor: CurrentActor) -> ClinicRead:
    """The clinic's name, time zone and sites with chairs (staff only)."""
    return clinic_service.get_clinic(session, actor=actor)


@router.get("/staff", response_model=list[StaffRead])
def list_staff(
    session: SessionDep,
    actor: CurrentActor,
    role: Annotated[StaffRole | None, Query(description="Only this role")] = None,
) -> list[StaffRead]:
    """The provider directory: name, role, e-mail, NPI, on-call (staff only)."""
    return [
        StaffRead.model_validate(user)
        for user in clinic_service.list_staff(
            session, actor=actor, role=None if role is None else Role(role)
        )
    ]


@router.post("/staff", response_model=StaffRead, status_code=status.HTTP_201_CREATED)
def create_staff(
    session: SessionDep, actor: CurrentActor, data: StaffCreate
) -> StaffRead:
    """Create a staff login (admins only)."""
    return StaffRead.model_validate(
        clinic_service.create_staff(session, actor=actor, data=data)
    )
