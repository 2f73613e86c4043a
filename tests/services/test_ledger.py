"""The controlled-substance ledger service on SQLite and PostgreSQL (rolled-back transactions)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from pydantic import ValidationError
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from ketapath.core.ledger import (
    NEGATIVE_BALANCE_RULE,
    LedgerUnit,
    NegativeBalanceError,
    Substance,
)
from ketapath.db.models import (
    AuditEntry,
    Clinic,
    ControlledLot,
    LedgerEntry,
    Patient,
    Role,
    TreatmentSession,
    User,
)
from ketapath.schemas.ledger import (
    AdministrationCreate,
    CorrectionCreate,
    CountCreate,
    DiscrepancyResolve,
    DisposalCreate,
    Form106Filed,
    LotCreate,
    NoticeSent,
    ProductCreate,
    ReceiptCreate,
    TheftLossCreate,
    TransferCreate,
)
from ketapath.services import ledger as ledger_service
from ketapath.services import ledger_reports
from ketapath.services.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from ketapath.services.permissions import Actor
from tests.factories import actor_for, make_clinic, make_patient, make_user
from tests.factories_sessions import make_course

KETAMINE_NDC = "42023-113-10"  # Ketalar labeler/product 42023-113 (evidence-notes §5.2)
SPRAVATO_56_NDC = "50458-028-02"  # Spravato 56 mg kit (evidence-notes §5.2 [V])
SUPPLIER_DEA = "AB1234563"  # a well-formed DEA number (check digit 3)


# helpers (also used by the API, CLI and concurrency tests) -----------------------------------
@dataclass
class Clinicians:
    clinic: Clinic
    prescriber: User
    nurse: User
    nurse2: User
    admin: User
    therapist: User
    extras: dict[str, object] = field(default_factory=dict)

    @property
    def doctor(self) -> Actor:
        return actor_for(self.prescriber)

    @property
    def rn(self) -> Actor:
        return actor_for(self.nurse)


def make_clinicians(session: Session) -> Clinicians:
    clinic = make_clinic(session)
    return Clinicians(
        clinic=clinic,
        prescriber=make_user(session, clinic, role=Role.PRESCRIBER),
        nurse=make_user(session, clinic, role=Role.NURSE),
        nurse2=make_user(session, clinic, role=Role.NURSE),
        admin=make_user(session, clinic, role=Role.ADMIN),
        therapist=make_user(session, clinic, role=Role.THERAPIST),
    )


def ketamine_product(session: Session, actor: Actor, *, ndc: str = KETAMINE_NDC):
    return ledger_service.create_product(
        session,
        actor=actor,
        data=ProductCreate(
            name="Ketamine HCl 50 mg/mL, 10 mL vial",
            substance=Substance.KETAMINE,
            ndc=ndc,
            finished_form="50 mg/mL",
            unit=LedgerUnit.MG,
            units_per_container=Decimal(500),
            mg_per_ml=Decimal(50),
        ),
    )


def spravato_product(session: Session, actor: Actor):
    return ledger_service.create_product(
        session,
        actor=actor,
        data=ProductCreate(
            name="Spravato 56 mg kit",
            substance=Substance.ESKETAMINE,
            ndc=SPRAVATO_56_NDC,
            finished_form="28 mg/0.2 mL nasal spray device",
            unit=LedgerUnit.DEVICES,
            units_per_container=Decimal(2),
            mg_per_device=Decimal(28),
        ),
    )


def receive(
    session: Session,
    actor: Actor,
    product_id: uuid.UUID,
    *,
    lot_number: str = "L-001",
    containers: int = 2,
    **extra: object,
) -> LedgerEntry:
    return ledger_service.record_receipt(
        session,
        actor=actor,
        data=ReceiptCreate.model_validate(
            {
                "product_id": product_id,
                "lot_number": lot_number,
                "expiry_date": date(2032, 1, 31),
                "storage_location": "Safe A, shelf 1",
                "containers": containers,
                "supplier_name": "Henry Schein",
                "supplier_address": "135 Duryea Rd, Melville NY",
                "supplier_dea_number": SUPPLIER_DEA,
                **extra,
            }
        ),
    )


def lot_balance(session: Session, lot_id: uuid.UUID) -> Decimal:
    lot = session.get(ControlledLot, lot_id, populate_existing=True)
    assert lot is not None
    value = lot.balance_mg if lot.balance_mg is not None else lot.balance_devices
    assert value is not None
    return value


def iv_session(session: Session, people: Clinicians) -> TreatmentSession:
    patient = make_patient(session, people.clinic, family_name="Ketamine")
    patient.address = "1 Main St, Springfield"
    _course, sessions = make_course(
        session, patient, people.prescriber, protocol="iv_induction"
    )
    return sessions[0]


def esketamine_session(session: Session, people: Clinicians) -> TreatmentSession:
    patient: Patient = make_patient(session, people.clinic, family_name="Spravato")
    patient.rems_enrolled = True
    _course, sessions = make_course(session, patient, people.prescriber)
    return sessions[0]


def administer(
    session: Session,
    actor: Actor,
    lot_id: uuid.UUID,
    session_id: uuid.UUID,
    **quantities: object,
) -> LedgerEntry:
    return ledger_service.record_administration(
        session,
        actor=actor,
        data=AdministrationCreate.model_validate(
            {"lot_id": lot_id, "session_id": session_id, **quantities}
        ),
    )


def audited(session: Session, entity_id: uuid.UUID) -> list[AuditEntry]:
    session.flush()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.entity_id == str(entity_id))
        ).all()
    )


@pytest.fixture
def people(session: Session) -> Clinicians:
    return make_clinicians(session)


@pytest.fixture
def ketamine_lot(session: Session, people: Clinicians) -> LedgerEntry:
    product = ketamine_product(session, people.doctor)
    return receive(session, people.doctor, product.id)  # 2 vials × 500 mg


# products ---------------------------------------------------------------------------------
class TestCreateProduct:
    def test_ketamine_is_counted_in_mg_and_esketamine_in_devices(self, session, people):
        ketamine = ketamine_product(session, people.doctor)
        spravato = spravato_product(session, people.doctor)
        assert (ketamine.unit.value, spravato.unit.value) == ("mg", "devices")
        assert ketamine.dea_schedule == "III"
        assert audited(session, ketamine.id)[0].action == "create"

    def test_esketamine_in_mg_is_refused_naming_unit(self):
        with pytest.raises(
            ValidationError, match="unit: esketamine is counted in devices"
        ):
            ProductCreate(
                name="x",
                substance=Substance.ESKETAMINE,
                ndc=SPRAVATO_56_NDC,
                finished_form="28 mg device",
                unit=LedgerUnit.MG,
                units_per_container=Decimal(56),
            )

    def test_a_malformed_ndc_is_refused(self):
        with pytest.raises(ValidationError, match="ndc"):
            ProductCreate(
                name="x",
                substance=Substance.KETAMINE,
                ndc="4202311310",
                finished_form="50 mg/mL",
                unit=LedgerUnit.MG,
                units_per_container=Decimal(500),
            )

    def test_duplicate_ndc_is_409(self, session, people):
        ketamine_product(session, people.doctor)
        with pytest.raises(ConflictError) as error:
            ketamine_product(session, people.doctor)
        assert error.value.field == "ndc"

    def test_a_nurse_may_not_add_products(self, session, people):
        with pytest.raises(ForbiddenError):
            ketamine_product(session, people.rn)


# receipts ---------------------------------------------------------------------------------
class TestRecordReceipt:
    def test_receipt_creates_the_lot_with_supplier_and_balance(
        self, session, people, ketamine_lot
    ):
        entry = ketamine_lot
        assert entry.kind.value == "receipt"
        assert entry.change_mg == Decimal(1000)
        assert entry.change_devices is None
        assert entry.balance_mg == Decimal(1000)
        assert (entry.containers, entry.supplier_dea_number) == (2, SUPPLIER_DEA)
        assert entry.supplier_name == "Henry Schein"
        assert entry.sequence == 1
        assert entry.prev_hash == "0" * 64
        assert len(entry.entry_hash) == 64
        assert lot_balance(session, entry.lot_id) == Decimal(1000)
        assert [a.action for a in audited(session, entry.id)] == ["create"]

    def test_a_second_receipt_of_the_lot_adds_to_it(
        self, session, people, ketamine_lot
    ):
        lot = session.get(ControlledLot, ketamine_lot.lot_id)
        second = receive(session, people.doctor, lot.product_id, containers=1)
        assert second.lot_id == ketamine_lot.lot_id
        assert second.balance_mg == Decimal(1500)
        assert second.sequence == 2
        assert second.prev_hash == ketamine_lot.entry_hash

    def test_devices_receipt_counts_devices(self, session, people):
        product = spravato_product(session, people.doctor)
        entry = receive(session, people.doctor, product.id, containers=3)
        assert (entry.change_devices, entry.change_mg) == (Decimal(6), None)

    def test_quantity_in_the_wrong_unit_is_422_naming_it(self, session, people):
        product = spravato_product(session, people.doctor)
        with pytest.raises(UnprocessableError) as error:
            receive(session, people.doctor, product.id, quantity_mg="56")
        assert error.value.field == "quantity_mg"

    def test_a_different_expiry_for_a_known_lot_is_422(
        self, session, people, ketamine_lot
    ):
        lot = session.get(ControlledLot, ketamine_lot.lot_id)
        with pytest.raises(UnprocessableError) as error:
            receive(
                session, people.doctor, lot.product_id, expiry_date=date(2033, 1, 1)
            )
        assert error.value.field == "expiry_date"

    def test_a_bad_dea_check_digit_is_refused(self):
        with pytest.raises(ValidationError, match="check digit"):
            ReceiptCreate.model_validate(
                {
                    "product_id": uuid.uuid4(),
                    "lot_number": "L1",
                    "expiry_date": "2032-01-01",
                    "storage_location": "Safe",
                    "containers": 1,
                    "supplier_name": "S",
                    "supplier_address": "A",
                    "supplier_dea_number": "AB1234564",
                }
            )

    def test_a_nurse_may_not_receive(self, session, people):
        product = ketamine_product(session, people.doctor)
        with pytest.raises(ForbiddenError):
            receive(session, people.rn, product.id)


# administrations --------------------------------------------------------------------------
class TestRecordAdministration:
    def test_draw_give_and_witnessed_waste(self, session, people, ketamine_lot):
        treatment = iv_session(session, people)
        entry = administer(
            session,
            people.rn,
            ketamine_lot.lot_id,
            treatment.id,
            given_mg="35",
            wasted_mg="15",
            witness_id=people.nurse2.id,
        )
        assert entry.kind.value == "administration"
        assert (entry.given_mg, entry.wasted_mg) == (Decimal(35), Decimal(15))
        assert entry.change_mg == Decimal(-50)
        assert entry.balance_mg == Decimal(950)
        assert entry.patient_id == treatment.patient_id
        assert entry.session_id == treatment.id
        assert entry.witness_id == people.nurse2.id
        assert entry.recorded_by_id == people.nurse.id
        assert lot_balance(session, ketamine_lot.lot_id) == Decimal(950)
        assert audited(session, entry.id)[0].patient_id == treatment.patient_id

    def test_no_waste_needs_no_witness(self, session, people, ketamine_lot):
        treatment = iv_session(session, people)
        entry = administer(
            session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="40"
        )
        assert entry.witness_id is None
        assert entry.wasted_mg == Decimal(0)

    def test_waste_without_a_witness_is_422_naming_the_rule(
        self, session, people, ketamine_lot
    ):
        treatment = iv_session(session, people)
        with pytest.raises(UnprocessableError, match="LEDGER-WASTE-WITNESS") as error:
            administer(
                session,
                people.rn,
                ketamine_lot.lot_id,
                treatment.id,
                given_mg="35",
                wasted_mg="15",
            )
        assert error.value.field == "witness_id"
        assert lot_balance(session, ketamine_lot.lot_id) == Decimal(1000)

    def test_the_witness_must_differ_from_the_recorder(
        self, session, people, ketamine_lot
    ):
        treatment = iv_session(session, people)
        with pytest.raises(UnprocessableError, match="second user") as error:
            administer(
                session,
                people.rn,
                ketamine_lot.lot_id,
                treatment.id,
                given_mg="35",
                wasted_mg="15",
                witness_id=people.nurse.id,
            )
        assert error.value.field == "witness_id"

    def test_the_witness_must_be_a_clinician_of_the_clinic(
        self, session, people, ketamine_lot
    ):
        treatment = iv_session(session, people)
        for witness in (people.therapist.id, uuid.uuid4()):
            with pytest.raises(UnprocessableError) as error:
                administer(
                    session,
                    people.rn,
                    ketamine_lot.lot_id,
                    treatment.id,
                    given_mg="35",
                    wasted_mg="15",
                    witness_id=witness,
                )
            assert error.value.field == "witness_id"

    def test_a_clinic_may_turn_the_witness_rule_off(
        self, session, people, ketamine_lot
    ):
        people.clinic.settings = {ledger_service.WASTE_WITNESS_SETTING: False}
        session.flush()
        treatment = iv_session(session, people)
        entry = administer(
            session,
            people.rn,
            ketamine_lot.lot_id,
            treatment.id,
            given_mg="35",
            wasted_mg="15",
        )
        assert entry.witness_id is None
        assert entry.balance_mg == Decimal(950)

    def test_more_than_the_balance_is_refused_naming_the_rule(
        self, session, people, ketamine_lot
    ):
        treatment = iv_session(session, people)
        with pytest.raises(NegativeBalanceError) as error:
            administer(
                session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="1000.5"
            )
        assert error.value.rule_id == NEGATIVE_BALANCE_RULE
        assert error.value.field == "given_mg"
        assert lot_balance(session, ketamine_lot.lot_id) == Decimal(1000)

    def test_esketamine_devices_from_a_kit(self, session, people):
        product = spravato_product(session, people.doctor)
        receipt = receive(session, people.doctor, product.id, containers=2)
        treatment = esketamine_session(session, people)
        entry = administer(
            session, people.rn, receipt.lot_id, treatment.id, given_devices=2
        )
        assert (entry.given_devices, entry.balance_devices) == (Decimal(2), Decimal(2))

    def test_the_product_must_fit_the_session_route(
        self, session, people, ketamine_lot
    ):
        treatment = esketamine_session(session, people)
        with pytest.raises(UnprocessableError) as error:
            administer(
                session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="10"
            )
        assert error.value.field == "lot_id"

    def test_roles(self, session, people, ketamine_lot):
        treatment = iv_session(session, people)
        for user in (people.admin, people.therapist):
            with pytest.raises(ForbiddenError):
                administer(
                    session,
                    actor_for(user),
                    ketamine_lot.lot_id,
                    treatment.id,
                    given_mg="10",
                )

    def test_another_clinics_lot_is_404(self, session, people, ketamine_lot):
        other = make_clinicians(session)
        treatment = iv_session(session, other)
        with pytest.raises(NotFoundError) as error:
            administer(
                session, other.rn, ketamine_lot.lot_id, treatment.id, given_mg="10"
            )
        assert error.value.field == "lot_id"


# disposal and transfer --------------------------------------------------------------------
class TestRecordDisposal:
    def test_witnessed_disposal_records_manner_and_quantity(
        self, session, people, ketamine_lot
    ):
        entry = ledger_service.record_disposal(
            session,
            actor=people.doctor,
            data=DisposalCreate(
                lot_id=ketamine_lot.lot_id,
                quantity_mg=Decimal(500),
                manner="reverse distributor",
                witness_id=people.nurse.id,
            ),
        )
        assert (entry.kind.value, entry.disposal_manner) == (
            "disposal",
            "reverse distributor",
        )
        assert entry.balance_mg == Decimal(500)

    def test_unwitnessed_disposal_is_422(self, session, people, ketamine_lot):
        with pytest.raises(UnprocessableError) as error:
            ledger_service.record_disposal(
                session,
                actor=people.doctor,
                data=DisposalCreate(
                    lot_id=ketamine_lot.lot_id, quantity_mg=Decimal(1), manner="expired"
                ),
            )
        assert error.value.field == "witness_id"


class TestRecordTransfer:
    @pytest.mark.parametrize(("direction", "after"), [("in", 1100), ("out", 900)])
    def test_transfer_in_and_out(self, session, people, ketamine_lot, direction, after):
        entry = ledger_service.record_transfer(
            session,
            actor=people.doctor,
            data=TransferCreate(
                lot_id=ketamine_lot.lot_id,
                direction=direction,
                quantity_mg=Decimal(100),
                counterparty_name="Sister clinic",
                counterparty_address="2 Elm St",
                counterparty_dea_number=SUPPLIER_DEA,
            ),
        )
        assert entry.transfer_direction == direction
        assert entry.counterparty_name == "Sister clinic"
        assert entry.balance_mg == Decimal(after)

    def test_transfer_out_beyond_the_balance_is_refused(
        self, session, people, ketamine_lot
    ):
        with pytest.raises(NegativeBalanceError):
            ledger_service.record_transfer(
                session,
                actor=people.doctor,
                data=TransferCreate(
                    lot_id=ketamine_lot.lot_id,
                    direction="out",
                    quantity_mg=Decimal(1001),
                    counterparty_name="x",
                    counterparty_address="y",
                    counterparty_dea_number=SUPPLIER_DEA,
                ),
            )


# counts and discrepancies -----------------------------------------------------------------
def count(session, actor, lot_id, counted, *, kind="ad_hoc", estimated=False):
    return ledger_service.record_count(
        session,
        actor=actor,
        data=CountCreate(
            lot_id=lot_id,
            count_kind=kind,
            counted_mg=Decimal(counted),
            estimated=estimated,
        ),
    )


class TestRecordCount:
    def test_initial_count_of_a_new_lot_sets_the_opening_balance(self, session, people):
        product = ketamine_product(session, people.doctor)
        lot = ledger_service.register_lot(
            session,
            actor=people.doctor,
            data=LotCreate(
                product_id=product.id,
                lot_number="OPEN-1",
                expiry_date=date(2032, 6, 30),
                storage_location="Safe B",
            ),
        )
        entry, discrepancy = count(session, people.doctor, lot.id, 730, kind="initial")
        assert discrepancy is None
        assert (entry.change_mg, entry.balance_mg) == (Decimal(730), Decimal(730))

    def test_a_matching_count_opens_no_discrepancy(self, session, people, ketamine_lot):
        entry, discrepancy = count(session, people.doctor, ketamine_lot.lot_id, 1000)
        assert discrepancy is None
        assert (entry.change_mg, entry.counted_mg) == (Decimal(0), Decimal(1000))

    def test_a_differing_count_opens_a_discrepancy_and_keeps_the_balance(
        self, session, people, ketamine_lot
    ):
        entry, discrepancy = count(
            session, people.doctor, ketamine_lot.lot_id, 980, estimated=True
        )
        assert discrepancy is not None
        assert entry.estimated is True
        assert lot_balance(session, ketamine_lot.lot_id) == Decimal(1000)
        (read,) = ledger_service.list_discrepancies(
            session, actor=people.rn, open_only=True
        )
        assert (read.expected, read.counted, read.difference) == (
            Decimal(1000),
            Decimal(980),
            Decimal(-20),
        )
        assert read.status == "open"
        assert read.estimated is True

    def test_resolving_corrects_the_balance_and_records_who_and_why(
        self, session, people, ketamine_lot
    ):
        entry, discrepancy = count(session, people.doctor, ketamine_lot.lot_id, 980)
        resolved = ledger_service.resolve_discrepancy(
            session,
            actor=people.doctor,
            discrepancy_id=discrepancy.id,
            data=DiscrepancyResolve(reason="Vial cracked in the safe; documented."),
        )
        assert resolved.status == "resolved"
        assert resolved.resolved_by_id == people.prescriber.id
        assert resolved.resolved_at is not None
        correction = session.get(LedgerEntry, resolved.correction_entry_id)
        assert correction.kind.value == "correction"
        assert correction.corrects_entry_id == entry.id
        assert lot_balance(session, ketamine_lot.lot_id) == Decimal(980)
        assert (
            ledger_service.list_discrepancies(session, actor=people.rn, open_only=True)
            == []
        )
        with pytest.raises(ConflictError):
            ledger_service.resolve_discrepancy(
                session,
                actor=people.doctor,
                discrepancy_id=discrepancy.id,
                data=DiscrepancyResolve(reason="again"),
            )

    def test_resolving_without_adjusting_keeps_the_balance(
        self, session, people, ketamine_lot
    ):
        _entry, discrepancy = count(session, people.doctor, ketamine_lot.lot_id, 1020)
        resolved = ledger_service.resolve_discrepancy(
            session,
            actor=people.doctor,
            discrepancy_id=discrepancy.id,
            data=DiscrepancyResolve(
                reason="Miscounted; recount matched.", adjust_balance=False
            ),
        )
        assert resolved.correction_entry_id is None
        assert lot_balance(session, ketamine_lot.lot_id) == Decimal(1000)


# corrections ------------------------------------------------------------------------------
class TestRecordCorrection:
    def test_a_correction_is_a_new_entry_referencing_the_original(
        self, session, people, ketamine_lot
    ):
        treatment = iv_session(session, people)
        original = administer(
            session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="50"
        )
        correction = ledger_service.record_correction(
            session,
            actor=people.doctor,
            data=CorrectionCreate(
                corrects_entry_id=original.id,
                change_mg=Decimal(10),
                reason="40 mg given, not 50 (infusion stopped early)",
            ),
        )
        assert correction.corrects_entry_id == original.id
        assert correction.patient_id == original.patient_id
        assert correction.balance_mg == Decimal(960)
        session.refresh(original)
        assert original.given_mg == Decimal(50)  # the original is never changed

    def test_a_correction_below_zero_is_refused(self, session, people, ketamine_lot):
        with pytest.raises(NegativeBalanceError):
            ledger_service.record_correction(
                session,
                actor=people.doctor,
                data=CorrectionCreate(
                    corrects_entry_id=ketamine_lot.id,
                    change_mg=Decimal(-1001),
                    reason="receipt was short",
                ),
            )


# the chain and the database's own guards --------------------------------------------------
class TestChain:
    def test_the_chain_verifies_and_links_every_entry(
        self, session, people, ketamine_lot
    ):
        treatment = iv_session(session, people)
        for _ in range(3):
            administer(
                session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="12.5"
            )
        count(session, people.doctor, ketamine_lot.lot_id, 962.5)
        session.flush()
        (result,) = ledger_reports.verify_chains(session, clinic_id=people.clinic.id)
        assert result.ok, result.problem
        assert result.entries == 5

    def test_a_changed_row_is_named_by_verify(
        self, session, people, ketamine_lot, engine
    ):
        treatment = iv_session(session, people)
        administer(session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="20")
        target = administer(
            session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="30"
        )
        administer(session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="40")
        session.flush()
        _drop_triggers(session)
        session.execute(
            text(
                "UPDATE ledger_entries SET given_mg = :v WHERE sequence = 3 AND clinic_id = :c"
            ),
            {
                "v": "3" if _dialect(session) == "sqlite" else 3,
                "c": _id(session, people.clinic.id),
            },
        )
        (result,) = ledger_reports.verify_chains(session, clinic_id=people.clinic.id)
        assert not result.ok
        assert (result.bad_entry_id, result.bad_position) == (target.id, 3)
        assert "entry_hash" in str(result.problem)

    def test_update_and_delete_are_refused_by_the_database(self, session, ketamine_lot):
        session.flush()
        for statement in (
            "UPDATE ledger_entries SET note = 'tampered'",
            "DELETE FROM ledger_entries",
        ):
            with pytest.raises(DBAPIError, match="append-only"), session.begin_nested():
                session.execute(text(statement))

    def test_the_database_refuses_a_negative_balance(self, session, ketamine_lot):
        session.flush()
        value = "'-1'" if _dialect(session) == "sqlite" else "-1"
        for table in ("controlled_lots", "ledger_entries"):
            statement = text(f"UPDATE {table} SET balance_mg = {value}")
            if table == "ledger_entries":
                _drop_triggers(session)  # so the CHECK, not the trigger, answers
            with pytest.raises(IntegrityError), session.begin_nested():
                session.execute(statement)
        assert lot_balance(session, ketamine_lot.lot_id) == Decimal(1000)


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _id(session: Session, value: uuid.UUID) -> object:
    return value.hex if _dialect(session) == "sqlite" else value


def _drop_triggers(session: Session) -> None:
    """Inside the test transaction (rolled back afterwards, which restores the triggers)."""
    if _dialect(session) == "postgresql":
        session.execute(
            text("DROP TRIGGER ledger_entries_append_only ON ledger_entries")
        )
    else:
        session.execute(text("DROP TRIGGER ledger_entries_no_update"))


# theft and loss ---------------------------------------------------------------------------
def _report(session, actor, discovered_at, **extra):
    return ledger_reports.report_theft_loss(
        session,
        actor=actor,
        data=TheftLossCreate(
            kind="loss",
            discovered_at=discovered_at,
            description="Vial missing at the evening count",
            **extra,
        ),
        now=discovered_at,
    )


class TestTheftLoss:
    # The test clinic is in America/New_York; Friday 2025-03-07 14:00 local.
    FRIDAY = datetime(2025, 3, 7, 19, 0, tzinfo=UTC)

    def test_notice_is_due_the_next_business_day_over_a_weekend(self, session, people):
        report = _report(session, people.rn, self.FRIDAY)
        assert report.notice_due_on == date(2025, 3, 10)  # Monday
        assert report.form_106_due_on == date(2025, 4, 21)  # +45 days
        assert (report.notice_status, report.form_106_status) == ("due", "due")

    def test_configured_holidays_are_skipped(self, session, people):
        people.clinic.settings = {"ledger_holidays": ["2025-03-10"]}
        session.flush()
        report = _report(session, people.rn, self.FRIDAY)
        assert report.notice_due_on == date(2025, 3, 11)

    def test_statuses_become_overdue_then_done(self, session, people):
        report = _report(session, people.rn, self.FRIDAY)
        later = self.FRIDAY + timedelta(days=4)
        (listed,) = ledger_reports.list_theft_loss_reports(
            session, actor=people.doctor, now=later
        )
        assert (listed.notice_status, listed.form_106_status) == ("overdue", "due")
        sent = ledger_reports.mark_notice_sent(
            session,
            actor=people.doctor,
            report_id=report.id,
            data=NoticeSent(),
            now=later,
        )
        assert sent.notice_status == "done"
        assert sent.notice_sent_at == later
        filed = ledger_reports.mark_form_106_filed(
            session,
            actor=people.doctor,
            report_id=report.id,
            data=Form106Filed(reference="DEA-106-123"),
            now=self.FRIDAY + timedelta(days=50),
        )
        assert filed.form_106_status == "done"
        assert filed.form_106_reference == "DEA-106-123"
        with pytest.raises(ConflictError):
            ledger_reports.mark_notice_sent(
                session, actor=people.doctor, report_id=report.id, data=NoticeSent()
            )
        assert [a.action for a in audited(session, report.id)] == [
            "create",
            "notice_sent",
            "form_106_filed",
        ]

    def test_a_nurse_may_report_but_not_record_filings(self, session, people):
        report = _report(session, people.rn, self.FRIDAY)
        with pytest.raises(ForbiddenError):
            ledger_reports.mark_notice_sent(
                session, actor=people.rn, report_id=report.id, data=NoticeSent()
            )


# reports ----------------------------------------------------------------------------------
class TestReports:
    def test_dispensing_log_has_patient_product_lot_and_people(
        self, session, people, ketamine_lot
    ):
        treatment = iv_session(session, people)
        entry = administer(
            session,
            people.rn,
            ketamine_lot.lot_id,
            treatment.id,
            given_mg="35",
            wasted_mg="15",
            witness_id=people.nurse2.id,
        )
        today = entry.occurred_at.date()
        (row,) = ledger_reports.dispensing_log(
            session,
            actor=people.doctor,
            start=today - timedelta(days=1),
            end=today + timedelta(days=1),
        )
        assert row.ndc == KETAMINE_NDC
        assert row.lot_number == "L-001"
        assert row.patient_name == "Ada Ketamine"
        assert row.patient_address == "1 Main St, Springfield"
        assert (row.drawn_quantity, row.given_quantity, row.wasted_quantity) == (
            Decimal(50),
            Decimal(35),
            Decimal(15),
        )
        assert row.administered_by_id == people.nurse.id
        assert row.waste_witness_id == people.nurse2.id
        assert row.quantity_unit.value == "mg"

    def test_inventory_report_as_of_now_and_before(self, session, people, ketamine_lot):
        treatment = iv_session(session, people)
        administer(
            session, people.rn, ketamine_lot.lot_id, treatment.id, given_mg="100"
        )
        count(session, people.doctor, ketamine_lot.lot_id, 850)
        session.flush()
        (row,) = ledger_reports.inventory_report(
            session, actor=people.rn, as_of=datetime.now(UTC)
        )
        assert row.balance == Decimal(900)
        assert row.open_discrepancies == 1
        assert row.last_count_kind is not None
        assert row.last_count_kind.value == "ad_hoc"
        assert row.storage_location == "Safe A, shelf 1"
        (before,) = ledger_reports.inventory_report(
            session,
            actor=people.rn,
            as_of=ketamine_lot.occurred_at - timedelta(seconds=1),
        )
        assert before.balance == Decimal(0)
        assert before.last_count_at is None
