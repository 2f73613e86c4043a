"""Controlled-substance ledger arithmetic: the hash chain, balances and DEA deadlines.

The rules in plain words:

* Every ledger entry stores the lot balance after it; a balance never goes below zero
  (21 CFR 1304.21–1304.22 require a complete and accurate record of each substance received,
  administered or disposed of, so stock cannot leave a lot that does not hold it).
* Entries of a clinic form one chain: ``entry_hash`` is SHA-256 over a canonical serialization
  of the entry's fields and the previous entry's hash, so changing any stored entry breaks every
  hash after it (tamper evidence; the database also refuses UPDATE and DELETE).
* Theft or significant loss: written notice to DEA within one business day of discovery, and
  DEA Form 106 within 45 days (21 CFR 1301.76(b); 88 FR 40707, 2023). Business days skip
  Saturdays, Sundays and the clinic's configured holidays.

Pure: no clock, no I/O. The shell passes dates, times and values in.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from enum import Enum, StrEnum

from ketapath.core.citations import Citation
from ketapath.core.errors import InvalidInputError, RuleViolationError
from ketapath.core.sources import CFR_1304, DEA_THEFT_LOSS_2023

__all__ = [
    "FORM_106_DAYS",
    "GENESIS_HASH",
    "HASH_SCHEME",
    "NEGATIVE_BALANCE_RULE",
    "SOURCES",
    "ChainEntry",
    "ChainProblem",
    "ChainSummary",
    "CountKind",
    "DeadlineStatus",
    "LedgerEntryKind",
    "LedgerUnit",
    "NegativeBalanceError",
    "Substance",
    "apply_change",
    "canonical_serialization",
    "compute_entry_hash",
    "deadline_status",
    "form_106_due_on",
    "next_business_day",
    "notice_due_on",
    "verify_chain",
]

SOURCES: tuple[Citation, ...] = (CFR_1304, DEA_THEFT_LOSS_2023)
"""Where the ledger rules come from (REFERENCE.md §10; evidence-notes.md §7)."""

HASH_SCHEME = "ketapath-ledger-v1"
"""Prefix of every serialization: a new field list or encoding gets a new scheme name."""

GENESIS_HASH = "0" * 64
"""The ``prev_hash`` of a clinic's first entry."""

NEGATIVE_BALANCE_RULE = "LEDGER-BALANCE-NON-NEGATIVE"
"""Rule id named when a change would take a lot below zero."""

FORM_106_DAYS = 45
"""Calendar days from discovery to file DEA Form 106 (88 FR 40707)."""


class Substance(StrEnum):
    """The Schedule III substances the ledger holds."""

    KETAMINE = "ketamine"
    ESKETAMINE = "esketamine"


class LedgerUnit(StrEnum):
    """The canonical unit of a product's quantities (the suffix of the quantity columns)."""

    MG = "mg"
    DEVICES = "devices"


class LedgerEntryKind(StrEnum):
    """What a ledger entry records."""

    RECEIPT = "receipt"
    ADMINISTRATION = "administration"
    DISPOSAL = "disposal"
    TRANSFER = "transfer"
    COUNT = "count"
    CORRECTION = "correction"


class CountKind(StrEnum):
    """Why an inventory count was taken (21 CFR 1304.11)."""

    INITIAL = "initial"
    BIENNIAL = "biennial"
    AD_HOC = "ad_hoc"


class NegativeBalanceError(RuleViolationError):
    """A change would take a lot's balance below zero."""


def _canonical(value: object) -> object:
    """One JSON value per field, identical however the value was loaded from the database."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Enum):
        return _canonical(value.value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise InvalidInputError(f"{value} is not a finite quantity")
        text = format(value.normalize(), "f")
        return "0" if text in {"-0", "0"} or Decimal(text) == 0 else text
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise InvalidInputError("a naive datetime cannot be hashed")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    raise InvalidInputError(f"cannot hash a {type(value).__name__}")


def canonical_serialization(fields: Mapping[str, object]) -> bytes:
    """The bytes that are hashed: the scheme name, then the fields as sorted, compact JSON.

    Decimals are plain strings without trailing zeros (``50.00`` → ``"50"``), datetimes are UTC
    with microseconds, UUIDs are hyphenated lowercase, so SQLite and PostgreSQL agree.
    """
    body = {name: _canonical(value) for name, value in fields.items()}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return f"{HASH_SCHEME}\n{text}".encode()


def compute_entry_hash(fields: Mapping[str, object], *, previous_hash: str) -> str:
    """SHA-256 (hex) over the entry's canonical serialization and the previous entry's hash.

    ``fields`` must include ``prev_hash`` equal to ``previous_hash`` (it is checked), so the
    link is part of what is hashed twice over: stored and chained.
    """
    if fields.get("prev_hash") != previous_hash:
        raise InvalidInputError(
            "prev_hash in the fields differs from previous_hash", field="prev_hash"
        )
    digest = hashlib.sha256()
    digest.update(previous_hash.encode())
    digest.update(b"\n")
    digest.update(canonical_serialization(fields))
    return digest.hexdigest()


def apply_change(
    balance: Decimal, change: Decimal, *, field: str = "quantity"
) -> Decimal:
    """The balance after ``change`` (signed); refuses a result below zero naming ``field``."""
    after = balance + change
    if after < 0:
        raise NegativeBalanceError(
            f"the lot holds {_canonical(balance)}; taking {_canonical(-change)} would leave "
            f"{_canonical(after)} (rule {NEGATIVE_BALANCE_RULE}: a balance never goes below zero)",
            rule_id=NEGATIVE_BALANCE_RULE,
            field=field,
            allowed=f"at most {_canonical(balance)}",
        )
    return after


def next_business_day(day: date, holidays: Iterable[date] = ()) -> date:
    """The first day after ``day`` that is not a Saturday, Sunday or holiday."""
    closed = frozenset(holidays)
    candidate = day + timedelta(days=1)
    while candidate.weekday() >= 5 or candidate in closed:
        candidate += timedelta(days=1)
    return candidate


def notice_due_on(discovered_on: date, holidays: Iterable[date] = ()) -> date:
    """Last day for the written DEA notice: one business day after the discovery date.

    A theft discovered on Friday is due on Monday (Tuesday if Monday is a holiday).
    """
    return next_business_day(discovered_on, holidays)


def form_106_due_on(discovered_on: date) -> date:
    """Last day to file DEA Form 106: 45 calendar days after the discovery date."""
    return discovered_on + timedelta(days=FORM_106_DAYS)


class DeadlineStatus(StrEnum):
    """Where a deadline stands on a given day."""

    DONE = "done"
    DUE = "due"
    OVERDUE = "overdue"


def deadline_status(
    due_on: date, *, completed_on: date | None, as_of: date
) -> DeadlineStatus:
    """``done`` once completed (late or not), ``overdue`` after the due day, else ``due``."""
    if completed_on is not None:
        return DeadlineStatus.DONE
    return DeadlineStatus.OVERDUE if as_of > due_on else DeadlineStatus.DUE


@dataclass(frozen=True, slots=True)
class ChainEntry:
    """One stored entry as the verifier sees it (in chain order)."""

    id: str
    sequence: int
    lot_id: str
    change: Decimal
    balance_after: Decimal
    prev_hash: str
    entry_hash: str
    fields: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ChainProblem:
    """The first entry that does not verify: where it is and what differs."""

    entry_id: str
    position: int
    what: str


@dataclass(frozen=True, slots=True)
class ChainSummary:
    """The result of walking one chain: entries checked, final lot balances, first problem."""

    entries: int
    head_hash: str
    balances: Mapping[str, Decimal]
    problem: ChainProblem | None

    @property
    def ok(self) -> bool:
        """True when every entry verified."""
        return self.problem is None


def verify_chain(entries: Iterable[ChainEntry]) -> ChainSummary:
    """Walk a chain in order; stop at the first entry whose position, link, hash or balance differs.

    Positions count from 1. Balances are re-derived per lot from the changes alone.
    """
    previous = GENESIS_HASH
    balances: dict[str, Decimal] = {}
    count = 0
    for position, entry in enumerate(entries, start=1):
        count = position
        what = _first_difference(entry, position, previous, balances)
        if what is not None:
            return ChainSummary(
                position - 1,
                previous,
                dict(balances),
                ChainProblem(entry.id, position, what),
            )
        balances[entry.lot_id] = balances.get(entry.lot_id, Decimal(0)) + entry.change
        previous = entry.entry_hash
    return ChainSummary(count, previous, balances, None)


def _first_difference(
    entry: ChainEntry, position: int, previous: str, balances: Mapping[str, Decimal]
) -> str | None:
    """What is wrong with ``entry`` at ``position`` after ``previous``, or None."""
    if entry.sequence != position:
        return f"sequence is {entry.sequence}, expected {position}"
    if entry.prev_hash != previous:
        return f"prev_hash {entry.prev_hash} does not match the previous entry's hash {previous}"
    expected_hash = compute_entry_hash(entry.fields, previous_hash=previous)
    if expected_hash != entry.entry_hash:
        return (
            f"entry_hash {entry.entry_hash} differs from the recomputed {expected_hash} "
            "(a stored field was changed)"
        )
    before = balances.get(entry.lot_id, Decimal(0))
    after = before + entry.change
    if after < 0:
        return f"balance would be {_canonical(after)}, below zero"
    if after != entry.balance_after:
        return (
            f"balance_after is {_canonical(entry.balance_after)}, but the changes "
            f"give {_canonical(after)}"
        )
    return None
