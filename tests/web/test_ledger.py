"""Controlled-substance ledger screens: stock, receipts, lot history, administrations, counts,
disposals, transfers, discrepancies and theft/loss reports; roles, CSRF, nothing stored on refusal.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from ketapath.db.models import (
    ControlledLot,
    ControlledProduct,
    LedgerDiscrepancy,
    LedgerEntry,
    Role,
    TheftLossReport,
)
from ketapath.schemas.ledger import CountCreate
from ketapath.services import ledger as ledger_service
from ketapath.services.clinic import today_in
from tests.factories import actor_for, make_clinic, make_user
from tests.services.test_ledger import (
    KETAMINE_NDC,
    SUPPLIER_DEA,
    esketamine_session,
    iv_session,
    ketamine_product,
    make_clinicians,
    receive,
    spravato_product,
)


def _count(session, model) -> int:
    session.flush()
    return session.scalar(select(func.count()).select_from(model)) or 0


def _error_beside(html: str, field: str) -> str:
    match = re.search(rf'id="e-{field}"[^>]*>([^<]+)<', html)
    assert match, f"no error beside {field}"
    return match.group(1)


RECEIPT = {
    "lot_number": "KX-100",
    "expiry_date": "2032-06-30",
    "storage_location": "Safe A, shelf 1",
    "containers": "2",
    "supplier_name": "Henry Schein",
    "supplier_address": "135 Duryea Rd, Melville NY",
    "supplier_dea_number": SUPPLIER_DEA,
}


@pytest.fixture
def people(session):
    return make_clinicians(session)


class TestOverview:
    @pytest.mark.parametrize("role", [Role.ADMIN, Role.PRESCRIBER, Role.NURSE])
    def test_staff_who_keep_the_ledger_see_stock(
        self, session, people, sign_in_as, role
    ):
        product = ketamine_product(session, people.doctor)
        receive(session, people.doctor, product.id, lot_number="L-77")
        user = sign_in_as(people.clinic, role)
        response = user.client.get("/ledger")
        assert response.status_code == 200
        assert "L-77" in response.text
        assert "Safe A, shelf 1" in response.text
        assert "1000</strong> mg" in response.text
        # Only admins and prescribers receive stock.
        assert ('action="/ledger/receipts"' in response.text) is (
            role is not Role.NURSE
        )

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.THERAPIST])
    def test_other_staff_are_refused(self, people, sign_in_as, role):
        user = sign_in_as(people.clinic, role)
        assert user.client.get("/ledger").status_code == 403

    def test_patients_are_refused(self, session, people, sign_in_as):
        patient = iv_session(session, people).patient_id
        from ketapath.db.models import Patient

        user = sign_in_as(
            people.clinic, Role.PATIENT, patient=session.get(Patient, patient)
        )
        assert user.client.get("/ledger").status_code in (403, 404)

    def test_signed_out_goes_to_sign_in(self, client):
        response = client.get("/ledger", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")


class TestProductAndReceipt:
    def test_add_product_then_receive_stock(self, session, people, sign_in_as):
        admin = sign_in_as(people.clinic, Role.ADMIN)
        response = admin.post(
            "/ledger/products",
            {
                "name": "Ketamine 50 mg/mL vial",
                "substance": "ketamine",
                "ndc": KETAMINE_NDC,
                "finished_form": "50 mg/mL, 10 mL",
                "unit": "mg",
                "units_per_container": "500",
                "mg_per_ml": "50",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        product = session.scalars(select(ControlledProduct)).one()
        response = admin.post(
            "/ledger/receipts",
            {**RECEIPT, "product_id": str(product.id)},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        lot = session.scalars(select(ControlledLot)).one()
        assert response.headers["location"] == f"/ledger/lots/{lot.id}?saved=receipt"
        page = admin.client.get(response.headers["location"])
        assert "Stock received" in page.text
        assert "1000 mg" in page.text  # 2 containers × 500 mg
        assert "Henry Schein" in page.text

    def test_a_bad_dea_number_is_shown_beside_it_and_nothing_stored(
        self, session, people, sign_in_as
    ):
        product = ketamine_product(session, people.doctor)
        admin = sign_in_as(people.clinic, Role.ADMIN)
        response = admin.post(
            "/ledger/receipts",
            {
                **RECEIPT,
                "product_id": str(product.id),
                "supplier_dea_number": "AB1234567",
            },
        )
        assert response.status_code == 422
        assert "check digit" in _error_beside(response.text, "supplier_dea_number")
        assert 'value="KX-100"' in response.text  # the entries are kept in the form
        assert _count(session, LedgerEntry) == 0
        assert _count(session, ControlledLot) == 0

    def test_a_negative_quantity_is_refused_beside_it(
        self, session, people, sign_in_as
    ):
        product = ketamine_product(session, people.doctor)
        admin = sign_in_as(people.clinic, Role.ADMIN)
        response = admin.post(
            "/ledger/receipts",
            {**RECEIPT, "product_id": str(product.id), "quantity": "-5"},
        )
        assert response.status_code == 422
        assert "greater than or equal to 0" in _error_beside(response.text, "quantity")
        assert _count(session, LedgerEntry) == 0

    def test_nurses_may_not_receive(self, session, people, sign_in_as):
        product = ketamine_product(session, people.doctor)
        nurse = sign_in_as(people.clinic, Role.NURSE)
        response = nurse.post(
            "/ledger/receipts", {**RECEIPT, "product_id": str(product.id)}
        )
        assert response.status_code == 403
        assert _count(session, LedgerEntry) == 0

    def test_without_the_csrf_token_nothing_is_stored(
        self, session, people, sign_in_as
    ):
        product = ketamine_product(session, people.doctor)
        admin = sign_in_as(people.clinic, Role.ADMIN)
        response = admin.client.post(
            "/ledger/receipts", data={**RECEIPT, "product_id": str(product.id)}
        )
        assert response.status_code == 403
        assert _count(session, LedgerEntry) == 0


@pytest.fixture
def stocked(session, people):
    product = ketamine_product(session, people.doctor)
    entry = receive(session, people.doctor, product.id, lot_number="L-1")
    treatment = iv_session(session, people)
    return entry.lot_id, treatment


class TestAdministration:
    def test_page_offers_the_sessions_substance_and_other_clinicians_as_witness(
        self, session, people, stocked, sign_in_as
    ):
        lot_id, treatment = stocked
        nurse = sign_in_as(people.clinic, Role.NURSE)
        response = nurse.client.get(f"/ledger/administer?session_id={treatment.id}")
        assert response.status_code == 200
        assert str(lot_id) in response.text
        assert str(people.nurse2.id) in response.text
        assert f'value="{nurse.user.id}"' not in response.text  # never oneself

    def test_witnessed_waste_is_recorded(self, session, people, stocked, sign_in_as):
        lot_id, treatment = stocked
        nurse = sign_in_as(people.clinic, Role.NURSE)
        response = nurse.post(
            "/ledger/administrations",
            {
                "session_id": str(treatment.id),
                "lot_id": str(lot_id),
                "given": "35",
                "wasted": "15",
                "witness_id": str(people.nurse2.id),
                "witness_confirmed": "yes",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        entry = session.scalars(
            select(LedgerEntry).where(LedgerEntry.kind == "administration")
        ).one()
        assert entry.witness_id == people.nurse2.id
        assert entry.recorded_by_id == nurse.user.id
        page = nurse.client.get(response.headers["location"])
        assert "given 35, wasted 15 mg" in page.text
        assert "950" in page.text  # 1000 − 50

    @pytest.mark.parametrize(
        ("extra", "field", "message"),
        [
            ({}, "witness_id", "witnessed by a second user"),
            ({"witness": "self"}, "witness_id", "second user, not the one recording"),
            (
                {"witness_id": "nurse2"},
                "witness_confirmed",
                "must confirm",
            ),
        ],
        ids=["no-witness", "witness-is-recorder", "witness-not-confirmed"],
    )
    def test_waste_without_a_proper_witness_is_refused(
        self, session, people, stocked, sign_in_as, extra, field, message
    ):
        lot_id, treatment = stocked
        nurse = sign_in_as(people.clinic, Role.NURSE)
        data = {
            "session_id": str(treatment.id),
            "lot_id": str(lot_id),
            "given": "35",
            "wasted": "15",
        }
        if extra.get("witness") == "self":
            data |= {"witness_id": str(nurse.user.id), "witness_confirmed": "yes"}
        if extra.get("witness_id") == "nurse2":
            data |= {"witness_id": str(people.nurse2.id)}
        before = _count(session, LedgerEntry)
        response = nurse.post("/ledger/administrations", data)
        assert response.status_code == 422
        assert message in _error_beside(response.text, field)
        assert _count(session, LedgerEntry) == before

    def test_more_than_the_balance_is_refused_naming_the_rule(
        self, session, people, stocked, sign_in_as
    ):
        lot_id, treatment = stocked
        nurse = sign_in_as(people.clinic, Role.NURSE)
        before = _count(session, LedgerEntry)
        response = nurse.post(
            "/ledger/administrations",
            {"session_id": str(treatment.id), "lot_id": str(lot_id), "given": "5000"},
        )
        assert response.status_code == 422
        assert "rule" in _error_beside(response.text, "given")
        assert _count(session, LedgerEntry) == before

    def test_an_esketamine_session_is_offered_device_lots(
        self, session, people, sign_in_as
    ):
        spravato = spravato_product(session, people.doctor)
        entry = receive(session, people.doctor, spravato.id, lot_number="SP-1")
        ketamine = ketamine_product(session, people.doctor, ndc="42023-113-20")
        receive(session, people.doctor, ketamine.id, lot_number="KET-9")
        treatment = esketamine_session(session, people)
        nurse = sign_in_as(people.clinic, Role.NURSE)
        page = nurse.client.get(f"/ledger/administer?session_id={treatment.id}")
        assert "SP-1" in page.text
        assert "KET-9" not in page.text
        assert "Given (devices)" in page.text
        assert str(entry.lot_id) in page.text


class TestLotForms:
    def test_history_shows_who_balance_and_a_short_hash(
        self, session, people, stocked, sign_in_as
    ):
        lot_id, _treatment = stocked
        admin = sign_in_as(people.clinic, Role.ADMIN)
        page = admin.client.get(f"/ledger/lots/{lot_id}")
        assert page.status_code == 200
        entry = session.scalars(select(LedgerEntry)).one()
        assert entry.entry_hash[:10] + "…" in page.text
        assert people.prescriber.display_name in page.text

    def test_a_differing_count_opens_a_discrepancy_then_it_is_resolved(
        self, session, people, stocked, sign_in_as
    ):
        lot_id, _treatment = stocked
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        response = doctor.post(
            f"/ledger/lots/{lot_id}/counts",
            {"count_kind": "ad_hoc", "counted": "990"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        assert response.headers["location"].endswith("saved=count_discrepancy")
        discrepancy = session.scalars(select(LedgerDiscrepancy)).one()
        overview = doctor.client.get("/ledger")
        assert f'id="discrepancy-{discrepancy.id}"' in overview.text
        refused = doctor.post(
            f"/ledger/discrepancies/{discrepancy.id}/resolve", {"reason": "x"}
        )
        assert refused.status_code == 422
        assert "at least 3" in _error_beside(refused.text, "reason")
        done = doctor.post(
            f"/ledger/discrepancies/{discrepancy.id}/resolve",
            {"reason": "Spill during draw, documented", "adjust_balance": "yes"},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        session.expire_all()
        assert session.get(LedgerDiscrepancy, discrepancy.id).resolved_at is not None
        assert session.get(ControlledLot, lot_id).balance_mg == 990

    def test_a_negative_count_is_refused_beside_it(
        self, session, people, stocked, sign_in_as
    ):
        lot_id, _treatment = stocked
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        before = _count(session, LedgerEntry)
        response = doctor.post(
            f"/ledger/lots/{lot_id}/counts", {"count_kind": "ad_hoc", "counted": "-1"}
        )
        assert response.status_code == 422
        assert _error_beside(response.text, "counted")
        assert _count(session, LedgerEntry) == before

    def test_disposal_beyond_the_balance_is_refused_and_a_witnessed_one_recorded(
        self, session, people, stocked, sign_in_as
    ):
        lot_id, _treatment = stocked
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        before = _count(session, LedgerEntry)
        refused = doctor.post(
            f"/ledger/lots/{lot_id}/disposals",
            {
                "quantity": "2000",
                "manner": "expired, reverse distributor",
                "witness_id": str(people.nurse.id),
                "witness_confirmed": "yes",
            },
        )
        assert refused.status_code == 422
        assert _error_beside(refused.text, "quantity")
        assert _count(session, LedgerEntry) == before
        done = doctor.post(
            f"/ledger/lots/{lot_id}/disposals",
            {
                "quantity": "100",
                "manner": "expired, reverse distributor",
                "witness_id": str(people.nurse.id),
                "witness_confirmed": "yes",
            },
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        assert _count(session, LedgerEntry) == before + 1

    def test_transfer_out(self, session, people, stocked, sign_in_as):
        lot_id, _treatment = stocked
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        response = doctor.post(
            f"/ledger/lots/{lot_id}/transfers",
            {
                "direction": "out",
                "quantity": "500",
                "counterparty_name": "Northside Clinic",
                "counterparty_address": "2 North St",
                "counterparty_dea_number": SUPPLIER_DEA,
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        session.expire_all()
        assert session.get(ControlledLot, lot_id).balance_mg == 500


class TestTheftLoss:
    def test_report_then_notice_and_form_106(
        self, session, people, stocked, sign_in_as
    ):
        lot_id, _treatment = stocked
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        today = today_in(people.clinic).isoformat()
        response = doctor.post(
            "/ledger/theft-loss",
            {
                "kind": "loss",
                "discovered_at": f"{today}T00:01",
                "description": "Vial missing at count",
                "lot_id": str(lot_id),
                "quantity": "500",
            },
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        report = session.scalars(select(TheftLossReport)).one()
        page = doctor.client.get("/ledger")
        assert f'id="report-{report.id}"' in page.text
        assert "dl-due" in page.text
        assert (
            doctor.post(
                f"/ledger/theft-loss/{report.id}/notice-sent",
                {},
                follow_redirects=False,
            ).status_code
            == 303
        )
        assert (
            doctor.post(
                f"/ledger/theft-loss/{report.id}/form-106-filed",
                {"reference": "DEA-106-1"},
                follow_redirects=False,
            ).status_code
            == 303
        )
        session.expire_all()
        stored = session.get(TheftLossReport, report.id)
        assert stored.notice_sent_at is not None
        assert stored.form_106_reference == "DEA-106-1"

    def test_a_report_without_a_description_is_refused(
        self, session, people, sign_in_as
    ):
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        response = doctor.post(
            "/ledger/theft-loss", {"kind": "theft", "discovered_at": "2020-01-01T10:00"}
        )
        assert response.status_code == 422
        assert _error_beside(response.text, "description")
        assert _count(session, TheftLossReport) == 0


class TestOtherClinic:
    def test_a_lot_of_another_clinic_is_not_found(self, session, people, sign_in_as):
        other = make_clinic(session, name="Other")
        other_doc = make_user(session, other, role=Role.PRESCRIBER)
        product = ketamine_product(session, actor_for(other_doc))
        entry = receive(session, actor_for(other_doc), product.id)
        ledger_service.record_count(
            session,
            actor=actor_for(other_doc),
            data=CountCreate.model_validate(
                {"lot_id": entry.lot_id, "count_kind": "ad_hoc", "counted_mg": 1000}
            ),
        )
        admin = sign_in_as(people.clinic, Role.ADMIN)
        assert admin.client.get(f"/ledger/lots/{entry.lot_id}").status_code == 404
