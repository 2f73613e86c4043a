"""Trial adequacy: dose and duration boundaries, unknown drugs, missing values, overrides."""

from decimal import Decimal

import pytest

from ketapath.core.errors import InvalidInputError
from ketapath.core.patient import AntidepressantTrial
from ketapath.core.trd import DEFAULT_DOSE_TABLE, Adequacy, MinimumDose, assess_adequacy
from ketapath.core.trd.rules import MCMASTER_DOSES

D = Decimal


def trial(drug="sertraline", drug_class="ssri", dose="100", weeks="8", **kw):
    return AntidepressantTrial(
        drug=drug,
        drug_class=drug_class,
        daily_dose_mg=None if dose is None else D(dose),
        weeks=None if weeks is None else D(weeks),
        improvement_pct=kw.pop("improvement_pct", D(10)),
        remission=kw.pop("remission", False),
        **kw,
    )


class TestAssessAdequacy:
    @pytest.mark.parametrize(
        ("drug", "drug_class", "minimum"),
        [
            ("sertraline", "ssri", "50"),
            ("escitalopram", "ssri", "10"),
            ("venlafaxine", "snri", "75"),
            ("bupropion", "ndri", "300"),
            ("mirtazapine", "nassa", "15"),
            ("nortriptyline", "tca", "75"),
            ("phenelzine", "maoi", "30"),
        ],
        ids=[
            "mcmaster-sertraline",
            "mcmaster-escitalopram",
            "mcmaster-venlafaxine",
            "mcmaster-bupropion",
            "mcmaster-mirtazapine",
            "portico-nortriptyline",
            "portico-phenelzine",
        ],
    )
    def test_dose_at_minimum_is_adequate_and_just_below_is_not(
        self, drug, drug_class, minimum
    ):
        at, _ = assess_adequacy(trial(drug, drug_class, minimum), min_weeks=D(6))
        below, findings = assess_adequacy(
            trial(drug, drug_class, str(D(minimum) - D("0.1"))), min_weeks=D(6)
        )
        assert at is Adequacy.ADEQUATE
        assert below is Adequacy.INADEQUATE
        assert findings[0].rule_id == "TRD-ADEQ-DOSE"
        assert "below the minimum" in findings[0].message

    @pytest.mark.parametrize(
        ("min_weeks", "weeks", "expected"),
        [
            ("6", "6", Adequacy.ADEQUATE),
            ("6", "5.9", Adequacy.INADEQUATE),
            ("4", "4", Adequacy.ADEQUATE),
            ("4", "3.9", Adequacy.INADEQUATE),
        ],
        ids=["seed-6wk", "seed-5.9wk", "eu-pearl-4wk", "eu-pearl-3.9wk"],
    )
    def test_duration_boundary(self, min_weeks, weeks, expected):
        verdict, findings = assess_adequacy(trial(weeks=weeks), min_weeks=D(min_weeks))
        assert verdict is expected
        assert any(f.rule_id == "TRD-ADEQ-DURATION" for f in findings)

    def test_unknown_drug_is_not_assessable(self):
        verdict, findings = assess_adequacy(
            trial("agomelatine", "atypical"), min_weeks=D(6)
        )
        assert verdict is Adequacy.NOT_ASSESSABLE
        assert "not in the minimum-dose table" in findings[0].message

    @pytest.mark.parametrize("missing", ["dose", "weeks"])
    def test_missing_dose_or_duration_is_not_assessable_not_zero(self, missing):
        verdict, _ = assess_adequacy(trial(**{missing: None}), min_weeks=D(6))
        assert verdict is Adequacy.NOT_ASSESSABLE

    def test_inadequate_wins_over_not_assessable(self):
        verdict, _ = assess_adequacy(trial(dose="10", weeks=None), min_weeks=D(6))
        assert verdict is Adequacy.INADEQUATE

    def test_clinician_override_makes_unknown_drug_adequate(self):
        t = trial(
            "agomelatine",
            "atypical",
            adequacy_override=True,
            override_reason="levels ok",
        )
        verdict, findings = assess_adequacy(t, min_weeks=D(6))
        assert verdict is Adequacy.ADEQUATE
        assert [f.rule_id for f in findings] == ["TRD-ADEQ-OVERRIDE"]
        assert "levels ok" in findings[0].message

    def test_clinician_override_can_mark_a_full_trial_inadequate(self):
        t = trial(adequacy_override=False, override_reason="non-adherent")
        verdict, _ = assess_adequacy(t, min_weeks=D(6))
        assert verdict is Adequacy.INADEQUATE

    def test_formulation_alias_uses_the_generic_minimum(self):
        verdict, _ = assess_adequacy(
            trial("Venlafaxine  XR", "snri", "75"), min_weeks=D(6)
        )
        assert verdict is Adequacy.ADEQUATE

    def test_clinic_can_supply_its_own_dose_table(self):
        table = {
            "sertraline": MinimumDose("sertraline", "ssri", D(100), MCMASTER_DOSES)
        }
        verdict, _ = assess_adequacy(trial(dose="75"), min_weeks=D(6), dose_table=table)
        assert verdict is Adequacy.INADEQUATE

    def test_every_table_entry_cites_a_source(self):
        assert all(entry.source.url for entry in DEFAULT_DOSE_TABLE.values())


class TestAntidepressantTrial:
    def test_override_without_reason_is_an_error_naming_the_field(self):
        with pytest.raises(InvalidInputError) as caught:
            trial(adequacy_override=True)
        assert caught.value.field == "antidepressant_trials.override_reason"

    def test_non_antidepressant_class_is_rejected_with_allowed_values(self):
        with pytest.raises(InvalidInputError) as caught:
            trial(drug_class="benzodiazepine")
        assert caught.value.field == "antidepressant_trials.drug_class"
        assert "ssri" in (caught.value.allowed or "")
