"""Controlled-substance ledger queries: products, lots (row-locked), the chain, reports.

``ledger_entries`` is insert-only here (the table refuses UPDATE and DELETE). The two locks a
write takes, always in this order so that writers never deadlock: the lot row, then the
clinic's chain head (``ledger_chains``). On SQLite, writers are already serialized.
"""

from __future__ import annotations

import uuid
from collections.abc import Generator, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from ketapath.db.models import (
    Clinic,
    ControlledLot,
    ControlledProduct,
    LedgerChain,
    LedgerDiscrepancy,
    LedgerEntry,
    LedgerEntryKind,
    Patient,
    TheftLossReport,
    TreatmentCourse,
    TreatmentSession,
    User,
)
from ketapath.db.repositories.base import Repository

__all__ = [
    "AdministrationRow",
    "LedgerRepository",
    "LotRow",
    "ProductRepository",
    "TheftLossRepository",
]


class LotRow(NamedTuple):
    """A lot with its product."""

    lot: ControlledLot
    product: ControlledProduct


class AdministrationRow(NamedTuple):
    """An administration entry with everything the dispensing log prints."""

    entry: LedgerEntry
    lot: ControlledLot
    product: ControlledProduct
    patient: Patient
    recorded_by: User
    witness: User | None


class ProductRepository(Repository[ControlledProduct]):
    """Products a clinic stocks."""

    model = ControlledProduct

    def list(self, *, clinic_id: uuid.UUID) -> Sequence[ControlledProduct]:
        """The clinic's products, by name then NDC."""
        return self.session.scalars(
            select(ControlledProduct)
            .where(ControlledProduct.clinic_id == clinic_id)
            .order_by(ControlledProduct.name, ControlledProduct.ndc)
        ).all()

    def by_ndc(self, *, clinic_id: uuid.UUID, ndc: str) -> ControlledProduct | None:
        """The clinic's product with this NDC, if any."""
        return self.session.scalar(
            select(ControlledProduct).where(
                ControlledProduct.clinic_id == clinic_id, ControlledProduct.ndc == ndc
            )
        )


class LedgerRepository(Repository[LedgerEntry]):
    """Lots, entries, the chain head and discrepancies."""

    model = LedgerEntry

    # lots -------------------------------------------------------------------------------
    def lot(self, lot_id: uuid.UUID) -> LotRow | None:
        """A lot and its product (no lock)."""
        row = self.session.execute(
            select(ControlledLot, ControlledProduct)
            .join(ControlledProduct, ControlledProduct.id == ControlledLot.product_id)
            .where(ControlledLot.id == lot_id)
        ).one_or_none()
        return None if row is None else LotRow(row[0], row[1])

    def lock_lot(self, lot_id: uuid.UUID) -> ControlledLot | None:
        """The lot row, locked FOR UPDATE and re-read (its balance is current under the lock)."""
        return self.session.get(
            ControlledLot, lot_id, with_for_update=True, populate_existing=True
        )

    def lot_by_number(
        self, *, product_id: uuid.UUID, lot_number: str
    ) -> ControlledLot | None:
        """The product's lot with this number, if any."""
        return self.session.scalar(
            select(ControlledLot).where(
                ControlledLot.product_id == product_id,
                ControlledLot.lot_number == lot_number,
            )
        )

    def add_lot(self, lot: ControlledLot) -> ControlledLot:
        """Insert a lot (flushed, so the unique lot number is checked now)."""
        self.session.add(lot)
        self.session.flush()
        return lot

    def lots(self, *, clinic_id: uuid.UUID) -> Sequence[LotRow]:
        """Every lot of the clinic with its product, by product name, expiry, lot number."""
        rows = self.session.execute(
            select(ControlledLot, ControlledProduct)
            .join(ControlledProduct, ControlledProduct.id == ControlledLot.product_id)
            .where(ControlledLot.clinic_id == clinic_id)
            .order_by(
                ControlledProduct.name,
                ControlledLot.expiry_date,
                ControlledLot.lot_number,
            )
        ).all()
        return [LotRow(r[0], r[1]) for r in rows]

    # the chain --------------------------------------------------------------------------
    def lock_chain(self, clinic_id: uuid.UUID) -> LedgerChain | None:
        """The clinic's chain head, locked FOR UPDATE (None before the first entry)."""
        return self.session.get(
            LedgerChain, clinic_id, with_for_update=True, populate_existing=True
        )

    def add_chain(self, chain: LedgerChain) -> LedgerChain:
        """Create a clinic's chain head (a racing first writer fails on the primary key)."""
        self.session.add(chain)
        self.session.flush()
        return chain

    def chain_clinic_ids(self) -> Sequence[uuid.UUID]:
        """Every clinic that has a chain head or an entry."""
        heads = set(self.session.scalars(select(LedgerChain.clinic_id)).all())
        entries = set(
            self.session.scalars(select(LedgerEntry.clinic_id).distinct()).all()
        )
        return sorted(heads | entries, key=str)

    def chain_head(self, clinic_id: uuid.UUID) -> LedgerChain | None:
        """The clinic's chain head without a lock."""
        return self.session.get(LedgerChain, clinic_id)

    def chain(self, clinic_id: uuid.UUID) -> Generator[LedgerEntry, None, None]:
        """Every entry of the clinic's chain in order, streamed in batches."""
        result = self.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.clinic_id == clinic_id)
            .order_by(LedgerEntry.sequence)
            .execution_options(yield_per=500, populate_existing=True)
        )
        try:
            yield from result
        finally:
            result.close()  # a verifier that stops early releases the server-side cursor

    # entries ----------------------------------------------------------------------------
    def append(self, entry: LedgerEntry) -> LedgerEntry:
        """Insert one entry (flushed: CHECKs and the unique sequence are checked now)."""
        self.session.add(entry)
        self.session.flush()
        return entry

    def entries(
        self,
        *,
        clinic_id: uuid.UUID,
        lot_id: uuid.UUID | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> Sequence[LedgerEntry]:
        """Entries of a clinic (optionally one lot) with ``since <= occurred_at < until``."""
        query = select(LedgerEntry).where(LedgerEntry.clinic_id == clinic_id)
        if lot_id is not None:
            query = query.where(LedgerEntry.lot_id == lot_id)
        if since is not None:
            query = query.where(LedgerEntry.occurred_at >= since)
        if until is not None:
            query = query.where(LedgerEntry.occurred_at < until)
        query = query.order_by(LedgerEntry.occurred_at, LedgerEntry.sequence)
        return self.session.scalars(query.limit(limit).offset(offset)).all()

    def latest_entries(
        self,
        *,
        clinic_id: uuid.UUID,
        until: datetime | None = None,
        kind: LedgerEntryKind | None = None,
    ) -> dict[uuid.UUID, LedgerEntry]:
        """Per lot, the entry latest in chain order (optionally of one kind, occurred by ``until``)."""
        latest = (
            select(LedgerEntry.lot_id, func.max(LedgerEntry.sequence).label("seq"))
            .where(LedgerEntry.clinic_id == clinic_id)
            .group_by(LedgerEntry.lot_id)
        )
        if kind is not None:
            latest = latest.where(LedgerEntry.kind == kind)
        if until is not None:
            latest = latest.where(LedgerEntry.occurred_at <= until)
        sub = latest.subquery()
        rows = self.session.scalars(
            select(LedgerEntry).join(
                sub,
                (LedgerEntry.lot_id == sub.c.lot_id)
                & (LedgerEntry.sequence == sub.c.seq),
            )
        ).all()
        return {e.lot_id: e for e in rows}

    def administrations(
        self, *, clinic_id: uuid.UUID, since: datetime, until: datetime
    ) -> Sequence[AdministrationRow]:
        """Administration entries with ``since <= occurred_at < until``, oldest first."""
        recorder = aliased(User)
        witness = aliased(User)
        rows = self.session.execute(
            select(
                LedgerEntry,
                ControlledLot,
                ControlledProduct,
                Patient,
                recorder,
                witness,
            )
            .join(ControlledLot, ControlledLot.id == LedgerEntry.lot_id)
            .join(ControlledProduct, ControlledProduct.id == ControlledLot.product_id)
            .join(Patient, Patient.id == LedgerEntry.patient_id)
            .join(recorder, recorder.id == LedgerEntry.recorded_by_id)
            .outerjoin(witness, witness.id == LedgerEntry.witness_id)
            .where(
                LedgerEntry.clinic_id == clinic_id,
                LedgerEntry.kind == LedgerEntryKind.ADMINISTRATION,
                LedgerEntry.occurred_at >= since,
                LedgerEntry.occurred_at < until,
            )
            .order_by(LedgerEntry.occurred_at, LedgerEntry.sequence)
        ).all()
        return [AdministrationRow(*row) for row in rows]

    # discrepancies ----------------------------------------------------------------------
    def add_discrepancy(self, discrepancy: LedgerDiscrepancy) -> LedgerDiscrepancy:
        """Insert a discrepancy (flushed)."""
        self.session.add(discrepancy)
        self.session.flush()
        return discrepancy

    def discrepancy_for_update(
        self, discrepancy_id: uuid.UUID
    ) -> LedgerDiscrepancy | None:
        """A discrepancy locked FOR UPDATE (two people resolving it at once: one wins)."""
        return self.session.get(
            LedgerDiscrepancy,
            discrepancy_id,
            with_for_update=True,
            populate_existing=True,
        )

    def discrepancies(
        self, *, clinic_id: uuid.UUID, open_only: bool = False
    ) -> Sequence[LedgerDiscrepancy]:
        """The clinic's discrepancies, oldest first."""
        query = select(LedgerDiscrepancy).where(
            LedgerDiscrepancy.clinic_id == clinic_id
        )
        if open_only:
            query = query.where(LedgerDiscrepancy.resolved_at.is_(None))
        return self.session.scalars(
            query.order_by(LedgerDiscrepancy.opened_at, LedgerDiscrepancy.id)
        ).all()

    def entries_by_id(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, LedgerEntry]:
        """Entries by id (for discrepancy details)."""
        if not ids:
            return {}
        rows = self.session.scalars(
            select(LedgerEntry).where(LedgerEntry.id.in_(list(ids)))
        ).all()
        return {e.id: e for e in rows}

    # people and sessions ----------------------------------------------------------------
    def clinic(self, clinic_id: uuid.UUID) -> Clinic | None:
        """The clinic (its time zone and ledger settings)."""
        return self.session.get(Clinic, clinic_id)

    def user(self, user_id: uuid.UUID) -> User | None:
        """A user (a waste witness)."""
        return self.session.get(User, user_id)

    def users(self, ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, User]:
        """Users by id."""
        if not ids:
            return {}
        rows = self.session.scalars(select(User).where(User.id.in_(list(ids)))).all()
        return {u.id: u for u in rows}

    def session_context(
        self, session_id: uuid.UUID
    ) -> tuple[TreatmentSession, Patient, TreatmentCourse] | None:
        """A treatment session with its patient and course, in one query."""
        row = self.session.execute(
            select(TreatmentSession, Patient, TreatmentCourse)
            .join(Patient, Patient.id == TreatmentSession.patient_id)
            .join(TreatmentCourse, TreatmentCourse.id == TreatmentSession.course_id)
            .where(TreatmentSession.id == session_id)
        ).one_or_none()
        return None if row is None else (row[0], row[1], row[2])


class TheftLossRepository(Repository[TheftLossReport]):
    """Theft and loss reports."""

    model = TheftLossReport

    def list(self, *, clinic_id: uuid.UUID) -> Sequence[TheftLossReport]:
        """The clinic's reports, newest discovery first."""
        return self.session.scalars(
            select(TheftLossReport)
            .where(TheftLossReport.clinic_id == clinic_id)
            .order_by(TheftLossReport.discovered_at.desc(), TheftLossReport.id)
        ).all()
