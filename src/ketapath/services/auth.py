"""Passwords (argon2), logins, session cookies and API tokens.

Only a SHA-256 digest of each token is stored, so a copy of the database does not hand out
working logins. Browser sessions carry a CSRF token that unsafe requests must echo.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import NoReturn

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import AuthToken, Role, User
from ketapath.db.repositories.change_counters import (
    auth_counter_in_write,
    read_counters,
)
from ketapath.db.repositories.users import (
    ActiveToken,
    AuthTokenRepository,
    UserRepository,
)
from ketapath.services import audit
from ketapath.services.errors import (
    ConflictError,
    UnauthorizedError,
    UnprocessableError,
)
from ketapath.services.kept import Kept
from ketapath.services.permissions import Actor

__all__ = [
    "IssuedToken",
    "LoginCandidate",
    "authenticate",
    "create_user",
    "defer_lookups",
    "end_deferred_lookups",
    "find_login",
    "hash_password",
    "issue_login",
    "kept_caller",
    "logout",
    "password_matches",
    "verify_password",
]

_hasher = PasswordHasher()
# A fixed hash to verify against when the e-mail is unknown, so timing does not reveal accounts.
_DUMMY_HASH = _hasher.hash("ketapath-timing-equaliser")
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """Return an argon2id hash."""
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """True when ``password`` matches; never raises for a wrong password."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A new secret, shown once; ``csrf_token`` only for browser sessions."""

    token: str
    csrf_token: str | None
    expires_in_s: int
    user: User


def create_user(
    session: Session,
    *,
    clinic_id: uuid.UUID,
    email: str,
    display_name: str,
    role: Role,
    password: str,
    patient_id: uuid.UUID | None = None,
    npi: str | None = None,
    on_call: bool = False,
    actor: Actor | None = None,
) -> User:
    """Create a user; a patient user must name their patient record, staff must not."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UnprocessableError(
            f"password must be at least {MIN_PASSWORD_LENGTH} characters",
            field="password",
        )
    if (role is Role.PATIENT) != (patient_id is not None):
        raise UnprocessableError(
            "a patient user needs patient_id; staff users must not have one",
            field="patient_id",
        )
    users = UserRepository(session)
    if users.by_email(email) is not None:
        raise ConflictError("a user with this e-mail already exists", field="email")
    user = users.add(
        User(
            clinic_id=clinic_id,
            email=email.lower(),
            display_name=display_name,
            role=role,
            password_hash=hash_password(password),
            patient_id=patient_id,
            npi=npi,
            on_call=on_call,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="user",
        entity_id=user.id,
        patient_id=patient_id,
    )
    return user


@dataclass(frozen=True, slots=True)
class LoginCandidate:
    """The account an e-mail names, as a login needs it (see :func:`find_login`)."""

    user_id: uuid.UUID | None
    """None: no account has this e-mail."""
    active: bool
    password_hash: str
    """The account's hash, or a fixed one for no account (checked all the same)."""


def find_login(session: Session, *, email: str) -> LoginCandidate:
    """A login, step 1 of 3 (a read): the account an e-mail names.

    A login is a read, a password check and a short write, run apart: argon2 takes tens of
    milliseconds by design, and inside a writer transaction it held up every write of the
    clinic (SQLite has one writer); in a database thread, every read behind it.
    """
    user = UserRepository(session).by_email(email)
    if user is None:
        return LoginCandidate(None, False, _DUMMY_HASH)
    return LoginCandidate(user.id, user.active, user.password_hash)


def password_matches(candidate: LoginCandidate, password: str) -> bool:
    """Step 2 (no database): argon2. Run it in a thread, never on the event loop.

    Also checked for an unknown or inactive account (against the fixed hash, or the
    account's), so that the answer's timing does not reveal which accounts exist.
    """
    return verify_password(candidate.password_hash, password)


def issue_login(
    session: Session,
    *,
    candidate: LoginCandidate,
    password_matched: bool,
    kind: str,
    lifetime: timedelta,
    client_address: str | None,
) -> IssuedToken:
    """Step 3 (a write): a session (``kind="session"``) or API token (``"api"``), or a refusal.

    Every refusal gives the same words and is audited with its reason. The account is read
    again: one deactivated, or given a new password, since :func:`find_login` is refused
    rather than logged in on the strength of a check that no longer holds.
    """
    if candidate.user_id is None:
        _refuse(session, user_id=None, reason="unknown")
    if not candidate.active:
        _refuse(session, user_id=candidate.user_id, reason="inactive")
    if not password_matched:
        _refuse(session, user_id=candidate.user_id, reason=None)
    # under a shared lock (PostgreSQL): a password change or deactivation committing
    # meanwhile is waited for and seen, and none commits before this token does; other
    # logins and the user's own writes are not held up
    user = UserRepository(session).get_for_share(candidate.user_id)
    if user is None or not user.active:
        _refuse(session, user_id=candidate.user_id, reason="deactivated")
    if user.password_hash != candidate.password_hash:
        _refuse(session, user_id=user.id, reason="password changed")
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(24) if kind == "session" else None
    now = utcnow()
    AuthTokenRepository(session).add(
        AuthToken(
            user_id=user.id,
            token_hash=_digest(token),
            kind=kind,
            csrf_token=csrf,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    actor = Actor(
        user.id,
        user.role,
        user.clinic_id,
        user.patient_id,
        client_address,
        user.display_name,
    )
    audit.record(
        session,
        actor=actor,
        action="login",
        entity="user",
        entity_id=user.id,
        detail={"kind": kind},
    )
    return IssuedToken(token, csrf, int(lifetime.total_seconds()), user)


def _refuse(
    session: Session, *, user_id: uuid.UUID | None, reason: str | None
) -> NoReturn:
    """Audit a refused login and refuse it, with the same words whatever the reason."""
    audit.record(
        session,
        actor=None,
        action="login_failed",
        entity="user",
        entity_id=user_id,
        detail={"reason": reason} if reason else None,
    )
    raise UnauthorizedError("wrong e-mail or password", keep_writes=True)


@dataclass(frozen=True, slots=True)
class Authenticated:
    """The actor behind a token, with the token's id and CSRF secret."""

    actor: Actor
    token_id: uuid.UUID
    kind: str
    csrf_token: str | None


CALLERS_KEPT = 4096
"""Token lookups kept per process (one per signed-in browser or API client)."""
_CALLERS: Kept[str, tuple[int, ActiveToken]] = Kept(CALLERS_KEPT)


def authenticate(
    session: Session, *, token: str, client_address: str | None
) -> Authenticated:
    """Resolve a bearer or cookie token to its actor, or raise :class:`UnauthorizedError`.

    Reuses the lookup an earlier request of this process made for the same token while the
    ``auth`` change counter is unchanged (:func:`kept_caller`): a read compares it with the
    counters of its snapshot, a write with the counter as its own transaction sees it
    (``auth_counter_in_write``, which refuses once the transaction has written users or
    tokens itself on PostgreSQL). A lookup made here is kept under that value.
    """
    counters = read_counters(session)
    auth = counters.auth if counters is not None else auth_counter_in_write(session)
    digest = _digest(token)
    if auth is not None:
        kept = _kept_caller(auth, digest, client_address)
        if kept is not None:
            return kept
    deferred: dict[str, tuple[int, ActiveToken]] | None = session.info.get(_DEFERRED)
    if auth is not None and deferred is not None:
        held = deferred.get(digest)
        if held is not None and held[0] == auth:
            return _valid_caller(held[1], client_address)
    found = AuthTokenRepository(session).active(digest, now=utcnow())
    if found is None:
        raise UnauthorizedError("login required")
    # None: a PostgreSQL transaction that wrote users or tokens itself saw rows the committed
    # counter does not name (a role changed in a batch that may yet roll back): not kept
    if auth is not None:
        if deferred is None:
            _CALLERS.put(digest, (auth, found))
        else:
            deferred[digest] = (auth, found)
    return _caller(found, client_address)


_DEFERRED = "ketapath_deferred_lookups"


def defer_lookups(session: Session) -> None:
    """Hold back the lookups ``session`` makes from now on until :func:`end_deferred_lookups`.

    For writes that read the ``auth`` counter once for many (``http.WriteBatches``): whether
    a lookup saw only rows its counter value names is known once they are all done, so it is
    kept then or dropped, never seen by anyone else before. Meanwhile the writes of that
    batch reuse it, as they would a kept one: if the batch is dropped, so are their answers.
    """
    session.info[_DEFERRED] = {}


def end_deferred_lookups(session: Session, *, keep: bool) -> None:
    """Keep, or forget, the lookups held back since :func:`defer_lookups`."""
    deferred: dict[str, tuple[int, ActiveToken]] = session.info.pop(_DEFERRED, {})
    if keep:
        for digest, lookup in deferred.items():
            _CALLERS.put(digest, lookup)


def kept_caller(
    auth: int, *, token: str, client_address: str | None
) -> Authenticated | None:
    """The caller behind ``token`` as this process looked it up; None if not kept under ``auth``.

    Kept while the ``auth`` change counter is unchanged: any write to users or tokens (a
    logout, a deactivation, a role or password change, another login) sets it anew, so a
    revoked token is refused by the very next request (``db.repositories.change_counters``);
    a login thereby drops every kept lookup, once. Expiry is checked on every use
    (:class:`UnauthorizedError`). Needs no session: reads answered from what is kept call it
    with counters read on their own (``http.CounterReads``).
    """
    return _kept_caller(auth, _digest(token), client_address)


def _kept_caller(
    auth: int, digest: str, client_address: str | None
) -> Authenticated | None:
    kept = _CALLERS.get(digest)
    if kept is None or kept[0] != auth:
        return None
    return _valid_caller(kept[1], client_address)


def _valid_caller(found: ActiveToken, client_address: str | None) -> Authenticated:
    """The caller behind a kept lookup, unless the token has expired since."""
    if found.expires_at <= utcnow():
        raise UnauthorizedError("login required")
    return _caller(found, client_address)


def _caller(found: ActiveToken, client_address: str | None) -> Authenticated:
    actor = Actor(
        found.user_id,
        found.role,
        found.clinic_id,
        found.patient_id,
        client_address,
        found.display_name,
    )
    return Authenticated(actor, found.token_id, found.kind, found.csrf_token)


def logout(session: Session, *, authenticated: Authenticated) -> None:
    """Revoke the token in use."""
    AuthTokenRepository(session).revoke(authenticated.token_id, now=utcnow())
    audit.record(
        session,
        actor=authenticated.actor,
        action="logout",
        entity="user",
        entity_id=authenticated.actor.user_id,
    )
