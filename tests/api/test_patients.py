"""/api/v1/patients: success, validation, 401, 403, another patient's record, audit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from tests.factories import bearer_for, make_clinic, make_patient, make_user

from ketapath.db.models import AuditEntry, Role

NEW_PATIENT = {
    "mrn": "MRN-1001",
    "given_name": "Grace",
    "family_name": "Hopper",
    "birth_date": "1975-12-09",
    "sex": "female",
    "weight_kg": "72.5",
    "identifiers": [{"system": "urn:insurer:acme", "value": "ACME-42"}],
}


@pytest.fixture
def clinic(session):
    return make_clinic(session)


def audit_actions(session, patient_id):
    return [
        (e.action, e.entity)
        for e in session.scalars(
            select(AuditEntry).where(AuditEntry.patient_id == patient_id)
        ).all()
    ]


class TestEnrolPatient:
    def test_front_desk_enrols_and_the_write_is_audited(self, client, session, clinic):
        headers = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        response = client.post("/api/v1/patients", json=NEW_PATIENT, headers=headers)
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["mrn"] == "MRN-1001"
        assert body["weight_kg"] == "72.5"
        assert ("create", "patient") in audit_actions(session, uuid.UUID(body["id"]))

    def test_out_of_range_weight_is_422_naming_the_field_and_nothing_is_written(
        self, client, session, clinic
    ):
        headers = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        response = client.post(
            "/api/v1/patients",
            json={**NEW_PATIENT, "weight_kg": "900"},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "weight_kg"
        assert "350" in response.json()["errors"][0]["message"]
        listing = client.get("/api/v1/patients", headers=headers).json()
        assert listing["total"] == 0

    def test_duplicate_mrn_is_a_409_naming_mrn(self, client, session, clinic):
        headers = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        assert (
            client.post(
                "/api/v1/patients", json=NEW_PATIENT, headers=headers
            ).status_code
            == 201
        )
        response = client.post("/api/v1/patients", json=NEW_PATIENT, headers=headers)
        assert response.status_code == 409
        assert response.json()["field"] == "mrn"

    def test_without_login_is_401(self, client):
        assert client.post("/api/v1/patients", json=NEW_PATIENT).status_code == 401

    def test_therapist_may_not_enrol(self, client, session, clinic):
        headers = bearer_for(session, make_user(session, clinic, role=Role.THERAPIST))
        assert (
            client.post(
                "/api/v1/patients", json=NEW_PATIENT, headers=headers
            ).status_code
            == 403
        )


class TestGetPatient:
    def test_read_is_audited(self, client, session, clinic):
        patient = make_patient(session, clinic)
        headers = bearer_for(session, make_user(session, clinic, role=Role.NURSE))
        response = client.get(f"/api/v1/patients/{patient.id}", headers=headers)
        assert response.status_code == 200
        assert ("read", "patient") in audit_actions(session, patient.id)

    def test_patient_reads_own_record(self, client, session, clinic):
        patient = make_patient(session, clinic)
        headers = bearer_for(
            session, make_user(session, clinic, role=Role.PATIENT, patient=patient)
        )
        assert (
            client.get(f"/api/v1/patients/{patient.id}", headers=headers).status_code
            == 200
        )

    def test_patient_cannot_see_another_patients_record(self, client, session, clinic):
        me = make_patient(session, clinic)
        other = make_patient(session, clinic, given_name="Other")
        headers = bearer_for(
            session, make_user(session, clinic, role=Role.PATIENT, patient=me)
        )
        assert (
            client.get(f"/api/v1/patients/{other.id}", headers=headers).status_code
            == 404
        )

    def test_malformed_id_is_422(self, client, session, clinic):
        headers = bearer_for(session, make_user(session, clinic, role=Role.NURSE))
        response = client.get("/api/v1/patients/not-a-uuid", headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "patient_id"

    def test_without_login_is_401(self, client, session, clinic):
        patient = make_patient(session, clinic)
        assert client.get(f"/api/v1/patients/{patient.id}").status_code == 401


class TestListPatients:
    def test_search_by_name(self, client, session, clinic):
        make_patient(session, clinic, given_name="Alan", family_name="Turing")
        make_patient(session, clinic, given_name="Ada", family_name="Lovelace")
        headers = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        body = client.get(
            "/api/v1/patients", params={"q": "turing"}, headers=headers
        ).json()
        assert [p["family_name"] for p in body["items"]] == ["Turing"]

    def test_patient_user_lists_only_themselves(self, client, session, clinic):
        me = make_patient(session, clinic)
        make_patient(session, clinic, given_name="Other")
        headers = bearer_for(
            session, make_user(session, clinic, role=Role.PATIENT, patient=me)
        )
        body = client.get("/api/v1/patients", headers=headers).json()
        assert [p["id"] for p in body["items"]] == [str(me.id)]

    def test_limit_out_of_range_is_422(self, client, session, clinic):
        headers = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        response = client.get(
            "/api/v1/patients", params={"limit": 1000}, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"


class TestUpdatePatient:
    def test_nurse_updates_weight_and_audit_lists_fields_not_values(
        self, client, session, clinic
    ):
        patient = make_patient(session, clinic)
        headers = bearer_for(session, make_user(session, clinic, role=Role.NURSE))
        response = client.patch(
            f"/api/v1/patients/{patient.id}", json={"weight_kg": "80"}, headers=headers
        )
        assert response.status_code == 200
        assert response.json()["weight_kg"] == "80"
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.patient_id == patient.id, AuditEntry.action == "update"
            )
        ).one()
        assert entry.detail == {"fields": ["weight_kg"]}

    def test_unknown_field_is_422(self, client, session, clinic):
        patient = make_patient(session, clinic)
        headers = bearer_for(session, make_user(session, clinic, role=Role.NURSE))
        response = client.patch(
            f"/api/v1/patients/{patient.id}", json={"shoe_size": 9}, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "shoe_size"

    def test_patient_may_not_update_their_record(self, client, session, clinic):
        patient = make_patient(session, clinic)
        headers = bearer_for(
            session, make_user(session, clinic, role=Role.PATIENT, patient=patient)
        )
        response = client.patch(
            f"/api/v1/patients/{patient.id}", json={"weight_kg": "80"}, headers=headers
        )
        assert response.status_code == 403


class TestHostileText:
    def test_nul_character_is_422_naming_the_field_on_both_databases(
        self, client, session, clinic
    ):
        headers = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        response = client.post(
            "/api/v1/patients",
            json={**NEW_PATIENT, "given_name": "A\u0000"},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "given_name"

    def test_nul_character_in_a_query_string_is_422_not_500(
        self, client, session, clinic
    ):
        headers = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        response = client.get(
            "/api/v1/patients", params={"q": "a\u0000"}, headers=headers
        )
        assert response.status_code in (200, 422)
