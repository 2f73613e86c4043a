"""`ketapath outcome`: change, response and remission from baseline, offline.

Contract: ``ketapath outcome INSTRUMENT --baseline N --current N`` prints ``{"instrument",
"baseline", "current", "change", "percent_change", "response", "remission",
"remission_definition", "findings"}``. ``--remission-definition`` picks another published
definition (e.g. ``madrs-le10``); ``--remission-cutoff N`` sets a clinic cut-off (remission
when the total is at most N). Bad input exits 2 with one ``error: ...`` line.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ketapath.cli.output import emit_json, reports_clinical_errors
from ketapath.core.outcomes import (
    OUTCOME_INSTRUMENTS,
    REMISSION_DEFINITIONS,
    assess_outcome,
)

__all__ = ["outcome", "register"]


@reports_clinical_errors
def outcome(
    instrument: Annotated[
        str, typer.Argument(help=f"One of: {', '.join(OUTCOME_INSTRUMENTS)}.")
    ],
    baseline: Annotated[int, typer.Option("--baseline", help="Baseline total score.")],
    current: Annotated[int, typer.Option("--current", help="Current total score.")],
    remission_definition: Annotated[
        str | None,
        typer.Option(
            "--remission-definition",
            help=f"One of: {', '.join(REMISSION_DEFINITIONS)} (default per instrument).",
        ),
    ] = None,
    remission_cutoff: Annotated[
        int | None,
        typer.Option(
            "--remission-cutoff", help="Clinic cut-off: remission when total <= N."
        ),
    ] = None,
) -> None:
    """Compare a current score with baseline: change, percent change, response, remission."""
    result = assess_outcome(
        instrument,
        baseline=baseline,
        current=current,
        definition=remission_definition,
        custom_max_total=remission_cutoff,
    )
    emit_json(
        {
            "instrument": result.instrument,
            "baseline": result.baseline,
            "current": result.current,
            "change": result.change,
            "percent_change": result.percent_change,
            "response": result.response,
            "remission": result.remission,
            "remission_definition": result.remission_definition,
            "findings": [
                {
                    "rule_id": finding.rule_id,
                    "rule_version": finding.rule_version,
                    "severity": finding.severity.value,
                    "message": finding.message,
                }
                for finding in result.findings
            ],
        }
    )


def register(app: typer.Typer) -> None:
    """Attach ``outcome`` to the root app."""
    app.command("outcome")(outcome)
