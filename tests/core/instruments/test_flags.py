"""Safety flags: suicide items, MOAA/S loss of consciousness, configurable thresholds."""

import pytest

from ketapath.core.findings import Severity
from ketapath.core.instruments import (
    LOSS_OF_CONSCIOUSNESS,
    SUICIDAL_IDEATION,
    get_instrument,
)
from ketapath.core.instruments.hamd17 import make_hamd17
from ketapath.core.instruments.madrs import make_madrs
from ketapath.core.instruments.moaas import LEVELS
from ketapath.core.instruments.phq9 import make_phq9
from ketapath.core.instruments.qids_sr16 import make_qids_sr16

# (instrument, number of required items, suicide item index, rule id)
SUICIDE_ITEMS = [
    ("phq9", 9, 8, "PHQ9-ITEM9"),
    ("madrs", 10, 9, "MADRS-ITEM10"),
    ("qids_sr16", 16, 11, "QIDS-SR16-ITEM12"),
    ("hamd17", 17, 2, "HAMD17-ITEM3"),
]


class TestSuicideItemFlag:
    @pytest.mark.parametrize(("key", "count", "index", "rule_id"), SUICIDE_ITEMS)
    def test_suicide_item_at_1_flags_suicidal_ideation_with_a_finding(
        self, key, count, index, rule_id
    ):
        answers = [0] * count
        answers[index] = 1
        result = get_instrument(key).score(answers)
        assert result.flags == (SUICIDAL_IDEATION,)
        (finding,) = result.findings
        assert finding.rule_id == rule_id
        assert finding.severity is Severity.CAUTION
        assert finding.details["item"] == get_instrument(key).items[index].item_id

    @pytest.mark.parametrize(("key", "count", "index", "rule_id"), SUICIDE_ITEMS)
    def test_suicide_item_at_0_raises_no_flag(self, key, count, index, rule_id):
        answers = [0] * count
        answers[index] = 0
        result = get_instrument(key).score(answers)
        assert result.flags == ()
        assert result.findings == ()

    @pytest.mark.parametrize(("key", "count", "index", "rule_id"), SUICIDE_ITEMS)
    def test_other_items_at_maximum_do_not_flag(self, key, count, index, rule_id):
        instrument = get_instrument(key)
        answers = [item.max_value for item in instrument.items[:count]]
        answers[index] = 0
        assert instrument.score(answers).flags == ()

    def test_phq9_worked_example_has_no_flag(self):
        assert get_instrument("phq9").score([1, 1, 1, 2, 2, 3, 3, 3, 0]).flags == ()


class TestConfigurableThresholds:
    def test_phq9_threshold_2_ignores_item9_at_1(self):
        instrument = make_phq9(item9_threshold=2)
        assert instrument.score([0] * 8 + [1]).flags == ()
        assert instrument.score([0] * 8 + [2]).flags == (SUICIDAL_IDEATION,)

    def test_madrs_threshold_4_flags_from_4(self):
        instrument = make_madrs(item10_threshold=4)
        assert instrument.score([0] * 9 + [3]).flags == ()
        assert instrument.score([0] * 9 + [4]).flags == (SUICIDAL_IDEATION,)

    def test_qids_threshold_is_configurable(self):
        instrument = make_qids_sr16(item12_threshold=3)
        answers = [0] * 16
        answers[11] = 2
        assert instrument.score(answers).flags == ()

    def test_hamd_threshold_is_configurable(self):
        instrument = make_hamd17(item3_threshold=2)
        answers = [0] * 17
        answers[2] = 1
        assert instrument.score(answers).flags == ()

    def test_threshold_0_is_refused_because_it_would_flag_everyone(self):
        with pytest.raises(ValueError, match="item9_threshold"):
            make_phq9(item9_threshold=0)
        with pytest.raises(ValueError, match="item10_threshold"):
            make_madrs(item10_threshold=0)
        with pytest.raises(ValueError, match="item12_threshold"):
            make_qids_sr16(item12_threshold=0)
        with pytest.raises(ValueError, match="item3_threshold"):
            make_hamd17(item3_threshold=0)


class TestMoaasScore:
    def test_zero_flags_loss_of_consciousness(self):
        result = get_instrument("moaas").score([0])
        assert result.total == 0
        assert result.flags == (LOSS_OF_CONSCIOUSNESS,)
        assert [f.rule_id for f in result.findings] == ["MOAAS-LOC"]

    @pytest.mark.parametrize("rating", [1, 2, 3, 4, 5])
    def test_any_response_is_not_loss_of_consciousness(self, rating):
        result = get_instrument("moaas").score([rating])
        assert (result.total, result.severity, result.flags) == (rating, None, ())

    def test_keeps_the_six_level_descriptions(self):
        item = get_instrument("moaas").items[0]
        assert item.anchors == LEVELS
        assert [level for level, _ in LEVELS] == [5, 4, 3, 2, 1, 0]
        assert "painful" in dict(LEVELS)[0]


class TestUnflaggedInstruments:
    @pytest.mark.parametrize("key", ["gad7", "cadss", "bprs_positive"])
    def test_maximum_answers_raise_no_flag(self, key):
        instrument = get_instrument(key)
        result = instrument.score([item.max_value for item in instrument.items])
        assert (result.flags, result.risk, result.findings) == ((), None, ())
        assert result.total == instrument.max_total
