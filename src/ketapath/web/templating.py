"""Jinja2 environment: templates, filters for clinic-local times, and the role navigation."""

from __future__ import annotations

from datetime import UTC, datetime
from importlib.resources import files
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.templating import Jinja2Templates
from starlette.responses import Response

from ketapath.db.models import Role

__all__ = ["NAV", "render", "templates"]

templates = Jinja2Templates(directory=str(files("ketapath.web") / "templates"))
templates.env.globals["Role"] = Role

# Navigation by role: (label, path, roles that see it).
NAV: tuple[tuple[str, str, frozenset[Role]], ...] = (
    (
        "Board",
        "/board",
        frozenset({Role.NURSE, Role.PRESCRIBER, Role.FRONT_DESK, Role.ADMIN}),
    ),
    (
        "Patients",
        "/patients",
        frozenset(
            {Role.NURSE, Role.PRESCRIBER, Role.THERAPIST, Role.FRONT_DESK, Role.ADMIN}
        ),
    ),
    ("Alerts", "/alerts", frozenset({Role.NURSE, Role.PRESCRIBER, Role.THERAPIST})),
    (
        "Controlled substances",
        "/ledger",
        frozenset({Role.ADMIN, Role.PRESCRIBER, Role.NURSE}),
    ),
    ("REMS", "/rems", frozenset({Role.NURSE, Role.PRESCRIBER})),
    (
        "Reports",
        "/reports",
        frozenset({Role.NURSE, Role.PRESCRIBER, Role.FRONT_DESK, Role.ADMIN}),
    ),
    ("My care", "/portal", frozenset({Role.PATIENT})),
)


def _local(
    value: datetime | None, zone: str = "UTC", fmt: str = "%d %b %Y %H:%M"
) -> str:
    """A UTC timestamp shown in the clinic's time zone."""
    if value is None:
        return "—"
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo(zone)).strftime(fmt)


templates.env.filters["local"] = _local


def render(
    request: Request,
    name: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    """Render a template with the signed-in user, their navigation and the CSRF token."""
    web = getattr(request.state, "web", None)
    actor = web.actor if web is not None else None
    context = dict(context or {})
    context.setdefault("actor", actor)
    context.setdefault("csrf_token", web.csrf_token if web is not None else "")
    context.setdefault("clinic_timezone", web.timezone if web is not None else "UTC")
    context.setdefault(
        "nav",
        [
            (label, path)
            for label, path, roles in NAV
            if actor is not None and actor.role in roles
        ],
    )
    context.setdefault("now", datetime.now(UTC))
    return templates.TemplateResponse(
        request, name, context, status_code=status_code, headers=headers
    )
