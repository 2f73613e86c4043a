"""Users and auth tokens."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, bindparam, func, select, update

from ketapath.db.models import AuthToken, Role, User
from ketapath.db.repositories.base import Repository


class UserRepository(Repository[User]):
    """User lookups."""

    model = User

    def by_email(self, email: str) -> User | None:
        """Case-insensitive lookup by e-mail."""
        return self.session.scalar(
            select(User).where(func.lower(User.email) == email.lower())
        )

    def by_patient(self, patient_id: uuid.UUID) -> User | None:
        """The patient's own login, if any."""
        return self.session.scalar(select(User).where(User.patient_id == patient_id))

    def list(self, *, clinic_id: uuid.UUID, role: Role | None = None) -> Sequence[User]:
        """Users of a clinic, optionally one role, by name."""
        query = (
            select(User).where(User.clinic_id == clinic_id).order_by(User.display_name)
        )
        if role is not None:
            query = query.where(User.role == role)
        return self.session.scalars(query).all()

    def on_call(self, *, clinic_id: uuid.UUID) -> Sequence[User]:
        """Active on-call clinicians (alert escalation targets)."""
        return self.session.scalars(
            select(User).where(
                User.clinic_id == clinic_id,
                User.on_call.is_(True),
                User.active.is_(True),
            )
        ).all()


class ActiveToken(NamedTuple):
    """An unexpired, unrevoked token and the active user behind it (columns only)."""

    token_id: uuid.UUID
    kind: str
    csrf_token: str | None
    user_id: uuid.UUID
    role: Role
    clinic_id: uuid.UUID
    patient_id: uuid.UUID | None
    display_name: str
    expires_at: datetime


def _active_token_statement() -> Select[Any]:
    # Built once (every request runs it): Core columns and bound parameters, so the statement
    # cache key is computed once and no ORM objects are made.
    token = AuthToken.__table__
    user = User.__table__
    return (
        select(
            token.c.id,
            token.c.kind,
            token.c.csrf_token,
            user.c.id,
            user.c.role,
            user.c.clinic_id,
            user.c.patient_id,
            user.c.display_name,
            token.c.expires_at,
        )
        .select_from(token.join(user, user.c.id == token.c.user_id))
        .where(
            token.c.token_hash
            == bindparam("token_hash", type_=token.c.token_hash.type),
            token.c.revoked_at.is_(None),
            token.c.expires_at > bindparam("now", type_=token.c.expires_at.type),
            user.c.active.is_(True),
        )
    )


_ACTIVE_TOKEN = _active_token_statement()


class AuthTokenRepository(Repository[AuthToken]):
    """Session cookies and API tokens, looked up by the SHA-256 of the secret."""

    model = AuthToken

    def active_by_hash(
        self, token_hash: str, *, now: datetime
    ) -> tuple[AuthToken, User] | None:
        """The unexpired, unrevoked token and its active user."""
        row = self.session.execute(
            select(AuthToken, User)
            .join(User, User.id == AuthToken.user_id)
            .where(
                AuthToken.token_hash == token_hash,
                AuthToken.revoked_at.is_(None),
                AuthToken.expires_at > now,
                User.active.is_(True),
            )
        ).first()
        return (row[0], row[1]) if row else None

    def active(self, token_hash: str, *, now: datetime) -> ActiveToken | None:
        """The unexpired, unrevoked token and its active user, as columns (one lean query)."""
        row = self.session.execute(
            _ACTIVE_TOKEN, {"token_hash": token_hash, "now": now}
        ).first()
        return ActiveToken._make(row) if row else None

    def revoke(self, token_id: uuid.UUID, *, now: datetime) -> None:
        """Revoke one token (logout)."""
        self.session.execute(
            update(AuthToken).where(AuthToken.id == token_id).values(revoked_at=now)
        )
