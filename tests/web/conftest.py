"""Web view tests: a TestClient signed in through the real form, with its CSRF token."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from ketapath.db.models import AuthToken, Clinic, Role, User
from tests.factories import TEST_PASSWORD, make_user


@dataclass
class SignedIn:
    """A browser-like client: cookie session plus the CSRF token forms must carry."""

    client: TestClient
    user: User
    csrf_token: str

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        """Submit a form as the browser would (with the hidden csrf_token field)."""
        form = {"csrf_token": self.csrf_token, **(data or {})}
        return self.client.post(url, data=form, **kwargs)


@pytest.fixture
def sign_in_as(client, session):
    """``sign_in_as(clinic, Role.NURSE)`` → SignedIn (pass ``patient=`` for a patient user)."""

    def sign_in(clinic: Clinic, role: Role, **kwargs: Any) -> SignedIn:
        user = make_user(session, clinic, role=role, **kwargs)
        client.cookies.clear()
        response = client.post(
            "/login",
            data={"email": user.email, "password": TEST_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        # Pages carry it in <meta name="csrf-token">; the session row is the source of truth.
        token = session.scalars(
            select(AuthToken.csrf_token)
            .where(AuthToken.user_id == user.id)
            .order_by(AuthToken.created_at.desc())
        ).first()
        assert token
        return SignedIn(client, user, token)

    return sign_in
