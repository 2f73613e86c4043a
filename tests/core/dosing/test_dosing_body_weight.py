from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.dosing.body_weight import (
    adjusted_body_weight_kg,
    bmi_kg_per_m2,
    dosing_weight,
    ideal_body_weight_kg,
)
from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Severity


class TestIdealBodyWeightKg:
    @pytest.mark.parametrize(
        ("height_cm", "sex", "expected_kg"),
        [
            ("177.8", "male", "73.0"),  # 70 in: 50 + 2.3 × 10
            ("167.64", "female", "59.3"),  # 66 in: 45.5 + 2.3 × 6
            ("152.4", "male", "50.0"),  # 60 in: base
            ("152.4", "female", "45.5"),
            ("182.88", "male", "77.6"),  # 72 in: 50 + 2.3 × 12
        ],
        ids=[
            "devine-male-70in",
            "devine-female-66in",
            "devine-male-60in",
            "devine-female-60in",
            "devine-male-72in",
        ],
    )
    def test_devine_worked_examples(self, height_cm, sex, expected_kg):
        assert ideal_body_weight_kg(height_cm=height_cm, sex=sex) == Decimal(
            expected_kg
        )

    def test_below_60_inches_the_formula_subtracts_rather_than_clamps(self):
        # 58 in = 147.32 cm: 45.5 − 2.3 × 2 = 40.9 kg
        assert ideal_body_weight_kg(height_cm="147.32", sex="female") == Decimal("40.9")

    @pytest.mark.parametrize(
        ("height_cm", "sex", "field"),
        [(None, "male", "height_cm"), ("170", None, "sex")],
    )
    def test_missing_height_or_sex_names_the_field(self, height_cm, sex, field):
        with pytest.raises(InvalidInputError) as caught:
            ideal_body_weight_kg(height_cm=height_cm, sex=sex)
        assert caught.value.field == field

    def test_unknown_sex_is_rejected_with_allowed_values(self):
        with pytest.raises(InvalidInputError) as caught:
            ideal_body_weight_kg(height_cm="170", sex="x")
        assert caught.value.allowed == "female, male"

    @pytest.mark.parametrize("height_cm", ["119.9", "250.1", "-1", "nan"])
    def test_implausible_height_is_rejected(self, height_cm):
        with pytest.raises(InvalidInputError, match="height_cm"):
            ideal_body_weight_kg(height_cm=height_cm, sex="male")


class TestAdjustedBodyWeightKg:
    def test_worked_example(self):
        # IBW 59.3 (female 66 in), ABW 100: 59.3 + 0.4 × 40.7 = 75.58 → 75.6
        assert adjusted_body_weight_kg(
            weight_kg=100, height_cm="167.64", sex="female"
        ) == Decimal("75.6")

    def test_equals_ideal_when_actual_equals_ideal(self):
        assert adjusted_body_weight_kg(
            weight_kg="73.0", height_cm="177.8", sex="male"
        ) == Decimal("73.0")


class TestBmiKgPerM2:
    def test_worked_example(self):
        # 70 kg / 1.75² = 22.857 → 22.9
        assert bmi_kg_per_m2(weight_kg=70, height_cm=175) == Decimal("22.9")

    @pytest.mark.parametrize("weight_kg", ["24.9", "350.1", True])
    def test_implausible_weight_is_rejected(self, weight_kg):
        with pytest.raises(InvalidInputError) as caught:
            bmi_kg_per_m2(weight_kg=weight_kg, height_cm=175)
        assert caught.value.field == "weight_kg"


class TestDosingWeight:
    def test_actual_is_the_default_and_needs_no_height(self):
        result = dosing_weight(weight_kg=70)
        assert (result.weight_kg, result.weight_basis) == (Decimal("70.0"), "actual")
        assert result.findings[0].rule_id == "DOSE-WT-BASIS"

    def test_adjusted_weight_used_at_bmi_30_or_more(self):
        result = dosing_weight(
            weight_kg=100, weight_basis="adjusted", height_cm="167.64", sex="female"
        )
        assert (result.weight_kg, result.weight_basis) == (Decimal("75.6"), "adjusted")
        assert result.bmi_kg_per_m2 == Decimal("35.6")

    def test_ideal_weight_used_at_bmi_30_or_more(self):
        result = dosing_weight(
            weight_kg=100, weight_basis="ideal", height_cm="167.64", sex="female"
        )
        assert (result.weight_kg, result.weight_basis) == (Decimal("59.3"), "ideal")

    def test_below_the_bmi_threshold_actual_weight_is_used_and_explained(self):
        result = dosing_weight(
            weight_kg=70, weight_basis="adjusted", height_cm=175, sex="male"
        )
        assert (result.weight_kg, result.weight_basis, result.requested_basis) == (
            Decimal("70.0"),
            "actual",
            "adjusted",
        )
        assert "below 30" in result.findings[0].message

    def test_bmi_threshold_boundary_is_inclusive(self):
        # 91.875 kg at 175 cm is BMI 30.0 exactly
        at = dosing_weight(
            weight_kg="91.9", weight_basis="adjusted", height_cm=175, sex="male"
        )
        below = dosing_weight(
            weight_kg="91.8",
            weight_basis="adjusted",
            height_cm=175,
            sex="male",
            alternative_weight_min_bmi=Decimal("30.1"),
        )
        assert at.weight_basis == "adjusted"
        assert below.weight_basis == "actual"

    def test_clinic_can_change_the_bmi_threshold(self):
        result = dosing_weight(
            weight_kg=80,
            weight_basis="ideal",
            height_cm=175,
            sex="male",
            alternative_weight_min_bmi=25,
        )
        assert result.weight_basis == "ideal"

    def test_never_uses_an_alternative_weight_above_actual(self):
        result = dosing_weight(
            weight_kg=60,
            weight_basis="ideal",
            height_cm=200,
            sex="male",
            alternative_weight_min_bmi=0,
        )
        assert (result.weight_kg, result.weight_basis) == (Decimal("60.0"), "actual")

    def test_short_stature_adds_an_acknowledged_caution(self):
        result = dosing_weight(
            weight_kg=90, weight_basis="ideal", height_cm="147.32", sex="female"
        )
        short = [f for f in result.findings if f.rule_id == "DOSE-WT-DEVINE-SHORT"]
        assert short
        assert short[0].severity is Severity.CAUTION
        assert short[0].details["requires_acknowledgement"] is True

    def test_unknown_basis_names_the_field(self):
        with pytest.raises(InvalidInputError) as caught:
            dosing_weight(weight_kg=70, weight_basis="lean")
        assert caught.value.field == "weight_basis"

    def test_ideal_without_height_names_the_missing_field(self):
        with pytest.raises(InvalidInputError) as caught:
            dosing_weight(weight_kg=70, weight_basis="ideal", sex="male")
        assert caught.value.field == "height_cm"

    @given(
        weight=st.decimals(min_value=25, max_value=350, places=1),
        height=st.decimals(min_value=120, max_value=250, places=1),
        sex=st.sampled_from(["female", "male"]),
        basis=st.sampled_from(["actual", "ideal", "adjusted"]),
    )
    def test_dosing_weight_never_exceeds_actual_weight(
        self, weight, height, sex, basis
    ):
        result = dosing_weight(
            weight_kg=weight, weight_basis=basis, height_cm=height, sex=sex
        )
        assert result.weight_kg <= result.actual_weight_kg
