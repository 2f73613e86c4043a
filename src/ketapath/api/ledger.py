"""/api/v1/ledger: the Schedule III ledger (products, lots, entries, counts, theft/loss).

Every write appends an entry to the clinic's hash-chained, append-only ledger and is audited.
A quantity that would take a lot below zero is 422 naming the field and the rule
(``LEDGER-BALANCE-NON-NEGATIVE``); unwitnessed waste, where the clinic requires a witness, is
422 naming ``witness_id``.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query, status
from pydantic import AwareDatetime, BeforeValidator
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.db.base import utcnow
from ketapath.schemas.ledger import (
    AdministrationCreate,
    ChainVerification,
    CorrectionCreate,
    CountCreate,
    CountRecorded,
    DiscrepancyRead,
    DiscrepancyResolve,
    DisposalCreate,
    Form106Filed,
    InventoryRow,
    LedgerEntryRead,
    LotCreate,
    LotRead,
    NoticeSent,
    ProductCreate,
    ProductRead,
    ReceiptCreate,
    TheftLossCreate,
    TheftLossRead,
    TransferCreate,
)
from ketapath.services import ledger as ledger_service
from ketapath.services import ledger_reports
from ketapath.services.permissions import Actor

__all__ = ["router"]

router = APIRouter(prefix="/ledger", tags=["ledger"])

Since = Annotated[
    AwareDatetime | None,
    Query(
        description="Entries that occurred at or after this time (with a UTC offset)"
    ),
]
Until = Annotated[
    AwareDatetime | None,
    Query(description="Entries that occurred before this time (with a UTC offset)"),
]
Limit = Annotated[int, Query(ge=1, le=1000)]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
CREATED = status.HTTP_201_CREATED


def _iso_date_text(value: object) -> object:
    """Only ``YYYY-MM-DD`` (pydantic would also read a number as a Unix time)."""
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_date_text)]


# products and lots ------------------------------------------------------------------------
@router.get("/products", response_model=list[ProductRead])
async def list_products(work: WorkDep) -> list[ProductRead]:
    """The clinic's controlled-substance products."""

    def run(session: Session, actor: Actor) -> list[ProductRead]:
        return [
            ProductRead.model_validate(p)
            for p in ledger_service.list_products(session, actor=actor)
        ]

    return await work(run)


@router.post("/products", response_model=ProductRead, status_code=CREATED)
async def create_product(work: WorkDep, data: ProductCreate) -> ProductRead:
    """Add a product (NDC, finished form, unit); admins and prescribers."""

    def run(session: Session, actor: Actor) -> ProductRead:
        return ProductRead.model_validate(
            ledger_service.create_product(session, actor=actor, data=data)
        )

    return await work(run)


@router.get("/lots", response_model=list[LotRead])
async def list_lots(work: WorkDep) -> list[LotRead]:
    """Every lot with its current balance."""

    def run(session: Session, actor: Actor) -> list[LotRead]:
        return [
            LotRead.model_validate(row.lot)
            for row in ledger_service.list_lots(session, actor=actor)
        ]

    return await work(run)


@router.post("/lots", response_model=LotRead, status_code=CREATED)
async def register_lot(work: WorkDep, data: LotCreate) -> LotRead:
    """Register a lot already on hand (balance 0 until its initial count)."""

    def run(session: Session, actor: Actor) -> LotRead:
        return LotRead.model_validate(
            ledger_service.register_lot(session, actor=actor, data=data)
        )

    return await work(run)


@router.get("/lots/{lot_id}", response_model=LotRead)
async def get_lot(work: WorkDep, lot_id: uuid.UUID) -> LotRead:
    """One lot and its balance."""

    def run(session: Session, actor: Actor) -> LotRead:
        return LotRead.model_validate(
            ledger_service.get_lot(session, actor=actor, lot_id=lot_id).lot
        )

    return await work(run)


@router.get("/lots/{lot_id}/entries", response_model=list[LedgerEntryRead])
async def list_lot_entries(
    work: WorkDep,
    lot_id: uuid.UUID,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LedgerEntryRead]:
    """One lot's entries in a time range, oldest first."""

    def run(session: Session, actor: Actor) -> list[LedgerEntryRead]:
        return [
            LedgerEntryRead.model_validate(e)
            for e in ledger_service.list_entries(
                session,
                actor=actor,
                lot_id=lot_id,
                since=since,
                until=until,
                limit=limit,
                offset=offset,
            )
        ]

    return await work(run)


@router.get("/entries", response_model=list[LedgerEntryRead])
async def list_entries(
    work: WorkDep,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LedgerEntryRead]:
    """Every lot's entries in a time range, oldest first."""

    def run(session: Session, actor: Actor) -> list[LedgerEntryRead]:
        return [
            LedgerEntryRead.model_validate(e)
            for e in ledger_service.list_entries(
                session,
                actor=actor,
                since=since,
                until=until,
                limit=limit,
                offset=offset,
            )
        ]

    return await work(run)


# entries ----------------------------------------------------------------------------------
@router.post("/receipts", response_model=LedgerEntryRead, status_code=CREATED)
async def record_receipt(work: WorkDep, data: ReceiptCreate) -> LedgerEntryRead:
    """Stock received from a supplier (creates the lot when new)."""

    def run(session: Session, actor: Actor) -> LedgerEntryRead:
        return LedgerEntryRead.model_validate(
            ledger_service.record_receipt(session, actor=actor, data=data)
        )

    return await work(run)


@router.post("/administrations", response_model=LedgerEntryRead, status_code=CREATED)
async def record_administration(
    work: WorkDep, data: AdministrationCreate
) -> LedgerEntryRead:
    """Drawn for a treatment session: given and wasted (waste witnessed by a second user)."""

    def run(session: Session, actor: Actor) -> LedgerEntryRead:
        return LedgerEntryRead.model_validate(
            ledger_service.record_administration(session, actor=actor, data=data)
        )

    return await work(run)


@router.post("/disposals", response_model=LedgerEntryRead, status_code=CREATED)
async def record_disposal(work: WorkDep, data: DisposalCreate) -> LedgerEntryRead:
    """Other disposal: date, manner and quantity (witnessed)."""

    def run(session: Session, actor: Actor) -> LedgerEntryRead:
        return LedgerEntryRead.model_validate(
            ledger_service.record_disposal(session, actor=actor, data=data)
        )

    return await work(run)


@router.post("/transfers", response_model=LedgerEntryRead, status_code=CREATED)
async def record_transfer(work: WorkDep, data: TransferCreate) -> LedgerEntryRead:
    """Stock transferred in from or out to another registrant."""

    def run(session: Session, actor: Actor) -> LedgerEntryRead:
        return LedgerEntryRead.model_validate(
            ledger_service.record_transfer(session, actor=actor, data=data)
        )

    return await work(run)


@router.post("/counts", response_model=CountRecorded, status_code=CREATED)
async def record_count(work: WorkDep, data: CountCreate) -> CountRecorded:
    """An inventory count; a count that differs from the balance opens a discrepancy."""

    def run(session: Session, actor: Actor) -> CountRecorded:
        entry, discrepancy = ledger_service.record_count(
            session, actor=actor, data=data
        )
        return CountRecorded(
            entry=LedgerEntryRead.model_validate(entry),
            discrepancy=(
                ledger_service.discrepancy_read(discrepancy, entry)
                if discrepancy is not None
                else None
            ),
        )

    return await work(run)


@router.post("/corrections", response_model=LedgerEntryRead, status_code=CREATED)
async def record_correction(work: WorkDep, data: CorrectionCreate) -> LedgerEntryRead:
    """A new entry that corrects an earlier one (the original is never changed)."""

    def run(session: Session, actor: Actor) -> LedgerEntryRead:
        return LedgerEntryRead.model_validate(
            ledger_service.record_correction(session, actor=actor, data=data)
        )

    return await work(run)


# discrepancies ----------------------------------------------------------------------------
@router.get("/discrepancies", response_model=list[DiscrepancyRead])
async def list_discrepancies(
    work: WorkDep,
    status_: Annotated[Literal["open", "all"], Query(alias="status")] = "open",
) -> list[DiscrepancyRead]:
    """Open discrepancies (or all of them)."""

    def run(session: Session, actor: Actor) -> list[DiscrepancyRead]:
        return ledger_service.list_discrepancies(
            session, actor=actor, open_only=status_ == "open"
        )

    return await work(run)


@router.post("/discrepancies/{discrepancy_id}/resolve", response_model=DiscrepancyRead)
async def resolve_discrepancy(
    work: WorkDep, discrepancy_id: uuid.UUID, data: DiscrepancyResolve
) -> DiscrepancyRead:
    """Resolve with a reason; by default a correction sets the balance to the count."""

    def run(session: Session, actor: Actor) -> DiscrepancyRead:
        return ledger_service.resolve_discrepancy(
            session, actor=actor, discrepancy_id=discrepancy_id, data=data
        )

    return await work(run)


# theft and loss ---------------------------------------------------------------------------
@router.get("/theft-loss-reports", response_model=list[TheftLossRead])
async def list_theft_loss_reports(work: WorkDep) -> list[TheftLossRead]:
    """Reports with their DEA notice and Form 106 deadlines (done, due or overdue)."""

    def run(session: Session, actor: Actor) -> list[TheftLossRead]:
        return ledger_reports.list_theft_loss_reports(session, actor=actor)

    return await work(run)


@router.post("/theft-loss-reports", response_model=TheftLossRead, status_code=CREATED)
async def report_theft_loss(work: WorkDep, data: TheftLossCreate) -> TheftLossRead:
    """Report a theft or significant loss; the deadlines are computed from discovery."""

    def run(session: Session, actor: Actor) -> TheftLossRead:
        return ledger_reports.report_theft_loss(session, actor=actor, data=data)

    return await work(run)


@router.post(
    "/theft-loss-reports/{report_id}/notice-sent", response_model=TheftLossRead
)
async def mark_notice_sent(
    work: WorkDep, report_id: uuid.UUID, data: NoticeSent
) -> TheftLossRead:
    """The written notice to the DEA field office was sent."""

    def run(session: Session, actor: Actor) -> TheftLossRead:
        return ledger_reports.mark_notice_sent(
            session, actor=actor, report_id=report_id, data=data
        )

    return await work(run)


@router.post(
    "/theft-loss-reports/{report_id}/form-106-filed", response_model=TheftLossRead
)
async def mark_form_106_filed(
    work: WorkDep, report_id: uuid.UUID, data: Form106Filed
) -> TheftLossRead:
    """DEA Form 106 was filed."""

    def run(session: Session, actor: Actor) -> TheftLossRead:
        return ledger_reports.mark_form_106_filed(
            session, actor=actor, report_id=report_id, data=data
        )

    return await work(run)


# balances and verification ----------------------------------------------------------------
@router.get("/balances", response_model=list[InventoryRow])
async def balances(
    work: WorkDep,
    on: Annotated[
        IsoDate | None,
        Query(alias="date", description="As of the end of this clinic-local day"),
    ] = None,
) -> list[InventoryRow]:
    """Per lot: balance, expiry, location, last count and open discrepancies."""

    def run(session: Session, actor: Actor) -> list[InventoryRow]:
        return ledger_reports.inventory_report(
            session, actor=actor, as_of=on if on is not None else utcnow()
        )

    return await work(run)


@router.get("/verify", response_model=ChainVerification)
async def verify(work: WorkDep) -> ChainVerification:
    """Re-walk the clinic's chain: hashes, links, balances (admins)."""

    def run(session: Session, actor: Actor) -> ChainVerification:
        return ledger_reports.verify_clinic_chain(session, actor=actor)

    return await work(run)
