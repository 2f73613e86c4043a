"""/api/v1 document downloads: headers, PDF text, permissions and the missing-fee report."""

from __future__ import annotations

from decimal import Decimal

from tests.api.test_rems import api as api
from tests.factories import bearer_for, make_patient, make_user
from tests.services.test_documents import text_of
from tests.services.test_rems import run_esketamine_session
from tests.services.test_rems import world as world

from ketapath.db.models import FeeScheduleEntry, Role


class TestSessionRecordPdf:
    def test_download_with_content_disposition(self, api, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        run_esketamine_session(session, sessions[0], prescriber=prescriber, nurse=nurse)
        response = api.get(
            f"/api/v1/sessions/{sessions[0].id}/record.pdf",
            headers=bearer_for(session, nurse),
        )
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.headers["content-disposition"].startswith("attachment;")
        text = text_of(response.content)
        assert "Grace Hopper" in text
        assert "142/88" in text

    def test_401_403_404(self, api, session, world):
        clinic, _site, patient, _prescriber, _nurse, sessions = world
        url = f"/api/v1/sessions/{sessions[0].id}/record.pdf"
        assert api.get(url).status_code == 401
        me = make_user(session, clinic, role=Role.PATIENT, patient=patient)
        assert api.get(url, headers=bearer_for(session, me)).status_code == 403
        nurse = world[4]
        missing = "/api/v1/sessions/00000000-0000-0000-0000-000000000000/record.pdf"
        assert api.get(missing, headers=bearer_for(session, nurse)).status_code == 404


class TestRemsFormPdf:
    def test_draft_pdf(self, api, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        run_esketamine_session(session, sessions[0], prescriber=prescriber, nurse=nurse)
        response = api.get(
            f"/api/v1/sessions/{sessions[0].id}/rems-form.pdf",
            headers=bearer_for(session, nurse),
        )
        assert response.status_code == 200
        text = text_of(response.content)
        assert "REMS Patient Monitoring Form" in text
        assert "LOT-A1" in text


class TestSuperbillPdf:
    def test_patient_downloads_own_and_sees_fee_not_set(self, api, session, world):
        clinic, _site, patient, prescriber, nurse, sessions = world
        run_esketamine_session(session, sessions[0], prescriber=prescriber, nurse=nurse)
        run_esketamine_session(
            session, sessions[1], prescriber=prescriber, nurse=nurse, dose="84"
        )
        session.add(FeeScheduleEntry(clinic_id=clinic.id, code="G2082", fee=Decimal(1)))
        session.flush()
        me = make_user(session, clinic, role=Role.PATIENT, patient=patient)
        day = sessions[1].scheduled_date.isoformat()  # the 84 mg session only
        response = api.get(
            f"/api/v1/patients/{patient.id}/superbill.pdf",
            params={"start": day, "end": day},
            headers=bearer_for(session, me),
        )
        assert response.status_code == 200
        assert "superbill" in response.headers["content-disposition"]
        assert "fee not set for G2083" in response.headers["x-ketapath-missing"]
        text = text_of(response.content)
        assert "G2083" in text
        assert "G2082" not in text
        assert "fee not set" in text
        assert "1234567893" in text

        other = make_patient(session, clinic, given_name="Someone")
        assert (
            api.get(
                f"/api/v1/patients/{other.id}/superbill.pdf",
                params={"start": day, "end": day},
                headers=bearer_for(session, me),
            ).status_code
            == 404
        )

    def test_json_superbill_and_422s(self, api, session, world):
        _clinic, _site, patient, _prescriber, nurse, _sessions = world
        headers = bearer_for(session, nurse)
        url = f"/api/v1/patients/{patient.id}/superbill"
        assert api.get(url, headers=headers).status_code == 422  # no range, no session
        assert (
            api.get(
                url,
                params={"start": "2025-03-10", "end": "2025-03-01"},
                headers=headers,
            ).status_code
            == 422
        )
        assert (
            api.get(
                url,
                params={"start": "not-a-date", "end": "2025-03-01"},
                headers=headers,
            ).status_code
            == 422
        )
        ok = api.get(
            url, params={"start": "2025-03-01", "end": "2025-03-31"}, headers=headers
        )
        assert ok.status_code == 200
        assert ok.json()["lines"] == []
        assert (
            api.get(
                url, params={"start": "2025-03-01", "end": "2025-03-31"}
            ).status_code
            == 401
        )


class TestBillingApi:
    def test_fee_and_diagnosis_validation(self, api, session, world):
        clinic, _site, patient, prescriber, _nurse, _sessions = world
        admin = make_user(session, clinic, role=Role.ADMIN)
        assert (
            api.put(
                "/api/v1/billing/fees/G2082",
                json={"fee": "400"},
                headers=bearer_for(session, prescriber),
            ).status_code
            == 403
        )
        assert (
            api.put(
                "/api/v1/billing/fees/G2082",
                json={"fee": "400"},
                headers=bearer_for(session, admin),
            ).json()["fee"]
            == "400"
        )
        assert (
            api.put(
                "/api/v1/billing/fees/99999",
                json={"fee": "1"},
                headers=bearer_for(session, admin),
            ).status_code
            == 422
        )
        bad = api.put(
            f"/api/v1/patients/{patient.id}/diagnosis-codes",
            json={"codes": ["F32.81"]},
            headers=bearer_for(session, prescriber),
        )
        assert bad.status_code == 422


class TestLedgerReportsApi:
    def test_dispensing_log_csv_and_inventory_pdf(self, api, session, world):
        nurse = world[4]
        headers = bearer_for(session, nurse)
        csv_response = api.get(
            "/api/v1/reports/dispensing-log.csv",
            params={"start": "2025-03-01", "end": "2025-03-31"},
            headers=headers,
        )
        assert csv_response.status_code == 200
        assert csv_response.headers["content-type"].startswith("text/csv")
        assert csv_response.text.startswith("occurred_at,")
        pdf = api.get(
            "/api/v1/reports/dispensing-log.pdf",
            params={"start": "2025-03-01", "end": "2025-03-31"},
            headers=headers,
        )
        assert "No administrations in this period" in text_of(pdf.content)
        inventory = api.get("/api/v1/reports/inventory.pdf", headers=headers)
        assert inventory.status_code == 200
        assert "inventory" in text_of(inventory.content)

    def test_401_403_422(self, api, session, world):
        clinic = world[0]
        url = "/api/v1/reports/dispensing-log.csv"
        params = {"start": "2025-03-01", "end": "2025-03-31"}
        assert api.get(url, params=params).status_code == 401
        desk = make_user(session, clinic, role=Role.FRONT_DESK)
        assert (
            api.get(url, params=params, headers=bearer_for(session, desk)).status_code
            == 403
        )
        nurse = world[4]
        assert (
            api.get(
                url, params={"start": "2025-03-01"}, headers=bearer_for(session, nurse)
            ).status_code
            == 422
        )
