"""/api/v1/ledger on SQLite and PostgreSQL: success, 401, 403, 404, 409, 422 and the audit."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, select
from tests.conftest import _bound_session
from tests.factories import bearer_for
from tests.services.test_ledger import (
    KETAMINE_NDC,
    SUPPLIER_DEA,
    Clinicians,
    iv_session,
    make_clinicians,
)

from ketapath.api import ledger as ledger_api
from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db.models import AuditEntry

API = "/api/v1/ledger"


@pytest.fixture
def api(
    engine: Engine, connection: Connection, app_settings: Settings
) -> Iterator[TestClient]:
    """The app with the ledger router (included here until the lead wires api/router.py)."""
    app = create_app(app_settings, engine=engine)
    if not any(getattr(r, "path", "").startswith(API) for r in app.routes):
        app.include_router(ledger_api.router, prefix="/api/v1")
    app.state.session_factory = lambda: _bound_session(connection)
    with TestClient(app, raise_server_exceptions=True) as client:
        yield client


@pytest.fixture
def people(session) -> Clinicians:
    return make_clinicians(session)


@pytest.fixture
def headers(session, people):
    return {
        "doctor": bearer_for(session, people.prescriber),
        "nurse": bearer_for(session, people.nurse),
        "admin": bearer_for(session, people.admin),
        "therapist": bearer_for(session, people.therapist),
    }


PRODUCT = {
    "name": "Ketamine HCl 50 mg/mL, 10 mL vial",
    "substance": "ketamine",
    "ndc": KETAMINE_NDC,
    "finished_form": "50 mg/mL",
    "unit": "mg",
    "units_per_container": "500",
    "mg_per_ml": "50",
}


def _receipt(product_id: str, **extra: object) -> dict[str, object]:
    return {
        "product_id": product_id,
        "lot_number": "L-API-1",
        "expiry_date": "2032-01-31",
        "storage_location": "Safe A",
        "containers": 2,
        "supplier_name": "Henry Schein",
        "supplier_address": "135 Duryea Rd, Melville NY",
        "supplier_dea_number": SUPPLIER_DEA,
        **extra,
    }


@pytest.fixture
def lot_id(api, headers) -> str:
    product = api.post(f"{API}/products", json=PRODUCT, headers=headers["doctor"])
    assert product.status_code == 201, product.text
    receipt = api.post(
        f"{API}/receipts",
        json=_receipt(product.json()["id"]),
        headers=headers["doctor"],
    )
    assert receipt.status_code == 201, receipt.text
    return str(receipt.json()["lot_id"])


class TestProductsAndReceipts:
    def test_receipt_then_lot_and_balance(self, api, headers, lot_id, session):
        lot = api.get(f"{API}/lots/{lot_id}", headers=headers["nurse"])
        assert lot.status_code == 200
        assert Decimal(lot.json()["balance_mg"]) == Decimal(1000)
        assert lot.json()["ndc"] == KETAMINE_NDC
        lots = api.get(f"{API}/lots", headers=headers["admin"]).json()
        assert [item["id"] for item in lots] == [lot_id]
        balances = api.get(f"{API}/balances", headers=headers["nurse"]).json()
        assert Decimal(balances[0]["balance"]) == Decimal(1000)
        session.flush()
        actions = session.scalars(
            select(AuditEntry.entity).where(AuditEntry.action == "create")
        ).all()
        assert {"controlled_product", "controlled_lot", "ledger_entry"} <= set(actions)

    def test_balances_as_of_a_date_and_a_bad_date(self, api, headers, lot_id):
        before = api.get(
            f"{API}/balances", params={"date": "2020-01-01"}, headers=headers["nurse"]
        )
        assert before.status_code == 200
        assert Decimal(before.json()[0]["balance"]) == Decimal(0)
        bad = api.get(
            f"{API}/balances", params={"date": "1.5"}, headers=headers["nurse"]
        )
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "date"

    def test_a_bad_ndc_is_422_naming_the_field(self, api, headers):
        response = api.post(
            f"{API}/products", json={**PRODUCT, "ndc": "123"}, headers=headers["doctor"]
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "ndc"

    def test_a_nurse_may_not_receive(self, api, headers, lot_id):
        product_id = api.get(f"{API}/lots/{lot_id}", headers=headers["nurse"]).json()[
            "product_id"
        ]
        response = api.post(
            f"{API}/receipts", json=_receipt(product_id), headers=headers["nurse"]
        )
        assert response.status_code == 403

    def test_no_credentials_is_401(self, api):
        assert api.get(f"{API}/lots").status_code == 401
        assert api.post(f"{API}/products", json=PRODUCT).status_code == 401

    def test_a_therapist_may_not_read(self, api, headers):
        assert api.get(f"{API}/lots", headers=headers["therapist"]).status_code == 403

    def test_unknown_lot_is_404(self, api, headers):
        response = api.get(f"{API}/lots/{uuid.uuid4()}", headers=headers["nurse"])
        assert response.status_code == 404
        assert response.json()["field"] == "lot_id"

    def test_unknown_product_on_receipt_is_404(self, api, headers):
        response = api.post(
            f"{API}/receipts",
            json=_receipt(str(uuid.uuid4())),
            headers=headers["doctor"],
        )
        assert response.status_code == 404
        assert response.json()["field"] == "product_id"


class TestAdministrations:
    def test_witnessed_waste_then_entries_by_lot(
        self, api, headers, lot_id, session, people
    ):
        treatment = iv_session(session, people)
        response = api.post(
            f"{API}/administrations",
            json={
                "lot_id": lot_id,
                "session_id": str(treatment.id),
                "given_mg": "35",
                "wasted_mg": "15",
                "witness_id": str(people.nurse2.id),
            },
            headers=headers["nurse"],
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert Decimal(body["balance_mg"]) == Decimal(950)
        assert body["witness_id"] == str(people.nurse2.id)
        entries = api.get(f"{API}/lots/{lot_id}/entries", headers=headers["nurse"])
        assert [e["kind"] for e in entries.json()] == ["receipt", "administration"]

    def test_unwitnessed_waste_is_422_naming_witness(
        self, api, headers, lot_id, session, people
    ):
        treatment = iv_session(session, people)
        response = api.post(
            f"{API}/administrations",
            json={
                "lot_id": lot_id,
                "session_id": str(treatment.id),
                "given_mg": "35",
                "wasted_mg": "15",
            },
            headers=headers["nurse"],
        )
        assert response.status_code == 422
        assert response.json()["field"] == "witness_id"

    def test_more_than_the_balance_is_422_naming_the_rule(
        self, api, headers, lot_id, session, people
    ):
        treatment = iv_session(session, people)
        response = api.post(
            f"{API}/administrations",
            json={
                "lot_id": lot_id,
                "session_id": str(treatment.id),
                "given_mg": "1001",
            },
            headers=headers["nurse"],
        )
        assert response.status_code == 422
        body = response.json()
        assert body["rule"] == "LEDGER-BALANCE-NON-NEGATIVE"
        assert body["field"] == "given_mg"
        lot = api.get(f"{API}/lots/{lot_id}", headers=headers["nurse"]).json()
        assert Decimal(lot["balance_mg"]) == Decimal(1000)

    def test_an_admin_may_not_administer(self, api, headers, lot_id, session, people):
        treatment = iv_session(session, people)
        response = api.post(
            f"{API}/administrations",
            json={"lot_id": lot_id, "session_id": str(treatment.id), "given_mg": "1"},
            headers=headers["admin"],
        )
        assert response.status_code == 403

    def test_both_units_is_422(self, api, headers, lot_id):
        response = api.post(
            f"{API}/administrations",
            json={
                "lot_id": lot_id,
                "session_id": str(uuid.uuid4()),
                "given_mg": "1",
                "given_devices": 1,
            },
            headers=headers["nurse"],
        )
        assert response.status_code == 422


class TestCountsAndDiscrepancies:
    def test_count_opens_then_resolve_closes(self, api, headers, lot_id):
        counted = api.post(
            f"{API}/counts",
            json={"lot_id": lot_id, "count_kind": "biennial", "counted_mg": "990"},
            headers=headers["doctor"],
        )
        assert counted.status_code == 201, counted.text
        discrepancy = counted.json()["discrepancy"]
        assert Decimal(discrepancy["difference"]) == Decimal(-10)
        listed = api.get(f"{API}/discrepancies", headers=headers["nurse"]).json()
        assert [d["id"] for d in listed] == [discrepancy["id"]]
        resolved = api.post(
            f"{API}/discrepancies/{discrepancy['id']}/resolve",
            json={"reason": "Spill documented by both nurses"},
            headers=headers["doctor"],
        )
        assert resolved.status_code == 200, resolved.text
        assert resolved.json()["status"] == "resolved"
        again = api.post(
            f"{API}/discrepancies/{discrepancy['id']}/resolve",
            json={"reason": "again"},
            headers=headers["doctor"],
        )
        assert again.status_code == 409
        assert api.get(f"{API}/discrepancies", headers=headers["nurse"]).json() == []
        lot = api.get(f"{API}/lots/{lot_id}", headers=headers["nurse"]).json()
        assert Decimal(lot["balance_mg"]) == Decimal(990)

    def test_a_reason_is_required(self, api, headers):
        response = api.post(
            f"{API}/discrepancies/{uuid.uuid4()}/resolve",
            json={},
            headers=headers["doctor"],
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "reason"

    def test_unknown_discrepancy_is_404(self, api, headers):
        response = api.post(
            f"{API}/discrepancies/{uuid.uuid4()}/resolve",
            json={"reason": "nothing"},
            headers=headers["doctor"],
        )
        assert response.status_code == 404


class TestOtherEntries:
    def test_disposal_transfer_and_correction(self, api, headers, lot_id, people):
        disposal = api.post(
            f"{API}/disposals",
            json={
                "lot_id": lot_id,
                "quantity_mg": "100",
                "manner": "reverse distributor",
                "witness_id": str(people.nurse.id),
            },
            headers=headers["doctor"],
        )
        assert disposal.status_code == 201, disposal.text
        transfer = api.post(
            f"{API}/transfers",
            json={
                "lot_id": lot_id,
                "direction": "out",
                "quantity_mg": "100",
                "counterparty_name": "Sister clinic",
                "counterparty_address": "2 Elm St",
                "counterparty_dea_number": SUPPLIER_DEA,
            },
            headers=headers["doctor"],
        )
        assert transfer.status_code == 201, transfer.text
        correction = api.post(
            f"{API}/corrections",
            json={
                "corrects_entry_id": transfer.json()["id"],
                "change_mg": "50",
                "reason": "only 50 mg went out",
            },
            headers=headers["doctor"],
        )
        assert correction.status_code == 201, correction.text
        assert correction.json()["corrects_entry_id"] == transfer.json()["id"]
        assert Decimal(correction.json()["balance_mg"]) == Decimal(850)
        verify = api.get(f"{API}/verify", headers=headers["admin"])
        assert verify.status_code == 200
        assert verify.json()["ok"] is True
        assert verify.json()["entries"] == 4
        assert api.get(f"{API}/verify", headers=headers["nurse"]).status_code == 403


class TestTheftLoss:
    def test_report_then_filings(self, api, headers):
        created = api.post(
            f"{API}/theft-loss-reports",
            json={
                "kind": "theft",
                "discovered_at": "2025-03-07T19:00:00Z",
                "description": "Safe forced overnight",
            },
            headers=headers["nurse"],
        )
        assert created.status_code == 201, created.text
        report = created.json()
        assert report["notice_due_on"] == "2025-03-10"
        assert report["form_106_due_on"] == "2025-04-21"
        assert report["notice_status"] == "overdue"  # it is long past 2025
        sent = api.post(
            f"{API}/theft-loss-reports/{report['id']}/notice-sent",
            json={},
            headers=headers["doctor"],
        )
        assert sent.status_code == 200
        assert sent.json()["notice_status"] == "done"
        filed = api.post(
            f"{API}/theft-loss-reports/{report['id']}/form-106-filed",
            json={"reference": "106-XYZ"},
            headers=headers["doctor"],
        )
        assert filed.status_code == 200
        assert filed.json()["form_106_status"] == "done"
        listed = api.get(f"{API}/theft-loss-reports", headers=headers["nurse"]).json()
        assert [r["id"] for r in listed] == [report["id"]]

    def test_a_future_discovery_is_422(self, api, headers):
        response = api.post(
            f"{API}/theft-loss-reports",
            json={
                "kind": "loss",
                "discovered_at": "2999-01-01T00:00:00Z",
                "description": "typo",
            },
            headers=headers["nurse"],
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "discovered_at"

    def test_unknown_report_is_404(self, api, headers):
        response = api.post(
            f"{API}/theft-loss-reports/{uuid.uuid4()}/notice-sent",
            json={},
            headers=headers["doctor"],
        )
        assert response.status_code == 404
