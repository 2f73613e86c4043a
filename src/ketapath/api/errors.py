"""Turn service and core errors into JSON; bad input is 4xx with the field named, never 500."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import DataError, IntegrityError, OperationalError

from ketapath.core.errors import ClinicalError, RuleViolationError
from ketapath.services.errors import ServiceError

__all__ = [
    "COMMON_RESPONSES",
    "ErrorBody",
    "describe_validation_errors",
    "install_error_handlers",
]

log = logging.getLogger("ketapath.api")


def _field(loc: tuple[object, ...] | list[object]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


class ErrorBody(BaseModel):
    """Every error answer: what went wrong in words, and where known the field and range."""

    detail: str
    field: str | None = None
    allowed: str | None = None
    rule: str | None = None


COMMON_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorBody, "description": "Not signed in (or the token expired)"},
    403: {
        "model": ErrorBody,
        "description": "The role may not do this, or the CSRF token is missing",
    },
    404: {"model": ErrorBody, "description": "No such record in the caller's reach"},
    409: {
        "model": ErrorBody,
        "description": "Conflicts with the record's state or a safety gate",
    },
    503: {"model": ErrorBody, "description": "The database is busy; retry"},
}


def describe_validation_errors(schema: dict[str, Any]) -> dict[str, Any]:
    """Make the OpenAPI 422 body match what the validation handler really sends."""
    components = schema.get("components", {}).get("schemas", {})
    if "HTTPValidationError" in components:
        components["FieldError"] = {
            "title": "FieldError",
            "type": "object",
            "required": ["field", "message"],
            "properties": {
                "field": {"type": "string"},
                "message": {"type": "string"},
                "type": {"type": ["string", "null"]},
            },
        }
        components["HTTPValidationError"] = {
            "title": "HTTPValidationError",
            "type": "object",
            "required": ["detail"],
            "properties": {
                "detail": {"type": "string"},
                "field": {"type": ["string", "null"]},
                "allowed": {"type": ["string", "null"]},
                "rule": {"type": ["string", "null"]},
                "errors": {
                    "type": "array",
                    "items": {"$ref": "#/components/schemas/FieldError"},
                },
            },
        }
        components.pop("ValidationError", None)
    return schema


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

    @app.exception_handler(DataError)
    async def data_error(request: Request, error: DataError) -> Response:
        # The database refused a value the schemas let through (e.g. a NUL character in a
        # query string on PostgreSQL): bad input, so 422, and the transaction is rolled back.
        log.warning("data error: %s", type(error.orig).__name__)
        message = "a value contains characters or a size the database cannot store"
        if html is not None and _wants_html(request, html):
            return html(request, 422, message)
        return JSONResponse({"detail": message}, status_code=422)

    @app.exception_handler(IntegrityError)
    async def integrity_error(_request: Request, error: IntegrityError) -> JSONResponse:
        # A database constraint caught what validation missed: a conflict, never a 500.
        log.warning("integrity error: %s", type(error.orig).__name__)
        return JSONResponse(
            {"detail": "the change conflicts with a database constraint"},
            status_code=409,
        )
