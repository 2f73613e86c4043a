"""Parse HTML forms into the same pydantic schemas the API uses, with errors per field.

Validation exists once (in `schemas`); a form re-renders with each message beside its field
and nothing is written.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ketapath.core.errors import ClinicalError
from ketapath.services.errors import ServiceError

__all__ = ["FormErrors", "error_for", "form_values", "parse_form"]

M = TypeVar("M", bound=BaseModel)
FormErrors = dict[str, str]


def form_values(
    form: Mapping[str, Any],
    *,
    lists: Iterable[str] = (),
    drop: Iterable[str] = ("csrf_token",),
) -> dict[str, Any]:
    """Form fields as a dict: blank inputs are missing (never zero), ``lists`` keep every value."""
    multi = getattr(form, "getlist", None)
    values: dict[str, Any] = {}
    for key in form:
        if key in drop:
            continue
        if key in lists and multi is not None:
            values[key] = [
                v for v in multi(key) if isinstance(v, str) and v.strip() != ""
            ]
            continue
        value = form[key]
        if isinstance(value, str):
            value = value.strip()
            if value == "":
                continue
        values[key] = value
    return values


def parse_form(schema: type[M], data: Mapping[str, Any]) -> tuple[M | None, FormErrors]:
    """Validate ``data`` against ``schema``; on failure return messages keyed by field name."""
    try:
        return schema.model_validate(data), {}
    except ValidationError as error:
        errors: FormErrors = {}
        for item in error.errors():
            loc = [str(part) for part in item.get("loc", ())]
            field = ".".join(loc) if loc else "__all__"
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            errors.setdefault(field, message)
        return None, errors


def error_for(error: ServiceError | ClinicalError) -> FormErrors:
    """A service or core error as a form error on its field (or the whole form)."""
    field = getattr(error, "field", None) or "__all__"
    message = error.message
    allowed = getattr(error, "allowed", None)
    if allowed and allowed not in message:
        message = f"{message} (allowed: {allowed})"
    return {field: message}
