"""Change counters (``change_counters``): what lets a process cache a read and know it is current.

Every insert, update and delete of a counted table raises its counter, by trigger, in the same
transaction as the change (:data:`COUNTED_TABLES`; migration 0006 creates the triggers, and a
test checks that the database holds one for every table listed here). A read snapshot reads
the counters first (:func:`read_counters`); anything it then reads from a counter's tables may
be kept under that counter's value and reused by any later read that finds the value unchanged.
Reading the counters *before* the data is what makes this safe when the two are not read from
one snapshot (PostgreSQL's READ COMMITTED): a change committed in between is at worst already
in the data kept under the older value, never missing from data kept under the newer one.

- SQLite: a plain ``AFTER`` trigger per table and event raises the counter row at once. There
  is one writer at a time, so the row is never contended.
- PostgreSQL: a deferred constraint trigger raises it at commit, once per transaction
  (a transaction-local setting remembers that it did). The row lock is then taken last and held
  only while the transaction commits, so writers are not serialised on it for their whole
  length, and no writer can hold it while waiting for another lock (no deadlock). A raised
  counter is seen by other connections only with the commit that raised it; the test suite,
  whose requests share one transaction that never commits, sets its constraints IMMEDIATE so
  that each writing statement raises the counter.
- ``epoch`` is random per database and drawn again by a restore: values kept from a database
  that a restore replaced never match the restored one's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from sqlalchemy.orm import Session

from ketapath.db.engine import is_read_only
from ketapath.db.models import ChangeCounter

__all__ = ["COUNTED_TABLES", "Counters", "new_epoch", "read_counters"]

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
"""Which tables raise which counter. Changing this needs a migration that changes the triggers."""


class Counters(NamedTuple):
    """The counters as one read snapshot saw them, before it read anything they cover."""

    epoch: int
    board: int
    auth: int


_READ = "SELECT name, value FROM change_counters"
"""As plain SQL through the connection: read on every request, it is the cheapest statement
SQLAlchemy can run (a Core or ORM select cost ~8x as much in the board's profile)."""
_MEMO = "ketapath_counters"


def read_counters(session: Session) -> Counters | None:
    """The counters for a read snapshot (read once, then remembered); None in a write.

    A write's transaction may itself have changed counted rows, and on PostgreSQL its own
    counters are raised only at commit: nothing read in a write is kept, and nothing kept is
    trusted there.
    """
    if not is_read_only(session):
        return None
    memo: Counters | None = session.info.get(_MEMO)
    if memo is None:
        rows = session.connection().exec_driver_sql(_READ).fetchall()
        values: dict[str, int] = {row[0]: row[1] for row in rows}
        memo = Counters(values["epoch"], values["board"], values["auth"])
        session.info[_MEMO] = memo
    return memo


def new_epoch(session: Session, value: int) -> None:
    """Set the epoch (after a restore: what processes kept from before is never reused)."""
    session.query(ChangeCounter).filter(ChangeCounter.name == "epoch").update(
        {ChangeCounter.value: value}
    )
