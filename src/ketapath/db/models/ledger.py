"""Controlled substances (Schedule III): products, lots, ledger, discrepancies, theft/loss.

Also the per-clinic chain head (``ledger_chains``), locked while an entry is appended.

Quantities are exact decimals in ONE canonical unit per product, named in the column:
``*_mg`` for ketamine (vials), ``*_devices`` for esketamine (nasal spray devices). Exactly one
of each pair is set, the one matching the product's ``unit`` (a CHECK enforces "one of").

``ledger_entries`` is append-only like ``audit_log``: database triggers refuse UPDATE and
DELETE (see migration 0004); a correction is a new entry that references the original. Every
entry stores the lot balance after it and a SHA-256 ``entry_hash`` chained to the previous
entry of the same clinic (``ketapath.core.ledger``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import (
    CheckConstraint,
    ForeignKey,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ketapath.core.ledger import CountKind, LedgerEntryKind, LedgerUnit, Substance
from ketapath.db.base import Base, TimestampMixin, new_id, utcnow
from ketapath.db.models._types import enum_column

__all__ = [
    "HASHED_FIELDS",
    "ControlledLot",
    "ControlledProduct",
    "CountKind",
    "LedgerChain",
    "LedgerDiscrepancy",
    "LedgerEntry",
    "LedgerEntryKind",
    "LedgerUnit",
    "Substance",
    "TheftLossReport",
]


def _one_of(prefix: str, *, nullable: bool = False) -> CheckConstraint:
    both_null = f"({prefix}_mg IS NULL AND {prefix}_devices IS NULL)"
    exactly_one = f"(({prefix}_mg IS NULL) <> ({prefix}_devices IS NULL))"
    rule = f"{exactly_one} OR {both_null}" if nullable else exactly_one
    return CheckConstraint(rule, name=f"{prefix}_one_unit")


def _non_negative(column: str) -> CheckConstraint:
    return CheckConstraint(
        f"{column} IS NULL OR CAST({column} AS REAL) >= 0",
        name=f"{column}_non_negative",
    )


class ControlledProduct(TimestampMixin, Base):
    """A finished form the clinic stocks: NDC, schedule, unit and content per container."""

    __tablename__ = "controlled_products"
    __table_args__ = (
        UniqueConstraint("clinic_id", "ndc"),
        CheckConstraint("dea_schedule = 'III'", name="dea_schedule"),
        CheckConstraint(
            "CAST(units_per_container AS REAL) > 0", name="units_per_container_positive"
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), index=True
    )
    name: Mapped[str] = mapped_column(String(200))
    substance: Mapped[Substance] = mapped_column(
        enum_column(Substance, "controlled_substance")
    )
    ndc: Mapped[str] = mapped_column(String(13))
    dea_schedule: Mapped[str] = mapped_column(String(4), default="III")
    finished_form: Mapped[str] = mapped_column(String(100))
    unit: Mapped[LedgerUnit] = mapped_column(enum_column(LedgerUnit, "ledger_unit"))
    units_per_container: Mapped[Decimal]
    mg_per_ml: Mapped[Decimal | None]
    mg_per_device: Mapped[Decimal | None]
    active: Mapped[bool] = mapped_column(default=True)


class ControlledLot(TimestampMixin, Base):
    """One lot of a product on hand; ``balance_*`` is the balance after the lot's last entry.

    The balance is updated only by the ledger service, under a row lock on this row.
    """

    __tablename__ = "controlled_lots"
    __table_args__ = (
        UniqueConstraint("product_id", "lot_number"),
        _one_of("balance"),
        _non_negative("balance_mg"),
        _non_negative("balance_devices"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), index=True
    )
    product_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("controlled_products.id", ondelete="RESTRICT")
    )
    ndc: Mapped[str] = mapped_column(String(13))
    lot_number: Mapped[str] = mapped_column(String(64))
    expiry_date: Mapped[date]
    storage_location: Mapped[str] = mapped_column(String(200))
    balance_mg: Mapped[Decimal | None]
    balance_devices: Mapped[Decimal | None]
    entry_count: Mapped[int] = mapped_column(default=0)


class LedgerChain(Base):
    """The head of a clinic's hash chain: locked while an entry is appended (one writer)."""

    __tablename__ = "ledger_chains"

    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), primary_key=True
    )
    head_sequence: Mapped[int] = mapped_column(default=0)
    head_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


HASHED_FIELDS: tuple[str, ...] = (
    "id",
    "clinic_id",
    "sequence",
    "lot_id",
    "kind",
    "occurred_at",
    "recorded_at",
    "recorded_by_id",
    "change_mg",
    "change_devices",
    "balance_mg",
    "balance_devices",
    "given_mg",
    "given_devices",
    "wasted_mg",
    "wasted_devices",
    "counted_mg",
    "counted_devices",
    "session_id",
    "patient_id",
    "witness_id",
    "containers",
    "supplier_name",
    "supplier_address",
    "supplier_dea_number",
    "transfer_direction",
    "counterparty_name",
    "counterparty_address",
    "counterparty_dea_number",
    "disposal_manner",
    "count_kind",
    "estimated",
    "corrects_entry_id",
    "note",
    "prev_hash",
)
"""The columns ``entry_hash`` covers, in this fixed list (hash scheme v1).

A column added later is NOT covered until a new scheme version names it, so old hashes stay valid.
"""


class LedgerEntry(Base):
    """One append-only ledger entry; ``sequence`` is its position in the clinic's chain."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("clinic_id", "sequence"),
        Index("ix_ledger_entries_lot_occurred", "lot_id", "occurred_at"),
        Index("ix_ledger_entries_clinic_occurred", "clinic_id", "occurred_at"),
        CheckConstraint("sequence >= 1", name="sequence_positive"),
        _one_of("change"),
        _one_of("balance"),
        _one_of("given", nullable=True),
        _one_of("wasted", nullable=True),
        _one_of("counted", nullable=True),
        _non_negative("balance_mg"),
        _non_negative("balance_devices"),
        _non_negative("given_mg"),
        _non_negative("given_devices"),
        _non_negative("wasted_mg"),
        _non_negative("wasted_devices"),
        _non_negative("counted_mg"),
        _non_negative("counted_devices"),
        CheckConstraint(
            "transfer_direction IS NULL OR transfer_direction IN ('in', 'out')",
            name="transfer_direction",
        ),
        CheckConstraint(
            "witness_id IS NULL OR witness_id <> recorded_by_id",
            name="witness_differs",
        ),
        CheckConstraint("containers IS NULL OR containers >= 0", name="containers"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT")
    )
    sequence: Mapped[int]
    lot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("controlled_lots.id", ondelete="RESTRICT")
    )
    kind: Mapped[LedgerEntryKind] = mapped_column(
        enum_column(LedgerEntryKind, "ledger_entry_kind")
    )
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    change_mg: Mapped[Decimal | None]
    change_devices: Mapped[Decimal | None]
    balance_mg: Mapped[Decimal | None]
    balance_devices: Mapped[Decimal | None]
    given_mg: Mapped[Decimal | None]
    given_devices: Mapped[Decimal | None]
    wasted_mg: Mapped[Decimal | None]
    wasted_devices: Mapped[Decimal | None]
    counted_mg: Mapped[Decimal | None]
    counted_devices: Mapped[Decimal | None]
    session_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("treatment_sessions.id", ondelete="RESTRICT"), index=True
    )
    patient_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("patients.id", ondelete="RESTRICT"), index=True
    )
    witness_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    containers: Mapped[int | None]
    supplier_name: Mapped[str | None] = mapped_column(String(200))
    supplier_address: Mapped[str | None] = mapped_column(String(500))
    supplier_dea_number: Mapped[str | None] = mapped_column(String(9))
    transfer_direction: Mapped[str | None] = mapped_column(String(3))
    counterparty_name: Mapped[str | None] = mapped_column(String(200))
    counterparty_address: Mapped[str | None] = mapped_column(String(500))
    counterparty_dea_number: Mapped[str | None] = mapped_column(String(9))
    disposal_manner: Mapped[str | None] = mapped_column(String(200))
    count_kind: Mapped[CountKind | None] = mapped_column(
        enum_column(CountKind, "ledger_count_kind")
    )
    estimated: Mapped[bool] = mapped_column(default=False)
    corrects_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledger_entries.id", ondelete="RESTRICT")
    )
    note: Mapped[str | None] = mapped_column(String(1000))
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64), unique=True)


class LedgerDiscrepancy(Base):
    """A count that differed from the balance; open until resolved with a reason."""

    __tablename__ = "ledger_discrepancies"
    __table_args__ = (
        CheckConstraint(
            "(resolved_at IS NULL AND resolved_by_id IS NULL AND resolution_reason IS NULL)"
            " OR (resolved_at IS NOT NULL AND resolved_by_id IS NOT NULL"
            " AND resolution_reason IS NOT NULL)",
            name="resolution_complete",
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), index=True
    )
    lot_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("controlled_lots.id", ondelete="RESTRICT"), index=True
    )
    count_entry_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("ledger_entries.id", ondelete="RESTRICT"), unique=True
    )
    opened_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    resolution_reason: Mapped[str | None] = mapped_column(String(1000))
    correction_entry_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledger_entries.id", ondelete="RESTRICT")
    )


class TheftLossReport(Base):
    """A theft or significant loss: DEA notice due in 1 business day, Form 106 in 45 days."""

    __tablename__ = "theft_loss_reports"
    __table_args__ = (
        CheckConstraint("kind IN ('theft', 'loss')", name="kind"),
        _one_of("quantity", nullable=True),
        _non_negative("quantity_mg"),
        _non_negative("quantity_devices"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    clinic_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("clinics.id", ondelete="RESTRICT"), index=True
    )
    kind: Mapped[str] = mapped_column(String(8))
    lot_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("controlled_lots.id", ondelete="RESTRICT")
    )
    discrepancy_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("ledger_discrepancies.id", ondelete="RESTRICT")
    )
    quantity_mg: Mapped[Decimal | None]
    quantity_devices: Mapped[Decimal | None]
    description: Mapped[str] = mapped_column(String(2000))
    discovered_at: Mapped[datetime]
    notice_due_on: Mapped[date]
    form_106_due_on: Mapped[date]
    reported_by_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    notice_sent_at: Mapped[datetime | None]
    notice_sent_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    form_106_filed_at: Mapped[datetime | None]
    form_106_filed_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="RESTRICT")
    )
    form_106_reference: Mapped[str | None] = mapped_column(String(100))
