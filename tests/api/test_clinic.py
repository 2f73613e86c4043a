"""/api/v1/clinic and /api/v1/staff: clinic with sites and chairs, provider directory, admin creates staff."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from tests.factories import (
    bearer_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)

from ketapath.db.models import AuditEntry, Role, User

NEW_STAFF = {
    "email": "dr.who@example.org",
    "display_name": "Dr Who",
    "role": "prescriber",
    "password": "a long enough password",
    "npi": "1234567893",
    "on_call": True,
}


@pytest.fixture
def clinic(session):
    return make_clinic(session)


def login(session, clinic, role, patient=None, **kwargs):
    return bearer_for(
        session, make_user(session, clinic, role=role, patient=patient, **kwargs)
    )


class TestGetClinic:
    def test_staff_see_the_clinic_with_sites_and_chairs(self, client, session, clinic):
        site, _ = make_site_with_chairs(session, clinic, chairs=2)
        make_site_with_chairs(session, make_clinic(session, name="Elsewhere"))
        response = client.get(
            "/api/v1/clinic", headers=login(session, clinic, Role.FRONT_DESK)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["name"] == "Test Clinic"
        assert body["timezone"] == "America/New_York"
        [only_site] = body["sites"]
        assert only_site["id"] == str(site.id)
        assert only_site["rems_certified"] is True
        assert [c["name"] for c in only_site["chairs"]] == ["Chair 1", "Chair 2"]

    def test_a_patient_may_not_read_the_clinic(self, client, session, clinic):
        patient = make_patient(session, clinic)
        response = client.get(
            "/api/v1/clinic", headers=login(session, clinic, Role.PATIENT, patient)
        )
        assert response.status_code == 403

    def test_without_login_is_401(self, client):
        assert client.get("/api/v1/clinic").status_code == 401


class TestListStaff:
    def test_directory_lists_staff_never_patients_or_password_hashes(
        self, client, session, clinic
    ):
        patient = make_patient(session, clinic)
        make_user(session, clinic, role=Role.PATIENT, patient=patient)
        nurse = make_user(session, clinic, role=Role.NURSE, on_call=True)
        make_user(session, make_clinic(session, name="Elsewhere"), role=Role.NURSE)
        headers = login(session, clinic, Role.THERAPIST)
        response = client.get("/api/v1/staff", headers=headers)
        assert response.status_code == 200
        body = response.json()
        assert {e["role"] for e in body} == {"nurse", "therapist"}
        [entry] = [e for e in body if e["id"] == str(nurse.id)]
        assert entry["on_call"] is True
        assert entry["email"] == nurse.email
        assert set(entry) == {
            "id",
            "display_name",
            "role",
            "email",
            "npi",
            "on_call",
            "active",
        }
        assert "argon2" not in response.text

    def test_filter_by_role(self, client, session, clinic):
        make_user(session, clinic, role=Role.NURSE)
        prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.get(
            "/api/v1/staff", params={"role": "prescriber"}, headers=headers
        )
        assert [e["id"] for e in response.json()] == [str(prescriber.id)]

    @pytest.mark.parametrize("role", ["patient", "surgeon"])
    def test_a_role_outside_the_staff_roles_is_422_naming_role(
        self, client, session, clinic, role
    ):
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.get("/api/v1/staff", params={"role": role}, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "role"

    def test_a_patient_may_not_read_the_directory(self, client, session, clinic):
        patient = make_patient(session, clinic)
        response = client.get(
            "/api/v1/staff", headers=login(session, clinic, Role.PATIENT, patient)
        )
        assert response.status_code == 403

    def test_without_login_is_401(self, client):
        assert client.get("/api/v1/staff").status_code == 401


class TestCreateStaff:
    def test_admin_creates_a_staff_user_and_the_write_is_audited(
        self, client, session, clinic
    ):
        admin = make_user(session, clinic, role=Role.ADMIN)
        response = client.post(
            "/api/v1/staff", json=NEW_STAFF, headers=bearer_for(session, admin)
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["role"] == "prescriber"
        assert body["npi"] == "1234567893"
        assert "password" not in response.text
        user = session.scalars(
            select(User).where(User.email == "dr.who@example.org")
        ).one()
        assert user.clinic_id == clinic.id
        assert user.password_hash.startswith("$argon2")
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "user", AuditEntry.entity_id == str(user.id)
            )
        ).one()
        assert entry.action == "create"
        assert entry.actor_id == admin.id

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            ({"role": "patient"}, "role"),
            ({"npi": "12345"}, "npi"),
            ({"password": "short"}, "password"),
            ({"email": "not-an-email"}, "email"),
            ({"display_name": "   "}, "display_name"),
        ],
    )
    def test_bad_input_is_422_naming_the_field(
        self, client, session, clinic, change, field
    ):
        response = client.post(
            "/api/v1/staff",
            json={**NEW_STAFF, **change},
            headers=login(session, clinic, Role.ADMIN),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    def test_duplicate_email_is_409_naming_email(self, client, session, clinic):
        headers = login(session, clinic, Role.ADMIN)
        assert (
            client.post("/api/v1/staff", json=NEW_STAFF, headers=headers).status_code
            == 201
        )
        response = client.post("/api/v1/staff", json=NEW_STAFF, headers=headers)
        assert response.status_code == 409
        assert response.json()["field"] == "email"

    @pytest.mark.parametrize("role", [Role.PRESCRIBER, Role.NURSE, Role.FRONT_DESK])
    def test_only_admins_create_staff(self, client, session, clinic, role):
        response = client.post(
            "/api/v1/staff", json=NEW_STAFF, headers=login(session, clinic, role)
        )
        assert response.status_code == 403
        assert (
            session.scalars(select(User).where(User.email == NEW_STAFF["email"])).all()
            == []
        )

    def test_without_login_is_401(self, client):
        assert client.post("/api/v1/staff", json=NEW_STAFF).status_code == 401
