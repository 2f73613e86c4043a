import pytest

from ketapath.core import monitoring
from ketapath.core.citations import Confidence
from ketapath.core.monitoring.discharge import (
    esketamine_discharge_check,
    iv_discharge_check,
    vitals_schedule_minutes,
)

RESOLVED = {
    "sedation_resolved": True,
    "dissociation_resolved": True,
    "respiratory_depression_resolved": True,
    "bp_at_40_min_recorded": True,
}


class TestEsketamineDischargeCheck:
    @pytest.mark.parametrize(
        ("minutes", "ready"), [(119, False), (120, True), (180, True)]
    )
    def test_120_minutes_from_first_device(self, minutes, ready):
        assert (
            esketamine_discharge_check(
                minutes_since_first_device=minutes, **RESOLVED
            ).ready
            is ready
        )

    @pytest.mark.parametrize(
        "item",
        [
            "sedation_resolved",
            "dissociation_resolved",
            "respiratory_depression_resolved",
            "bp_at_40_min_recorded",
        ],
    )
    def test_each_unresolved_item_blocks(self, item):
        check = esketamine_discharge_check(
            minutes_since_first_device=150, **{**RESOLVED, item: None}
        )
        assert not check.ready


class TestIvDischargeCheck:
    def test_clinic_minimum_not_reached_is_not_ready(self):
        check = iv_discharge_check(
            minutes_since_infusion_end=20,
            vital_signs_stable=True,
            mental_status_at_baseline=True,
            min_minutes_after_infusion=30,
        )
        assert not check.ready

    def test_without_clinic_minimum_clinician_judgement_applies(self):
        check = iv_discharge_check(
            minutes_since_infusion_end=0,
            vital_signs_stable=True,
            mental_status_at_baseline=True,
        )
        assert check.ready
        assert check.findings[0].rule_id == "DIS-IV-CLINIC"

    def test_unstable_vitals_are_not_ready(self):
        check = iv_discharge_check(
            minutes_since_infusion_end=60,
            vital_signs_stable=False,
            mental_status_at_baseline=True,
            min_minutes_after_infusion=30,
        )
        assert not check.ready


class TestVitalsScheduleMinutes:
    def test_iv_every_15_minutes_and_at_the_end(self):
        assert vitals_schedule_minutes("iv_ketamine") == (0, 15, 30, 40)

    def test_iv_every_10_minutes(self):
        assert vitals_schedule_minutes("iv_ketamine", interval_minutes=10) == (
            0,
            10,
            20,
            30,
            40,
        )

    def test_esketamine_bp_before_at_40_and_120(self):
        assert vitals_schedule_minutes("esketamine") == (0, 40, 120)


class TestMonitoringRuleSets:
    def test_unverified_rules_are_configurable_and_never_contraindicated(self):
        for rule_set in monitoring.RULE_SETS:
            assert rule_set.area == "monitoring"
            for rule in rule_set.rules:
                if rule.confidence is Confidence.UNVERIFIED:
                    assert rule.configurable, rule.rule_id
                    assert rule.severity != "contraindicated", rule.rule_id
