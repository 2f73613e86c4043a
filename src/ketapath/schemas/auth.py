"""Login and current-user boundary models."""

from __future__ import annotations

import uuid
from typing import Literal

from pydantic import Field

from ketapath.schemas.base import Schema


class LoginRequest(Schema):
    """E-mail and password; ``kind`` picks a browser session cookie or an API bearer token."""

    email: str = Field(min_length=3, max_length=254)
    password: str = Field(min_length=1, max_length=200)
    kind: Literal["session", "api"] = "session"


class TokenRead(Schema):
    """A new token: shown once."""

    token: str
    token_type: Literal["bearer"] = "bearer"
    csrf_token: str | None
    expires_in_s: int
    user: UserRead


class UserRead(Schema):
    """A user as other users see them (never the password hash)."""

    id: uuid.UUID
    email: str
    display_name: str
    role: str
    patient_id: uuid.UUID | None
    on_call: bool


TokenRead.model_rebuild()
