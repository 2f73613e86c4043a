"""Login by cookie (with CSRF) and bearer token; failures audited; tokens revocable."""

from __future__ import annotations

from sqlalchemy import select
from tests.factories import TEST_PASSWORD, make_clinic, make_user

from ketapath.db.models import AuditEntry, Role


class TestLogin:
    def test_session_login_sets_httponly_cookie_and_csrf_is_required_for_writes(
        self, client, session
    ):
        clinic = make_clinic(session)
        user = make_user(session, clinic, role=Role.FRONT_DESK)
        response = client.post(
            "/api/v1/auth/login", json={"email": user.email, "password": TEST_PASSWORD}
        )
        assert response.status_code == 200
        assert "httponly" in response.headers["set-cookie"].lower()
        csrf = response.json()["csrf_token"]
        assert client.get("/api/v1/auth/me").json()["email"] == user.email
        patient = {
            "mrn": "M1",
            "given_name": "A",
            "family_name": "B",
            "birth_date": "1990-01-01",
            "sex": "male",
        }
        assert client.post("/api/v1/patients", json=patient).status_code == 403
        assert (
            client.post(
                "/api/v1/patients", json=patient, headers={"X-CSRF-Token": csrf}
            ).status_code
            == 201
        )

    def test_api_token_works_as_bearer(self, client, session):
        clinic = make_clinic(session)
        user = make_user(session, clinic, role=Role.NURSE)
        token = client.post(
            "/api/v1/auth/login",
            json={"email": user.email, "password": TEST_PASSWORD, "kind": "api"},
        ).json()["token"]
        client.cookies.clear()
        me = client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
        assert me.json()["role"] == "nurse"

    def test_wrong_password_is_401_and_audited(self, client, session):
        clinic = make_clinic(session)
        user = make_user(session, clinic, role=Role.NURSE)
        response = client.post(
            "/api/v1/auth/login",
            json={"email": user.email, "password": "wrong password"},
        )
        assert response.status_code == 401
        failed = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "login_failed")
        ).all()
        assert [e.entity_id for e in failed] == [str(user.id)]

    def test_logout_revokes_the_token(self, client, session):
        clinic = make_clinic(session)
        user = make_user(session, clinic, role=Role.NURSE)
        token = client.post(
            "/api/v1/auth/login",
            json={"email": user.email, "password": TEST_PASSWORD, "kind": "api"},
        ).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
        assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_missing_password_is_422_naming_the_field(self, client):
        response = client.post("/api/v1/auth/login", json={"email": "a@b.org"})
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "password"
