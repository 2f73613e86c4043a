from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.dosing.iv import IvSettings, iv_dose
from ketapath.core.errors import DoseNotAllowedError, InvalidInputError
from ketapath.core.findings import Severity


def rule_ids(result):
    return [f.rule_id for f in result.findings]


class TestIvDose:
    def test_sanacora_default_worked_example(self):
        result = iv_dose(weight_kg=70)
        assert result.dose_mg == Decimal(35)
        assert result.minutes == 40
        assert result.mg_per_kg == Decimal("0.5")
        assert result.rate_mg_per_min == Decimal("0.875")
        assert result.rate_ml_per_h is None
        assert (result.dosing_weight_kg, result.weight_basis) == (
            Decimal("70.0"),
            "actual",
        )
        assert "KET-DOSE-01" in rule_ids(result)

    def test_rate_ml_per_h_from_concentration(self):
        # 35 mg at 1 mg/mL = 35 mL over 40 min = 52.5 mL/h
        result = iv_dose(weight_kg=70, concentration_mg_per_ml=1)
        assert result.rate_ml_per_h == Decimal("52.5")
        assert result.volume_ml == Decimal("35.0")

    def test_rate_ml_per_h_from_bag_volume(self):
        # 100 mL bag over 40 min = 150 mL/h
        assert iv_dose(weight_kg=70, bag_volume_ml=100).rate_ml_per_h == Decimal(
            "150.0"
        )

    def test_concentration_and_bag_volume_together_are_rejected(self):
        with pytest.raises(InvalidInputError):
            iv_dose(weight_kg=70, concentration_mg_per_ml=1, bag_volume_ml=100)

    def test_undiluted_100_mg_per_ml_is_refused(self):
        with pytest.raises(DoseNotAllowedError) as caught:
            iv_dose(weight_kg=70, concentration_mg_per_ml=100)
        assert caught.value.rule_id == "KET-IV-CONC-100"

    def test_50_mg_per_ml_is_accepted(self):
        assert iv_dose(
            weight_kg=70, concentration_mg_per_ml=50
        ).rate_ml_per_h == Decimal("1.1")

    @pytest.mark.parametrize("mg_per_kg", ["0.1", "0.75", "1.0"])
    def test_mg_per_kg_bounds_are_inclusive(self, mg_per_kg):
        assert iv_dose(weight_kg=70, mg_per_kg=mg_per_kg).mg_per_kg == Decimal(
            mg_per_kg
        )

    @pytest.mark.parametrize("mg_per_kg", ["0.09", "1.01", "2"])
    def test_mg_per_kg_outside_clinic_bounds_is_refused_naming_rule_and_range(
        self, mg_per_kg
    ):
        with pytest.raises(DoseNotAllowedError) as caught:
            iv_dose(weight_kg=70, mg_per_kg=mg_per_kg)
        assert caught.value.rule_id == "KET-DOSE-BOUNDS"
        assert caught.value.allowed == "0.1–1.0 mg/kg"

    def test_above_075_is_a_caution_needing_acknowledgement(self):
        result = iv_dose(weight_kg=70, mg_per_kg="0.76")
        caution = [f for f in result.findings if f.rule_id == "KET-DOSE-ABOVE-STUDIED"]
        assert caution[0].severity is Severity.CAUTION
        assert caution[0].details["requires_acknowledgement"] is True

    def test_075_is_not_a_caution(self):
        assert "KET-DOSE-ABOVE-STUDIED" not in rule_ids(
            iv_dose(weight_kg=70, mg_per_kg="0.75")
        )

    def test_clinic_bounds_are_configurable(self):
        settings = IvSettings(max_mg_per_kg=Decimal("0.75"))
        with pytest.raises(DoseNotAllowedError, match=r"0\.1–0\.75"):
            iv_dose(weight_kg=70, mg_per_kg="0.8", settings=settings)

    @pytest.mark.parametrize("minutes", [1, 101, 0, -40])
    def test_minutes_outside_bounds_are_invalid(self, minutes):
        with pytest.raises(InvalidInputError) as caught:
            iv_dose(weight_kg=70, minutes=minutes)
        assert (caught.value.field, caught.value.allowed) == ("minutes", "2–100 min")

    def test_non_default_minutes_give_info_finding(self):
        result = iv_dose(weight_kg=70, minutes=100)
        assert result.rate_mg_per_min == Decimal("0.350")
        assert "KET-IV-DURATION" in rule_ids(result)

    def test_adjusted_weight_drives_the_dose(self):
        result = iv_dose(
            weight_kg=100, weight_basis="adjusted", height_cm="167.64", sex="female"
        )
        assert (result.dosing_weight_kg, result.dose_mg) == (
            Decimal("75.6"),
            Decimal("37.8"),
        )

    def test_zero_weight_is_invalid_not_missing(self):
        with pytest.raises(InvalidInputError):
            iv_dose(weight_kg=0)

    @given(
        weight=st.decimals(min_value=25, max_value=350, places=1),
        mg_per_kg=st.decimals(min_value="0.1", max_value="1.0", places=2),
    )
    def test_dose_never_exceeds_the_clinic_cap(self, weight, mg_per_kg):
        result = iv_dose(weight_kg=weight, mg_per_kg=mg_per_kg)
        assert result.dose_mg <= Decimal("1.0") * result.dosing_weight_kg + Decimal(
            "0.05"
        )

    @given(
        weight=st.decimals(min_value=25, max_value=349, places=1),
        extra=st.decimals(min_value="0.1", max_value=1, places=1),
        mg_per_kg=st.decimals(min_value="0.1", max_value="0.99", places=2),
        step=st.decimals(min_value="0.01", max_value="0.01", places=2),
    )
    def test_dose_is_monotone_in_weight_and_mg_per_kg(
        self, weight, extra, mg_per_kg, step
    ):
        base = iv_dose(weight_kg=weight, mg_per_kg=mg_per_kg).dose_mg
        assert iv_dose(weight_kg=weight + extra, mg_per_kg=mg_per_kg).dose_mg >= base
        assert iv_dose(weight_kg=weight, mg_per_kg=mg_per_kg + step).dose_mg >= base


class TestIvSettings:
    def test_inconsistent_bounds_are_rejected(self):
        with pytest.raises(InvalidInputError):
            IvSettings(min_mg_per_kg=Decimal("0.6"))
