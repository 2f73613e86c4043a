from ketapath.core import dosing
from ketapath.core.citations import Confidence


class TestDosingRuleSets:
    def test_rule_sets_are_named_and_in_the_dosing_area(self):
        assert {s.name for s in dosing.RULE_SETS} == {
            "iv-weight-based",
            "esketamine-us",
            "esketamine-eu-au",
        }
        assert {s.area for s in dosing.RULE_SETS} == {"dosing"}

    def test_unverified_rules_are_configurable_and_never_contraindicated(self):
        for rule_set in dosing.RULE_SETS:
            for rule in rule_set.rules:
                if rule.confidence is Confidence.UNVERIFIED:
                    assert rule.configurable
                    assert rule.severity != "contraindicated", rule.rule_id

    def test_public_names(self):
        assert "RULE_SETS" in dosing.__all__
        assert {"iv_dose", "esketamine_dose", "dosing_weight"} <= set(dosing.__all__)
