"""Web view tests: a TestClient signed in through the real form, with its CSRF token."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from ketapath.db.models import Clinic, Role, User
from tests.factories import TEST_PASSWORD, make_user


@dataclass
class SignedIn:
    """A browser-like client: cookie session plus the CSRF token forms must carry."""

    client: TestClient
    user: User
    csrf_token: str

    def post(self, url: str, data: dict[str, object] | None = None, **kwargs: object):  # type: ignore[no-untyped-def]
        """Submit a form as the browser would (with the hidden csrf_token field)."""
        form = {"csrf_token": self.csrf_token, **(data or {})}
        return self.client.post(url, data=form, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def sign_in_as(client, session):
    """``sign_in_as(clinic, Role.NURSE)`` → SignedIn (optionally ``patient=`` for a patient user)."""

    def sign_in(clinic: Clinic, role: Role, **kwargs: object) -> SignedIn:
        user = make_user(session, clinic, role=role, **kwargs)  # type: ignore[arg-type]
        client.cookies.clear()
        response = client.post(
            "/login",
            data={"email": user.email, "password": TEST_PASSWORD},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        page = client.get(
            "/login"
        )  # any page renders the token in <meta name="csrf-token">
        match = re.search(r'name="csrf-token" content="([^"]*)"', page.text)
        token = match.group(1) if match else ""
        if not token:
            home = client.get(response.headers["location"])
            match = re.search(r'name="csrf-token" content="([^"]*)"', home.text)
            token = match.group(1) if match else ""
        return SignedIn(client, user, token)

    return sign_in
