"""Generic repository: get / add / flush for one model type, and INSERT without the ORM."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Sequence
from typing import Any, Generic, TypeVar, cast

from sqlalchemy import Connection, Insert, Table, insert, inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.instrumentation import manager_of_class

from ketapath.db.base import Base
from ketapath.db.engine import ReadOnlySessionError, is_read_only

M = TypeVar("M", bound=Base)

__all__ = ["Repository", "insert_now", "insert_on", "untracked"]


def untracked(model: type[M], **values: Any) -> M:
    """A ``model`` instance holding ``values``, made without the ORM's attribute events.

    For rows that :func:`insert_now` writes: they are never added to a session and only read
    afterwards (to answer with). The ORM's constructor sets each attribute through its
    instrumentation (events, change history): ~110 µs for a PHQ-9 and its nine items against
    ~25 µs here, a tenth of the write. Relationship values (a measurement's items) are plain
    lists, and no backref is set.
    """
    unknown = values.keys() - _attribute_keys(model)
    if (
        unknown
    ):  # the constructor would refuse these too; a typo must not vanish silently
        raise TypeError(
            f"{model.__name__} has no attribute {', '.join(sorted(unknown))}"
        )
    instance = manager_of_class(model).new_instance()
    instance.__dict__.update(values)
    return instance


@functools.cache
def _attribute_keys(model: type[Base]) -> frozenset[str]:
    return frozenset(inspect(model).attrs.keys())


def insert_now(session: Session, instances: Sequence[Base]) -> None:
    """INSERT ``instances`` (all of one model) in one Core statement, now.

    For the hot write paths. The ORM's unit of work costs ~30 µs per object on top of a fixed
    cost per flush: a PHQ-9 stores 11 rows, and flushing them was half of the request
    (``bench/profile_hot_paths.py``). Here column defaults (the id, timestamps) are computed
    and set on the instances, which stay transient: complete objects to answer with, never
    tracked, so nothing more is written for them at commit. Pending ORM changes are flushed
    first, so that rows these refer to exist (foreign keys). A read-only session refuses, as
    its flush would.
    """
    if not instances:
        return
    if is_read_only(session):
        raise ReadOnlySessionError("a read-only request tried to insert rows")
    if session.new or session.dirty or session.deleted:
        session.flush()
    insert_on(session.connection(), instances)


def insert_on(connection: Connection, instances: Sequence[Base]) -> None:
    """INSERT ``instances`` (all of one model) on ``connection``, in its transaction.

    :func:`insert_now` without a session, for writes that need none (the audit entries of
    many reads, ``http.AuditBatches``): a session's transaction bookkeeping cost as much as
    the statement. Defaults are filled in as by :func:`insert_now`.
    """
    if instances:
        statement, rows = _rows_of(instances)
        connection.execute(statement, rows)


def _rows_of(instances: Sequence[Base]) -> tuple[Insert, list[dict[str, Any]]]:
    """The INSERT for ``instances`` and their rows, column defaults computed and set on them."""
    statement, columns = _insert_of(type(instances[0]))
    rows = []
    for instance in instances:
        values = (
            instance.__dict__
        )  # the instance's state: transient, so no history to keep
        row: dict[str, Any] = {}
        for key, column_key, default in columns:
            value = values.get(key)
            if value is None and default is not None:
                value = default.arg(None) if default.is_callable else default.arg
                values[key] = value
            row[column_key] = value
        rows.append(row)
    return statement, rows


@functools.cache
def _insert_of(
    model: type[Base],
) -> tuple[Insert, list[tuple[str, str, Any]]]:
    """A model's INSERT and its columns: attribute, column and Python-side default."""
    mapper = inspect(model)
    columns = [
        (attribute.key, attribute.columns[0].key, attribute.columns[0].default)
        for attribute in mapper.column_attrs
    ]
    return insert(cast(Table, mapper.local_table)), columns


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

    def get_for_share(self, id_: uuid.UUID) -> M | None:
        """Return the row under a shared lock (PostgreSQL ``FOR SHARE``; SQLite writers are serial).

        A change to the row committing meanwhile is waited for and then seen, and no change
        can commit until this transaction ends; other readers and inserts that refer to the
        row (foreign keys) are not held up.
        """
        return self.session.get(self.model, id_, with_for_update={"read": True})

    def add(self, instance: M) -> M:
        """Add and flush, so database constraints are checked now."""
        self.session.add(instance)
        self.session.flush()
        return instance
