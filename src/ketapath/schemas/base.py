"""Base of every boundary model: unknown fields are errors, ORM objects convert directly."""

from pydantic import BaseModel, ConfigDict


class Schema(BaseModel):
    """A pydantic model with ``extra="forbid"`` and ``from_attributes=True``."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)
