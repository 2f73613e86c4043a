"""`ketapath assess PROFILE.json` and `ketapath schema profile`: TRD, staging and route eligibility.

``assess`` reads a patient profile (JSON matching ``ketapath schema profile``), runs the TRD
rule set, MSM and Thase–Rush staging and route eligibility offline, and prints one JSON
document. Bad input exits with code 2 and one ``error: ...`` line naming the field.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer
from pydantic import ValidationError

from ketapath.cli.output import emit_json, fail, reports_clinical_errors, to_jsonable
from ketapath.core.eligibility import (
    DEFAULT_JURISDICTION,
    evaluate_routes,
)
from ketapath.core.trd import (
    DEFAULT_RULESET,
    assess_trd,
    stage_profile,
)
from ketapath.schemas.assessment import render_assessment
from ketapath.schemas.profile import PatientProfileIn

__all__ = ["register", "schema_app"]

schema_app = typer.Typer(
    name="schema",
    help="Print the JSON Schema of an input document.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


def _load_profile(path: Path) -> PatientProfileIn:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        fail(f"{path}: file not found")
    except OSError as error:
        fail(f"{path}: cannot read ({error.strerror})")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        fail(
            f"{path}: invalid JSON at line {error.lineno} column {error.colno}: {error.msg}"
        )
    try:
        return PatientProfileIn.model_validate(data)
    except ValidationError as error:
        fail("; ".join(_describe(e) for e in error.errors()))


def _describe(error: Any) -> str:
    location = ".".join(str(part) for part in error["loc"]) or "profile"
    message = str(error["msg"])
    expected = error.get("ctx", {}).get("expected")
    if expected is not None and str(expected) not in message:
        message += f" (allowed: {expected})"
    return f"{location}: {message}"


@reports_clinical_errors
def assess(
    profile: Path = typer.Argument(
        ..., help="Patient profile JSON (see `ketapath schema profile`)."
    ),
    ruleset: str = typer.Option(
        DEFAULT_RULESET, help="TRD rule set: seed or eu-pearl-2022."
    ),
    jurisdiction: str = typer.Option(
        DEFAULT_JURISDICTION, help="Eligibility rules: us or eu-au."
    ),
) -> None:
    """Assess TRD, stage it (MSM, Thase–Rush) and check eligibility for each route."""
    core_profile = _load_profile(profile).to_core()
    trd = assess_trd(core_profile, ruleset=ruleset)
    staging = stage_profile(core_profile, assessment=trd)
    routes = evaluate_routes(core_profile, jurisdiction=jurisdiction)
    emit_json(
        render_assessment(
            trd=trd, staging=staging, routes=routes, jurisdiction=jurisdiction
        )
    )


@schema_app.command("profile")
def schema_profile() -> None:
    """Print the JSON Schema of the patient profile that `ketapath assess` reads."""
    emit_json(to_jsonable(PatientProfileIn.model_json_schema()))


def register(app: typer.Typer) -> None:
    """Attach `assess` and the `schema` group to the root app."""
    app.command("assess")(assess)
    app.add_typer(schema_app, name="schema")
