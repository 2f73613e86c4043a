"""summarise_trajectory, futility_review and end_of_induction_review."""

from datetime import date, timedelta

import pytest

from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import Severity
from ketapath.core.outcomes import (
    DatedScore,
    assess_outcome,
    end_of_induction_review,
    futility_review,
    summarise_trajectory,
)
from ketapath.core.protocols import ProtocolSettings

DAY0 = date(2026, 1, 5)


def series(*totals, step_days=7):
    return [
        DatedScore(DAY0 + timedelta(days=step_days * i), total)
        for i, total in enumerate(totals)
    ]


class TestSummariseTrajectory:
    def test_baseline_latest_best_and_status(self):
        summary = summarise_trajectory("phq9", series(20, 12, 8, 9))
        assert (summary.baseline.total, summary.latest.total, summary.best.total) == (
            20,
            9,
            8,
        )
        assert summary.change == -11
        assert summary.response is True
        assert summary.remission is False
        assert summary.weeks_since_baseline == 3
        assert summary.trend == "worsening"

    @pytest.mark.parametrize(
        ("totals", "trend"),
        [
            ((20, 15), "improving"),
            ((15, 20), "worsening"),
            ((15, 15), "stable"),
            ((15,), "insufficient-data"),
        ],
    )
    def test_trend_compares_latest_with_previous(self, totals, trend):
        assert summarise_trajectory("phq9", series(*totals)).trend == trend

    def test_unordered_scores_are_sorted_by_date(self):
        summary = summarise_trajectory("madrs", list(reversed(series(30, 20, 10))))
        assert (summary.baseline.total, summary.latest.total) == (30, 10)

    def test_weeks_are_whole_weeks(self):
        summary = summarise_trajectory("phq9", series(20, 10, step_days=13))
        assert summary.weeks_since_baseline == 1

    def test_empty_series_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            summarise_trajectory("phq9", [])
        assert caught.value.field == "scores"


class TestFutilityReview:
    def test_no_response_after_3_infusions_prompts_reassessment(self):
        finding = futility_review(infusions_completed=3, response=False)
        assert finding.severity is Severity.CAUTION
        assert finding.rule_id == "OUT-FUTILITY-01"

    def test_two_infusions_without_response_is_only_info(self):
        assert (
            futility_review(infusions_completed=2, response=False).severity
            is Severity.INFO
        )

    def test_response_never_prompts(self):
        assert (
            futility_review(infusions_completed=6, response=True).severity
            is Severity.INFO
        )

    def test_undefined_response_never_prompts(self):
        assert (
            futility_review(infusions_completed=6, response=None).severity
            is Severity.INFO
        )

    @pytest.mark.parametrize(
        ("given", "severity"), [(3, Severity.INFO), (4, Severity.CAUTION)]
    )
    def test_threshold_is_configurable(self, given, severity):
        finding = futility_review(
            infusions_completed=given, response=False, threshold_infusions=4
        )
        assert finding.severity is severity

    def test_negative_count_is_rejected(self):
        with pytest.raises(InvalidInputError):
            futility_review(infusions_completed=-1, response=False)


class TestEndOfInductionReview:
    @pytest.mark.parametrize(
        ("protocol", "due_after"),
        [("esketamine_trd", 8), ("esketamine_mdsi", 8), ("iv_induction", 6)],
    )
    def test_due_after_the_induction_sessions(self, protocol, due_after):
        before = end_of_induction_review(
            protocol_key=protocol, sessions_completed=due_after - 1
        )
        at = end_of_induction_review(
            protocol_key=protocol, sessions_completed=due_after
        )
        assert before.severity is Severity.INFO
        assert at.severity is Severity.CAUTION
        assert at.rule_id == "OUT-REVIEW-01"

    def test_iv_review_follows_the_planned_series(self):
        settings = ProtocolSettings(iv_infusions=4)
        finding = end_of_induction_review(
            protocol_key="iv_induction", sessions_completed=4, settings=settings
        )
        assert finding.severity is Severity.CAUTION

    def test_outcome_status_is_included(self):
        outcome = assess_outcome("madrs", baseline=34, current=10)
        finding = end_of_induction_review(
            protocol_key="esketamine_trd", sessions_completed=8, outcome=outcome
        )
        assert finding.details["response"] is True
        assert finding.details["remission"] is True
        assert "madrs-le12" in finding.message

    def test_unknown_protocol_is_rejected(self):
        with pytest.raises(UnknownNameError):
            end_of_induction_review(protocol_key="ect", sessions_completed=8)
