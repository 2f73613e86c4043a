"""`ketapath demo`: a guided tour of the offline calculators on a worked example.

Each step runs the real CLI verb (the same contract external programs use) and shows its
JSON, so the tour doubles as living documentation of the calculators.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
from importlib.resources import as_file, files

import typer
from rich.panel import Panel
from rich.syntax import Syntax

from ketapath.cli.console import console

EXAMPLE_PROFILE = files("ketapath.cli") / "examples" / "profile.json"


def _steps(profile_path: str) -> list[tuple[str, list[str]]]:
    return [
        (
            "PHQ-9, the PHQ manual's worked example (total 16)",
            ["score", "phq9", "1", "1", "1", "2", "2", "3", "3", "3", "0"],
        ),
        (
            "C-SSRS screener: ideation with method, no behaviour",
            ["score", "cssrs", "1", "1", "1", "0", "0", "0", "0"],
        ),
        (
            "TRD, staging and route eligibility for the example profile",
            ["assess", profile_path],
        ),
        (
            "IV ketamine 0.5 mg/kg over 40 min, 72 kg, 10 mg/mL",
            ["dose", "iv", "--weight-kg", "72", "--concentration-mg-per-ml", "10"],
        ),
        (
            "Esketamine after two 56 mg sessions, 84 mg requested",
            [
                "dose",
                "esketamine",
                "--age-years",
                "47",
                "--previous-doses-mg",
                "56,56",
                "--requested-mg",
                "84",
            ],
        ),
        (
            "Esketamine TRD plan, Mondays and Thursdays",
            [
                "plan",
                "esketamine_trd",
                "--start",
                "2026-12-07",
                "--weekdays",
                "mon,thu",
            ],
        ),
        (
            "MADRS 34 → 11: response and remission",
            ["outcome", "madrs", "--baseline", "34", "--current", "11"],
        ),
    ]


def register(app: typer.Typer) -> None:
    """Attach `demo` to the root app."""

    @app.command("demo")
    def demo_command() -> None:
        """Run each calculator on a worked example and show its JSON."""
        with as_file(EXAMPLE_PROFILE) as profile_path:
            for title, args in _steps(str(profile_path)):
                shown = " ".join(
                    a if a != str(profile_path) else "examples/profile.json"
                    for a in args
                )
                result = subprocess.run(
                    [sys.executable, "-m", "ketapath", *args],
                    capture_output=True,
                    text=True,
                    check=False,
                )
                body = result.stdout.strip() or result.stderr.strip()
                with contextlib.suppress(json.JSONDecodeError):
                    body = json.dumps(json.loads(body), indent=2, ensure_ascii=False)
                console.print(
                    Panel(
                        Syntax(body, "json", word_wrap=True),
                        title=f"[bold]{title}[/]",
                        subtitle=f"ketapath {shown}",
                    )
                )
