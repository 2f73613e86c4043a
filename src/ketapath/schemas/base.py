"""Base of every boundary model: unknown fields are errors, ORM objects convert directly."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


def _contains_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_contains_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_contains_nul(k) or _contains_nul(v) for k, v in value.items())
    return False


class Schema(BaseModel):
    """A pydantic model with ``extra="forbid"`` and ``from_attributes=True``.

    Text may not contain NUL characters: PostgreSQL cannot store them, and no clinical text
    needs one, so they are refused here (422 naming the field) on both databases alike.
    """

    model_config = ConfigDict(extra="forbid", from_attributes=True)

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        if _contains_nul(value):
            raise ValueError("must not contain NUL (\\u0000) characters")
        return value
