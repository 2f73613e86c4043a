"""Web dependencies: the signed-in user from the session cookie, and CSRF on every form post."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from ketapath.db.repositories.clinic import ClinicRepository
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

__all__ = ["CSRF_FIELD", "LoginRequiredError", "WebAuth", "WebUser"]

CSRF_FIELD = "csrf_token"


class LoginRequiredError(Exception):
    """No valid session: the error handler redirects to the sign-in page."""

    def __init__(self, next_path: str) -> None:
        super().__init__("login required")
        self.next_path = next_path

    @property
    def location(self) -> str:
        """The sign-in URL that returns here afterwards."""
        return f"/login?next={quote(self.next_path, safe='/')}"


@dataclass(frozen=True, slots=True)
class WebAuth:
    """The signed-in user, their session's CSRF token and the clinic's time zone."""

    actor: Actor
    csrf_token: str
    timezone: str


async def get_web_auth(request: Request, session: SessionDep) -> WebAuth:
    """Resolve the session cookie; on unsafe methods require the CSRF token (form or header).

    The token and clinic lookups run in a worker thread (one hop): blocking database calls
    never run on the event loop.
    """
    cookie = request.cookies.get(SESSION_COOKIE)
    if not cookie:
        raise LoginRequiredError(request.url.path)
    try:
        authenticated, timezone = await run_in_threadpool(
            _authenticate, session, cookie, client_address(request)
        )
    except UnauthorizedError as error:
        raise LoginRequiredError(request.url.path) from error
    if request.method not in SAFE_METHODS:
        sent = request.headers.get(CSRF_HEADER)
        if sent is None:
            form = await request.form()
            field = form.get(CSRF_FIELD)
            sent = field if isinstance(field, str) else None
        if not csrf_matches(sent, authenticated.csrf_token):
            raise ForbiddenError(
                "the form has expired or was not sent by ketapath: reload the page"
            )
    web = WebAuth(authenticated.actor, authenticated.csrf_token or "", timezone)
    request.state.web = web
    return web


def _authenticate(
    session: Session, cookie: str, address: str | None
) -> tuple[auth_service.Authenticated, str]:
    authenticated = auth_service.authenticate(
        session, token=cookie, client_address=address
    )
    clinic = ClinicRepository(session).get(authenticated.actor.clinic_id)
    return authenticated, clinic.timezone if clinic else "UTC"


WebUser = Annotated[WebAuth, Depends(get_web_auth)]
