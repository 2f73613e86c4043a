"""The registry: lookup by key, the public surface and the rule set."""

import pytest

import ketapath.core.instruments as instruments
from ketapath.core.citations import Confidence
from ketapath.core.errors import UnknownNameError
from ketapath.core.instruments import (
    INSTRUMENT_KEYS,
    RULE_SETS,
    all_instruments,
    get_instrument,
    score,
)

EXPECTED_RANGES = {
    "phq9": (0, 27),
    "gad7": (0, 21),
    "madrs": (0, 60),
    "qids_sr16": (0, 27),
    "hamd17": (0, 52),
    "cssrs": (None, None),
    "moaas": (0, 5),
    "cadss": (0, 92),
    "bprs_positive": (4, 28),
}


class TestPublicSurface:
    def test_all_is_pinned(self):
        assert sorted(instruments.__all__) == sorted(
            [
                "INCONSISTENT_SKIP_LOGIC",
                "INSTRUMENT_KEYS",
                "LOSS_OF_CONSCIOUSNESS",
                "RULESET_VERSION",
                "RULE_SETS",
                "SUICIDAL_BEHAVIOUR",
                "SUICIDAL_IDEATION",
                "Instrument",
                "InstrumentResult",
                "Item",
                "Responses",
                "SeverityBand",
                "all_instruments",
                "get_instrument",
                "score",
            ]
        )

    def test_flag_constants_have_their_contract_values(self):
        assert instruments.SUICIDAL_IDEATION == "suicidal_ideation"
        assert instruments.SUICIDAL_BEHAVIOUR == "suicidal_behaviour"
        assert instruments.LOSS_OF_CONSCIOUSNESS == "loss_of_consciousness"
        assert instruments.INCONSISTENT_SKIP_LOGIC == "inconsistent_skip_logic"

    def test_instrument_keys_are_the_contract_keys_in_order(self):
        assert INSTRUMENT_KEYS == (
            "phq9",
            "gad7",
            "madrs",
            "qids_sr16",
            "hamd17",
            "cssrs",
            "moaas",
            "cadss",
            "bprs_positive",
        )


class TestGetInstrument:
    @pytest.mark.parametrize("key", INSTRUMENT_KEYS)
    def test_every_key_resolves_to_its_instrument(self, key):
        assert get_instrument(key).key == key

    @pytest.mark.parametrize(
        ("key", "expected"), EXPECTED_RANGES.items(), ids=list(EXPECTED_RANGES)
    )
    def test_total_range_matches_reference(self, key, expected):
        instrument = get_instrument(key)
        assert (instrument.min_total, instrument.max_total) == expected

    def test_unknown_key_names_the_allowed_keys(self):
        with pytest.raises(UnknownNameError) as caught:
            get_instrument("phq-9")
        assert caught.value.field == "instrument"
        for key in INSTRUMENT_KEYS:
            assert key in str(caught.value)


class TestAllInstruments:
    def test_returns_every_instrument_in_key_order(self):
        assert tuple(i.key for i in all_instruments()) == INSTRUMENT_KEYS


class TestScore:
    def test_delegates_to_the_named_instrument(self):
        assert score("gad7", [3, 3, 3, 3, 3, 3, 3]).total == 21


class TestRuleSets:
    def test_one_standard_rule_set_for_the_instruments_area(self):
        assert len(RULE_SETS) == 1
        (rule_set,) = RULE_SETS
        assert (rule_set.area, rule_set.name) == ("instruments", "standard")

    def test_holds_every_scoring_and_flag_rule(self):
        ids = {rule.rule_id for rule in RULE_SETS[0].rules}
        assert {
            "PHQ9-SCORE",
            "PHQ9-ITEM9",
            "GAD7-SCORE",
            "MADRS-SCORE",
            "MADRS-ITEM10",
            "QIDS-SR16-SCORE",
            "QIDS-SR16-ITEM12",
            "HAMD17-SCORE",
            "HAMD17-ITEM3",
            "CSSRS-RISK",
            "CSSRS-SKIP",
            "MOAAS-SCORE",
            "MOAAS-LOC",
            "CADSS-SCORE",
            "BPRS-POSITIVE-SCORE",
        } == ids

    def test_rule_ids_are_unique(self):
        ids = [rule.rule_id for rule in RULE_SETS[0].rules]
        assert len(ids) == len(set(ids))

    def test_every_rule_is_version_1_and_cites_a_source(self):
        for rule in RULE_SETS[0].rules:
            assert rule.version == "1"
            assert rule.sources

    def test_unverified_rules_are_configurable(self):
        for rule in RULE_SETS[0].rules:
            if rule.confidence is Confidence.UNVERIFIED:
                assert rule.configurable, rule.rule_id

    @pytest.mark.parametrize(
        "rule_id",
        [
            "HAMD17-SCORE",
            "CADSS-SCORE",
            "BPRS-POSITIVE-SCORE",
            "PHQ9-ITEM9",
            "MADRS-ITEM10",
        ],
    )
    def test_rules_resting_on_unconfirmed_claims_are_tagged_m(self, rule_id):
        rule = next(r for r in RULE_SETS[0].rules if r.rule_id == rule_id)
        assert rule.confidence is Confidence.UNVERIFIED

    def test_each_instrument_result_names_its_scoring_rule(self):
        for instrument in all_instruments():
            assert instrument.rule in RULE_SETS[0].rules
