"""Clinical note boundary models: create, update (unsigned only), read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from ketapath.schemas.base import Schema

__all__ = ["NoteCreate", "NoteKind", "NotePage", "NoteRead", "NoteUpdate"]

NoteKind = Literal["session", "therapy", "prescriber", "general"]
"""What a note records."""


class NoteCreate(Schema):
    """Write a note about a patient, optionally tied to one of their sessions."""

    kind: NoteKind
    body: str = Field(min_length=1, max_length=20_000)
    session_id: uuid.UUID | None = None

    @field_validator("body")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class NoteUpdate(Schema):
    """Change an unsigned note; omitted fields stay as they are, ``null`` is refused."""

    kind: NoteKind | None = None
    body: str | None = Field(default=None, min_length=1, max_length=20_000)

    @field_validator("kind", "body")
    @classmethod
    def _not_null_or_blank(cls, value: str | None) -> str:
        # Runs only for fields the client sent: an explicit null or blank text is an error.
        if value is None:
            raise ValueError("may be omitted but not null")
        if not value.strip():
            raise ValueError("must not be blank")
        return value


class NoteRead(Schema):
    """A note as stored."""

    id: uuid.UUID
    patient_id: uuid.UUID
    session_id: uuid.UUID | None
    author_id: uuid.UUID
    kind: str
    body: str
    signed_at: datetime | None
    created_at: datetime
    updated_at: datetime


class NotePage(Schema):
    """A page of a patient's notes, newest first."""

    items: list[NoteRead]
    total: int
    limit: int
    offset: int
