"""`ketapath dose`: offline dose calculators (IV ketamine by weight; esketamine by history).

Contract (external programs call it): JSON on stdout; bad input or a forbidden dose is one
``error: ...`` line on stderr with exit code 2.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated

import typer

from ketapath.cli.output import emit_json, fail, reports_clinical_errors
from ketapath.core.dosing import esketamine_dose, iv_dose
from ketapath.core.findings import Finding

__all__ = ["dose_app", "register"]

dose_app = typer.Typer(
    name="dose", help="Dose calculators (offline).", no_args_is_help=True
)


def _finding_json(finding: Finding) -> dict[str, object]:
    return {
        "rule_id": finding.rule_id,
        "rule_version": finding.rule_version,
        "severity": finding.severity.value,
        "message": finding.message,
        "sources": finding.source_labels(),
        "details": finding.details,
    }


def _decimal(value: str | None, name: str) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(value.strip())
    except InvalidOperation:
        fail(f"{name}: {value!r} is not a number")
    if not number.is_finite():
        fail(f"{name}: {value!r} is not a finite number")
    return number


def _required_decimal(value: str, name: str) -> Decimal:
    number = _decimal(value, name)
    if number is None:
        fail(f"{name} is required")
    return number


def _doses(value: str | None) -> list[int]:
    if value is None or not value.strip():
        return []
    doses: list[int] = []
    for index, part in enumerate(value.split(",")):
        text = part.strip()
        if not text.isdigit():
            fail(
                f"previous_doses_mg[{index}]: {text!r} is not a whole number of mg (allowed: 28, 56 or 84)"
            )
        doses.append(int(text))
    return doses


@dose_app.command("iv")
@reports_clinical_errors
def iv(
    weight_kg: Annotated[
        str, typer.Option("--weight-kg", help="Actual body weight in kg.")
    ],
    height_cm: Annotated[
        str | None,
        typer.Option("--height-cm", help="Height in cm (ideal/adjusted weight)."),
    ] = None,
    sex: Annotated[
        str | None,
        typer.Option("--sex", help="female or male (ideal/adjusted weight)."),
    ] = None,
    mg_per_kg: Annotated[
        str | None, typer.Option("--mg-per-kg", help="Dose in mg/kg (default 0.5).")
    ] = None,
    minutes: Annotated[
        int | None, typer.Option("--minutes", help="Infusion minutes (default 40).")
    ] = None,
    weight_basis: Annotated[
        str | None, typer.Option("--weight-basis", help="actual, ideal or adjusted.")
    ] = None,
    concentration_mg_per_ml: Annotated[
        str | None,
        typer.Option(
            "--concentration-mg-per-ml", help="Concentration for a rate in mL/h."
        ),
    ] = None,
    bag_volume_ml: Annotated[
        str | None,
        typer.Option(
            "--bag-volume-ml",
            help="Whole dose diluted in this volume (mL) for a rate in mL/h.",
        ),
    ] = None,
) -> None:
    """IV racemic ketamine: dose by weight and infusion rate."""
    result = iv_dose(
        weight_kg=_required_decimal(weight_kg, "weight_kg"),
        mg_per_kg=_decimal(mg_per_kg, "mg_per_kg"),
        minutes=minutes,
        weight_basis=weight_basis,
        height_cm=_decimal(height_cm, "height_cm"),
        sex=sex,
        concentration_mg_per_ml=_decimal(
            concentration_mg_per_ml, "concentration_mg_per_ml"
        ),
        bag_volume_ml=_decimal(bag_volume_ml, "bag_volume_ml"),
    )
    emit_json(
        {
            "dose_mg": result.dose_mg,
            "dosing_weight_kg": result.dosing_weight_kg,
            "weight_basis": result.weight_basis,
            "minutes": result.minutes,
            "rate_mg_per_min": result.rate_mg_per_min,
            "rate_ml_per_h": result.rate_ml_per_h,
            "mg_per_kg": result.mg_per_kg,
            "volume_ml": result.volume_ml,
            "findings": [_finding_json(f) for f in result.findings],
        }
    )


@dose_app.command("esketamine")
@reports_clinical_errors
def esketamine(
    age_years: Annotated[int, typer.Option("--age-years", help="Age in whole years.")],
    previous_doses_mg: Annotated[
        str | None,
        typer.Option(
            "--previous-doses-mg",
            help="Earlier doses in this course, oldest first: 56,56,84.",
        ),
    ] = None,
    indication: Annotated[
        str, typer.Option("--indication", help="trd or mdsi.")
    ] = "trd",
    requested_mg: Annotated[
        int | None, typer.Option("--requested-mg", help="Dose to check (28, 56 or 84).")
    ] = None,
    ruleset: Annotated[
        str, typer.Option("--ruleset", help="us (default) or eu-au.")
    ] = "us",
) -> None:
    """Esketamine nasal spray: the session dose in 28 mg devices."""
    result = esketamine_dose(
        age_years=age_years,
        previous_doses_mg=_doses(previous_doses_mg),
        indication=indication,
        requested_mg=requested_mg,
        ruleset=ruleset,
    )
    emit_json(
        {
            "dose_mg": result.dose_mg,
            "devices": result.devices,
            "rest_between_devices_min": result.rest_between_devices_min,
            "indication": result.indication,
            "ruleset": result.ruleset,
            "findings": [_finding_json(f) for f in result.findings],
        }
    )


def register(app: typer.Typer) -> None:
    """Attach ``ketapath dose`` to the root app."""
    app.add_typer(dose_app, name="dose")
