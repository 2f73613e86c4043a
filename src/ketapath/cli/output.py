"""Machine-readable output for the calculators: JSON on stdout, one-line errors on stderr."""

from __future__ import annotations

import dataclasses
import enum
import json
import sys
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from functools import wraps
from typing import NoReturn, ParamSpec, TypeVar

import typer

from ketapath.core.errors import ClinicalError, RuleViolationError

__all__ = [
    "EXIT_BAD_INPUT",
    "emit_json",
    "fail",
    "reports_clinical_errors",
    "to_jsonable",
]

EXIT_BAD_INPUT = 2

P = ParamSpec("P")
R = TypeVar("R")


def to_jsonable(value: object) -> object:
    """Convert core values (Decimal, dates, enums, dataclasses, tuples) to JSON types."""
    if isinstance(value, bool) or value is None or isinstance(value, str | int | float):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: to_jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_jsonable(v) for v in value]
    raise TypeError(f"cannot render {type(value).__name__} as JSON")


def emit_json(payload: object) -> None:
    """Write ``payload`` as one JSON document to stdout."""
    sys.stdout.write(json.dumps(to_jsonable(payload), ensure_ascii=False) + "\n")


def fail(message: str) -> NoReturn:
    """Write a one-line error to stderr and exit with :data:`EXIT_BAD_INPUT`."""
    one_line = " ".join(message.split())
    sys.stderr.write(f"error: {one_line}\n")
    raise typer.Exit(EXIT_BAD_INPUT)


def describe_error(error: ClinicalError) -> str:
    """Render a core error as one line that names the field, the rule and the allowed range."""
    parts = []
    if error.field:
        parts.append(f"{error.field}:")
    parts.append(error.message)
    if error.allowed and error.allowed not in error.message:
        parts.append(f"(allowed: {error.allowed})")
    if isinstance(error, RuleViolationError) and error.rule_id not in error.message:
        parts.append(f"[rule {error.rule_id}]")
    return " ".join(parts)


def reports_clinical_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn a :class:`ClinicalError` raised by a command into a one-line error and exit 2."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ClinicalError as error:
            fail(describe_error(error))

    return wrapper
