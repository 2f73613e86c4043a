"""/api/v1/auth: log in (cookie or bearer token), log out, who am I."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from ketapath.api.work import WorkDep
from ketapath.config import Settings
from ketapath.db.repositories.users import UserRepository
from ketapath.http import SESSION_COOKIE, log_in, set_session_cookie
from ketapath.schemas.auth import LoginRequest, TokenRead, UserRead
from ketapath.services import auth as auth_service

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=TokenRead)
async def login(request: Request, response: Response, data: LoginRequest) -> TokenRead:
    """Log in. ``kind=session`` also sets an HttpOnly cookie; send the CSRF token as X-CSRF-Token.

    The password check (argon2) holds up no other request (:func:`~ketapath.http.log_in`).
    """
    settings: Settings = request.app.state.settings
    lifetime = (
        timedelta(hours=settings.session_hours)
        if data.kind == "session"
        else timedelta(days=settings.api_token_days)
    )
    issued = await log_in(
        request,
        email=data.email,
        password=data.password,
        kind=data.kind,
        lifetime=lifetime,
    )
    if data.kind == "session":
        set_session_cookie(response, issued, secure=settings.cookie_secure)
    return TokenRead(
        token=issued.token,
        csrf_token=issued.csrf_token,
        expires_in_s=issued.expires_in_s,
        user=UserRead.model_validate(issued.user),
    )


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(work: WorkDep, response: Response) -> None:
    """Revoke the token in use and clear the cookie."""

    def run(session: Session, authenticated: auth_service.Authenticated) -> None:
        auth_service.logout(session, authenticated=authenticated)

    await work.as_caller(run)
    # Once committed, not inside the write: a write may run twice (``http._run_writes``)
    response.delete_cookie(SESSION_COOKIE, path="/")


@router.get("/me", response_model=UserRead)
async def me(work: WorkDep) -> UserRead:
    """The logged-in user."""

    def run(session: Session, authenticated: auth_service.Authenticated) -> UserRead:
        user = UserRepository(session).get(authenticated.actor.user_id)
        assert user is not None
        return UserRead.model_validate(user)

    return await work.as_caller(run)
