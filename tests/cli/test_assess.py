"""`ketapath assess` JSON contract and `ketapath schema profile`; bad input exits 2, one line."""

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from ketapath.cli import app

runner = CliRunner()

PROFILE: dict[str, Any] = {
    "age_years": 45,
    "sex": "female",
    "pregnant": False,
    "breastfeeding": False,
    "blood_pressure": {"systolic": 150, "diastolic": 92},
    "conditions": ["recent_cardiovascular_event"],
    "current_episode": {"duration_months": 18, "severity": "severe"},
    "antidepressant_trials": [
        {
            "drug": "sertraline",
            "drug_class": "ssri",
            "daily_dose_mg": 150,
            "weeks": 8,
            "improvement_pct": 20,
            "remission": False,
        },
        {
            "drug": "venlafaxine",
            "drug_class": "snri",
            "daily_dose_mg": 225,
            "weeks": 8,
            "improvement_pct": 30,
            "remission": False,
        },
    ],
    "augmentation_used": True,
    "ect_used": False,
}


def run(tmp_path, profile=PROFILE, *options, raw=None):
    path = tmp_path / "profile.json"
    path.write_text(raw if raw is not None else json.dumps(profile), encoding="utf-8")
    result = runner.invoke(app, ["assess", str(path), *options])
    return result.exit_code, result.stdout, result.stderr


def assert_finding_shape(finding):
    assert {"rule", "severity", "message", "sources"} <= finding.keys()
    assert isinstance(finding["sources"], list)
    assert all(isinstance(s, str) for s in finding["sources"])


class TestAssessCommand:
    def test_prints_the_contract_shape(self, tmp_path):
        code, out, err = run(tmp_path)
        assert (code, err) == (0, "")
        payload = json.loads(out)
        trd = payload["trd"]
        assert trd["met"] is True
        assert (trd["adequate_trials"], trd["failed_adequate_trials"]) == (2, 2)
        assert trd["ruleset"] == "seed"
        assert len(trd["trials"]) == 2
        for finding in trd["reasons"]:
            assert_finding_shape(finding)
        msm = payload["staging"]["msm"]
        assert (msm["score"], msm["band"]) == (2 + 4 + 1 + 1 + 0, "moderate")
        assert payload["staging"]["thase_rush"] == "II"
        assert set(payload["routes"]) == {"iv_ketamine", "esketamine", "kap"}
        for route in payload["routes"].values():
            assert route["status"] in {"eligible", "caution", "contraindicated"}
            for finding in route["findings"]:
                assert_finding_shape(finding)

    def test_eu_pearl_ruleset_changes_the_verdict(self, tmp_path):
        payload = json.loads(run(tmp_path, PROFILE, "--ruleset", "eu-pearl-2022")[1])
        assert payload["trd"]["met"] is False
        assert payload["trd"]["failed_adequate_trials"] == 1
        assert payload["trd"]["ruleset"] == "eu-pearl-2022"

    @pytest.mark.parametrize(
        ("jurisdiction", "status"),
        [
            ("us", "caution"),
            ("eu-au", "contraindicated"),
        ],
    )
    def test_jurisdiction_changes_esketamine_status(
        self, tmp_path, jurisdiction, status
    ):
        payload = json.loads(run(tmp_path, PROFILE, "--jurisdiction", jurisdiction)[1])
        assert payload["routes"]["esketamine"]["status"] == status
        rules = [f["rule"] for f in payload["routes"]["esketamine"]["findings"]]
        assert "CI-CV-RECENT" in rules

    def test_incomplete_msm_is_null_with_missing_fields(self, tmp_path):
        profile = {
            k: v for k, v in PROFILE.items() if k not in {"current_episode", "ect_used"}
        }
        msm = json.loads(run(tmp_path, profile)[1])["staging"]["msm"]
        assert (msm["score"], msm["band"]) == (None, None)
        assert msm["missing"] == [
            "current_episode.duration_months",
            "current_episode.severity",
            "ect_used",
        ]

    def test_no_failed_trial_has_no_thase_rush_stage(self, tmp_path):
        payload = json.loads(run(tmp_path, {**PROFILE, "antidepressant_trials": []})[1])
        assert payload["staging"]["thase_rush"] is None
        assert payload["trd"]["met"] is False


class TestAssessErrors:
    def one_line_error(self, result):
        code, out, err = result
        assert code == 2
        assert out == ""
        assert err.startswith("error: ")
        assert err.count("\n") == 1
        return err.strip()

    def test_schema_violation_names_field_and_range(self, tmp_path):
        trial = {**PROFILE["antidepressant_trials"][0], "weeks": -1}
        err = self.one_line_error(
            run(tmp_path, {**PROFILE, "antidepressant_trials": [trial]})
        )
        assert err == (
            "error: antidepressant_trials.0.weeks: Input should be greater than or equal to 0"
        )

    def test_missing_file(self, tmp_path):
        result = runner.invoke(app, ["assess", str(tmp_path / "absent.json")])
        err = self.one_line_error((result.exit_code, result.stdout, result.stderr))
        assert "file not found" in err

    def test_invalid_json(self, tmp_path):
        assert "invalid JSON" in self.one_line_error(run(tmp_path, raw="{not json"))

    def test_unknown_ruleset_lists_allowed(self, tmp_path):
        err = self.one_line_error(run(tmp_path, PROFILE, "--ruleset", "maudsley"))
        assert "seed, eu-pearl-2022" in err

    def test_unknown_jurisdiction_lists_allowed(self, tmp_path):
        err = self.one_line_error(run(tmp_path, PROFILE, "--jurisdiction", "uk"))
        assert "us, eu-au" in err

    def test_unknown_condition_lists_allowed(self, tmp_path):
        err = self.one_line_error(run(tmp_path, {**PROFILE, "conditions": ["gout"]}))
        assert err.startswith("error: conditions.0:")
        assert "raised_intracranial_pressure" in err


class TestSchemaProfileCommand:
    def test_prints_the_profile_json_schema(self):
        result = runner.invoke(app, ["schema", "profile"])
        assert result.exit_code == 0
        schema = json.loads(result.stdout)
        assert schema["title"] == "PatientProfileIn"
        assert schema["properties"]["age_years"]["minimum"] == 18
        assert schema["additionalProperties"] is False
