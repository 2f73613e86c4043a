"""`ketapath plan`: plan the session dates of a protocol, offline.

Contract: ``ketapath plan PROTOCOL --start YYYY-MM-DD [--weekdays mon,thu] [--sessions N]``
prints ``{"protocol", "start", "weekdays", "sessions": [{"number", "date", "phase", "kind",
"dose_mg", "dose_mg_per_kg", "dose_options_mg", "chair_minutes"}], "findings": [...]}``.
Bad input exits 2 with one ``error: ...`` line naming the field and the allowed values.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated

import typer

from ketapath.cli.output import emit_json, fail, reports_clinical_errors
from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Finding
from ketapath.core.protocols import (
    PROTOCOL_KEYS,
    ProtocolSettings,
    SessionPlan,
    format_weekdays,
    parse_weekdays,
    plan_sessions,
)

__all__ = ["parse_start", "plan", "plan_payload", "register"]

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_SESSION_SETTINGS = {
    "iv_induction": ("iv_infusions", "4–8"),
    "kap": ("kap_dosing_sessions", "1–12"),
}


def parse_start(text: str) -> date:
    """Parse ``--start`` as ``YYYY-MM-DD`` or exit 2 naming the field."""
    try:
        if not _ISO_DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        fail(f"start: {text!r} is not a date (allowed: a calendar date as YYYY-MM-DD)")


def _settings(protocol: str, sessions: int | None) -> ProtocolSettings:
    """Return the planning settings for ``--sessions`` or exit 2 naming the field."""
    if sessions is None:
        return ProtocolSettings()
    setting = _SESSION_SETTINGS.get(protocol)
    if setting is None:
        fail(
            f"sessions: --sessions applies only to iv_induction (4–8 infusions) and kap "
            f"(1–12 dosing sessions), not {protocol!r}"
        )
    name, allowed = setting
    try:
        return ProtocolSettings(**{name: sessions})
    except InvalidInputError:
        fail(
            f"sessions: {sessions} is out of range for {protocol} (allowed: {allowed})"
        )


def _finding_payload(finding: Finding) -> dict[str, object]:
    """Return the JSON view of a finding."""
    return {
        "rule_id": finding.rule_id,
        "rule_version": finding.rule_version,
        "severity": finding.severity.value,
        "message": finding.message,
        "sources": finding.source_labels(),
    }


def plan_payload(plan: SessionPlan, start: date) -> dict[str, object]:
    """Return the JSON payload of a plan (the CLI contract)."""
    return {
        "protocol": plan.protocol,
        "start": start,
        "weekdays": format_weekdays(plan.weekdays),
        "sessions": [
            {
                "number": session.number,
                "date": session.date,
                "phase": session.phase,
                "kind": session.kind,
                "dose_mg": session.dose_mg,
                "dose_mg_per_kg": session.dose_mg_per_kg,
                "dose_options_mg": list(session.dose_options_mg),
                "chair_minutes": session.chair_minutes,
            }
            for session in plan.sessions
        ],
        "findings": [_finding_payload(finding) for finding in plan.findings],
    }


@reports_clinical_errors
def plan(
    protocol: Annotated[
        str, typer.Argument(help=f"One of: {', '.join(PROTOCOL_KEYS)}.")
    ],
    start: Annotated[
        str, typer.Option("--start", help="Earliest first-session date, YYYY-MM-DD.")
    ],
    weekdays: Annotated[
        str | None,
        typer.Option(
            "--weekdays", help="Allowed weekdays, e.g. mon,thu (default per protocol)."
        ),
    ] = None,
    sessions: Annotated[
        int | None,
        typer.Option(
            "--sessions",
            help="iv_induction: infusions (4–8, default 6); kap: dosing sessions.",
        ),
    ] = None,
) -> None:
    """Plan a protocol's session dates from a start date on the clinic's weekdays."""
    start_date = parse_start(start)
    allowed = None if weekdays is None else parse_weekdays(weekdays)
    settings = (
        _settings(protocol, sessions)
        if protocol in PROTOCOL_KEYS
        else ProtocolSettings()
    )
    result = plan_sessions(
        protocol, start=start_date, weekdays=allowed, settings=settings
    )
    emit_json(plan_payload(result, start_date))


def register(app: typer.Typer) -> None:
    """Attach ``plan`` to the root app."""
    app.command("plan")(plan)
