"""Sign in and sign out (browser session cookie with a CSRF token)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from ketapath.config import Settings
from ketapath.db.models import Role
from ketapath.http import (
    SESSION_COOKIE,
    SessionDep,
    client_address,
    log_in,
    set_session_cookie,
)
from ketapath.services import auth as auth_service
from ketapath.services.errors import UnauthorizedError
from ketapath.web.deps import WebUser
from ketapath.web.templating import render

router = APIRouter()

HOME_BY_ROLE = {
    Role.NURSE: "/board",
    Role.PRESCRIBER: "/patients",
    Role.THERAPIST: "/patients",
    Role.FRONT_DESK: "/board",
    Role.ADMIN: "/patients",
    Role.PATIENT: "/portal",
}


def _safe_next(next_path: str | None) -> str | None:
    """Only same-site paths: never redirect to another host after sign-in."""
    if next_path and next_path.startswith("/") and not next_path.startswith("//"):
        return next_path
    return None


@router.get("/login")
def login_page(request: Request, next: str | None = None) -> Response:
    """The sign-in form."""
    return render(
        request,
        "auth/login.html",
        {"next": _safe_next(next) or "", "errors": {}, "email": ""},
    )


@router.post("/login")
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)] = "",
    password: Annotated[str, Form(max_length=200)] = "",
    next: Annotated[str, Form(max_length=500)] = "",
) -> Response:
    """Check the password, set the session cookie and go to the role's home page.

    As the API does (:func:`~ketapath.http.log_in`): the password check holds up no other
    request.
    """
    settings: Settings = request.app.state.settings
    errors = {}
    if not email:
        errors["email"] = "Enter your e-mail address."
    if not password:
        errors["password"] = "Enter your password."
    if errors:
        return render(
            request,
            "auth/login.html",
            {"next": next, "errors": errors, "email": email},
            status_code=422,
        )
    try:
        issued = await log_in(
            request,
            email=email,
            password=password,
            kind="session",
            lifetime=timedelta(hours=settings.session_hours),
        )
    except UnauthorizedError:
        # An audited refusal: its entry is committed before the error reaches here.
        return render(
            request,
            "auth/login.html",
            {
                "next": next,
                "errors": {"__all__": "Wrong e-mail or password."},
                "email": email,
            },
            status_code=401,
        )
    target = _safe_next(next) or HOME_BY_ROLE.get(issued.user.role, "/")
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, issued, secure=settings.cookie_secure)
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep, web: WebUser) -> Response:
    """End the session."""
    cookie = request.cookies.get(SESSION_COOKIE, "")
    authenticated = auth_service.authenticate(
        session, token=cookie, client_address=client_address(request)
    )
    auth_service.logout(session, authenticated=authenticated)
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/")
def home(web: WebUser) -> Response:
    """Each role starts on its own page."""
    return RedirectResponse(
        HOME_BY_ROLE.get(web.actor.role, "/patients"), status_code=303
    )
