"""Questionnaire links: a patient answers self-report instruments by link, with no account.

Only a SHA-256 of the link's secret is stored (like auth tokens), so a copy of the database
does not hand out working links. ``form_nonce`` is a second, per-link secret that the
questionnaire form echoes back (CSRF defence beside the token in the URL).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ketapath.db.base import Base, new_id, utcnow


class QuestionnaireLink(Base):
    """A link for one patient and a set of instruments; each instrument is answered once."""

    __tablename__ = "questionnaire_links"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    patient_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("patients.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    form_nonce: Mapped[str] = mapped_column(String(64))
    instruments: Mapped[list[Any]]
    completed_instruments: Mapped[list[Any]]
    created_by_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
