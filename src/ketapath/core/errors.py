"""Errors raised by the clinical core.

The tree::

    ClinicalError                     base of every core error (the shell maps it to HTTP 422)
    ├── InvalidInputError             a value is missing or outside its allowed range
    │   ├── IncompleteResponsesError  an instrument item was not answered
    │   └── ResponseOutOfRangeError   an instrument item answer is outside the item's range
    ├── UnknownNameError              an instrument, rule set, protocol or drug name is unknown
    └── RuleViolationError            the request is well formed but a clinical rule forbids it
        └── DoseNotAllowedError       a dose request breaks a dosing rule

Every error carries ``field`` (what was wrong, in dotted form) and, where one exists,
``allowed`` (the allowed range or values in words), so that every client can name the problem.
"""

from __future__ import annotations

__all__ = [
    "ClinicalError",
    "DoseNotAllowedError",
    "IncompleteResponsesError",
    "InvalidInputError",
    "ResponseOutOfRangeError",
    "RuleViolationError",
    "UnknownNameError",
]


class ClinicalError(Exception):
    """Base class for all errors raised by :mod:`ketapath.core`."""

    def __init__(
        self, message: str, *, field: str | None = None, allowed: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.allowed = allowed

    def __str__(self) -> str:
        return self.message


class InvalidInputError(ClinicalError):
    """A value is missing or outside its allowed range."""


class IncompleteResponsesError(InvalidInputError):
    """An instrument item was not answered; missing is never counted as zero."""


class ResponseOutOfRangeError(InvalidInputError):
    """An instrument item answer is outside the item's allowed range."""


class UnknownNameError(ClinicalError):
    """A name (instrument, rule set, protocol, drug, route) is not known."""


class RuleViolationError(ClinicalError):
    """The request is well formed but a clinical rule forbids it; ``rule_id`` names the rule."""

    def __init__(
        self,
        message: str,
        *,
        rule_id: str,
        field: str | None = None,
        allowed: str | None = None,
    ) -> None:
        super().__init__(message, field=field, allowed=allowed)
        self.rule_id = rule_id


class DoseNotAllowedError(RuleViolationError):
    """A dose request breaks a dosing rule (for example 84 mg esketamine on day 1)."""
