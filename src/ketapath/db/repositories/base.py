"""Generic repository: get / add / flush for one model type."""

from __future__ import annotations

import uuid
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from ketapath.db.base import Base

M = TypeVar("M", bound=Base)

__all__ = ["Repository"]


class Repository(Generic[M]):
    """Data access for model ``M``; subclasses add the queries their aggregate needs."""

    model: type[M]

    def __init__(self, session: Session) -> None:
        self.session = session

    def get(self, id_: uuid.UUID, *, options: Any = ()) -> M | None:
        """Return the row with this primary key, or None."""
        return self.session.get(self.model, id_, options=list(options))

    def get_for_update(self, id_: uuid.UUID) -> M | None:
        """Return the row locked for update (row lock on PostgreSQL; SQLite writers are serial)."""
        return self.session.get(self.model, id_, with_for_update=True)

    def add(self, instance: M) -> M:
        """Add and flush, so database constraints are checked now."""
        self.session.add(instance)
        self.session.flush()
        return instance
