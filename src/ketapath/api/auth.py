"""/api/v1/auth: log in (cookie or bearer token), log out, who am I."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session

from ketapath.api.work import PublicWorkDep, WorkDep
from ketapath.config import Settings
from ketapath.db.repositories.users import UserRepository
from ketapath.http import SESSION_COOKIE, client_address
from ketapath.schemas.auth import LoginRequest, TokenRead, UserRead
from ketapath.services import auth as auth_service

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/login", response_model=TokenRead)
async def login(
    work: PublicWorkDep, request: Request, response: Response, data: LoginRequest
) -> TokenRead:
    """Log in. ``kind=session`` also sets an HttpOnly cookie; send the CSRF token as X-CSRF-Token.

    The password check (argon2, tens of milliseconds) runs on a read snapshot in a thread,
    holding up no writer; the token is then issued in a short write.
    """
    checked = await work.read(
        lambda session: auth_service.check_password(
            session, email=data.email, password=data.password
        )
    )

    def run(session: Session) -> TokenRead:
        settings: Settings = request.app.state.settings
        lifetime = (
            timedelta(hours=settings.session_hours)
            if data.kind == "session"
            else timedelta(days=settings.api_token_days)
        )
        issued = auth_service.issue_login(
            session,
            checked=checked,
            kind=data.kind,
            lifetime=lifetime,
            client_address=client_address(request),
        )
        if data.kind == "session":
            response.set_cookie(
                SESSION_COOKIE,
                issued.token,
                max_age=issued.expires_in_s,
                httponly=True,
                secure=settings.cookie_secure,
                samesite="lax",
                path="/",
            )
        return TokenRead(
            token=issued.token,
            csrf_token=issued.csrf_token,
            expires_in_s=issued.expires_in_s,
            user=UserRead.model_validate(issued.user),
        )

    return await work.run(run)


@router.post("/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(work: WorkDep, response: Response) -> None:
    """Revoke the token in use and clear the cookie."""

    def run(session: Session, authenticated: auth_service.Authenticated) -> None:
        auth_service.logout(session, authenticated=authenticated)
        response.delete_cookie(SESSION_COOKIE, path="/")

    return await work.as_caller(run)


@router.get("/me", response_model=UserRead)
async def me(work: WorkDep) -> UserRead:
    """The logged-in user."""

    def run(session: Session, authenticated: auth_service.Authenticated) -> UserRead:
        user = UserRepository(session).get(authenticated.actor.user_id)
        assert user is not None
        return UserRead.model_validate(user)

    return await work.as_caller(run)
