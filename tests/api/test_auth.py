"""Login by cookie (with CSRF) and bearer token; failures audited; tokens revocable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update
from tests.factories import TEST_PASSWORD, bearer_for, make_clinic, make_user
from tests.statements import statements_sent

from ketapath.db.base import utcnow
from ketapath.db.models import AuditEntry, AuthToken, Role, User
from ketapath.services import auth as auth_service


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


class TestKeptCallers:
    """A read reuses a token's lookup while no user or token changed (services.auth).

    Each test makes a first read, so the lookup is kept, then changes the user or token
    straight in the database, as another process or an operator would, and reads again.
    """

    @pytest.fixture
    def nurse(self, client, session):
        user = make_user(session, make_clinic(session), role=Role.NURSE)
        headers = bearer_for(session, user)
        me = client.get("/api/v1/auth/me", headers=headers)
        assert me.status_code == 200
        assert me.json()["role"] == "nurse"
        return user, headers

    def test_a_token_revoked_elsewhere_is_refused_by_the_next_read(
        self, client, connection, nurse
    ):
        user, headers = nurse
        connection.execute(
            update(AuthToken)
            .where(AuthToken.user_id == user.id)
            .values(revoked_at=utcnow())
        )
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_a_deactivated_user_is_refused_by_the_next_read(
        self, client, connection, nurse
    ):
        user, headers = nurse
        connection.execute(update(User).where(User.id == user.id).values(active=False))
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_a_new_role_applies_to_the_next_read(self, client, connection, nurse):
        user, headers = nurse
        connection.execute(
            update(User).where(User.id == user.id).values(role=Role.THERAPIST)
        )
        assert client.get("/api/v1/auth/me", headers=headers).json()["role"] == (
            "therapist"
        )

    def test_a_kept_token_past_its_expiry_is_refused(self, client, nurse, monkeypatch):
        _user, headers = nurse
        later = utcnow() + timedelta(hours=2)  # bearer_for's tokens last an hour
        monkeypatch.setattr(auth_service, "utcnow", lambda: later)
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_a_logout_is_refused_by_the_next_read(self, client, nurse):
        _user, headers = nurse
        assert client.post("/api/v1/auth/logout", headers=headers).status_code == 204
        assert client.get("/api/v1/auth/me", headers=headers).status_code == 401

    def test_the_lookup_is_kept_while_nothing_changes(self, client, connection, nurse):
        _user, headers = nurse
        with statements_sent(connection) as seen:
            assert client.get("/api/v1/auth/me", headers=headers).status_code == 200
        assert not [s for s in seen if "auth_tokens" in s], seen


def test_a_login_reads_the_account_again_under_a_row_lock(client, session, connection):
    """PostgreSQL: a password change committing meanwhile is waited for, then seen."""
    user = make_user(session, make_clinic(session), role=Role.NURSE)
    with statements_sent(connection) as seen:
        response = client.post(
            "/api/v1/auth/login",
            json={"email": user.email, "password": TEST_PASSWORD, "kind": "api"},
        )
    assert response.status_code == 200, response.text
    rereads = [s for s in seen if "FROM users" in s and "users.id =" in s]
    assert rereads, seen
    if connection.dialect.name == "postgresql":
        assert all("FOR SHARE" in s for s in rereads), rereads
