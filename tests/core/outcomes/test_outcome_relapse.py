"""assess_relapse: SUSTAIN-1 style window (5–15 days inclusive), events, clinic criteria."""

from datetime import date, timedelta

import pytest

from ketapath.core.errors import InvalidInputError
from ketapath.core.outcomes import DatedScore, assess_relapse, clinic_relapse_criteria

DAY0 = date(2026, 3, 2)


def pair(first_total, second_total, days_apart):
    return [
        DatedScore(DAY0, first_total),
        DatedScore(DAY0 + timedelta(days=days_apart), second_total),
    ]


class TestAssessRelapse:
    @pytest.mark.parametrize("days_apart", [5, 10, 15])
    def test_two_madrs_22_within_5_to_15_days_is_relapse(self, days_apart):
        result = assess_relapse(pair(22, 25, days_apart))
        assert result.relapsed is True
        assert result.first_elevated_on == DAY0
        assert result.confirmed_on == DAY0 + timedelta(days=days_apart)
        assert result.finding.rule_id == "OUT-RELAPSE-SUSTAIN1"

    @pytest.mark.parametrize("days_apart", [4, 16])
    def test_outside_the_window_is_not_relapse(self, days_apart):
        assert assess_relapse(pair(30, 30, days_apart)).relapsed is False

    def test_21_is_below_threshold(self):
        assert assess_relapse(pair(21, 30, 7)).relapsed is False

    def test_assessments_must_be_consecutive(self):
        scores = [
            DatedScore(DAY0, 25),
            DatedScore(DAY0 + timedelta(days=4), 10),
            DatedScore(DAY0 + timedelta(days=9), 25),
        ]
        assert assess_relapse(scores).relapsed is False

    def test_series_order_does_not_matter(self):
        assert assess_relapse(list(reversed(pair(22, 22, 7)))).relapsed is True

    @pytest.mark.parametrize(
        ("hospitalised", "suicide_attempt"),
        [(True, False), (False, True)],
        ids=["hospital", "attempt"],
    )
    def test_event_is_relapse_without_scores(self, hospitalised, suicide_attempt):
        result = assess_relapse(
            [], hospitalised=hospitalised, suicide_attempt=suicide_attempt
        )
        assert result.relapsed is True
        assert result.confirmed_on is None

    def test_two_scores_on_one_date_are_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            assess_relapse([DatedScore(DAY0, 22), DatedScore(DAY0, 23)])
        assert caught.value.field == "scores"

    def test_score_out_of_range_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            assess_relapse(pair(22, 61, 7))
        assert caught.value.field == "scores[1].total"


class TestClinicRelapseCriteria:
    def test_phq9_threshold_is_the_clinics_choice(self):
        criteria = clinic_relapse_criteria("phq9", min_total=15)
        result = assess_relapse(
            [DatedScore(DAY0, 15), DatedScore(DAY0 + timedelta(days=7), 16)],
            criteria=criteria,
        )
        assert result.relapsed is True
        assert result.finding.rule_id == "OUT-RELAPSE-CLINIC"

    def test_threshold_out_of_range_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            clinic_relapse_criteria("phq9", min_total=28)
        assert caught.value.field == "relapse_min_total"

    def test_inverted_window_is_rejected(self):
        with pytest.raises(InvalidInputError):
            clinic_relapse_criteria(
                "phq9", min_total=15, min_days_apart=10, max_days_apart=5
            )
