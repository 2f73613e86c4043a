"""Change counters: values that database triggers set anew whenever what a cache holds changes.

A process may keep what it read (the board's rows, a token's caller) for as long as the counter
it read *before* reading it is unchanged: every insert, update and delete of the tables behind
a counter sets it to a new random value in the same transaction, by trigger, so no write path
can forget to. See
``db.repositories.change_counters`` for which tables each counter covers and how the triggers
are built on each database.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from ketapath.db.base import Base


class ChangeCounter(Base):
    """One named counter: ``board`` or ``auth``."""

    __tablename__ = "change_counters"

    name: Mapped[str] = mapped_column(String(16), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
