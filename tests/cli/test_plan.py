"""`ketapath plan`: the JSON contract and the one-line error contract (exit 2)."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from ketapath.cli import app

runner = CliRunner()
KETAPATH = Path(sys.executable).with_name("ketapath")
SESSION_KEYS = {"number", "date", "phase", "kind"}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, ["plan", *args])
    return result.exit_code, result.stdout, result.stderr


class TestPlanCommand:
    def test_esketamine_trd_mon_thu_from_2026_01_05(self):
        code, out, _ = run(
            "esketamine_trd", "--start", "2026-01-05", "--weekdays", "mon,thu"
        )
        assert code == 0
        payload = json.loads(out)
        assert payload["protocol"] == "esketamine_trd"
        sessions = payload["sessions"]
        assert all(session.keys() >= SESSION_KEYS for session in sessions)
        assert [s["date"] for s in sessions[:4]] == [
            "2026-01-05",
            "2026-01-08",
            "2026-01-12",
            "2026-01-15",
        ]
        assert [s["phase"] for s in sessions].count("induction") == 8
        assert [s["phase"] for s in sessions].count("weekly") == 4
        assert sessions[0]["dose_mg"] == 56
        assert sessions[0]["chair_minutes"] == 120
        assert sessions[-1] == {
            "number": 12,
            "date": "2026-02-23",
            "phase": "weekly",
            "kind": "esketamine",
            "dose_mg": None,
            "dose_mg_per_kg": None,
            "dose_options_mg": [56, 84],
            "chair_minutes": 120,
        }

    def test_output_is_exactly_one_json_line(self):
        _, out, _ = run("kap", "--start", "2026-01-05")
        assert len(out.strip().splitlines()) == 1

    @pytest.mark.parametrize(
        ("protocol", "count"),
        [("esketamine_mdsi", 8), ("iv_induction", 6), ("kap", 13)],
    )
    def test_every_protocol_plans_with_defaults(self, protocol, count):
        code, out, _ = run(protocol, "--start", "2026-01-05")
        assert code == 0
        assert len(json.loads(out)["sessions"]) == count

    def test_iv_sessions_option_sets_the_infusion_count(self):
        _, out, _ = run(
            "iv_induction",
            "--start",
            "2026-01-05",
            "--weekdays",
            "mon,wed,fri",
            "--sessions",
            "8",
        )
        sessions = json.loads(out)["sessions"]
        assert len(sessions) == 8
        assert sessions[0]["dose_mg_per_kg"] == 0.5
        assert sessions[0]["chair_minutes"] == 100

    def test_kap_sessions_option_sets_dosing_sessions(self):
        _, out, _ = run("kap", "--start", "2026-01-05", "--sessions", "3")
        kinds = [s["kind"] for s in json.loads(out)["sessions"]]
        assert kinds.count("dosing") == 3
        assert kinds.count("integration") == 3

    def test_findings_carry_rule_ids(self):
        _, out, _ = run("esketamine_trd", "--start", "2026-01-05")
        rule_ids = {f["rule_id"] for f in json.loads(out)["findings"]}
        assert {"PROT-ESK-TRD", "PROT-SPACING-01"} <= rule_ids


class TestPlanCommandErrors:
    @pytest.mark.parametrize(
        ("args", "field", "allowed"),
        [
            (("ect", "--start", "2026-01-05"), "protocol", "esketamine_trd"),
            (("kap", "--start", "2026-02-30"), "start", "YYYY-MM-DD"),
            (("kap", "--start", "05/01/2026"), "start", "YYYY-MM-DD"),
            (
                ("kap", "--start", "2026-01-05", "--weekdays", "mon,funday"),
                "weekdays",
                "mon, tue",
            ),
            (
                ("esketamine_trd", "--start", "2026-01-05", "--weekdays", "mon,tue"),
                "weekdays",
                "mon,thu",
            ),
            (
                ("esketamine_mdsi", "--start", "2026-01-05", "--weekdays", "wed"),
                "weekdays",
                "allowed",
            ),
            (
                ("iv_induction", "--start", "2026-01-05", "--sessions", "9"),
                "sessions",
                "4–8",
            ),
            (
                ("esketamine_trd", "--start", "2026-01-05", "--sessions", "4"),
                "sessions",
                "iv_induction",
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

    def test_installed_entry_point_missing_start_is_one_line_exit_2(self):
        proc = subprocess.run(
            [str(KETAPATH), "plan", "kap"], capture_output=True, text=True
        )
        assert proc.returncode == 2
        assert len(proc.stderr.strip().splitlines()) == 1
        assert proc.stderr.startswith("error:")

    def test_installed_entry_point_impossible_weekdays(self):
        proc = subprocess.run(
            [
                str(KETAPATH),
                "plan",
                "esketamine_trd",
                "--start",
                "2026-01-05",
                "--weekdays",
                "mon,tue",
            ],
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 2
        assert proc.stderr.startswith("error: weekdays:")
        assert proc.stdout == ""
