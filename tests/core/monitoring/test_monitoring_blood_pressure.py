import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import Severity
from ketapath.core.monitoring.blood_pressure import (
    BloodPressureThresholds,
    blood_pressure_finding,
)


class TestBloodPressureFinding:
    @pytest.mark.parametrize(
        ("systolic", "diastolic"), [(140, 90), (120, 80), (140, 60)]
    )
    def test_esketamine_at_or_below_140_90_is_no_finding(self, systolic, diastolic):
        assert (
            blood_pressure_finding(
                "esketamine", systolic_mmhg=systolic, diastolic_mmhg=diastolic
            )
            is None
        )

    @pytest.mark.parametrize(
        ("systolic", "diastolic"), [(141, 91), (141, 80), (130, 91), (200, 120)]
    )
    def test_esketamine_above_140_or_90_is_a_caution_needing_prescriber(
        self, systolic, diastolic
    ):
        finding = blood_pressure_finding(
            "esketamine", systolic_mmhg=systolic, diastolic_mmhg=diastolic
        )
        assert finding is not None
        assert (finding.rule_id, finding.severity) == ("BP-ESK-01", Severity.CAUTION)
        assert finding.details["requires_acknowledgement"] is True
        assert finding.details["acknowledged_by"] == "prescriber"

    @pytest.mark.parametrize("route", ["iv_ketamine", "kap"])
    @pytest.mark.parametrize(
        ("systolic", "diastolic"), [(180, 100), (150, 110), (180, 110)]
    )
    def test_ketamine_at_180_or_110_stops(self, route, systolic, diastolic):
        finding = blood_pressure_finding(
            route, systolic_mmhg=systolic, diastolic_mmhg=diastolic
        )
        assert finding is not None
        assert (finding.rule_id, finding.severity) == (
            "BP-IV-STOP",
            Severity.CONTRAINDICATED,
        )
        assert finding.details["stop"] is True

    @pytest.mark.parametrize("route", ["iv_ketamine", "kap"])
    @pytest.mark.parametrize(
        ("systolic", "diastolic"), [(179, 109), (140, 80), (120, 90)]
    )
    def test_ketamine_from_140_90_below_stop_is_a_caution(
        self, route, systolic, diastolic
    ):
        finding = blood_pressure_finding(
            route, systolic_mmhg=systolic, diastolic_mmhg=diastolic
        )
        assert finding is not None
        assert (finding.rule_id, finding.severity) == (
            "BP-IV-CAUTION",
            Severity.CAUTION,
        )

    def test_ketamine_139_89_is_no_finding(self):
        assert (
            blood_pressure_finding("iv_ketamine", systolic_mmhg=139, diastolic_mmhg=89)
            is None
        )

    def test_clinic_can_set_its_stop_threshold(self):
        thresholds = BloodPressureThresholds(
            ketamine_stop_systolic_mmhg=160, ketamine_stop_diastolic_mmhg=100
        )
        finding = blood_pressure_finding(
            "iv_ketamine", systolic_mmhg=160, diastolic_mmhg=80, thresholds=thresholds
        )
        assert finding is not None
        assert finding.rule_id == "BP-IV-STOP"

    def test_thresholds_with_caution_above_stop_are_rejected(self):
        with pytest.raises(InvalidInputError):
            BloodPressureThresholds(ketamine_caution_systolic_mmhg=190)

    @pytest.mark.parametrize(
        ("systolic", "diastolic", "field"),
        [
            (49, 30, "systolic_mmhg"),
            (301, 90, "systolic_mmhg"),
            (120, 19, "diastolic_mmhg"),
            (120, 120, "diastolic_mmhg"),
            (120, 130, "diastolic_mmhg"),
        ],
    )
    def test_implausible_values_name_the_field(self, systolic, diastolic, field):
        with pytest.raises(InvalidInputError) as caught:
            blood_pressure_finding(
                "esketamine", systolic_mmhg=systolic, diastolic_mmhg=diastolic
            )
        assert caught.value.field == field
        assert caught.value.allowed

    def test_unknown_route(self):
        with pytest.raises(UnknownNameError):
            blood_pressure_finding("oral", systolic_mmhg=120, diastolic_mmhg=80)

    @given(systolic=st.integers(141, 300), diastolic=st.integers(20, 200))
    def test_esketamine_never_stops(self, systolic, diastolic):
        if diastolic >= systolic:
            return
        finding = blood_pressure_finding(
            "esketamine", systolic_mmhg=systolic, diastolic_mmhg=diastolic
        )
        assert finding is not None
        assert finding.severity is Severity.CAUTION
