"""Service errors carry their HTTP status; one handler per entry point renders them."""

from __future__ import annotations

__all__ = [
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "ServiceError",
    "UnauthorizedError",
    "UnprocessableError",
]


class ServiceError(Exception):
    """Base of errors a use case raises on purpose. ``field`` names the input at fault."""

    status_code = 400

    def __init__(
        self, message: str, *, field: str | None = None, keep_writes: bool = False
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        # True where the transaction's writes must survive the error (a failed login's audit entry).
        self.keep_writes = keep_writes


class UnauthorizedError(ServiceError):
    """No valid login (401)."""

    status_code = 401


class ForbiddenError(ServiceError):
    """Logged in, but the role may not do this (403)."""

    status_code = 403


class NotFoundError(ServiceError):
    """No such record, or one the caller may not know exists (404)."""

    status_code = 404


class ConflictError(ServiceError):
    """The request conflicts with the record's state (409), e.g. discharging before the gate opens."""

    status_code = 409


class UnprocessableError(ServiceError):
    """Well-formed input that the rules reject (422)."""

    status_code = 422
