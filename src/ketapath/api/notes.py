"""/api/v1 notes: write, list, edit (unsigned, author only) and sign clinical notes."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, status

from ketapath.api.deps import CurrentActor, SessionDep
from ketapath.schemas.note import NoteCreate, NotePage, NoteRead, NoteUpdate
from ketapath.services import notes as note_service

router = APIRouter(tags=["notes"])


@router.post(
    "/patients/{patient_id}/notes",
    response_model=NoteRead,
    status_code=status.HTTP_201_CREATED,
)
def create_note(
    session: SessionDep, actor: CurrentActor, patient_id: uuid.UUID, data: NoteCreate
) -> NoteRead:
    """Write an unsigned note about a patient."""
    return NoteRead.model_validate(
        note_service.create_note(session, actor=actor, patient_id=patient_id, data=data)
    )


@router.get("/patients/{patient_id}/notes", response_model=NotePage)
def list_notes(
    session: SessionDep,
    actor: CurrentActor,
    patient_id: uuid.UUID,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> NotePage:
    """A patient's notes, newest first."""
    rows, total = note_service.list_notes(
        session, actor=actor, patient_id=patient_id, limit=limit, offset=offset
    )
    return NotePage(
        items=[NoteRead.model_validate(n) for n in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.patch("/notes/{note_id}", response_model=NoteRead)
def update_note(
    session: SessionDep, actor: CurrentActor, note_id: uuid.UUID, data: NoteUpdate
) -> NoteRead:
    """Edit an unsigned note (author only); a signed note is 409."""
    return NoteRead.model_validate(
        note_service.update_note(session, actor=actor, note_id=note_id, data=data)
    )


@router.post("/notes/{note_id}/sign", response_model=NoteRead)
def sign_note(session: SessionDep, actor: CurrentActor, note_id: uuid.UUID) -> NoteRead:
    """Sign a note (author only); it cannot change afterwards."""
    return NoteRead.model_validate(
        note_service.sign_note(session, actor=actor, note_id=note_id)
    )
