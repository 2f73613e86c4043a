"""/api/v1/clinic and /api/v1/staff: the clinic, its sites and chairs, the provider directory."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.db.models import Role
from ketapath.schemas.clinic import ClinicRead, StaffCreate, StaffRead, StaffRole
from ketapath.services import clinic as clinic_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["clinic"])


@router.get("/clinic", response_model=ClinicRead)
async def get_clinic(work: WorkDep) -> ClinicRead:
    """The clinic's name, time zone and sites with chairs (staff only)."""

    def run(session: Session, actor: Actor) -> ClinicRead:
        return clinic_service.get_clinic(session, actor=actor)

    return await work(run)


@router.get("/staff", response_model=list[StaffRead])
async def list_staff(
    work: WorkDep,
    role: Annotated[StaffRole | None, Query(description="Only this role")] = None,
) -> list[StaffRead]:
    """The provider directory: name, role, e-mail, NPI, on-call (staff only)."""

    def run(session: Session, actor: Actor) -> list[StaffRead]:
        return [
            StaffRead.model_validate(user)
            for user in clinic_service.list_staff(
                session, actor=actor, role=None if role is None else Role(role)
            )
        ]

    return await work(run)


@router.post("/staff", response_model=StaffRead, status_code=status.HTTP_201_CREATED)
async def create_staff(work: WorkDep, data: StaffCreate) -> StaffRead:
    """Create a staff login (admins only)."""

    def run(session: Session, actor: Actor) -> StaffRead:
        return StaffRead.model_validate(
            clinic_service.create_staff(session, actor=actor, data=data)
        )

    return await work(run)
