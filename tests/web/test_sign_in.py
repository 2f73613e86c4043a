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


@pytest.mark.parametrize("case", ["wrong password", "unknown", "inactive"])
def test_a_refused_sign_in_says_the_same_and_is_audited_with_its_reason(
    client: TestClient, session: Session, case: str
) -> None:
    user = make_user(session, make_clinic(session), role=Role.NURSE)
    email, password = user.email, "not the password"
    if case == "unknown":
        email = "nobody@example.org"
    if case == "inactive":  # the right password, on an account switched off
        user.active = False
        session.flush()
        password = TEST_PASSWORD
    response = client.post(
        "/login",
        data={"email": email, "password": password},
        follow_redirects=False,
    )
    assert response.status_code == 401
    assert "Wrong e-mail or password." in response.text
    assert "ketapath_session" not in response.cookies
    assert session.scalars(select(AuthToken)).all() == []
    (refusal,) = refusals(session)
    expected = {
        "wrong password": (str(user.id), {}),
        "unknown": (None, {"reason": "unknown"}),
        "inactive": (str(user.id), {"reason": "inactive"}),
    }[case]
    assert (refusal.entity_id, refusal.detail) == expected
