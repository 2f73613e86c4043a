"""/api/v1 notes: write, list, edit (unsigned, author only) and sign clinical notes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.schemas.note import NoteCreate, NotePage, NoteRead, NoteUpdate
from ketapath.services import notes as note_service
from ketapath.services.permissions import Actor

router = APIRouter(tags=["notes"])


@router.post(
    "/patients/{patient_id}/notes",
    response_model=NoteRead,
    status_code=status.HTTP_201_CREATED,
)
async def create_note(
    work: WorkDep, patient_id: uuid.UUID, data: NoteCreate
) -> NoteRead:
    """Write an unsigned note about a patient."""

    def run(session: Session, actor: Actor) -> NoteRead:
        return NoteRead.model_validate(
            note_service.create_note(
                session, actor=actor, patient_id=patient_id, data=data
            )
        )

    return await work(run)


@router.get("/patients/{patient_id}/notes", response_model=NotePage)
async def list_notes(
    work: WorkDep,
    patient_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1000000)] = 0,
) -> NotePage:
    """A patient's notes, newest first."""

    def run(session: Session, actor: Actor) -> NotePage:
        rows, total = note_service.list_notes(
            session, actor=actor, patient_id=patient_id, limit=limit, offset=offset
        )
        return NotePage(
            items=[NoteRead.model_validate(n) for n in rows],
            total=total,
            limit=limit,
            offset=offset,
        )

    return await work(run)


@router.patch("/notes/{note_id}", response_model=NoteRead)
async def update_note(work: WorkDep, note_id: uuid.UUID, data: NoteUpdate) -> NoteRead:
    """Edit an unsigned note (author only); a signed note is 409."""

    def run(session: Session, actor: Actor) -> NoteRead:
        return NoteRead.model_validate(
            note_service.update_note(session, actor=actor, note_id=note_id, data=data)
        )

    return await work(run)


@router.post("/notes/{note_id}/sign", response_model=NoteRead)
async def sign_note(work: WorkDep, note_id: uuid.UUID) -> NoteRead:
    """Sign a note (author only); it cannot change afterwards."""

    def run(session: Session, actor: Actor) -> NoteRead:
        return NoteRead.model_validate(
            note_service.sign_note(session, actor=actor, note_id=note_id)
        )

    return await work(run)
