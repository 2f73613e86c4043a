"""Change counters (``change_counters``): what lets a process cache a read and know it is current.

Every insert, update and delete of a counted table sets its counter to a new random value, by
trigger, in the same transaction as the change (:data:`COUNTED_TABLES`; migration 0006 creates
the triggers, and a test checks that the database holds one for every table listed here). A
counter's value therefore names one state of its tables: a read snapshot reads the counters
first (:func:`read_counters`), and anything it then reads from a counter's tables may be kept
under that value and reused by any later request that finds the same value. (A write may keep
a token lookup under the ``auth`` value its own transaction sees, :func:`auth_counter_in_write`:
on SQLite that value either commits with exactly the rows the lookup saw or is never seen
again, for the transaction's random values are not reused once rolled back.) Random, not
counted up: a value never comes back for other data, even after a restore, a failover to a
replica or a rolled-back savepoint (a restored database holds the values its data had).
Reading the counters *before* the data is what makes this safe when the two are not read from
one snapshot (PostgreSQL's READ COMMITTED): a change committed in between is at worst already
in the data kept under the older value, never missing from data kept under the newer one.

- SQLite: a plain ``AFTER`` trigger per table and event sets the counter at once. There is one
  writer at a time, so the row is never contended.
- PostgreSQL: a deferred constraint trigger sets it at COMMIT, once per counter per commit (a
  transaction-local setting remembers that it did), after locking every counter row in one
  order. The rows are locked last and only while the transaction commits, so writers are not
  serialised on them for their whole length, and two writers never wait for each other in
  opposite orders. A new value is seen by other connections only with the commit that set it;
  the test suite, whose requests share one transaction that never commits, sets its
  constraints IMMEDIATE so that each writing statement sets it.
"""

from __future__ import annotations

import weakref
from collections.abc import Mapping
from typing import NamedTuple

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from ketapath.db.engine import is_read_only

__all__ = [
    "COUNTED_TABLES",
    "Counters",
    "auth_counter_in_write",
    "close_write_batch",
    "discard_write_batch",
    "open_write_batch",
    "read_counters",
    "read_counters_on",
]

COUNTED_TABLES: Mapping[str, tuple[str, ...]] = {
    # Every table the session board reads (SessionRepository.board, clinic settings).
    "board": (
        "clinics",
        "sites",
        "chairs",
        "patients",
        "treatment_courses",
        "treatment_sessions",
        "doses",
        "vital_signs",
        "alerts",
    ),
    # Every table a token's lookup reads (AuthTokenRepository.active).
    "auth": ("users", "auth_tokens"),
}
"""Which tables set which counter. Changing this needs a migration that changes the triggers
(and, for ``auth``, PostgreSQL's write flags: migration 0007)."""


class Counters(NamedTuple):
    """The counters as one read snapshot saw them, before it read anything they cover."""

    board: int
    auth: int


_READ = "SELECT name, value FROM change_counters"
"""As plain SQL through the connection: read on every request, it is the cheapest statement
SQLAlchemy can run (a Core or ORM select cost ~8x as much in the board's profile)."""
_MEMO = "ketapath_counters"


def read_counters_on(connection: Connection) -> Counters:
    """The counters as last committed, read in one statement on ``connection`` (autocommit).

    One statement sees one committed state, so it needs no transaction around it.
    """
    rows = connection.exec_driver_sql(_READ).fetchall()
    values: dict[str, int] = {row[0]: row[1] for row in rows}
    return Counters(values["board"], values["auth"])


def read_counters(session: Session) -> Counters | None:
    """The counters for a read snapshot (read once, then remembered); None in a write.

    A write's transaction may itself have changed counted rows, and on PostgreSQL its own
    counters are set only at commit: a write trusts what is kept only through
    :func:`auth_counter_in_write`.
    """
    if not is_read_only(session):
        return None
    memo: Counters | None = session.info.get(_MEMO)
    if memo is None:
        memo = read_counters_on(session.connection())
        session.info[_MEMO] = memo
    return memo


_AUTH_IN_SQLITE = "SELECT value FROM change_counters WHERE name = 'auth'"
_AUTH_IN_POSTGRES = (
    "SELECT value, current_setting('ketapath.wrote_auth', true) "
    "FROM change_counters WHERE name = 'auth'"
)


_FLAG_TRIGGERS = tuple(f"{table}_notes_write_auth" for table in COUNTED_TABLES["auth"])
_FLAGS_INSTALLED: weakref.WeakKeyDictionary[Engine, bool] = weakref.WeakKeyDictionary()


def _flags_installed(connection: Connection) -> bool:
    """Whether migration 0007's flag triggers are there (checked once per engine).

    Without them a write of users or tokens would go unnoticed, so writes then never reuse
    a lookup: a database not yet upgraded fails closed.
    """
    engine = connection.engine
    installed = _FLAGS_INSTALLED.get(engine)
    if installed is None:
        found = connection.exec_driver_sql(
            "SELECT count(DISTINCT tgname) FROM pg_trigger WHERE tgname IN ("
            + ", ".join(f"'{name}'" for name in _FLAG_TRIGGERS)
            + ")"
        ).scalar_one()
        installed = _FLAGS_INSTALLED[engine] = found == len(_FLAG_TRIGGERS)
    return installed


def auth_counter_in_write(session: Session) -> int | None:
    """The ``auth`` counter under which a write may reuse a kept token lookup; None if it may not.

    Writes are batched, many to a transaction (``http.WriteBatches``), so this is read before
    each write, in the transaction, and may follow an earlier write of the same transaction
    that logged someone out. SQLite: the triggers set the counter at once, so the value read
    here covers the transaction's own writes, and a savepoint rolled back restores it with the
    rows. PostgreSQL: the counter is set only at commit, so the value names the last committed
    state alone, and None is returned once this transaction has itself written users or
    tokens: a statement-level trigger notes it at once in a transaction-local setting
    (migration 0007).
    """
    if _BATCH in session.info:
        batch: int | None = session.info[_BATCH]
        return batch
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return int(connection.exec_driver_sql(_AUTH_IN_SQLITE).scalar_one())
    if not _flags_installed(connection):
        return None
    value, wrote = connection.exec_driver_sql(_AUTH_IN_POSTGRES).one()
    return None if wrote == "on" else int(value)


_BATCH = "ketapath_write_batch_auth"
_WROTE_AUTH_IN_POSTGRES = "SELECT current_setting('ketapath.wrote_auth', true)"


def open_write_batch(session: Session) -> None:
    """Read the ``auth`` counter once for the writes that follow (``http.WriteBatches``).

    Until :func:`close_write_batch`, :func:`auth_counter_in_write` answers with this value
    instead of reading the counter before each write. That is right only if none of those
    writes touches users or tokens, which only the close can tell: the batch must then be
    undone and run again write by write.
    """
    session.info[_BATCH] = auth_counter_in_write(session)


def close_write_batch(session: Session) -> bool:
    """End :func:`open_write_batch`: whether the writes since then wrote users or tokens.

    SQLite's triggers set the counter at once, so it has moved; PostgreSQL's flag triggers
    (migration 0007) have noted it in the transaction. With no value to trust (a database
    without those triggers) nothing was reused, so nothing needs undoing.
    """
    opened: int | None = session.info.pop(_BATCH)
    if opened is None:
        return False
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        return int(connection.exec_driver_sql(_AUTH_IN_SQLITE).scalar_one()) != opened
    wrote = connection.exec_driver_sql(_WROTE_AUTH_IN_POSTGRES).scalar_one()
    return bool(wrote == "on")


def discard_write_batch(session: Session) -> None:
    """End :func:`open_write_batch` for writes that are being undone (no check needed)."""
    session.info.pop(_BATCH, None)
