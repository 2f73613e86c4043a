import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.dosing.esketamine import esketamine_dose
from ketapath.core.errors import (
    DoseNotAllowedError,
    InvalidInputError,
    UnknownNameError,
)
from ketapath.core.findings import Severity


def refused_rule(**kwargs):
    with pytest.raises(DoseNotAllowedError) as caught:
        esketamine_dose(**kwargs)
    assert caught.value.rule_id in str(caught.value)
    return caught.value.rule_id


class TestEsketamineDose:
    def test_day_one_trd_is_56_mg_in_two_devices(self):
        result = esketamine_dose(age_years=40)
        assert (result.dose_mg, result.devices, result.rest_between_devices_min) == (
            56,
            2,
            5,
        )

    def test_later_default_is_the_last_dose_given(self):
        assert esketamine_dose(age_years=40, previous_doses_mg=[56, 84]).dose_mg == 84

    @pytest.mark.parametrize("requested", [56, 84])
    def test_later_doses_may_be_56_or_84_after_56(self, requested):
        assert (
            esketamine_dose(
                age_years=40, previous_doses_mg=[56], requested_mg=requested
            ).dose_mg
            == requested
        )

    def test_84_on_day_one_is_refused_by_the_84_after_56_rule(self):
        assert refused_rule(age_years=40, requested_mg=84) == "ESK-DOSE-84-AFTER-56"

    def test_28_on_day_one_is_refused_in_the_us_set(self):
        assert refused_rule(age_years=40, requested_mg=28) == "ESK-DOSE-DAY1-56"

    def test_28_after_day_one_is_not_a_us_trd_dose(self):
        assert (
            refused_rule(age_years=40, previous_doses_mg=[56], requested_mg=28)
            == "ESK-TRD-DOSES"
        )

    @pytest.mark.parametrize("requested", [27, 42, 55, 0, -28])
    def test_non_multiples_of_28_are_refused(self, requested):
        assert (
            refused_rule(age_years=40, previous_doses_mg=[56], requested_mg=requested)
            == "ESK-DEVICE-28"
        )

    @pytest.mark.parametrize("requested", [112, 140])
    def test_never_more_than_84_mg(self, requested):
        assert (
            refused_rule(age_years=40, previous_doses_mg=[56], requested_mg=requested)
            == "ESK-DOSE-MAX-84"
        )

    def test_under_18_is_refused(self):
        assert refused_rule(age_years=17) == "ESK-ADULTS"

    def test_us_set_uses_adult_table_at_65_with_a_note(self):
        result = esketamine_dose(age_years=65)
        assert result.dose_mg == 56
        assert "ESK-US-GE65-NOTE" in [f.rule_id for f in result.findings]

    def test_eu_au_65_starts_at_28_mg(self):
        result = esketamine_dose(age_years=65, ruleset="eu-au")
        assert (result.dose_mg, result.devices) == (28, 1)

    def test_eu_au_64_starts_at_56_mg(self):
        assert esketamine_dose(age_years=64, ruleset="eu-au").dose_mg == 56

    def test_eu_au_65_day_one_56_is_refused(self):
        assert (
            refused_rule(age_years=70, ruleset="eu-au", requested_mg=56)
            == "ESK-GE65-DAY1-28"
        )

    def test_eu_au_65_steps_up_by_28(self):
        assert (
            esketamine_dose(
                age_years=70, ruleset="eu-au", previous_doses_mg=[28], requested_mg=56
            ).dose_mg
            == 56
        )
        assert (
            refused_rule(
                age_years=70, ruleset="eu-au", previous_doses_mg=[28], requested_mg=84
            )
            == "ESK-GE65-STEP-28"
        )

    def test_eu_au_65_may_continue_at_28(self):
        assert (
            esketamine_dose(
                age_years=70, ruleset="eu-au", previous_doses_mg=[28, 28]
            ).dose_mg
            == 28
        )

    def test_mdsi_starts_at_84_without_a_previous_56(self):
        assert esketamine_dose(age_years=40, indication="mdsi").dose_mg == 84

    def test_mdsi_may_reduce_to_56(self):
        assert (
            esketamine_dose(
                age_years=40, indication="mdsi", previous_doses_mg=[84], requested_mg=56
            ).dose_mg
            == 56
        )

    def test_mdsi_28_is_refused(self):
        assert (
            refused_rule(age_years=40, indication="mdsi", requested_mg=28)
            == "ESK-MDSI-DOSES"
        )

    def test_eu_au_mdsi_at_65_is_a_caution(self):
        result = esketamine_dose(age_years=65, indication="mdsi", ruleset="eu-au")
        caution = [f for f in result.findings if f.rule_id == "ESK-MDSI-GE65"]
        assert caution[0].severity is Severity.CAUTION

    def test_history_with_an_impossible_dose_names_the_item(self):
        with pytest.raises(InvalidInputError) as caught:
            esketamine_dose(age_years=40, previous_doses_mg=[56, 50])
        assert caught.value.field == "previous_doses_mg[1]"

    @pytest.mark.parametrize(
        ("kwargs", "field"),
        [({"ruleset": "uk"}, "ruleset"), ({"indication": "ptsd"}, "indication")],
    )
    def test_unknown_names_are_rejected(self, kwargs, field):
        with pytest.raises(UnknownNameError) as caught:
            esketamine_dose(age_years=40, **kwargs)
        assert caught.value.field == field

    @given(
        age=st.integers(min_value=18, max_value=100),
        history=st.lists(st.sampled_from([28, 56, 84]), max_size=6),
        indication=st.sampled_from(["trd", "mdsi"]),
        ruleset=st.sampled_from(["us", "eu-au"]),
        requested=st.one_of(st.none(), st.integers(min_value=-30, max_value=200)),
    )
    def test_any_allowed_dose_is_whole_devices_and_at_most_84(
        self, age, history, indication, ruleset, requested
    ):
        try:
            result = esketamine_dose(
                age_years=age,
                previous_doses_mg=history,
                indication=indication,
                requested_mg=requested,
                ruleset=ruleset,
            )
        except DoseNotAllowedError:
            return
        assert result.dose_mg % 28 == 0
        assert 28 <= result.dose_mg <= 84
        assert result.devices * 28 == result.dose_mg
        if indication == "trd" and result.dose_mg == 84:
            assert any(dose >= 56 for dose in history)
