"""C-SSRS screener: the Columbia triage table, flags and skip logic."""

import pytest

from ketapath.core.errors import IncompleteResponsesError
from ketapath.core.findings import Severity
from ketapath.core.instruments import (
    INCONSISTENT_SKIP_LOGIC,
    SUICIDAL_BEHAVIOUR,
    SUICIDAL_IDEATION,
    get_instrument,
)

CSSRS = get_instrument("cssrs")
N = None

# Answers: Q1, Q2, Q3, Q4, Q5, Q6 (lifetime behaviour), Q6b (within past 3 months).
TRIAGE = [
    pytest.param([0, 0, N, N, N, 0, N], "none", (), id="columbia-triage-all-no"),
    pytest.param(
        [0, 0, 0, 0, 0, 0, 0], "none", (), id="columbia-triage-all-no-fully-answered"
    ),
    pytest.param(
        [1, 0, N, N, N, 0, N],
        "low",
        (SUICIDAL_IDEATION,),
        id="columbia-triage-q1-only-low",
    ),
    pytest.param(
        [0, 1, 0, 0, 0, 0, N],
        "low",
        (SUICIDAL_IDEATION,),
        id="columbia-triage-q2-only-low",
    ),
    pytest.param(
        [1, 1, 0, 0, 0, 0, N],
        "low",
        (SUICIDAL_IDEATION,),
        id="columbia-triage-q1-q2-low",
    ),
    pytest.param(
        [1, 1, 1, 0, 0, 0, N],
        "moderate",
        (SUICIDAL_IDEATION,),
        id="columbia-triage-q3-moderate",
    ),
    pytest.param(
        [0, 0, N, N, N, 1, 0],
        "moderate",
        (SUICIDAL_BEHAVIOUR,),
        id="columbia-triage-behaviour-over-3-months-moderate",
    ),
    pytest.param(
        [1, 1, 1, 1, 0, 0, N],
        "high",
        (SUICIDAL_IDEATION,),
        id="columbia-triage-q4-high",
    ),
    pytest.param(
        [1, 1, 1, 0, 1, 0, N],
        "high",
        (SUICIDAL_IDEATION,),
        id="columbia-triage-q5-high",
    ),
    pytest.param(
        [0, 0, N, N, N, 1, 1],
        "high",
        (SUICIDAL_BEHAVIOUR,),
        id="columbia-triage-behaviour-past-3-months-high",
    ),
    pytest.param(
        [1, 1, 1, 0, 0, 1, 1],
        "high",
        (SUICIDAL_IDEATION, SUICIDAL_BEHAVIOUR),
        id="columbia-triage-q3-and-recent-behaviour-high",
    ),
]


class TestCssrsScore:
    @pytest.mark.parametrize(("answers", "risk", "flags"), TRIAGE)
    def test_risk_level_follows_the_columbia_triage(self, answers, risk, flags):
        result = CSSRS.score(answers)
        assert result.risk == risk
        assert result.flags == flags

    def test_has_no_total_or_severity(self):
        result = CSSRS.score([1, 1, 1, 1, 1, 1, 1])
        assert (result.total, result.severity) == (None, None)

    def test_every_result_carries_a_risk_finding(self):
        result = CSSRS.score([0, 0, N, N, N, 0, N])
        assert [f.rule_id for f in result.findings] == ["CSSRS-RISK"]
        assert result.findings[0].severity is Severity.INFO

    def test_positive_risk_finding_is_a_caution(self):
        result = CSSRS.score([0, 0, N, N, N, 1, 1])
        assert result.findings[0].severity is Severity.CAUTION
        assert result.findings[0].details["risk"] == "high"

    def test_skipped_items_are_not_stored_as_zero(self):
        result = CSSRS.score([1, 0, N, N, N, 0, N])
        assert [item_id for item_id, _ in result.responses] == [
            "cssrs_1",
            "cssrs_2",
            "cssrs_6",
        ]


class TestCssrsSkipLogic:
    def test_q3_to_q5_are_required_after_a_yes_to_q2(self):
        with pytest.raises(IncompleteResponsesError) as caught:
            CSSRS.score([0, 1, N, N, N, 0, N])
        assert caught.value.field == "cssrs_3"
        assert caught.value.allowed == "0–1"

    def test_past_3_months_is_required_after_a_yes_to_q6(self):
        with pytest.raises(IncompleteResponsesError) as caught:
            CSSRS.score([0, 0, N, N, N, 1, N])
        assert caught.value.field == "cssrs_6b"

    @pytest.mark.parametrize("position", [0, 1, 5])
    def test_ungated_questions_are_always_required(self, position):
        answers: list[int | None] = [0, 0, N, N, N, 0, N]
        answers[position] = None
        with pytest.raises(IncompleteResponsesError):
            CSSRS.score(answers)

    @pytest.mark.parametrize(
        ("answers", "risk"),
        [
            pytest.param(
                [0, 0, 1, 0, 0, 0, 0], "moderate", id="q3-yes-after-q2-no-kept-moderate"
            ),
            pytest.param(
                [0, 0, 0, 1, 0, 0, 0], "high", id="q4-yes-after-q2-no-kept-high"
            ),
            pytest.param(
                [1, 0, 0, 0, 1, 0, 0], "high", id="q5-yes-after-q2-no-kept-high"
            ),
            pytest.param(
                [0, 0, 0, 0, 0, 0, 1], "high", id="recent-yes-after-q6-no-kept-high"
            ),
        ],
    )
    def test_answers_contradicting_skip_logic_are_kept_and_flagged(self, answers, risk):
        result = CSSRS.score(answers)
        assert result.risk == risk
        assert INCONSISTENT_SKIP_LOGIC in result.flags
        assert "CSSRS-SKIP" in [f.rule_id for f in result.findings]

    def test_recent_behaviour_without_lifetime_yes_still_flags_behaviour(self):
        result = CSSRS.score([0, 0, 0, 0, 0, 0, 1])
        assert SUICIDAL_BEHAVIOUR in result.flags

    def test_no_answers_to_unasked_questions_are_not_inconsistent(self):
        result = CSSRS.score([0, 0, 0, 0, 0, 0, 0])
        assert INCONSISTENT_SKIP_LOGIC not in result.flags
        assert [f.rule_id for f in result.findings] == ["CSSRS-RISK"]

    def test_item_text_is_bundled_for_the_screener(self):
        assert all(item.text for item in CSSRS.items)
