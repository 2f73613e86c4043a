"""PatientProfileIn: bounds name the field and range; vocabularies come from the core."""

from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ketapath.core.errors import InvalidInputError
from ketapath.core.patient import (
    CONDITIONS,
    BloodPressureReading,
    Medication,
    PatientProfile,
)
from ketapath.schemas.profile import PatientProfileIn

VALID: dict[str, Any] = {
    "age_years": 45,
    "sex": "female",
    "weight_kg": 70.5,
    "height_cm": 165,
    "pregnant": False,
    "breastfeeding": False,
    "blood_pressure": {"systolic": 130, "diastolic": 85},
    "conditions": ["hypertension"],
    "medications": [{"name": "lorazepam", "drug_class": "benzodiazepine"}],
    "current_episode": {"duration_months": 18, "severity": "severe"},
    "antidepressant_trials": [
        {
            "drug": "sertraline",
            "drug_class": "ssri",
            "daily_dose_mg": 150,
            "weeks": 8,
            "improvement_pct": 20,
            "remission": False,
        },
    ],
    "augmentation_used": True,
    "ect_used": False,
}


def errors(data):
    with pytest.raises(ValidationError) as caught:
        PatientProfileIn.model_validate(data)
    return {".".join(map(str, e["loc"])): e["msg"] for e in caught.value.errors()}


class TestPatientProfileIn:
    def test_valid_profile_converts_to_the_core_profile(self):
        core = PatientProfileIn.model_validate(VALID).to_core()
        assert core.age_years == 45
        assert core.weight_kg == Decimal("70.5")
        assert core.blood_pressure == BloodPressureReading(130, 85)
        assert core.conditions == frozenset({"hypertension"})
        assert core.medications == (Medication("lorazepam", "benzodiazepine"),)
        assert core.antidepressant_trials[0].weeks == Decimal(8)
        assert core.ect_used is False

    def test_missing_optional_values_stay_none_not_zero(self):
        core = PatientProfileIn.model_validate(
            {"age_years": 30, "sex": "male"}
        ).to_core()
        assert core.augmentation_used is None
        assert core.current_episode is None
        assert core.blood_pressure is None

    @pytest.mark.parametrize(
        ("age", "bound"),
        [(17, "greater than or equal to 18"), (121, "less than or equal to 120")],
    )
    def test_age_outside_adult_range_names_field_and_bound(self, age, bound):
        assert bound in errors({**VALID, "age_years": age})["age_years"]

    def test_negative_weeks_names_the_trial_field(self):
        trial = {**VALID["antidepressant_trials"][0], "weeks": -1}
        found = errors({**VALID, "antidepressant_trials": [trial]})
        assert found == {
            "antidepressant_trials.0.weeks": "Input should be greater than or equal to 0"
        }

    def test_unknown_condition_lists_allowed_codes(self):
        message = errors({**VALID, "conditions": ["gout"]})["conditions.0"]
        assert "uncontrolled_hypertension" in message

    def test_unknown_drug_class_is_rejected(self):
        found = errors(
            {**VALID, "medications": [{"name": "x", "drug_class": "herbal"}]}
        )
        assert "medications.0.drug_class" in found

    def test_extra_field_is_forbidden(self):
        assert "smoker" in errors({**VALID, "smoker": True})

    def test_diastolic_must_be_below_systolic(self):
        found = errors({**VALID, "blood_pressure": {"systolic": 120, "diastolic": 120}})
        assert "below systolic" in found["blood_pressure"]

    def test_adequacy_override_needs_a_reason(self):
        trial = {**VALID["antidepressant_trials"][0], "adequacy_override": True}
        found = errors({**VALID, "antidepressant_trials": [trial]})
        assert "override_reason" in found["antidepressant_trials.0"]

    def test_condition_enum_matches_the_core_vocabulary(self):
        schema = PatientProfileIn.model_json_schema()
        enum = schema["properties"]["conditions"]["items"]["enum"]
        assert set(enum) == CONDITIONS


class TestPatientProfile:
    def test_unknown_condition_code_names_field_and_allowed_values(self):
        with pytest.raises(InvalidInputError) as caught:
            PatientProfile(age_years=40, sex="male", conditions=frozenset({"gout"}))
        assert caught.value.field == "conditions"
        assert "liver_disease" in (caught.value.allowed or "")

    def test_unknown_medication_class_names_field(self):
        with pytest.raises(InvalidInputError) as caught:
            Medication("x", "herbal")
        assert caught.value.field == "medications.drug_class"

    def test_child_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            PatientProfile(age_years=16, sex="female")
        assert (caught.value.field, caught.value.allowed) == ("age_years", "18–120")

    def test_implausible_blood_pressure_names_the_nested_field(self):
        with pytest.raises(InvalidInputError) as caught:
            BloodPressureReading(400, 80)
        assert caught.value.field == "blood_pressure.systolic_mmhg"
