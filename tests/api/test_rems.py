"""/api/v1 REMS form and queue: 401/403/404/409/422 and the happy path."""

from __future__ import annotations

from datetime import timedelta

import pytest
from tests.factories import bearer_for, make_clinic, make_user
from tests.services.test_rems import CLINICIAN_ENTRIES, run_esketamine_session
from tests.services.test_rems import world as world

from ketapath.api import documents as documents_api
from ketapath.api import rems as rems_api
from ketapath.db.models import Role


def mount(client) -> None:
    """Include the routers unless the app already does (the lead adds them to api/router.py)."""
    paths = {getattr(r, "path", None) for r in client.app.routes}
    for module, probe in (
        (rems_api, "/api/v1/rems/queue"),
        (documents_api, "/api/v1/reports/inventory.pdf"),
    ):
        if probe not in paths:
            client.app.include_router(module.router, prefix="/api/v1")


@pytest.fixture
def api(client):
    mount(client)
    return client


class TestRemsFormApi:
    def test_full_flow_get_put_sign_submit(self, api, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        headers = bearer_for(session, nurse)
        url = f"/api/v1/sessions/{treatment.id}/rems-form"
        got = api.get(url, headers=headers)
        assert got.status_code == 200
        body = got.json()
        assert body["status"] == "not_started"
        assert body["values"]["dose"] == "56"
        assert "hcp_phone" in body["missing"]

        put = api.put(url, json=CLINICIAN_ENTRIES, headers=headers)
        assert put.status_code == 200
        assert put.json()["missing"] == ["maois", "sedation"]

        refused = api.post(f"{url}/sign", headers=headers)
        assert refused.status_code == 409
        assert refused.json()["missing"] == ["maois", "sedation"]
        assert "maois" in refused.json()["detail"]

        api.put(url, json={"maois": False, "sedation": False}, headers=headers)
        signed = api.post(f"{url}/sign", headers=headers)
        assert signed.status_code == 200
        assert signed.json()["status"] == "signed"
        assert signed.json()["missing"] == []

        immutable = api.put(url, json={"hcp_phone": "555-000-1111"}, headers=headers)
        assert immutable.status_code == 409

        day = treatment.scheduled_date.isoformat()
        submitted = api.post(
            f"{url}/submitted", json={"submitted_on": day}, headers=headers
        )
        assert submitted.status_code == 200
        assert submitted.json()["submitted_on"] == day

        amended = api.post(f"{url}/amend", json={"reason": "lot typo"}, headers=headers)
        assert amended.status_code == 201
        assert amended.json()["amends_id"] == signed.json()["id"]

    def test_unauthenticated_is_401(self, api, world):
        sessions = world[5]
        assert (
            api.get(f"/api/v1/sessions/{sessions[0].id}/rems-form").status_code == 401
        )
        assert api.get("/api/v1/rems/queue").status_code == 401

    def test_front_desk_is_403(self, api, session, world):
        clinic, *_rest, sessions = world
        desk = make_user(session, clinic, role=Role.FRONT_DESK)
        response = api.get(
            f"/api/v1/sessions/{sessions[0].id}/rems-form",
            headers=bearer_for(session, desk),
        )
        assert response.status_code == 403

    def test_other_clinic_is_404(self, api, session, world):
        sessions = world[5]
        other = make_user(
            session, make_clinic(session, name="Elsewhere"), role=Role.NURSE
        )
        response = api.get(
            f"/api/v1/sessions/{sessions[0].id}/rems-form",
            headers=bearer_for(session, other),
        )
        assert response.status_code == 404

    def test_invalid_values_are_422_naming_the_field(self, api, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        run_esketamine_session(session, sessions[0], prescriber=prescriber, nurse=nurse)
        response = api.put(
            f"/api/v1/sessions/{sessions[0].id}/rems-form",
            json={"dose": "28", "setting_zip": "ABC"},
            headers=bearer_for(session, nurse),
        )
        assert response.status_code == 422
        fields = {e["field"] for e in response.json()["errors"]}
        assert fields == {"dose", "setting_zip"}

    def test_unknown_field_is_422(self, api, session, world):
        nurse, sessions = world[4], world[5]
        response = api.put(
            f"/api/v1/sessions/{sessions[0].id}/rems-form",
            json={"colour": "blue"},
            headers=bearer_for(session, nurse),
        )
        assert response.status_code == 422


class TestQueueApi:
    def test_day_7_is_due_soon_and_day_8_overdue(self, api, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        headers = bearer_for(session, nurse)
        day = treatment.scheduled_date
        due = api.get(
            "/api/v1/rems/queue",
            params={"as_of": (day + timedelta(days=7)).isoformat()},
            headers=headers,
        )
        assert due.status_code == 200
        assert [(i["state"], i["days_until_due"]) for i in due.json()["items"]] == [
            ("due_soon", 0)
        ]
        late = api.get(
            "/api/v1/rems/queue",
            params={"as_of": (day + timedelta(days=8)).isoformat()},
            headers=headers,
        )
        assert late.json()["items"][0]["state"] == "overdue"

    def test_patient_is_403_and_bad_param_422(self, api, session, world):
        clinic, _site, patient, _prescriber, nurse, _sessions = world
        me = make_user(session, clinic, role=Role.PATIENT, patient=patient)
        assert (
            api.get("/api/v1/rems/queue", headers=bearer_for(session, me)).status_code
            == 403
        )
        bad = api.get(
            "/api/v1/rems/queue",
            params={"soon_days": 30},
            headers=bearer_for(session, nurse),
        )
        assert bad.status_code == 422
