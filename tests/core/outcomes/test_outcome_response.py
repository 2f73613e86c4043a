"""assess_outcome: change, percent change, response and remission per instrument."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.outcomes import (
    OUTCOME_INSTRUMENTS,
    assess_outcome,
    percent_change,
    remission_definition,
    response_reached,
)


class TestAssessOutcome:
    def test_phq9_halving_is_response_not_remission(self):
        result = assess_outcome("phq9", baseline=20, current=10)
        assert (result.change, result.percent_change) == (-10, Decimal("-50.0"))
        assert result.response is True
        assert result.remission is False
        assert result.remission_definition == "phq9-lt5"

    def test_exactly_50_percent_is_response(self):
        assert assess_outcome("madrs", baseline=60, current=30).response is True

    def test_49_point_2_percent_is_not_response(self):
        result = assess_outcome("madrs", baseline=59, current=30)
        assert result.percent_change == Decimal("-49.2")
        assert result.response is False

    def test_response_uses_exact_arithmetic_not_the_rounded_percentage(self):
        # 1999/3999 would need a bigger scale; on PHQ-9, 27 → 14 is 48.1%, 27 → 13 is 51.9%
        assert assess_outcome("phq9", baseline=27, current=14).response is False
        assert assess_outcome("phq9", baseline=27, current=13).response is True

    def test_baseline_zero_leaves_percent_and_response_undefined(self):
        result = assess_outcome("phq9", baseline=0, current=3)
        assert result.percent_change is None
        assert result.response is None
        assert result.change == 3
        assert result.remission is True
        assert any("undefined" in f.message for f in result.findings)

    def test_worsening_gives_positive_change(self):
        result = assess_outcome("gad7", baseline=10, current=15)
        assert (result.change, result.percent_change, result.response) == (
            5,
            Decimal("50.0"),
            False,
        )

    @pytest.mark.parametrize(
        ("instrument", "remitted", "not_remitted", "definition"),
        [
            ("phq9", 4, 5, "phq9-lt5"),
            ("madrs", 12, 13, "madrs-le12"),
            ("qids_sr16", 5, 6, "qids-sr16-le5"),
            ("hamd17", 7, 8, "hamd17-le7"),
        ],
        ids=["phq9-SUSTAIN3", "madrs-ASPIRE", "qids-STARD", "hamd17-Frank1991"],
    )
    def test_remission_boundary_per_instrument(
        self, instrument, remitted, not_remitted, definition
    ):
        assert (
            assess_outcome(instrument, baseline=25, current=remitted).remission is True
        )
        result = assess_outcome(instrument, baseline=25, current=not_remitted)
        assert result.remission is False
        assert result.remission_definition == definition

    def test_madrs_alternative_definition_le10(self):
        assert (
            assess_outcome(
                "madrs", baseline=30, current=11, definition="madrs-le10"
            ).remission
            is False
        )
        result = assess_outcome(
            "madrs", baseline=30, current=10, definition="madrs-le10"
        )
        assert (result.remission, result.remission_definition) == (True, "madrs-le10")

    def test_madrs_11_remits_by_default_but_not_by_le10(self):
        assert assess_outcome("madrs", baseline=30, current=11).remission is True

    def test_gad7_has_no_sourced_remission(self):
        result = assess_outcome("gad7", baseline=15, current=2)
        assert result.remission is None
        assert result.remission_definition is None
        assert any(f.rule_id == "OUT-REMISSION-CLINIC" for f in result.findings)

    def test_clinic_cutoff_sets_gad7_remission_and_is_recorded(self):
        result = assess_outcome("gad7", baseline=15, current=4, custom_max_total=4)
        assert (result.remission, result.remission_definition) == (
            True,
            "gad7-clinic-le4",
        )
        assert (
            assess_outcome("gad7", baseline=15, current=5, custom_max_total=4).remission
            is False
        )

    @pytest.mark.parametrize(
        ("instrument", "field", "baseline", "current"),
        [
            ("phq9", "baseline", 28, 10),
            ("phq9", "current", 20, -1),
            ("gad7", "baseline", 22, 0),
            ("madrs", "current", 10, 61),
            ("qids_sr16", "baseline", 28, 0),
            ("hamd17", "current", 10, 53),
        ],
    )
    def test_score_out_of_range_names_the_field_and_range(
        self, instrument, field, baseline, current
    ):
        with pytest.raises(InvalidInputError) as caught:
            assess_outcome(instrument, baseline=baseline, current=current)
        assert caught.value.field == field
        assert caught.value.allowed is not None
        assert "–" in caught.value.allowed

    def test_unknown_instrument_lists_allowed(self):
        with pytest.raises(UnknownNameError) as caught:
            assess_outcome("cssrs", baseline=1, current=0)
        assert caught.value.field == "instrument"

    def test_definition_for_another_instrument_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            assess_outcome("phq9", baseline=20, current=3, definition="madrs-le10")
        assert caught.value.field == "remission_definition"

    def test_cutoff_out_of_range_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            assess_outcome("gad7", baseline=10, current=3, custom_max_total=22)
        assert caught.value.field == "remission_cutoff"


class TestPercentChange:
    def test_rounds_half_up_to_one_decimal(self):
        assert percent_change(baseline=3, current=2) == Decimal("-33.3")
        assert percent_change(baseline=8, current=7) == Decimal("-12.5")

    def test_baseline_zero_is_none(self):
        assert percent_change(baseline=0, current=0) is None


class TestResponseReached:
    @given(baseline=st.integers(1, 60), current=st.integers(0, 60))
    def test_matches_exact_fraction(self, baseline, current):
        assert response_reached(baseline=baseline, current=current) == (
            (baseline - current) / baseline >= 0.5
        )

    @given(current=st.integers(0, 60))
    def test_baseline_zero_is_always_undefined(self, current):
        assert response_reached(baseline=0, current=current) is None


class TestRemissionDefinition:
    @pytest.mark.parametrize("instrument", OUTCOME_INSTRUMENTS)
    def test_default_exists_except_gad7(self, instrument):
        found = remission_definition(instrument)
        assert (found is None) == (instrument == "gad7")
