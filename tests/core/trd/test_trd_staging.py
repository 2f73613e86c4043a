"""MSM (Fekadu 2018 Table 3 bands; 2009 failure levels) and Thase–Rush stages."""

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.errors import InvalidInputError
from ketapath.core.patient import AntidepressantTrial, EpisodeInfo, PatientProfile
from ketapath.core.trd import (
    MsmBand,
    assess_trd,
    maudsley_stage,
    msm_band,
    stage_profile,
    thase_rush_stage,
)

D = Decimal
SEVERITIES = ["subsyndromal", "mild", "moderate", "severe", "severe_with_psychosis"]


def msm(duration="6", severity="moderate", failed=2, augmentation=False, ect=False):
    return maudsley_stage(
        episode_duration_months=None if duration is None else D(duration),
        severity=severity,
        failed_antidepressants=failed,
        augmentation_used=augmentation,
        ect_used=ect,
    )


def part(result, dimension):
    return next(p.score for p in result.parts if p.dimension == dimension)


def failed(drug, drug_class, dose="300"):
    return AntidepressantTrial(drug, drug_class, D(dose), D(8), D(0), False)


class TestMsmBand:
    @pytest.mark.parametrize(
        ("score", "band"),
        [
            (3, MsmBand.MILD),
            (6, MsmBand.MILD),
            (7, MsmBand.MODERATE),
            (10, MsmBand.MODERATE),
            (11, MsmBand.SEVERE),
            (15, MsmBand.SEVERE),
        ],
        ids=[
            "fekadu2018-3",
            "fekadu2018-6",
            "fekadu2018-7",
            "fekadu2018-10",
            "fekadu2018-11",
            "fekadu2018-15",
        ],
    )
    def test_band_boundaries(self, score, band):
        assert msm_band(score) is band

    @pytest.mark.parametrize("score", [2, 16])
    def test_score_outside_3_to_15_is_an_error(self, score):
        with pytest.raises(InvalidInputError):
            msm_band(score)


class TestMaudsleyStage:
    @pytest.mark.parametrize(
        ("months", "score"),
        [
            ("0", 1),
            ("12", 1),
            ("12.5", 2),
            ("13", 2),
            ("24", 2),
            ("24.5", 3),
            ("25", 3),
        ],
    )
    def test_duration_levels(self, months, score):
        assert part(msm(duration=months), "duration") == score

    @pytest.mark.parametrize(
        ("severity", "score"), list(zip(SEVERITIES, range(1, 6), strict=True))
    )
    def test_severity_levels(self, severity, score):
        assert part(msm(severity=severity), "severity") == score

    @pytest.mark.parametrize(
        ("count", "score"),
        [
            (1, 1),
            (2, 1),
            (3, 2),
            (4, 2),
            (5, 3),
            (6, 3),
            (7, 4),
            (10, 4),
            (11, 5),
            (30, 5),
        ],
    )
    def test_failed_antidepressant_levels(self, count, score):
        assert part(msm(failed=count), "failed_antidepressants") == score

    @pytest.mark.parametrize(
        ("augmentation", "ect", "extra"),
        [
            (False, False, 0),
            (True, False, 1),
            (False, True, 1),
            (True, True, 2),
        ],
    )
    def test_augmentation_and_ect_add_one_each(self, augmentation, ect, extra):
        assert msm(augmentation=augmentation, ect=ect).score == 1 + 3 + 1 + extra

    def test_minimum_and_maximum_totals(self):
        low = msm(duration="1", severity="subsyndromal", failed=1)
        high = msm("30", "severe_with_psychosis", 11, True, True)
        assert (low.score, low.band) == (3, MsmBand.MILD)
        assert (high.score, high.band) == (15, MsmBand.SEVERE)

    def test_missing_dimensions_give_an_incomplete_result_not_a_zero(self):
        result = msm(duration=None, severity=None, augmentation=None)
        assert result.score is None
        assert result.band is None
        assert result.missing == (
            "current_episode.duration_months",
            "current_episode.severity",
            "augmentation_used",
        )

    def test_no_failed_antidepressant_is_not_applicable(self):
        result = msm(failed=0)
        assert result.score is None
        assert result.missing == ("failed_antidepressants",)
        assert "not applicable" in result.finding.message

    def test_unknown_severity_is_an_error(self):
        with pytest.raises(InvalidInputError) as caught:
            msm(severity="extreme")
        assert caught.value.field == "severity"

    @given(
        months=st.integers(0, 600),
        severity=st.sampled_from(SEVERITIES),
        count=st.integers(1, 40),
        augmentation=st.booleans(),
        ect=st.booleans(),
    )
    def test_complete_score_is_always_3_to_15_with_matching_band(
        self, months, severity, count, augmentation, ect
    ):
        result = msm(str(months), severity, count, augmentation, ect)
        assert result.score is not None
        assert 3 <= result.score <= 15
        assert result.band is msm_band(result.score)
        assert result.score == sum(p.score for p in result.parts)


class TestThaseRushStage:
    SSRI = failed("sertraline", "ssri", "100")
    SNRI = failed("venlafaxine", "snri", "150")
    NDRI = failed("bupropion", "ndri")
    TCA = failed("nortriptyline", "tca", "100")
    MAOI = failed("phenelzine", "maoi", "45")

    @pytest.mark.parametrize(
        ("trials", "ect", "stage"),
        [
            ([], None, None),
            ([SSRI], None, "I"),
            ([SSRI, failed("fluoxetine", "ssri", "20")], None, "I"),
            ([SSRI, SNRI], None, "II"),
            ([SSRI, TCA], None, "II"),
            ([SSRI, SNRI, NDRI], None, "II"),
            ([SSRI, SNRI, TCA], None, "III"),
            ([SSRI, SNRI, TCA, MAOI], None, "IV"),
            ([SSRI, SNRI, TCA, MAOI], False, "IV"),
            ([SSRI, SNRI, TCA, MAOI], True, "V"),
            ([SSRI, SNRI, NDRI, MAOI], True, "II"),
        ],
        ids=[
            "none",
            "I",
            "I-same-class",
            "II",
            "II-ssri-tca",
            "II-no-tca",
            "III",
            "IV",
            "IV-ect-ok",
            "V",
            "no-tca-stays-II",
        ],
    )
    def test_stages(self, trials, ect, stage):
        result = thase_rush_stage(assess_trd(trials), bilateral_ect_failed=ect)
        assert result.stage == stage
        assert result.finding.rule_id == "THASE-RUSH-01"

    def test_inadequate_failures_do_not_stage(self):
        short = AntidepressantTrial("sertraline", "ssri", D(100), D(2), D(0), False)
        assert thase_rush_stage(assess_trd([short])).stage is None


class TestStageProfile:
    def test_failed_count_follows_the_chosen_ruleset(self):
        trials = tuple(
            AntidepressantTrial(drug, cls, D(dose), D(8), D(30), False)
            for drug, cls, dose in [
                ("sertraline", "ssri", 100),
                ("venlafaxine", "snri", 150),
                ("mirtazapine", "nassa", 30),
            ]
        )
        profile = PatientProfile(
            age_years=40,
            sex="male",
            current_episode=EpisodeInfo(D(6), "moderate"),
            antidepressant_trials=trials,
            augmentation_used=False,
            ect_used=False,
        )
        seed = stage_profile(profile)
        eu = stage_profile(profile, ruleset="eu-pearl-2022")
        assert (seed.msm.score, seed.thase_rush.stage) == (1 + 3 + 2, "II")
        assert (eu.msm.score, eu.thase_rush.stage) == (None, None)

    def test_missing_episode_is_reported_as_missing(self):
        profile = PatientProfile(
            age_years=40,
            sex="male",
            antidepressant_trials=(failed("bupropion", "ndri"),),
        )
        result = stage_profile(profile).msm
        assert "current_episode.duration_months" in result.missing
        assert "ect_used" in result.missing
