from decimal import Decimal
from typing import Any

import pytest

from ketapath.core.errors import InvalidInputError
from ketapath.core.monitoring.predose import PreDoseSettings, predose_check

ESK_READY: dict[str, Any] = {
    "systolic_mmhg": 120,
    "diastolic_mmhg": 80,
    "transport_arranged": True,
    "hours_since_food": 2,
    "minutes_since_liquids": 30,
    "patient_rems_enrolled": True,
    "setting_rems_certified": True,
    "pulse_oximeter_available": True,
}


def ids(check):
    return [f.rule_id for f in check.findings]


class TestPredoseCheck:
    def test_esketamine_all_items_met_is_clear(self):
        check = predose_check("esketamine", **ESK_READY)
        assert (check.status, check.findings, check.requires_acknowledgement) == (
            "clear",
            (),
            False,
        )

    @pytest.mark.parametrize("route", ["esketamine", "iv_ketamine", "kap"])
    def test_missing_bp_stops(self, route):
        check = predose_check(route, **{**ESK_READY, "systolic_mmhg": None})
        assert check.status == "stop"
        assert "PRE-BP-REQUIRED" in ids(check)
        assert "Pre-dose BP required" in check.findings[0].message

    def test_esketamine_bp_141_91_is_caution(self):
        check = predose_check(
            "esketamine", **{**ESK_READY, "systolic_mmhg": 141, "diastolic_mmhg": 91}
        )
        assert (check.status, check.requires_acknowledgement) == ("caution", True)

    def test_iv_bp_180_110_stops(self):
        check = predose_check(
            "iv_ketamine",
            systolic_mmhg=180,
            diastolic_mmhg=110,
            transport_arranged=True,
        )
        assert check.status == "stop"

    def test_iv_needs_no_fasting_or_rems(self):
        check = predose_check(
            "iv_ketamine", systolic_mmhg=120, diastolic_mmhg=80, transport_arranged=True
        )
        assert check.status == "clear"

    @pytest.mark.parametrize("transport", [None, False])
    @pytest.mark.parametrize("route", ["esketamine", "iv_ketamine"])
    def test_transport_not_arranged_stops(self, route, transport):
        check = predose_check(route, **{**ESK_READY, "transport_arranged": transport})
        assert check.status == "stop"
        assert "PRE-TRANSPORT" in ids(check)

    @pytest.mark.parametrize(
        ("food_h", "liquids_min", "expected"),
        [
            (2, 30, "clear"),
            (Decimal("1.9"), 30, "caution"),
            (2, 29, "caution"),
            (None, 30, "caution"),
            (0, 0, "caution"),
        ],
    )
    def test_esketamine_fasting_boundaries(self, food_h, liquids_min, expected):
        check = predose_check(
            "esketamine",
            **{
                **ESK_READY,
                "hours_since_food": food_h,
                "minutes_since_liquids": liquids_min,
            },
        )
        assert check.status == expected

    @pytest.mark.parametrize(
        ("minutes", "expected"), [(59, "caution"), (60, "clear"), (None, "clear")]
    )
    def test_nasal_medication_one_hour_before(self, minutes, expected):
        check = predose_check(
            "esketamine", **ESK_READY, minutes_since_nasal_medication=minutes
        )
        assert check.status == expected

    @pytest.mark.parametrize(
        "item",
        ["patient_rems_enrolled", "setting_rems_certified", "pulse_oximeter_available"],
    )
    def test_rems_items_not_confirmed_stop(self, item):
        check = predose_check("esketamine", **{**ESK_READY, item: None})
        assert check.status == "stop"
        assert check.findings[0].details["item"] == item

    def test_rems_can_be_turned_off_outside_the_us(self):
        settings = PreDoseSettings(rems_applies=False)
        check = predose_check(
            "esketamine",
            **{**ESK_READY, "patient_rems_enrolled": None},
            settings=settings,
        )
        assert check.status == "clear"

    def test_negative_interval_is_invalid(self):
        with pytest.raises(InvalidInputError):
            predose_check("esketamine", **{**ESK_READY, "hours_since_food": -1})
