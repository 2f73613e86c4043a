"""API dependencies: who is calling (bearer token, or session cookie plus CSRF header)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from ketapath.http import (
    CSRF_HEADER,
    SAFE_METHODS,
    SESSION_COOKIE,
    SessionDep,
    client_address,
    csrf_matches,
)
from ketapath.services import auth as auth_service
from ketapath.services.errors import ForbiddenError, UnauthorizedError
from ketapath.services.permissions import Actor

__all__ = ["SESSION_COOKIE", "AuthDep", "CurrentActor", "SessionDep", "client_address"]


def get_authenticated(
    request: Request, session: SessionDep
) -> auth_service.Authenticated:
    """Bearer token for API clients, or the session cookie plus CSRF header for browsers."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "bearer" and credentials:
        return auth_service.authenticate(
            session, token=credentials.strip(), client_address=client_address(request)
        )
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise UnauthorizedError("login required")
    authenticated = auth_service.authenticate(
        session, token=cookie, client_address=client_address(request)
    )
    unsafe = request.method not in SAFE_METHODS
    if unsafe and not csrf_matches(
        request.headers.get(CSRF_HEADER), authenticated.csrf_token
    ):
        raise ForbiddenError(f"missing or wrong {CSRF_HEADER} header")
    return authenticated


AuthDep = Annotated[auth_service.Authenticated, Depends(get_authenticated)]


def get_actor(authenticated: AuthDep) -> Actor:
    """The acting user."""
    return authenticated.actor


CurrentActor = Annotated[Actor, Depends(get_actor)]
