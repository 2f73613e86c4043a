from decimal import Decimal

import pytest

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSpec, Severity
from ketapath.core.units import as_decimal, round_to_increment

SRC = Citation("x", "A source", Confidence.VERIFIED)


class TestRuleSpec:
    def test_unverified_rule_must_be_configurable(self):
        with pytest.raises(ValueError, match="configurable"):
            RuleSpec("R-1", "1", "t", "caution", Confidence.UNVERIFIED, (SRC,))

    def test_rule_without_source_is_rejected(self):
        with pytest.raises(ValueError, match="source"):
            RuleSpec("R-1", "1", "t", "caution", Confidence.VERIFIED, ())

    def test_finding_carries_rule_identity_and_sources(self):
        rule = RuleSpec(
            "R-1", "2", "t", "caution", Confidence.VERIFIED, (SRC.at("§4"),)
        )
        finding = rule.finding(Severity.CAUTION, "msg", value=3)
        assert (finding.rule_id, finding.rule_version, finding.severity) == (
            "R-1",
            "2",
            Severity.CAUTION,
        )
        assert finding.source_labels() == ["A source §4 [V]"]
        assert finding.details == {"value": 3}


class TestSeverityRank:
    def test_contraindicated_outranks_caution_outranks_info(self):
        assert (
            Severity.CONTRAINDICATED.rank > Severity.CAUTION.rank > Severity.INFO.rank
        )


class TestRoundToIncrement:
    @pytest.mark.parametrize(
        ("value", "increment", "expected"),
        [
            ("35.05", "0.1", "35.1"),
            ("35.04", "0.1", "35.0"),
            ("41", "28", "28"),
            ("42", "28", "56"),
            ("0.875", "0.01", "0.88"),
        ],
    )
    def test_rounds_half_up(self, value, increment, expected):
        assert round_to_increment(Decimal(value), Decimal(increment)) == Decimal(
            expected
        )

    def test_rejects_non_positive_increment(self):
        with pytest.raises(ValueError, match="positive"):
            round_to_increment(Decimal(1), Decimal(0))

    def test_float_converts_through_its_shortest_text(self):
        assert as_decimal(0.1) == Decimal("0.1")
