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

from ketapath.api.deps import CurrentActor, SessionDep
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
def list_products(session: SessionDep, actor: CurrentActor) -> list[ProductRead]:
    """The clinic's controlled-substance products."""
    return [
        ProductRead.model_validate(p)
        for p in ledger_service.list_products(session, actor=actor)
    ]


@router.post("/products", response_model=ProductRead, status_code=CREATED)
def create_product(
    session: SessionDep, actor: CurrentActor, data: ProductCreate
) -> ProductRead:
    """Add a product (NDC, finished form, unit); admins and prescribers."""
    return ProductRead.model_validate(
        ledger_service.create_product(session, actor=actor, data=data)
    )


@router.get("/lots", response_model=list[LotRead])
def list_lots(session: SessionDep, actor: CurrentActor) -> list[LotRead]:
    """Every lot with its current balance."""
    return [
        LotRead.model_validate(row.lot)
        for row in ledger_service.list_lots(session, actor=actor)
    ]


@router.post("/lots", response_model=LotRead, status_code=CREATED)
def register_lot(session: SessionDep, actor: CurrentActor, data: LotCreate) -> LotRead:
    """Register a lot already on hand (balance 0 until its initial count)."""
    return LotRead.model_validate(
        ledger_service.register_lot(session, actor=actor, data=data)
    )


@router.get("/lots/{lot_id}", response_model=LotRead)
def get_lot(session: SessionDep, actor: CurrentActor, lot_id: uuid.UUID) -> LotRead:
    """One lot and its balance."""
    return LotRead.model_validate(
        ledger_service.get_lot(session, actor=actor, lot_id=lot_id).lot
    )


@router.get("/lots/{lot_id}/entries", response_model=list[LedgerEntryRead])
def list_lot_entries(
    session: SessionDep,
    actor: CurrentActor,
    lot_id: uuid.UUID,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LedgerEntryRead]:
    """One lot's entries in a time range, oldest first."""
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


@router.get("/entries", response_model=list[LedgerEntryRead])
def list_entries(
    session: SessionDep,
    actor: CurrentActor,
    since: Since = None,
    until: Until = None,
    limit: Limit = 100,
    offset: Offset = 0,
) -> list[LedgerEntryRead]:
    """Every lot's entries in a time range, oldest first."""
    return [
        LedgerEntryRead.model_validate(e)
        for e in ledger_service.list_entries(
            session, actor=actor, since=since, until=until, limit=limit, offset=offset
        )
    ]


# entries ----------------------------------------------------------------------------------
@router.post("/receipts", response_model=LedgerEntryRead, status_code=CREATED)
def record_receipt(
    session: SessionDep, actor: CurrentActor, data: ReceiptCreate
) -> LedgerEntryRead:
    """Stock received from a supplier (creates the lot when new)."""
    return LedgerEntryRead.model_validate(
        ledger_service.record_receipt(session, actor=actor, data=data)
    )


@router.post("/administrations", response_model=LedgerEntryRead, status_code=CREATED)
def record_administration(
    session: SessionDep, actor: CurrentActor, data: AdministrationCreate
) -> LedgerEntryRead:
    """Drawn for a treatment session: given and wasted (waste witnessed by a second user)."""
    return LedgerEntryRead.model_validate(
        ledger_service.record_administration(session, actor=actor, data=data)
    )


@router.post("/disposals", response_model=LedgerEntryRead, status_code=CREATED)
def record_disposal(
    session: SessionDep, actor: CurrentActor, data: DisposalCreate
) -> LedgerEntryRead:
    """Other disposal: date, manner and quantity (witnessed)."""
    return LedgerEntryRead.model_validate(
        ledger_service.record_disposal(session, actor=actor, data=data)
    )


@router.post("/transfers", response_model=LedgerEntryRead, status_code=CREATED)
def record_transfer(
    session: SessionDep, actor: CurrentActor, data: TransferCreate
) -> LedgerEntryRead:
    """Stock transferred in from or out to another registrant."""
    return LedgerEntryRead.model_validate(
        ledger_service.record_transfer(session, actor=actor, data=data)
    )


@router.post("/counts", response_model=CountRecorded, status_code=CREATED)
def record_count(
    session: SessionDep, actor: CurrentActor, data: CountCreate
) -> CountRecorded:
    """An inventory count; a count that differs from the balance opens a discrepancy."""
    entry, discrepancy = ledger_service.record_count(session, actor=actor, data=data)
    return CountRecorded(
        entry=LedgerEntryRead.model_validate(entry),
        discrepancy=(
            ledger_service.discrepancy_read(discrepancy, entry)
            if discrepancy is not None
            else None
        ),
    )


@router.post("/corrections", response_model=LedgerEntryRead, status_code=CREATED)
def record_correction(
    session: SessionDep, actor: CurrentActor, data: CorrectionCreate
) -> LedgerEntryRead:
    """A new entry that corrects an earlier one (the original is never changed)."""
    return LedgerEntryRead.model_validate(
        ledger_service.record_correction(session, actor=actor, data=data)
    )


# discrepancies ----------------------------------------------------------------------------
@router.get("/discrepancies", response_model=list[DiscrepancyRead])
def list_discrepancies(
    session: SessionDep,
    actor: CurrentActor,
    status_: Annotated[Literal["open", "all"], Query(alias="status")] = "open",
) -> list[DiscrepancyRead]:
    """Open discrepancies (or all of them)."""
    return ledger_service.list_discrepancies(
        session, actor=actor, open_only=status_ == "open"
    )


@router.post("/discrepancies/{discrepancy_id}/resolve", response_model=DiscrepancyRead)
def resolve_discrepancy(
    session: SessionDep,
    actor: CurrentActor,
    discrepancy_id: uuid.UUID,
    data: DiscrepancyResolve,
) -> DiscrepancyRead:
    """Resolve with a reason; by default a correction sets the balance to the count."""
    return ledger_service.resolve_discrepancy(
        session, actor=actor, discrepancy_id=discrepancy_id, data=data
    )


# theft and loss ---------------------------------------------------------------------------
@router.get("/theft-loss-reports", response_model=list[TheftLossRead])
def list_theft_loss_reports(
    session: SessionDep, actor: CurrentActor
) -> list[TheftLossRead]:
    """Reports with their DEA notice and Form 106 deadlines (done, due or overdue)."""
    return ledger_reports.list_theft_loss_reports(session, actor=actor)


@router.post("/theft-loss-reports", response_model=TheftLossRead, status_code=CREATED)
def report_theft_loss(
    session: SessionDep, actor: CurrentActor, data: TheftLossCreate
) -> TheftLossRead:
    """Report a theft or significant loss; the deadlines are computed from discovery."""
    return ledger_reports.report_theft_loss(session, actor=actor, data=data)


@router.post(
    "/theft-loss-reports/{report_id}/notice-sent", response_model=TheftLossRead
)
def mark_notice_sent(
    session: SessionDep, actor: CurrentActor, report_id: uuid.UUID, data: NoticeSent
) -> TheftLossRead:
    """The written notice to the DEA field office was sent."""
    return ledger_reports.mark_notice_sent(
        session, actor=actor, report_id=report_id, data=data
    )


@router.post(
    "/theft-loss-reports/{report_id}/form-106-filed", response_model=TheftLossRead
)
def mark_form_106_filed(
    session: SessionDep, actor: CurrentActor, report_id: uuid.UUID, data: Form106Filed
) -> TheftLossRead:
    """DEA Form 106 was filed."""
    return ledger_reports.mark_form_106_filed(
        session, actor=actor, report_id=report_id, data=data
    )


# balances and verification ----------------------------------------------------------------
@router.get("/balances", response_model=list[InventoryRow])
def balances(
    session: SessionDep,
    actor: CurrentActor,
    on: Annotated[
        IsoDate | None,
        Query(alias="date", description="As of the end of this clinic-local day"),
    ] = None,
) -> list[InventoryRow]:
    """Per lot: balance, expiry, location, last count and open discrepancies."""
    return ledger_reports.inventory_report(
        session, actor=actor, as_of=on if on is not None else utcnow()
    )


@router.get("/verify", response_model=ChainVerification)
def verify(session: SessionDep, actor: CurrentActor) -> ChainVerification:
    """Re-walk the clinic's chain: hashes, links, balances (admins)."""
    return ledger_reports.verify_clinic_chain(session, actor=actor)
