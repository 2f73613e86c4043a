"""The controlled-substance ledger: products, lots, and every entry that moves stock.

Each write: check the role → load and check what the entry refers to → lock the lot row, then
the clinic's chain head (always in that order, so writers never deadlock) → compute the new
balance with :func:`ketapath.core.ledger.apply_change` (never below zero, 422 naming the rule)
and the chain hash → append the entry, update the lot balance and the chain head → audit.
Services flush, never commit. Roles: prescribers and nurses record administrations; admins and
prescribers receive, count, dispose, transfer, correct and resolve; those three roles read.

Reports (dispensing log, inventory), theft/loss deadlines and chain verification live in
:mod:`ketapath.services.ledger_reports`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from ketapath.core.ledger import (
    GENESIS_HASH,
    CountKind,
    LedgerEntryKind,
    LedgerUnit,
    Substance,
    apply_change,
    compute_entry_hash,
)
from ketapath.db.base import new_id, utcnow
from ketapath.db.models import (
    Clinic,
    ControlledLot,
    ControlledProduct,
    LedgerChain,
    LedgerDiscrepancy,
    LedgerEntry,
    Role,
    Route,
    SessionStatus,
)
from ketapath.db.models.ledger import HASHED_FIELDS
from ketapath.db.repositories.ledger import LedgerRepository, LotRow, ProductRepository
from ketapath.schemas.ledger import (
    AdministrationCreate,
    CorrectionCreate,
    CountCreate,
    DiscrepancyRead,
    DiscrepancyResolve,
    DisposalCreate,
    LotCreate,
    ProductCreate,
    ReceiptCreate,
    TransferCreate,
)
from ketapath.services import audit
from ketapath.services.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from ketapath.services.permissions import Actor

__all__ = [
    "ADMINISTER_ROLES",
    "MANAGE_ROLES",
    "READ_ROLES",
    "WASTE_WITNESS_RULE",
    "WASTE_WITNESS_SETTING",
    "WITNESS_ROLES",
    "create_product",
    "discrepancy_read",
    "entry_unit",
    "get_lot",
    "hash_fields",
    "list_discrepancies",
    "list_entries",
    "list_lots",
    "list_products",
    "record_administration",
    "record_correction",
    "record_count",
    "record_disposal",
    "record_receipt",
    "record_transfer",
    "register_lot",
    "require_role",
    "resolve_discrepancy",
    "substance_for_route",
    "waste_witness_required",
]

READ_ROLES = frozenset({Role.ADMIN, Role.PRESCRIBER, Role.NURSE})
MANAGE_ROLES = frozenset({Role.ADMIN, Role.PRESCRIBER})
ADMINISTER_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE})
WITNESS_ROLES = frozenset({Role.PRESCRIBER, Role.NURSE})
"""Who may witness waste or destruction: a second licensed clinician."""

WASTE_WITNESS_SETTING = "ledger_waste_witness_required"
"""Clinic setting (bool, default true): waste and destruction need a second user as witness."""
WASTE_WITNESS_RULE = "LEDGER-WASTE-WITNESS"


def require_role(actor: Actor, roles: frozenset[Role], what: str) -> None:
    """403 unless the actor's role is one of ``roles``.

    The ledger's grants, kept here until ``services.permissions`` gains ledger capabilities.
    """
    if actor.role not in roles:
        raise ForbiddenError(f"role '{actor.role.value}' may not {what}")


def waste_witness_required(clinic: Clinic | None) -> bool:
    """The clinic's witnessed-waste rule; on unless the clinic turned it off."""
    if clinic is None:
        return True
    return clinic.settings.get(WASTE_WITNESS_SETTING, True) is not False


def entry_unit(entry: LedgerEntry) -> LedgerUnit:
    """The unit an entry's quantities are in."""
    return LedgerUnit.MG if entry.change_mg is not None else LedgerUnit.DEVICES


def hash_fields(entry: LedgerEntry) -> dict[str, object]:
    """The values ``entry_hash`` covers (``HASHED_FIELDS``), read from the entry."""
    return {name: getattr(entry, name) for name in HASHED_FIELDS}


# products and lots ------------------------------------------------------------------------
def create_product(
    session: Session, *, actor: Actor, data: ProductCreate
) -> ControlledProduct:
    """Add a stocked product; its NDC is unique in the clinic (409 otherwise)."""
    require_role(actor, MANAGE_ROLES, "manage controlled-substance products")
    repo = ProductRepository(session)
    if repo.by_ndc(clinic_id=actor.clinic_id, ndc=data.ndc) is not None:
        raise ConflictError(f"a product with NDC {data.ndc} exists", field="ndc")
    product = repo.add(
        ControlledProduct(
            clinic_id=actor.clinic_id,
            dea_schedule="III",
            active=True,
            **data.model_dump(),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="controlled_product",
        entity_id=product.id,
        detail={"ndc": product.ndc},
    )
    return product


def list_products(session: Session, *, actor: Actor) -> Sequence[ControlledProduct]:
    """The clinic's products."""
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    return ProductRepository(session).list(clinic_id=actor.clinic_id)


def _product(
    session: Session, actor: Actor, product_id: uuid.UUID
) -> ControlledProduct:
    product = ProductRepository(session).get(product_id)
    if product is None or product.clinic_id != actor.clinic_id:
        raise NotFoundError("product not found", field="product_id")
    return product


def _new_lot(
    session: Session, actor: Actor, product: ControlledProduct, data: LotCreate
) -> ControlledLot:
    zero = Decimal(0)
    lot = LedgerRepository(session).add_lot(
        ControlledLot(
            clinic_id=actor.clinic_id,
            product_id=product.id,
            ndc=product.ndc,
            lot_number=data.lot_number,
            expiry_date=data.expiry_date,
            storage_location=data.storage_location,
            balance_mg=zero if product.unit is LedgerUnit.MG else None,
            balance_devices=zero if product.unit is LedgerUnit.DEVICES else None,
            entry_count=0,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="controlled_lot",
        entity_id=lot.id,
        detail={"product_id": str(product.id), "lot_number": lot.lot_number},
    )
    return lot


def register_lot(session: Session, *, actor: Actor, data: LotCreate) -> ControlledLot:
    """Register a lot already on hand (balance 0 until its initial count); 409 if it exists."""
    require_role(actor, MANAGE_ROLES, "register controlled-substance lots")
    product = _product(session, actor, data.product_id)
    existing = LedgerRepository(session).lot_by_number(
        product_id=product.id, lot_number=data.lot_number
    )
    if existing is not None:
        raise ConflictError(
            f"lot {data.lot_number} of this product exists", field="lot_number"
        )
    return _new_lot(session, actor, product, data)


def list_lots(session: Session, *, actor: Actor) -> Sequence[LotRow]:
    """The clinic's lots with their products and balances."""
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    return LedgerRepository(session).lots(clinic_id=actor.clinic_id)


def _lot(session: Session, actor: Actor, lot_id: uuid.UUID) -> LotRow:
    found = LedgerRepository(session).lot(lot_id)
    if found is None or found.lot.clinic_id != actor.clinic_id:
        raise NotFoundError("lot not found", field="lot_id")
    return found


def get_lot(session: Session, *, actor: Actor, lot_id: uuid.UUID) -> LotRow:
    """One lot (404 outside the caller's clinic)."""
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    return _lot(session, actor, lot_id)


def list_entries(
    session: Session,
    *,
    actor: Actor,
    lot_id: uuid.UUID | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
    offset: int = 0,
) -> Sequence[LedgerEntry]:
    """Entries of the clinic (or one lot) that occurred in ``[since, until)``."""
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    if lot_id is not None:
        _lot(session, actor, lot_id)
    if since is not None and until is not None and until <= since:
        raise UnprocessableError("until must be after since", field="until")
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="ledger_entry",
        detail={"lot_id": str(lot_id)} if lot_id else None,
    )
    return LedgerRepository(session).entries(
        clinic_id=actor.clinic_id,
        lot_id=lot_id,
        since=since,
        until=until,
        limit=limit,
        offset=offset,
    )


# the append -------------------------------------------------------------------------------
def _quantity(
    data: object, prefix: str, unit: LedgerUnit, *, required: bool = True
) -> Decimal | None:
    """The ``<prefix>_<unit>`` value; the other unit's field is a 422 naming it."""
    other = LedgerUnit.DEVICES if unit is LedgerUnit.MG else LedgerUnit.MG
    if getattr(data, f"{prefix}_{other.value}", None) is not None:
        raise UnprocessableError(
            f"this lot is counted in {unit.value}: give {prefix}_{unit.value}",
            field=f"{prefix}_{other.value}",
        )
    value = getattr(data, f"{prefix}_{unit.value}", None)
    if value is None:
        if required:
            raise UnprocessableError(
                f"give {prefix}_{unit.value}", field=f"{prefix}_{unit.value}"
            )
        return None
    return Decimal(value)


@dataclass(frozen=True, slots=True)
class _Append:
    """What one append needs besides the entry's own fields."""

    lot_id: uuid.UUID
    kind: LedgerEntryKind
    change: Decimal
    change_field: str
    occurred_at: datetime | None
    now: datetime | None


def _append(
    session: Session,
    *,
    actor: Actor,
    spec: _Append,
    patient_id: uuid.UUID | None = None,
    **fields: Any,
) -> LedgerEntry:
    """Lock the lot, then the chain head; compute balance and hash; append; audit."""
    repo = LedgerRepository(session)
    lot = repo.lock_lot(spec.lot_id)
    if lot is None or lot.clinic_id != actor.clinic_id:
        raise NotFoundError("lot not found", field="lot_id")
    unit = LedgerUnit.MG if lot.balance_mg is not None else LedgerUnit.DEVICES
    before = lot.balance_mg if unit is LedgerUnit.MG else lot.balance_devices
    assert before is not None  # the CHECK keeps exactly one balance column set
    after = apply_change(before, spec.change, field=spec.change_field)
    chain = repo.lock_chain(actor.clinic_id)
    now = spec.now or utcnow()
    if chain is None:
        chain = repo.add_chain(
            LedgerChain(
                clinic_id=actor.clinic_id,
                head_sequence=0,
                head_hash=GENESIS_HASH,
                updated_at=now,
            )
        )
    quantities: dict[str, Any] = {}
    for prefix in ("given", "wasted", "counted"):
        value = fields.pop(prefix, None)
        if value is not None:
            quantities[f"{prefix}_{unit.value}"] = value
    entry = LedgerEntry(
        id=new_id(),
        clinic_id=actor.clinic_id,
        sequence=chain.head_sequence + 1,
        lot_id=lot.id,
        kind=spec.kind,
        occurred_at=spec.occurred_at or now,
        recorded_at=now,
        recorded_by_id=actor.user_id,
        patient_id=patient_id,
        estimated=fields.pop("estimated", False),
        prev_hash=chain.head_hash,
        **{f"change_{unit.value}": spec.change, f"balance_{unit.value}": after},
        **quantities,
        **fields,
    )
    entry.entry_hash = compute_entry_hash(
        hash_fields(entry), previous_hash=chain.head_hash
    )
    repo.append(entry)
    if unit is LedgerUnit.MG:
        lot.balance_mg = after
    else:
        lot.balance_devices = after
    lot.entry_count += 1
    chain.head_sequence = entry.sequence
    chain.head_hash = entry.entry_hash
    chain.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="ledger_entry",
        entity_id=entry.id,
        patient_id=patient_id,
        detail={
            "kind": spec.kind.value,
            "lot_id": str(lot.id),
            "sequence": entry.sequence,
        },
    )
    return entry


def _check_witness(
    session: Session,
    actor: Actor,
    witness_id: uuid.UUID | None,
    *,
    needed: bool,
    what: str,
) -> None:
    """A witness, when needed or given, is another active clinician of the same clinic."""
    if witness_id is None:
        if needed:
            raise UnprocessableError(
                f"{what} must be witnessed by a second user "
                f"(rule {WASTE_WITNESS_RULE}; clinic setting {WASTE_WITNESS_SETTING})",
                field="witness_id",
            )
        return
    if witness_id == actor.user_id:
        raise UnprocessableError(
            f"the witness must be a second user, not the one recording "
            f"(rule {WASTE_WITNESS_RULE})",
            field="witness_id",
        )
    witness = LedgerRepository(session).user(witness_id)
    if (
        witness is None
        or witness.clinic_id != actor.clinic_id
        or not witness.active
        or witness.role not in WITNESS_ROLES
    ):
        raise UnprocessableError(
            "the witness must be an active prescriber or nurse of this clinic",
            field="witness_id",
        )


# entries ----------------------------------------------------------------------------------
def record_receipt(
    session: Session, *, actor: Actor, data: ReceiptCreate, now: datetime | None = None
) -> LedgerEntry:
    """Stock received: creates the lot when new; the supplier's name, address and DEA number."""
    require_role(actor, MANAGE_ROLES, "receive controlled substances")
    product = _product(session, actor, data.product_id)
    repo = LedgerRepository(session)
    lot = repo.lot_by_number(product_id=product.id, lot_number=data.lot_number)
    if lot is None:
        lot = _new_lot(session, actor, product, data)
    elif lot.expiry_date != data.expiry_date:
        raise UnprocessableError(
            f"lot {lot.lot_number} is recorded with expiry {lot.expiry_date.isoformat()}",
            field="expiry_date",
        )
    quantity = _quantity(data, "quantity", product.unit, required=False)
    if quantity is None:
        quantity = product.units_per_container * data.containers
        if product.unit is LedgerUnit.DEVICES and quantity != quantity.to_integral():
            raise UnprocessableError(
                "give quantity_devices (the containers hold a part device)",
                field="quantity_devices",
            )
    if quantity <= 0:
        raise UnprocessableError(
            "a receipt adds stock", field=f"quantity_{product.unit.value}"
        )
    return _append(
        session,
        actor=actor,
        spec=_Append(
            lot.id,
            LedgerEntryKind.RECEIPT,
            quantity,
            f"quantity_{product.unit.value}",
            data.occurred_at,
            now,
        ),
        containers=data.containers,
        supplier_name=data.supplier_name,
        supplier_address=data.supplier_address,
        supplier_dea_number=data.supplier_dea_number,
        note=data.note,
    )


_ROUTE_SUBSTANCE = {
    Route.ESKETAMINE: Substance.ESKETAMINE,
    Route.IV_KETAMINE: Substance.KETAMINE,
    Route.KAP: Substance.KETAMINE,
}


def substance_for_route(route: Route | str) -> Substance:
    """The controlled substance a session on ``route`` draws from (KAP uses racemic ketamine)."""
    return _ROUTE_SUBSTANCE[Route(route)]


def record_administration(
    session: Session,
    *,
    actor: Actor,
    data: AdministrationCreate,
    now: datetime | None = None,
) -> LedgerEntry:
    """Drawn for a session: given + wasted leave the lot; waste is witnessed when required."""
    require_role(actor, ADMINISTER_ROLES, "record controlled-substance administrations")
    lot, product = _lot(session, actor, data.lot_id)
    repo = LedgerRepository(session)
    context = repo.session_context(data.session_id)
    if context is None or context[1].clinic_id != actor.clinic_id:
        raise NotFoundError("session not found", field="session_id")
    treatment, patient, course = context
    if treatment.status is SessionStatus.CANCELLED:
        raise ConflictError(
            "nothing can be administered in a cancelled session", field="session_id"
        )
    if substance_for_route(course.route) is not product.substance:
        raise UnprocessableError(
            f"a {course.route.value} session takes {substance_for_route(course.route).value}, "
            f"not {product.substance.value}",
            field="lot_id",
        )
    given = _quantity(data, "given", product.unit)
    assert given is not None
    wasted = _quantity(data, "wasted", product.unit, required=False) or Decimal(0)
    if given + wasted <= 0:
        raise UnprocessableError(
            "nothing drawn: give a quantity above zero",
            field=f"given_{product.unit.value}",
        )
    _check_witness(
        session,
        actor,
        data.witness_id,
        needed=wasted > 0 and waste_witness_required(repo.clinic(actor.clinic_id)),
        what="waste",
    )
    return _append(
        session,
        actor=actor,
        spec=_Append(
            lot.id,
            LedgerEntryKind.ADMINISTRATION,
            -(given + wasted),
            f"given_{product.unit.value}",
            data.occurred_at,
            now,
        ),
        patient_id=patient.id,
        session_id=treatment.id,
        given=given,
        wasted=wasted,
        witness_id=data.witness_id,
        note=data.note,
    )


def record_disposal(
    session: Session, *, actor: Actor, data: DisposalCreate, now: datetime | None = None
) -> LedgerEntry:
    """Other disposal (date, manner, quantity); destruction is witnessed when required."""
    require_role(actor, MANAGE_ROLES, "dispose of controlled substances")
    lot, product = _lot(session, actor, data.lot_id)
    quantity = _quantity(data, "quantity", product.unit)
    assert quantity is not None
    if quantity <= 0:
        raise UnprocessableError(
            "a disposal removes stock", field=f"quantity_{product.unit.value}"
        )
    _check_witness(
        session,
        actor,
        data.witness_id,
        needed=waste_witness_required(
            LedgerRepository(session).clinic(actor.clinic_id)
        ),
        what="destruction",
    )
    return _append(
        session,
        actor=actor,
        spec=_Append(
            lot.id,
            LedgerEntryKind.DISPOSAL,
            -quantity,
            f"quantity_{product.unit.value}",
            data.occurred_at,
            now,
        ),
        disposal_manner=data.manner,
        witness_id=data.witness_id,
        note=data.note,
    )


def record_transfer(
    session: Session, *, actor: Actor, data: TransferCreate, now: datetime | None = None
) -> LedgerEntry:
    """Stock moved in from, or out to, another registrant (named, with DEA number)."""
    require_role(actor, MANAGE_ROLES, "transfer controlled substances")
    lot, product = _lot(session, actor, data.lot_id)
    quantity = _quantity(data, "quantity", product.unit)
    assert quantity is not None
    if quantity <= 0:
        raise UnprocessableError(
            "a transfer moves stock", field=f"quantity_{product.unit.value}"
        )
    return _append(
        session,
        actor=actor,
        spec=_Append(
            lot.id,
            LedgerEntryKind.TRANSFER,
            quantity if data.direction == "in" else -quantity,
            f"quantity_{product.unit.value}",
            data.occurred_at,
            now,
        ),
        transfer_direction=data.direction,
        counterparty_name=data.counterparty_name,
        counterparty_address=data.counterparty_address,
        counterparty_dea_number=data.counterparty_dea_number,
        note=data.note,
    )


def record_count(
    session: Session, *, actor: Actor, data: CountCreate, now: datetime | None = None
) -> tuple[LedgerEntry, LedgerDiscrepancy | None]:
    """An inventory count (21 CFR 1304.11); a differing count opens a discrepancy.

    The initial count of a new lot with no entries sets its opening balance; any other count
    leaves the balance alone and opens a discrepancy when it differs from it.
    """
    require_role(actor, MANAGE_ROLES, "count controlled substances")
    _lot(session, actor, data.lot_id)
    repo = LedgerRepository(session)
    locked = repo.lock_lot(data.lot_id)
    assert locked is not None
    unit = LedgerUnit.MG if locked.balance_mg is not None else LedgerUnit.DEVICES
    counted = _quantity(data, "counted", unit)
    assert counted is not None
    balance = locked.balance_mg if unit is LedgerUnit.MG else locked.balance_devices
    assert balance is not None
    opening = data.count_kind is CountKind.INITIAL and locked.entry_count == 0
    entry = _append(
        session,
        actor=actor,
        spec=_Append(
            locked.id,
            LedgerEntryKind.COUNT,
            counted if opening else Decimal(0),
            f"counted_{unit.value}",
            data.occurred_at,
            now,
        ),
        counted=counted,
        count_kind=data.count_kind,
        estimated=data.estimated,
        note=data.note,
    )
    if opening or counted == balance:
        return entry, None
    discrepancy = repo.add_discrepancy(
        LedgerDiscrepancy(
            clinic_id=actor.clinic_id,
            lot_id=locked.id,
            count_entry_id=entry.id,
            opened_at=entry.recorded_at,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="ledger_discrepancy",
        entity_id=discrepancy.id,
        detail={"lot_id": str(locked.id), "count_entry_id": str(entry.id)},
    )
    return entry, discrepancy


def _entry(
    session: Session, actor: Actor, entry_id: uuid.UUID, field: str
) -> LedgerEntry:
    entry = LedgerRepository(session).get(entry_id)
    if entry is None or entry.clinic_id != actor.clinic_id:
        raise NotFoundError("ledger entry not found", field=field)
    return entry


def record_correction(
    session: Session,
    *,
    actor: Actor,
    data: CorrectionCreate,
    now: datetime | None = None,
) -> LedgerEntry:
    """A new entry on the original's lot that corrects it by a signed change, with a reason."""
    require_role(actor, MANAGE_ROLES, "correct ledger entries")
    original = _entry(session, actor, data.corrects_entry_id, "corrects_entry_id")
    unit = entry_unit(original)
    change = _quantity(data, "change", unit)
    assert change is not None
    return _append(
        session,
        actor=actor,
        spec=_Append(
            original.lot_id,
            LedgerEntryKind.CORRECTION,
            change,
            f"change_{unit.value}",
            data.occurred_at,
            now,
        ),
        patient_id=original.patient_id,
        session_id=original.session_id,
        corrects_entry_id=original.id,
        note=data.reason,
    )


# discrepancies ----------------------------------------------------------------------------
def discrepancy_read(
    discrepancy: LedgerDiscrepancy, count_entry: LedgerEntry
) -> DiscrepancyRead:
    """A discrepancy with the expected (book) and counted quantities from its count entry."""
    unit = entry_unit(count_entry)
    expected = getattr(count_entry, f"balance_{unit.value}")
    counted = getattr(count_entry, f"counted_{unit.value}")
    return DiscrepancyRead(
        id=discrepancy.id,
        lot_id=discrepancy.lot_id,
        count_entry_id=discrepancy.count_entry_id,
        unit=unit,
        expected=expected,
        counted=counted,
        difference=counted - expected,
        estimated=count_entry.estimated,
        opened_at=discrepancy.opened_at,
        status="open" if discrepancy.resolved_at is None else "resolved",
        resolved_at=discrepancy.resolved_at,
        resolved_by_id=discrepancy.resolved_by_id,
        resolution_reason=discrepancy.resolution_reason,
        correction_entry_id=discrepancy.correction_entry_id,
    )


def list_discrepancies(
    session: Session, *, actor: Actor, open_only: bool = False
) -> list[DiscrepancyRead]:
    """The clinic's discrepancies (optionally only the open ones), oldest first."""
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    repo = LedgerRepository(session)
    found = repo.discrepancies(clinic_id=actor.clinic_id, open_only=open_only)
    entries = repo.entries_by_id([d.count_entry_id for d in found])
    return [discrepancy_read(d, entries[d.count_entry_id]) for d in found]


def resolve_discrepancy(
    session: Session,
    *,
    actor: Actor,
    discrepancy_id: uuid.UUID,
    data: DiscrepancyResolve,
    now: datetime | None = None,
) -> DiscrepancyRead:
    """Close a discrepancy with a reason; by default a correction sets the book to the count."""
    require_role(actor, MANAGE_ROLES, "resolve ledger discrepancies")
    repo = LedgerRepository(session)
    discrepancy = repo.discrepancy_for_update(discrepancy_id)
    if discrepancy is None or discrepancy.clinic_id != actor.clinic_id:
        raise NotFoundError("discrepancy not found")
    if discrepancy.resolved_at is not None:
        raise ConflictError("the discrepancy is already resolved", field="status")
    count_entry = _entry(session, actor, discrepancy.count_entry_id, "count_entry_id")
    now = now or utcnow()
    if data.adjust_balance:
        unit = entry_unit(count_entry)
        difference = getattr(count_entry, f"counted_{unit.value}") - getattr(
            count_entry, f"balance_{unit.value}"
        )
        correction = _append(
            session,
            actor=actor,
            spec=_Append(
                discrepancy.lot_id,
                LedgerEntryKind.CORRECTION,
                difference,
                "adjust_balance",
                now,
                now,
            ),
            corrects_entry_id=count_entry.id,
            note=f"discrepancy resolved: {data.reason}",
        )
        discrepancy.correction_entry_id = correction.id
    discrepancy.resolved_at = now
    discrepancy.resolved_by_id = actor.user_id
    discrepancy.resolution_reason = data.reason
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="resolve",
        entity="ledger_discrepancy",
        entity_id=discrepancy.id,
        detail={"adjusted": data.adjust_balance},
    )
    return discrepancy_read(discrepancy, count_entry)
