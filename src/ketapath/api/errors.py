"""Turn service and core errors into JSON; bad input is 4xx with the field named, never 500."""

from __future__ import annotations

import logging
from collections.abc import Callable

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import IntegrityError, OperationalError

from ketapath.core.errors import ClinicalError, RuleViolationError
from ketapath.services.errors import ServiceError

__all__ = ["install_error_handlers"]

log = logging.getLogger("ketapath.api")


def _field(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


HtmlErrorRenderer = Callable[[Request, int, str], Response]


def _wants_html(request: Request, html: HtmlErrorRenderer | None) -> bool:
    path = request.url.path
    return html is not None and not (
        path.startswith("/api/") or path in {"/openapi.json", "/healthz"}
    )


def install_error_handlers(
    app: FastAPI, *, html: HtmlErrorRenderer | None = None
) -> None:
    """Register the handlers; every error body has ``detail`` and, where known, ``field``.

    ``html`` renders the same errors as pages for the web UI (paths outside ``/api``).
    """

    @app.exception_handler(ServiceError)
    async def service_error(request: Request, error: ServiceError) -> Response:
        if html is not None and _wants_html(request, html):
            return html(request, error.status_code, error.message)
        body: dict[str, object] = {"detail": error.message}
        if error.field:
            body["field"] = error.field
        headers = {"WWW-Authenticate": "Bearer"} if error.status_code == 401 else None
        return JSONResponse(body, status_code=error.status_code, headers=headers)

    @app.exception_handler(ClinicalError)
    async def clinical_error(request: Request, error: ClinicalError) -> Response:
        if html is not None and _wants_html(request, html):
            return html(request, 422, error.message)
        body: dict[str, object] = {"detail": error.message}
        if error.field:
            body["field"] = error.field
        if error.allowed:
            body["allowed"] = error.allowed
        if isinstance(error, RuleViolationError):
            body["rule"] = error.rule_id
        return JSONResponse(body, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def validation_error(
        request: Request, error: RequestValidationError
    ) -> Response:
        errors = [
            {
                "field": _field(e.get("loc", ())),
                "message": e.get("msg", "invalid"),
                "type": e.get("type"),
            }
            for e in error.errors()
        ]
        summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        if html is not None and _wants_html(request, html):
            return html(request, 422, summary)
        return JSONResponse({"detail": summary, "errors": errors}, status_code=422)

    @app.exception_handler(OperationalError)
    async def database_busy(_request: Request, error: OperationalError) -> JSONResponse:
        # The database could not be reached or stayed locked past its timeout: a transient
        # condition the client may retry, never a 500 and never a partial write (rolled back).
        log.warning("database unavailable: %s", type(error.orig).__name__)
        return JSONResponse(
            {"detail": "the database is busy or unavailable; try again"},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, error: IntegrityError) -> JSONResponse:
        # A database constraint caught what validation missed: a conflict, never a 500.
        log.warning("integrity error: %s", type(error.orig).__name__)
        return JSONResponse(
            {"detail": "the change conflicts with a database constraint"},
            status_code=409,
        )
