"""Documents: PDF text is extracted with pypdf and checked for the values that matter."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
from pypdf import PdfReader

from ketapath.db.base import utcnow
from ketapath.db.models import FeeScheduleEntry, Role
from ketapath.documents import dispensing_log_csv, dispensing_log_pdf, inventory_pdf
from ketapath.schemas.billing import DiagnosisCodesSet, FeeSet, PaymentCreate
from ketapath.schemas.ledger import DispensingLogRow, InventoryRow
from ketapath.schemas.rems import RemsFormValues
from ketapath.schemas.session import CheckInCreate, DoseCreate, ScaleCreate
from ketapath.services import billing as billing_service
from ketapath.services import documents as document_service
from ketapath.services import rems as rems_service
from ketapath.services import session_flows as flows
from ketapath.services.billing import iv_additional_hours
from ketapath.services.errors import ForbiddenError, NotFoundError
from tests.factories import actor_for, make_patient, make_user
from tests.factories_sessions import make_course
from tests.services.test_rems import CHECK_IN, CLINICIAN_ENTRIES, run_esketamine_session
from tests.services.test_rems import world as world


def text_of(pdf: bytes) -> str:
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf))
    # Table cells wrap: compare with runs of whitespace collapsed to one space.
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def _fee(session, clinic, code, fee):
    session.add(FeeScheduleEntry(clinic_id=clinic.id, code=code, fee=Decimal(fee)))
    session.flush()


class TestSessionRecordPdf:
    def test_names_patient_doses_vitals_scales_and_who(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        t0 = run_esketamine_session(
            session, treatment, prescriber=prescriber, nurse=nurse, discharge=False
        )
        flows.record_scale(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=ScaleCreate.model_validate({"instrument": "moaas", "responses": [4]}),
            now=t0 + timedelta(minutes=45),
        )
        session.expire_all()
        document = document_service.session_record_pdf(
            session, actor=actor_for(nurse), session_id=treatment.id
        )
        text = text_of(document.content)
        assert "Grace Hopper" in text
        assert "esketamine" in text
        assert "56" in text
        assert "LOT-A1" in text
        assert "128/82" in text
        assert "142/88" in text
        assert "126/80" in text
        assert "moaas" in text
        assert "Nina Nurse" in text
        assert (
            "Paula Prescriber" in text
        )  # checked in and acknowledged by the prescriber
        assert document.filename.endswith(".pdf")

    def test_iv_session_record(self, session, world):
        _clinic, _site, patient, prescriber, _nurse, _sessions = world
        _course, iv = make_course(session, patient, prescriber, protocol="iv_induction")
        t0 = utcnow() - timedelta(hours=2)
        flows.check_in(
            session,
            actor=actor_for(prescriber),
            session_id=iv[0].id,
            data=CheckInCreate.model_validate(CHECK_IN),
            now=t0,
        )
        flows.give_dose(
            session,
            actor=actor_for(prescriber),
            session_id=iv[0].id,
            data=DoseCreate(),
            now=t0,
        )
        session.expire_all()
        text = text_of(
            document_service.session_record_pdf(
                session, actor=actor_for(prescriber), session_id=iv[0].id
            ).content
        )
        assert "iv_ketamine" in text
        assert "iv_induction" in text
        assert "35" in text  # 0.5 mg/kg × 70 kg

    def test_front_desk_is_forbidden(self, session, world):
        clinic, _site, _patient, _prescriber, _nurse, sessions = world
        desk = make_user(session, clinic, role=Role.FRONT_DESK)
        with pytest.raises(ForbiddenError):
            document_service.session_record_pdf(
                session, actor=actor_for(desk), session_id=sessions[0].id
            )


class TestRemsFormPdf:
    def test_signed_form_shows_values(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues.model_validate(
                {**CLINICIAN_ENTRIES, "maois": False, "sedation": False}
            ),
        )
        rems_service.sign_form(session, actor=actor_for(nurse), session_id=treatment.id)
        text = text_of(
            document_service.rems_form_pdf(
                session, actor=actor_for(nurse), session_id=treatment.id
            ).content
        )
        assert "Grace" in text
        assert "Hopper" in text
        assert "signed" in text
        assert "142" in text
        assert "LOT-A1" in text
        assert "Nina Nurse" in text

    def test_draft_lists_missing_fields(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        document = document_service.rems_form_pdf(
            session, actor=actor_for(nurse), session_id=treatment.id
        )
        text = text_of(document.content)
        assert "Not signed" in text
        assert "hcp_phone" in text
        assert "hcp_phone" in document.missing


class TestCodes:
    @pytest.mark.parametrize(
        ("minutes", "units"),
        [(40, 0), (60, 0), (90, 0), (91, 1), (150, 1), (151, 2)],
        ids=["40", "60", "90", "91", "150", "151"],
    )
    def test_96366_units_follow_the_30_minute_rule(self, minutes, units):
        assert iv_additional_hours(minutes) == units


class TestSuperbill:
    def test_esketamine_56_and_84_bill_g2082_and_g2083(self, session, world):
        clinic, _site, patient, prescriber, nurse, sessions = world
        _fee(session, clinic, "G2082", "400")
        _fee(session, clinic, "G2083", "550.50")
        billing_service.set_diagnosis_codes(
            session,
            actor=actor_for(prescriber),
            patient_id=patient.id,
            data=DiagnosisCodesSet(codes=["F33.2"]),
        )
        run_esketamine_session(
            session, sessions[0], prescriber=prescriber, nurse=nurse, dose="56"
        )
        run_esketamine_session(
            session, sessions[1], prescriber=prescriber, nurse=nurse, dose="84"
        )
        billing_service.record_payment(
            session,
            actor=actor_for(prescriber),
            patient_id=patient.id,
            data=PaymentCreate(
                amount=Decimal("100"), paid_on=sessions[0].scheduled_date
            ),
        )
        start, end = sessions[0].scheduled_date, sessions[1].scheduled_date
        bill = document_service.superbill(
            session, actor=actor_for(nurse), patient_id=patient.id, start=start, end=end
        )
        assert [line.code for line in bill.lines] == ["G2082", "G2083"]
        assert bill.total_charges == Decimal("950.50")
        assert bill.paid == Decimal("100")
        assert bill.balance == Decimal("850.50")
        assert bill.complete is True
        text = text_of(
            document_service.superbill_pdf(
                session,
                actor=actor_for(nurse),
                patient_id=patient.id,
                start=start,
                end=end,
            ).content
        )
        for expected in (
            "G2082",
            "G2083",
            "F33.2",
            "1234567893",
            "Paula Prescriber",
            "Grace Hopper",
            "Test Clinic",
            "$950.50",
            "$100.00",
            "$850.50",
        ):
            assert expected in text, expected

    def test_missing_fee_says_fee_not_set_and_is_reported(self, session, world):
        _clinic, _site, patient, prescriber, nurse, sessions = world
        run_esketamine_session(session, sessions[0], prescriber=prescriber, nurse=nurse)
        document = document_service.superbill_pdf(
            session,
            actor=actor_for(nurse),
            patient_id=patient.id,
            session_id=sessions[0].id,
        )
        assert "fee not set for G2082" in document.missing
        assert "no ICD-10-CM diagnosis code set for the patient" in document.missing
        text = text_of(document.content)
        assert "fee not set" in text
        assert "INCOMPLETE" in text
        assert "$0.00" in text  # total of known fees only, never an invented fee

    def test_iv_session_bills_96365_and_j3490(self, session, world):
        clinic, _site, patient, prescriber, _nurse, _sessions = world
        _fee(session, clinic, "96365", "300")
        _fee(session, clinic, "J3490", "150")
        _course, iv = make_course(session, patient, prescriber, protocol="iv_induction")
        t0 = utcnow() - timedelta(hours=2)
        flows.check_in(
            session,
            actor=actor_for(prescriber),
            session_id=iv[0].id,
            data=CheckInCreate.model_validate(CHECK_IN),
            now=t0,
        )
        flows.give_dose(
            session,
            actor=actor_for(prescriber),
            session_id=iv[0].id,
            data=DoseCreate(),
            now=t0,
        )
        session.expire_all()
        bill = document_service.superbill(
            session,
            actor=actor_for(prescriber),
            patient_id=patient.id,
            session_id=iv[0].id,
        )
        assert [(line.code, line.units) for line in bill.lines] == [
            ("96365", 1),
            ("J3490", 1),
        ]
        assert bill.total_charges == Decimal("450")

    def test_a_patient_gets_only_their_own(self, session, world):
        clinic, _site, patient, _prescriber, _nurse, _sessions = world
        me = make_user(session, clinic, role=Role.PATIENT, patient=patient)
        other = make_patient(session, clinic, given_name="Other")
        own = document_service.superbill(
            session,
            actor=actor_for(me),
            patient_id=patient.id,
            start=date(2025, 1, 1),
            end=date(2025, 12, 31),
        )
        assert own.patient_name == "Grace Hopper"
        with pytest.raises(NotFoundError):
            document_service.superbill(
                session,
                actor=actor_for(me),
                patient_id=other.id,
                start=date(2025, 1, 1),
                end=date(2025, 12, 31),
            )

    def test_only_admins_set_fees(self, session, world):
        clinic, _site, _patient, prescriber, _nurse, _sessions = world
        admin = make_user(session, clinic, role=Role.ADMIN)
        with pytest.raises(ForbiddenError):
            billing_service.set_fee(
                session,
                actor=actor_for(prescriber),
                code="G2082",
                data=FeeSet(fee=Decimal(1)),
            )
        fee = billing_service.set_fee(
            session,
            actor=actor_for(admin),
            code="G2082",
            data=FeeSet(fee=Decimal("410")),
        )
        assert fee.fee == Decimal("410")


class TestLedgerReports:
    def _row(self, **overrides):
        import uuid
        from datetime import UTC, datetime

        from ketapath.core.ledger import LedgerUnit

        values = {
            "occurred_at": datetime(2025, 3, 3, 15, 0, tzinfo=UTC),
            "date": date(2025, 3, 3),
            "product": "Ketamine 50 mg/mL",
            "ndc": "0143-9508-10",
            "lot_number": "K123",
            "patient_id": uuid.uuid4(),
            "patient_name": "Grace Hopper",
            "patient_address": "=HYPERLINK(1)",
            "quantity_unit": LedgerUnit.MG,
            "drawn_quantity": Decimal("40"),
            "given_quantity": Decimal("35"),
            "wasted_quantity": Decimal("5"),
            "administered_by": "Nina Nurse",
            "administered_by_id": uuid.uuid4(),
            "waste_witness": "Paula Prescriber",
            "waste_witness_id": uuid.uuid4(),
            "entry_id": uuid.uuid4(),
            **overrides,
        }
        return DispensingLogRow(**values)

    def test_dispensing_log_csv_and_pdf(self):
        rows = [self._row()]
        csv_text = dispensing_log_csv(rows).decode()
        header, line = csv_text.splitlines()
        assert header.startswith("occurred_at,date,product,ndc,lot_number")
        assert "Grace Hopper" in line
        assert ",35," in line
        assert "'=HYPERLINK(1)" in line  # a formula is neutralised
        text = text_of(
            dispensing_log_pdf(
                rows,
                clinic_name="Test Clinic",
                start=date(2025, 3, 1),
                end=date(2025, 3, 31),
            )
        )
        for expected in (
            "Grace Hopper",
            "K123",
            "35",
            "Nina Nurse",
            "Paula Prescriber",
        ):
            assert expected in text, expected

    def test_inventory_pdf(self):
        import uuid

        from ketapath.core.ledger import LedgerUnit

        row = InventoryRow(
            lot_id=uuid.uuid4(),
            product="Spravato 28 mg device",
            ndc="50458-028-02",
            finished_form="nasal spray",
            lot_number="S77",
            expiry_date=date(2026, 1, 31),
            storage_location="Safe A",
            quantity_unit=LedgerUnit.DEVICES,
            balance=Decimal("12"),
            units_per_container=Decimal("2"),
            last_count_at=None,
            last_count_kind=None,
            last_count_estimated=None,
            open_discrepancies=0,
        )
        text = text_of(
            inventory_pdf([row], clinic_name="Test Clinic", as_of=date(2025, 3, 3))
        )
        for expected in ("50458-028-02", "S77", "Safe A", "12", "2026-01-31"):
            assert expected in text, expected
