"""TRD rule sets: seed (<50%, ≥6 weeks, different class) and EU-PEARL 2022 (<25%, ≥4 weeks)."""

from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.errors import UnknownNameError
from ketapath.core.patient import AntidepressantTrial
from ketapath.core.trd import (
    Adequacy,
    TrialOutcome,
    assess_trd,
    default_settings,
)

D = Decimal


def trial(
    drug="sertraline", drug_class="ssri", dose="100", weeks="8", improvement="10", **kw
):
    return AntidepressantTrial(
        drug=drug,
        drug_class=drug_class,
        daily_dose_mg=D(dose),
        weeks=None if weeks is None else D(weeks),
        improvement_pct=None if improvement is None else D(improvement),
        remission=kw.pop("remission", False),
        **kw,
    )


SERTRALINE = trial()
VENLAFAXINE = trial("venlafaxine", "snri", "150")
FLUOXETINE = trial("fluoxetine", "ssri", "40")


class TestAssessTrdSeed:
    def test_two_failed_adequate_trials_of_different_classes_meet_trd(self):
        result = assess_trd([SERTRALINE, VENLAFAXINE])
        assert result.met is True
        assert (result.adequate_trials, result.failed_adequate_trials) == (2, 2)
        assert result.reasons[0].rule_id == "TRD-SEED-01"

    def test_two_ssris_do_not_meet_trd_when_different_class_is_required(self):
        assert assess_trd([SERTRALINE, FLUOXETINE]).met is False

    def test_two_ssris_meet_trd_when_the_class_setting_is_off(self):
        settings = replace(default_settings("seed"), require_different_class=False)
        assert assess_trd([SERTRALINE, FLUOXETINE], settings=settings).met is True

    @pytest.mark.parametrize(
        ("improvement", "failed"),
        [
            ("49", True),
            ("49.9", True),
            ("50", False),
            ("-20", True),
        ],
        ids=["49%", "49.9%", "50%-is-response", "worse"],
    )
    def test_failure_is_improvement_below_50_percent(self, improvement, failed):
        verdict = assess_trd([trial(improvement=improvement)]).trials[0]
        assert verdict.counts_as_failure is failed

    def test_remission_is_never_a_failure(self):
        verdict = assess_trd([trial(improvement="10", remission=True)]).trials[0]
        assert verdict.outcome is TrialOutcome.REMISSION
        assert verdict.counts_as_failure is False

    def test_same_drug_twice_counts_as_one_antidepressant(self):
        settings = replace(default_settings("seed"), require_different_class=False)
        assert assess_trd([SERTRALINE, SERTRALINE], settings=settings).met is False

    def test_five_week_trial_is_not_adequate_under_seed(self):
        result = assess_trd([trial(weeks="5"), VENLAFAXINE])
        assert result.trials[0].adequacy is Adequacy.INADEQUATE
        assert result.met is False

    def test_unrecorded_improvement_is_unknown_and_flagged(self):
        result = assess_trd([trial(improvement=None), VENLAFAXINE])
        assert result.trials[0].outcome is TrialOutcome.UNKNOWN
        assert result.met is False
        assert any("could not be assessed" in f.message for f in result.reasons)

    def test_recorded_class_is_replaced_by_the_table_class(self):
        result = assess_trd([trial("bupropion", "atypical", "300"), SERTRALINE])
        assert result.trials[0].drug_class == "ndri"
        assert result.met is True

    def test_two_unlisted_atypical_drugs_count_as_different_classes(self):
        override = {"adequacy_override": True, "override_reason": "specialist review"}
        a = trial("agomelatine", "atypical", **override)
        b = trial("reboxetine", "atypical", **override)
        assert assess_trd([a, b]).met is True


class TestAssessTrdEuPearl:
    @pytest.mark.parametrize(
        ("improvement", "outcome"),
        [
            ("24", TrialOutcome.FAILED),
            ("24.9", TrialOutcome.FAILED),
            ("25", TrialOutcome.PARTIAL_RESPONSE),
            ("49", TrialOutcome.PARTIAL_RESPONSE),
            ("50", TrialOutcome.RESPONSE),
        ],
        ids=["24%", "24.9%", "25%-partial", "49%-partial", "50%-response"],
    )
    def test_outcome_boundaries(self, improvement, outcome):
        verdict = assess_trd(
            [trial(improvement=improvement)], ruleset="eu-pearl-2022"
        ).trials[0]
        assert verdict.outcome is outcome
        assert verdict.counts_as_failure is (outcome is TrialOutcome.FAILED)

    def test_partial_response_cites_the_unverified_prd_rule(self):
        verdict = assess_trd([trial(improvement="30")], ruleset="eu-pearl-2022").trials[
            0
        ]
        assert any(f.rule_id == "TRD-EUP-02" for f in verdict.reasons)

    def test_30_percent_improvement_fails_under_seed_but_not_eu_pearl(self):
        trials = [
            trial(improvement="30"),
            trial("venlafaxine", "snri", "150", improvement="30"),
        ]
        assert assess_trd(trials).met is True
        assert assess_trd(trials, ruleset="eu-pearl-2022").met is False

    @pytest.mark.parametrize(
        ("weeks", "counts"),
        [("3.9", False), ("4", True)],
        ids=["stopped-before-end-of-week-4", "end-of-week-4"],
    )
    def test_trial_stopped_before_end_of_week_4_is_not_a_failure(self, weeks, counts):
        verdict = assess_trd([trial(weeks=weeks)], ruleset="eu-pearl-2022").trials[0]
        assert verdict.counts_as_failure is counts

    def test_clear_early_non_response_can_be_recorded_by_override(self):
        early = trial(
            weeks="3", adequacy_override=True, override_reason="clear non-response"
        )
        assert (
            assess_trd([early], ruleset="eu-pearl-2022").trials[0].counts_as_failure
            is True
        )

    def test_different_class_is_not_required(self):
        assert assess_trd([SERTRALINE, FLUOXETINE], ruleset="eu-pearl-2022").met is True

    def test_reason_names_the_eu_pearl_rule(self):
        result = assess_trd([SERTRALINE, VENLAFAXINE], ruleset="eu-pearl-2022")
        assert result.reasons[0].rule_id == "TRD-EUP-01"
        assert result.ruleset == "eu-pearl-2022"


class TestUnknownRuleset:
    def test_unknown_ruleset_lists_allowed_names(self):
        with pytest.raises(UnknownNameError) as caught:
            assess_trd([SERTRALINE], ruleset="maudsley")
        assert caught.value.field == "ruleset"
        assert caught.value.allowed == "seed, eu-pearl-2022"


DRUGS = [
    ("sertraline", "ssri", "100"),
    ("fluoxetine", "ssri", "20"),
    ("venlafaxine", "snri", "150"),
    ("duloxetine", "snri", "60"),
    ("nortriptyline", "tca", "100"),
    ("phenelzine", "maoi", "45"),
    ("bupropion", "ndri", "300"),
    ("mirtazapine", "nassa", "30"),
]
trials_strategy = st.lists(
    st.builds(
        lambda d, weeks, improvement, remission: trial(
            d[0],
            d[1],
            d[2],
            weeks=str(weeks),
            improvement=str(improvement),
            remission=remission,
        ),
        st.sampled_from(DRUGS),
        st.integers(0, 12),
        st.integers(-100, 100),
        st.sampled_from([True, False, None]),
    ),
    max_size=6,
)


class TestAssessTrdProperties:
    @given(
        trials=trials_strategy,
        extra=st.sampled_from(DRUGS),
        ruleset=st.sampled_from(["seed", "eu-pearl-2022"]),
    )
    def test_adding_a_failed_adequate_trial_never_unmeets_trd(
        self, trials, extra, ruleset
    ):
        before = assess_trd(trials, ruleset=ruleset)
        failed = trial(extra[0], extra[1], extra[2], weeks="8", improvement="0")
        after = assess_trd([*trials, failed], ruleset=ruleset)
        assert after.trials[-1].counts_as_failure
        assert after.met or not before.met
        assert after.failed_adequate_trials == before.failed_adequate_trials + 1
