"""`ketapath score`: the JSON contract and the one-line error contract (exit 2)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketapath.cli import app

runner = CliRunner()
KETAPATH = Path(sys.executable).with_name("ketapath")
CONTRACT_KEYS = {"instrument", "total", "severity", "flags", "risk"}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["score", *args])
    return result.exit_code, result.stdout, result.stderr


class TestScoreCommand:
    def test_phq_manual_worked_example_prints_16_moderately_severe(self):
        code, out, _ = run("phq9", "1", "1", "1", "2", "2", "3", "3", "3", "0")
        assert code == 0
        payload = json.loads(out)
        assert payload.keys() >= CONTRACT_KEYS
        assert payload["instrument"] == "phq9"
        assert payload["total"] == 16
        assert payload["severity"] == "moderately_severe"
        assert payload["flags"] == []
        assert payload["risk"] is None
        assert payload["rule"] == {"id": "PHQ9-SCORE", "version": "1"}

    def test_output_is_exactly_one_json_line(self):
        _, out, _ = run("gad7", "0", "0", "0", "0", "0", "0", "0")
        assert len(out.strip().splitlines()) == 1

    def test_phq9_item9_positive_reports_flag_and_finding(self):
        code, out, _ = run("phq9", "0", "0", "0", "0", "0", "0", "0", "0", "1")
        payload = json.loads(out)
        assert code == 0
        assert payload["flags"] == ["suicidal_ideation"]
        assert payload["findings"][0]["rule"] == "PHQ9-ITEM9"

    def test_cssrs_takes_seven_answers_and_reports_risk(self):
        code, out, _ = run("cssrs", "1", "1", "1", "1", "0", "0", "0")
        payload = json.loads(out)
        assert code == 0
        assert (payload["total"], payload["severity"], payload["risk"]) == (
            None,
            None,
            "high",
        )
        assert payload["flags"] == ["suicidal_ideation"]

    def test_cssrs_inconsistent_answers_are_kept_and_flagged(self):
        _, out, _ = run("cssrs", "0", "0", "0", "0", "0", "0", "1")
        payload = json.loads(out)
        assert payload["risk"] == "high"
        assert "inconsistent_skip_logic" in payload["flags"]

    def test_moaas_zero_reports_loss_of_consciousness(self):
        _, out, _ = run("moaas", "0")
        payload = json.loads(out)
        assert (payload["total"], payload["flags"]) == (0, ["loss_of_consciousness"])

    def test_responses_are_echoed_by_item_id(self):
        _, out, _ = run("bprs_positive", "1", "2", "3", "4")
        assert json.loads(out)["responses"] == {
            "bprs_positive_1": 1,
            "bprs_positive_2": 2,
            "bprs_positive_3": 3,
            "bprs_positive_4": 4,
        }


class TestScoreCommandErrors:
    @pytest.mark.parametrize(
        ("args", "expected"),
        [
            pytest.param(
                ("phq9", "0", "0", "0", "0", "0", "0", "0", "0", "4"),
                ("phq9_9", "0–3"),
                id="above-range",
            ),
            pytest.param(
                ("phq9", "0", "0", "0", "0", "0", "0", "0", "0", "-1"),
                ("phq9_9", "0–3"),
                id="negative",
            ),
            pytest.param(
                ("phq9", "-1", "0", "0", "0", "0", "0", "0", "0", "0"),
                ("phq9_1", "0–3"),
                id="negative-first",
            ),
            pytest.param(
                ("phq9", "0", "0", "x", "0", "0", "0", "0", "0", "0"),
                ("phq9_3", "0–3"),
                id="not-an-integer",
            ),
            pytest.param(
                ("phq9", "0", "0", "1.5", "0", "0", "0", "0", "0", "0"),
                ("phq9_3", "0–3"),
                id="decimal",
            ),
            pytest.param(("phq9", "0", "0"), ("9 or 10",), id="too-few"),
            pytest.param(("gad7", *["0"] * 8), ("expects 7",), id="too-many"),
            pytest.param(
                ("cssrs", "2", "0", "0", "0", "0", "0", "0"),
                ("cssrs_1", "0–1"),
                id="cssrs-not-yes-no",
            ),
            pytest.param(
                ("bprs_positive", "0", "1", "1", "1"),
                ("bprs_positive_1", "1–7"),
                id="bprs-zero",
            ),
            pytest.param(
                ("nonsense", "1"),
                ("phq9", "gad7", "cssrs", "bprs_positive"),
                id="unknown-instrument",
            ),
        ],
    )
    def test_bad_input_exits_2_with_one_line_naming_the_problem(self, args, expected):
        code, out, err = run(*args)
        assert code == 2
        assert out == ""
        lines = err.splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: ")
        for text in expected:
            assert text in lines[0]


@pytest.mark.skipif(
    not KETAPATH.exists(), reason="console script not installed in this environment"
)
class TestScoreConsoleScript:
    def test_installed_command_prints_the_contract_json(self):
        out = subprocess.run(
            [
                str(KETAPATH),
                "score",
                "phq9",
                "1",
                "1",
                "1",
                "2",
                "2",
                "3",
                "3",
                "3",
                "0",
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        payload = json.loads(out.stdout)
        assert (payload["total"], payload["severity"]) == (16, "moderately_severe")

    def test_installed_command_reports_a_negative_answer_on_one_stderr_line(self):
        out = subprocess.run(
            [
                str(KETAPATH),
                "score",
                "phq9",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "0",
                "-1",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 2
        assert out.stdout == ""
        assert out.stderr.count("\n") == 1
        assert out.stderr.startswith("error: phq9_9:")
        assert "0–3" in out.stderr

    def test_installed_command_rejects_unknown_instrument_with_exit_2(self):
        out = subprocess.run(
            [str(KETAPATH), "score", "phq10", "1"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 2
        assert "phq9" in out.stderr
