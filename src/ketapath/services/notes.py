"""Write, list, edit and sign clinical notes; every access is audited (never the note text).

Clinicians (``note:write``) write and read notes; a patient user does not read clinical notes
through this service. Only the author edits or signs a note, and a signed note is immutable:
a later edit or signature is a conflict (409).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import Note
from ketapath.db.repositories.measurements import treatment_session_patient_id
from ketapath.db.repositories.notes import NoteRepository
from ketapath.schemas.note import NoteCreate, NoteUpdate
from ketapath.services import audit
from ketapath.services.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = ["create_note", "list_notes", "sign_note", "update_note"]


def create_note(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: NoteCreate
) -> Note:
    """Write an unsigned note by the acting clinician."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.NOTE_WRITE
    )
    if (
        data.session_id is not None
        and treatment_session_patient_id(session, data.session_id) != patient.id
    ):
        raise UnprocessableError(
            "no such treatment session for this patient", field="session_id"
        )
    note = NoteRepository(session).add(
        Note(
            patient_id=patient.id,
            session_id=data.session_id,
            author_id=actor.user_id,
            kind=data.kind,
            body=data.body,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="note",
        entity_id=note.id,
        patient_id=patient.id,
        detail={"fields": sorted(data.model_fields_set)},
    )
    return note


def list_notes(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    limit: int,
    offset: int,
) -> tuple[Sequence[Note], int]:
    """A patient's notes, newest first (audited)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.NOTE_WRITE
    )
    rows, total = NoteRepository(session).list_for_patient(
        patient_id=patient.id, limit=limit, offset=offset
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="note",
        patient_id=patient.id,
        detail={"note_ids": [str(n.id) for n in rows]},
    )
    return rows, total


def _load_own_unsigned(session: Session, *, actor: Actor, note_id: uuid.UUID) -> Note:
    """Lock the note; 404 when missing or out of scope, 403 unless the author, 409 if signed."""
    require(actor, Capability.NOTE_WRITE)
    note = NoteRepository(session).get_for_update(note_id)
    if note is None:
        raise NotFoundError("note not found")
    try:
        load_patient(
            session,
            actor=actor,
            patient_id=note.patient_id,
            capability=Capability.NOTE_WRITE,
        )
    except NotFoundError:
        raise NotFoundError("note not found") from None
    if note.author_id != actor.user_id:
        raise ForbiddenError("only the author may change or sign a note")
    if note.signed_at is not None:
        raise ConflictError("the note is signed and can no longer change")
    return note


def update_note(
    session: Session, *, actor: Actor, note_id: uuid.UUID, data: NoteUpdate
) -> Note:
    """Change an unsigned note's kind or body (author only)."""
    note = _load_own_unsigned(session, actor=actor, note_id=note_id)
    changes = data.model_dump(exclude_unset=True)
    for name, value in changes.items():
        setattr(note, name, value)
    note.updated_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="note",
        entity_id=note.id,
        patient_id=note.patient_id,
        detail={"fields": sorted(changes)},
    )
    return note


def sign_note(session: Session, *, actor: Actor, note_id: uuid.UUID) -> Note:
    """Sign a note (author only); it is immutable from then on."""
    note = _load_own_unsigned(session, actor=actor, note_id=note_id)
    note.signed_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="sign",
        entity="note",
        entity_id=note.id,
        patient_id=note.patient_id,
    )
    return note
