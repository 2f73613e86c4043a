"""Questionnaire link boundary models: create, read, and the once-shown link with its secret."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import Field, field_validator

from ketapath.schemas.base import Schema

__all__ = [
    "DEFAULT_EXPIRES_IN_HOURS",
    "MAX_EXPIRES_IN_HOURS",
    "LinkInstrument",
    "QuestionnaireLinkCreate",
    "QuestionnaireLinkIssued",
    "QuestionnaireLinkPage",
    "QuestionnaireLinkRead",
]

LinkInstrument = Literal["phq9", "gad7", "qids_sr16", "cssrs"]
"""Self-report instruments a patient may answer by link."""

DEFAULT_EXPIRES_IN_HOURS = 72
MAX_EXPIRES_IN_HOURS = 336


class QuestionnaireLinkCreate(Schema):
    """Which instruments the patient answers, and how long the link works (1–336 h)."""

    instruments: list[LinkInstrument] = Field(min_length=1, max_length=4)
    expires_in_hours: int = Field(
        default=DEFAULT_EXPIRES_IN_HOURS, ge=1, le=MAX_EXPIRES_IN_HOURS
    )

    @field_validator("instruments")
    @classmethod
    def _unique(cls, value: list[LinkInstrument]) -> list[LinkInstrument]:
        if len(set(value)) != len(value):
            raise ValueError("each instrument may be listed once")
        return value


class QuestionnaireLinkRead(Schema):
    """A link as stored (never its secret)."""

    id: uuid.UUID
    patient_id: uuid.UUID
    instruments: list[str]
    completed_instruments: list[str]
    created_by_id: uuid.UUID
    created_at: datetime
    expires_at: datetime
    completed_at: datetime | None


class QuestionnaireLinkIssued(QuestionnaireLinkRead):
    """A new link: ``url`` holds the secret and is shown this once (only a hash is stored)."""

    url: str


class QuestionnaireLinkPage(Schema):
    """A page of a patient's links, newest first."""

    items: list[QuestionnaireLinkRead]
    total: int
    limit: int
    offset: int
