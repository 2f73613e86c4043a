"""The sign-in form: the password checked apart from the write that issues the session."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from ketapath.db.models import AuditEntry, AuthToken, Role
from tests.factories import TEST_PASSWORD, make_clinic, make_user


def refusals(session: Session) -> list[AuditEntry]:
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.action == "login_failed"))
    )


def test_signing_in_sets_the_session_and_goes_to_the_roles_home(
    client: TestClient, session: Session
) -> None:
    user = make_user(session, make_clinic(session), role=Role.NURSE)
    response = client.post(
        "/login",
        data={"email": user.email, "password": TEST_PASSWORD},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/board"
    assert "ketapath_session" in response.cookies
    token = session.scalars(select(AuthToken).where(AuthToken.user_id == user.id)).one()
    assert token.kind == "session"
    logins = session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "login", AuditEntry.actor_id == user.id
        )
    ).all()
    assert len(logins) == 1


@pytest.mark.parametrize("known", [True, False], ids=["wrong password", "unknown"])
def test_a_refused_sign_in_says_the_same_and_is_audited(
    client: TestClient, session: Session, known: bool
) -> None:
    user = make_user(session, make_clinic(session), role=Role.NURSE)
    email = user.email if known else "nobody@example.org"
    response = client.post(
        "/login",
        data={"email": email, "password": "not the password"},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert "ketapath_session" not in response.cookies
    assert session.scalars(select(AuthToken)).all() == []
    (refusal,) = refusals(session)
    assert refusal.entity_id == (str(user.id) if known else None)
    assert refusal.detail == ({} if known else {"reason": "unknown"})
