"""`ketapath outcome`: the JSON contract and the one-line error contract (exit 2)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketapath.cli import app

runner = CliRunner()
KETAPATH = Path(sys.executable).with_name("ketapath")
CONTRACT_KEYS = {
    "change",
    "percent_change",
    "response",
    "remission",
    "remission_definition",
}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["outcome", *args])
    return result.exit_code, result.stdout, result.stderr


class TestOutcomeCommand:
    def test_phq9_20_to_10_is_response_not_remission(self):
        code, out, _ = run("phq9", "--baseline", "20", "--current", "10")
        assert code == 0
        payload = json.loads(out)
        assert payload.keys() >= CONTRACT_KEYS
        assert payload["change"] == -10
        assert payload["percent_change"] == -50
        assert payload["response"] is True
        assert payload["remission"] is False
        assert payload["remission_definition"] == "phq9-lt5"

    def test_madrs_default_and_alternative_remission(self):
        _, out, _ = run("madrs", "--baseline", "34", "--current", "11")
        assert json.loads(out)["remission"] is True
        _, out, _ = run(
            "madrs",
            "--baseline",
            "34",
            "--current",
            "11",
            "--remission-definition",
            "madrs-le10",
        )
        payload = json.loads(out)
        assert (payload["remission"], payload["remission_definition"]) == (
            False,
            "madrs-le10",
        )

    def test_baseline_zero_gives_null_percent_and_response(self):
        _, out, _ = run("phq9", "--baseline", "0", "--current", "0")
        payload = json.loads(out)
        assert payload["percent_change"] is None
        assert payload["response"] is None

    def test_gad7_remission_is_null_without_a_clinic_cutoff(self):
        _, out, _ = run("gad7", "--baseline", "15", "--current", "3")
        payload = json.loads(out)
        assert (payload["remission"], payload["remission_definition"]) == (None, None)
        _, out, _ = run(
            "gad7", "--baseline", "15", "--current", "3", "--remission-cutoff", "4"
        )
        assert json.loads(out)["remission"] is True

    def test_non_integral_percent_is_a_number(self):
        _, out, _ = run("madrs", "--baseline", "59", "--current", "30")
        payload = json.loads(out)
        assert payload["percent_change"] == -49.2
        assert payload["response"] is False


class TestOutcomeCommandErrors:
    @pytest.mark.parametrize(
        ("args", "field", "allowed"),
        [
            (("phq9", "--baseline", "28", "--current", "3"), "baseline", "0–27"),
            (("madrs", "--baseline", "30", "--current", "61"), "current", "0–60"),
            (("hamd17", "--baseline", "30", "--current", "-1"), "current", "0–52"),
            (("cssrs", "--baseline", "1", "--current", "0"), "instrument", "phq9"),
            (
                (
                    "phq9",
                    "--baseline",
                    "20",
                    "--current",
                    "3",
                    "--remission-definition",
                    "x",
                ),
                "remission_definition",
                "phq9-lt5",
            ),
            (
                (
                    "gad7",
                    "--baseline",
                    "20",
                    "--current",
                    "3",
                    "--remission-cutoff",
                    "30",
                ),
                "remission_cutoff",
                "0–21",
            ),
        ],
    )
    def test_bad_input_is_one_error_line_naming_field_and_allowed(
        self, args, field, allowed
    ):
        code, out, err = run(*args)
        assert code == 2
        assert out == ""
        lines = err.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith(f"error: {field}:")
        assert allowed in lines[0]

    def test_installed_entry_point_non_number_is_one_line_exit_2(self):
        proc = subprocess.run(
            [str(KETAPATH), "outcome", "phq9", "--baseline", "ten", "--current", "3"],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1
        assert proc.stderr.startswith("error:")
