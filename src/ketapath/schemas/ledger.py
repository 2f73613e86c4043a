"""Controlled-substance ledger boundary models: products, lots, entries, counts, reports.

Quantities carry their unit in the name: ``*_mg`` (Decimal, ketamine) or ``*_devices``
(whole devices, esketamine). Give the one matching the lot's product; the service answers 422
naming the field otherwise. Report rows (dispensing log, inventory) are frozen models that the
document and web layers render.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import AwareDatetime, ConfigDict, Field, field_validator, model_validator

from ketapath.core.ledger import CountKind, LedgerEntryKind, LedgerUnit, Substance
from ketapath.schemas.base import Schema

__all__ = [
    "AdministrationCreate",
    "ChainVerification",
    "CorrectionCreate",
    "CountCreate",
    "CountRecorded",
    "DiscrepancyRead",
    "DiscrepancyResolve",
    "DispensingLogRow",
    "DisposalCreate",
    "Form106Filed",
    "InventoryRow",
    "LedgerEntryRead",
    "LotCreate",
    "LotRead",
    "NoticeSent",
    "ProductCreate",
    "ProductRead",
    "ReceiptCreate",
    "TheftLossCreate",
    "TheftLossRead",
    "TransferCreate",
]

CLOCK_SKEW = timedelta(minutes=5)
NDC_PATTERN = r"^(\d{4}-\d{4}-\d{2}|\d{5}-\d{3}-\d{2}|\d{5}-\d{4}-\d{1,2})$"
DEA_NUMBER_PATTERN = r"^[A-Z][A-Z9][0-9]{7}$"

Mg = Annotated[Decimal, Field(ge=0, le=100_000, max_digits=12, decimal_places=2)]
SignedMg = Annotated[Decimal, Field(ge=-100_000, le=100_000, decimal_places=2)]
Devices = Annotated[int, Field(ge=0, le=10_000, strict=True)]
SignedDevices = Annotated[int, Field(ge=-10_000, le=10_000, strict=True)]
Text200 = Annotated[str, Field(min_length=1, max_length=200)]
Note = Annotated[str, Field(min_length=1, max_length=1000)]


def _not_in_future(value: datetime | None) -> datetime | None:
    if value is not None and value > datetime.now(UTC) + CLOCK_SKEW:
        raise ValueError("must not be in the future")
    return value


def dea_number_valid(value: str) -> bool:
    """The DEA registration number check digit (sum rule on the seven digits)."""
    digits = [int(c) for c in value[2:]]
    total = digits[0] + digits[2] + digits[4] + 2 * (digits[1] + digits[3] + digits[5])
    return total % 10 == digits[6]


def _checked_dea(value: str | None) -> str | None:
    if value is not None and not dea_number_valid(value):
        raise ValueError("the DEA number's check digit does not match")
    return value


def _one_unit(model: Schema, prefix: str, *, required: bool) -> None:
    mg = getattr(model, f"{prefix}_mg")
    devices = getattr(model, f"{prefix}_devices")
    if mg is not None and devices is not None:
        raise ValueError(f"give {prefix}_mg or {prefix}_devices, not both")
    if required and mg is None and devices is None:
        raise ValueError(f"give {prefix}_mg or {prefix}_devices")


class _When(Schema):
    """When the event happened (default: now); never in the future."""

    occurred_at: AwareDatetime | None = None

    @field_validator("occurred_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        return _not_in_future(value)


# products and lots ------------------------------------------------------------------------
class ProductCreate(Schema):
    """A finished form: ketamine is counted in mg, esketamine in devices."""

    name: Text200
    substance: Substance
    ndc: str = Field(
        pattern=NDC_PATTERN, description="Hyphenated NDC, e.g. 50458-028-02"
    )
    finished_form: str = Field(min_length=1, max_length=100)
    unit: LedgerUnit
    units_per_container: Decimal = Field(gt=0, le=100_000, decimal_places=2)
    mg_per_ml: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2)
    mg_per_device: Decimal | None = Field(default=None, gt=0, le=1000, decimal_places=2)

    @model_validator(mode="after")
    def _unit_fits_substance(self) -> ProductCreate:
        expected = (
            LedgerUnit.DEVICES
            if self.substance is Substance.ESKETAMINE
            else LedgerUnit.MG
        )
        if self.unit is not expected:
            raise ValueError(
                f"unit: {self.substance.value} is counted in {expected.value} "
                f"(allowed: {expected.value})"
            )
        return self


class ProductRead(Schema):
    """A stocked product."""

    id: uuid.UUID
    name: str
    substance: Substance
    ndc: str
    dea_schedule: str
    finished_form: str
    unit: LedgerUnit
    units_per_container: Decimal
    mg_per_ml: Decimal | None
    mg_per_device: Decimal | None
    active: bool


class LotCreate(Schema):
    """Register a lot already on hand (then record its initial count)."""

    product_id: uuid.UUID
    lot_number: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9./-]+$")
    expiry_date: date
    storage_location: Text200


class LotRead(Schema):
    """A lot and its current balance (in the product's unit)."""

    id: uuid.UUID
    product_id: uuid.UUID
    ndc: str
    lot_number: str
    expiry_date: date
    storage_location: str
    balance_mg: Decimal | None
    balance_devices: Decimal | None
    entry_count: int


# entries ----------------------------------------------------------------------------------
class ReceiptCreate(LotCreate, _When):
    """Stock received from a supplier (21 CFR 1304.22(c)); creates the lot if it is new.

    The quantity defaults to ``containers`` × the product's units per container.
    """

    containers: int = Field(ge=1, le=10_000, strict=True)
    quantity_mg: Mg | None = None
    quantity_devices: Devices | None = None
    supplier_name: Text200
    supplier_address: str = Field(min_length=1, max_length=500)
    supplier_dea_number: str = Field(pattern=DEA_NUMBER_PATTERN)
    note: Note | None = None

    _dea = field_validator("supplier_dea_number")(_checked_dea)

    @model_validator(mode="after")
    def _units(self) -> ReceiptCreate:
        _one_unit(self, "quantity", required=False)
        return self


class AdministrationCreate(_When):
    """Drawn from a lot for a treatment session: given + wasted (drawn = given + wasted).

    Waste needs a witness (a second user) when the clinic requires it, the default.
    """

    lot_id: uuid.UUID
    session_id: uuid.UUID
    given_mg: Mg | None = None
    given_devices: Devices | None = None
    wasted_mg: Mg | None = None
    wasted_devices: Devices | None = None
    witness_id: uuid.UUID | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _units(self) -> AdministrationCreate:
        _one_unit(self, "given", required=True)
        _one_unit(self, "wasted", required=False)
        return self


class DisposalCreate(_When):
    """Other disposal (expired or damaged stock): date, manner and quantity."""

    lot_id: uuid.UUID
    quantity_mg: Mg | None = None
    quantity_devices: Devices | None = None
    manner: Text200
    witness_id: uuid.UUID | None = None
    note: Note | None = None

    @model_validator(mode="after")
    def _units(self) -> DisposalCreate:
        _one_unit(self, "quantity", required=True)
        return self


class TransferCreate(_When):
    """Stock moved in from or out to another registrant."""

    lot_id: uuid.UUID
    direction: Literal["in", "out"]
    quantity_mg: Mg | None = None
    quantity_devices: Devices | None = None
    counterparty_name: Text200
    counterparty_address: str = Field(min_length=1, max_length=500)
    counterparty_dea_number: str = Field(pattern=DEA_NUMBER_PATTERN)
    note: Note | None = None

    _dea = field_validator("counterparty_dea_number")(_checked_dea)

    @model_validator(mode="after")
    def _units(self) -> TransferCreate:
        _one_unit(self, "quantity", required=True)
        return self


class CountCreate(_When):
    """An inventory count; ``estimated`` flags an estimated measure of an opened container."""

    lot_id: uuid.UUID
    count_kind: CountKind
    counted_mg: Mg | None = None
    counted_devices: Devices | None = None
    estimated: bool = False
    note: Note | None = None

    @model_validator(mode="after")
    def _units(self) -> CountCreate:
        _one_unit(self, "counted", required=True)
        return self


class CorrectionCreate(_When):
    """A correction: a new entry on the original's lot with a signed change and a reason."""

    corrects_entry_id: uuid.UUID
    change_mg: SignedMg | None = None
    change_devices: SignedDevices | None = None
    reason: Note

    @model_validator(mode="after")
    def _units(self) -> CorrectionCreate:
        _one_unit(self, "change", required=True)
        if (self.change_mg or self.change_devices or 0) == 0:
            raise ValueError("a correction changes the balance (non-zero change)")
        return self


class LedgerEntryRead(Schema):
    """One ledger entry as stored (hash included)."""

    id: uuid.UUID
    sequence: int
    lot_id: uuid.UUID
    kind: LedgerEntryKind
    occurred_at: datetime
    recorded_at: datetime
    recorded_by_id: uuid.UUID
    change_mg: Decimal | None
    change_devices: Decimal | None
    balance_mg: Decimal | None
    balance_devices: Decimal | None
    given_mg: Decimal | None
    given_devices: Decimal | None
    wasted_mg: Decimal | None
    wasted_devices: Decimal | None
    counted_mg: Decimal | None
    counted_devices: Decimal | None
    session_id: uuid.UUID | None
    patient_id: uuid.UUID | None
    witness_id: uuid.UUID | None
    containers: int | None
    supplier_name: str | None
    supplier_address: str | None
    supplier_dea_number: str | None
    transfer_direction: str | None
    counterparty_name: str | None
    counterparty_address: str | None
    counterparty_dea_number: str | None
    disposal_manner: str | None
    count_kind: CountKind | None
    estimated: bool
    corrects_entry_id: uuid.UUID | None
    note: str | None
    prev_hash: str
    entry_hash: str


# discrepancies ----------------------------------------------------------------------------
class DiscrepancyRead(Schema):
    """A count that differed from the balance; open until resolved with a reason."""

    id: uuid.UUID
    lot_id: uuid.UUID
    count_entry_id: uuid.UUID
    unit: LedgerUnit
    expected: Decimal
    counted: Decimal
    difference: Decimal
    estimated: bool
    opened_at: datetime
    status: Literal["open", "resolved"]
    resolved_at: datetime | None
    resolved_by_id: uuid.UUID | None
    resolution_reason: str | None
    correction_entry_id: uuid.UUID | None


class CountRecorded(Schema):
    """A count entry and the discrepancy it opened, if the count differed."""

    entry: LedgerEntryRead
    discrepancy: DiscrepancyRead | None


class DiscrepancyResolve(Schema):
    """Close a discrepancy: a reason, and whether to correct the balance to the count."""

    reason: str = Field(min_length=3, max_length=1000)
    adjust_balance: bool = True


# theft and loss ---------------------------------------------------------------------------
class TheftLossCreate(Schema):
    """A theft or significant loss discovered at ``discovered_at``."""

    kind: Literal["theft", "loss"]
    discovered_at: AwareDatetime
    description: str = Field(min_length=3, max_length=2000)
    lot_id: uuid.UUID | None = None
    discrepancy_id: uuid.UUID | None = None
    quantity_mg: Mg | None = None
    quantity_devices: Devices | None = None

    @field_validator("discovered_at")
    @classmethod
    def _not_future(cls, value: datetime) -> datetime:
        _not_in_future(value)
        return value

    @model_validator(mode="after")
    def _units(self) -> TheftLossCreate:
        _one_unit(self, "quantity", required=False)
        return self


class NoticeSent(Schema):
    """The written DEA notice went out (default: now)."""

    sent_at: AwareDatetime | None = None

    @field_validator("sent_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        return _not_in_future(value)


class Form106Filed(Schema):
    """DEA Form 106 was filed (default: now), with the DEA's reference if given."""

    filed_at: AwareDatetime | None = None
    reference: str | None = Field(default=None, min_length=1, max_length=100)

    @field_validator("filed_at")
    @classmethod
    def _not_future(cls, value: datetime | None) -> datetime | None:
        return _not_in_future(value)


class TheftLossRead(Schema):
    """A report with both deadlines and where each stands (done, due, overdue)."""

    id: uuid.UUID
    kind: str
    lot_id: uuid.UUID | None
    discrepancy_id: uuid.UUID | None
    quantity_mg: Decimal | None
    quantity_devices: Decimal | None
    description: str
    discovered_at: datetime
    reported_by_id: uuid.UUID
    notice_due_on: date
    notice_sent_at: datetime | None
    notice_status: Literal["done", "due", "overdue"]
    form_106_due_on: date
    form_106_filed_at: datetime | None
    form_106_reference: str | None
    form_106_status: Literal["done", "due", "overdue"]


# reports ----------------------------------------------------------------------------------
class _Row(Schema):
    model_config = ConfigDict(extra="forbid", from_attributes=True, frozen=True)


class DispensingLogRow(_Row):
    """One administration for the dispensing log (21 CFR 1304.22(c)).

    ``quantity_unit`` names the unit of the three quantities (``mg`` or ``devices``).
    """

    occurred_at: datetime
    date: date
    product: str
    ndc: str
    lot_number: str
    patient_id: uuid.UUID
    patient_name: str
    patient_address: str | None
    quantity_unit: LedgerUnit
    drawn_quantity: Decimal
    given_quantity: Decimal
    wasted_quantity: Decimal
    administered_by: str
    administered_by_id: uuid.UUID
    waste_witness: str | None
    waste_witness_id: uuid.UUID | None
    entry_id: uuid.UUID


class InventoryRow(_Row):
    """One lot on an inventory report as of a time."""

    lot_id: uuid.UUID
    product: str
    ndc: str
    finished_form: str
    lot_number: str
    expiry_date: date
    storage_location: str
    quantity_unit: LedgerUnit
    balance: Decimal
    units_per_container: Decimal
    last_count_at: datetime | None
    last_count_kind: CountKind | None
    last_count_estimated: bool | None
    open_discrepancies: int


class ChainVerification(Schema):
    """The result of re-walking a clinic's chain."""

    clinic_id: uuid.UUID
    ok: bool
    entries: int
    head_hash: str
    bad_entry_id: uuid.UUID | None = None
    bad_position: int | None = None
    problem: str | None = None
