import json

import pytest
from typer.testing import CliRunner

from ketapath.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, ["dose", *args])


class TestDoseIv:
    def test_default_worked_example_json(self):
        result = run("iv", "--weight-kg", "70")
        assert result.exit_code == 0, result.stderr
        payload = json.loads(result.stdout)
        assert {
            k: payload[k]
            for k in (
                "dose_mg",
                "dosing_weight_kg",
                "weight_basis",
                "minutes",
                "rate_mg_per_min",
                "rate_ml_per_h",
            )
        } == {
            "dose_mg": 35,
            "dosing_weight_kg": 70,
            "weight_basis": "actual",
            "minutes": 40,
            "rate_mg_per_min": 0.875,
            "rate_ml_per_h": None,
        }

    def test_concentration_gives_ml_per_h(self):
        payload = json.loads(
            run("iv", "--weight-kg", "70", "--concentration-mg-per-ml", "1").stdout
        )
        assert payload["rate_ml_per_h"] == 52.5

    def test_adjusted_weight(self):
        payload = json.loads(
            run(
                "iv",
                "--weight-kg",
                "100",
                "--height-cm",
                "167.64",
                "--sex",
                "female",
                "--weight-basis",
                "adjusted",
            ).stdout
        )
        assert (
            payload["dosing_weight_kg"],
            payload["weight_basis"],
            payload["dose_mg"],
        ) == (75.6, "adjusted", 37.8)

    @pytest.mark.parametrize(
        ("args", "needle"),
        [
            (["--weight-kg", "70", "--mg-per-kg", "1.5"], "KET-DOSE-BOUNDS"),
            (["--weight-kg", "abc"], "weight_kg"),
            (["--weight-kg", "70", "--minutes", "500"], "minutes"),
            (
                ["--weight-kg", "70", "--weight-basis", "ideal", "--sex", "male"],
                "height_cm",
            ),
        ],
    )
    def test_bad_input_is_one_error_line_and_exit_2(self, args, needle):
        result = run("iv", *args)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: ")
        assert needle in lines[0]
        assert result.stdout == ""


class TestDoseEsketamine:
    def test_day_one_json(self):
        result = run("esketamine", "--age-years", "40")
        assert result.exit_code == 0, result.stderr
        payload = json.loads(result.stdout)
        assert (
            payload["dose_mg"],
            payload["devices"],
            payload["rest_between_devices_min"],
        ) == (56, 2, 5)

    def test_84_after_56(self):
        payload = json.loads(
            run(
                "esketamine",
                "--age-years",
                "40",
                "--previous-doses-mg",
                "56,56",
                "--requested-mg",
                "84",
            ).stdout
        )
        assert (payload["dose_mg"], payload["devices"]) == (84, 3)

    def test_eu_au_ruleset_at_70(self):
        payload = json.loads(
            run("esketamine", "--age-years", "70", "--ruleset", "eu-au").stdout
        )
        assert payload["dose_mg"] == 28

    def test_mdsi(self):
        payload = json.loads(
            run("esketamine", "--age-years", "40", "--indication", "mdsi").stdout
        )
        assert payload["dose_mg"] == 84

    @pytest.mark.parametrize(
        ("args", "needle"),
        [
            (["--age-years", "40", "--requested-mg", "84"], "ESK-DOSE-84-AFTER-56"),
            (
                [
                    "--age-years",
                    "40",
                    "--previous-doses-mg",
                    "56",
                    "--requested-mg",
                    "112",
                ],
                "ESK-DOSE-MAX-84",
            ),
            (
                ["--age-years", "40", "--previous-doses-mg", "56,x"],
                "previous_doses_mg[1]",
            ),
            (["--age-years", "40", "--indication", "ptsd"], "indication"),
        ],
    )
    def test_forbidden_or_bad_input_is_one_error_line_and_exit_2(self, args, needle):
        result = run("esketamine", *args)
        assert result.exit_code == 2
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1
        assert lines[0].startswith("error: ")
        assert needle in lines[0]


class TestDoseExecutable:
    def test_usage_error_through_the_installed_command_is_one_line(self):
        import subprocess
        import sys
        from pathlib import Path

        exe = Path(sys.executable).with_name("ketapath")
        out = subprocess.run(
            [str(exe), "dose", "iv", "--weight-kg", "70", "--minutes", "x"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert out.returncode == 2
        assert len(out.stderr.strip().splitlines()) == 1
        assert out.stderr.startswith("error: ")
