"""next_maintenance_interval: widen while response holds, step back on worsening."""

import pytest

from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Severity
from ketapath.core.protocols import MaintenanceSettings, next_maintenance_interval


def esk(current, *, holding, worsening, missed=False):
    return next_maintenance_interval(
        protocol_key="esketamine_trd",
        current_interval_days=current,
        response_holding=holding,
        worsening=worsening,
        missed_doses=missed,
    )


def iv(current, *, holding, worsening, previous=None, settings=MaintenanceSettings()):
    return next_maintenance_interval(
        protocol_key="iv_induction",
        current_interval_days=current,
        response_holding=holding,
        worsening=worsening,
        previous_interval_days=previous,
        settings=settings,
    )


class TestNextMaintenanceIntervalEsketamine:
    def test_weekly_widens_to_every_2_weeks_while_response_holds(self):
        decision = esk(7, holding=True, worsening=False)
        assert (decision.interval_days, decision.frequency) == (14, "every 2 weeks")
        assert decision.reason.rule_id == "MAINT-01"
        assert decision.reason.severity is Severity.INFO

    def test_every_2_weeks_is_the_widest(self):
        assert esk(14, holding=True, worsening=False).interval_days == 14

    def test_worsening_steps_back_from_2_weeks_to_weekly(self):
        decision = esk(14, holding=True, worsening=True)
        assert decision.interval_days == 7
        assert decision.reason.severity is Severity.CAUTION

    def test_missed_doses_with_worsening_step_weekly_back_to_twice_weekly(self):
        decision = esk(7, holding=False, worsening=True, missed=True)
        assert (decision.interval_days, decision.frequency) == (3, "twice weekly")
        assert "missed doses" in decision.reason.message

    def test_worsening_at_twice_weekly_stays_and_prompts_review(self):
        decision = esk(3, holding=False, worsening=True)
        assert decision.interval_days == 3
        assert "review" in decision.reason.message

    def test_response_not_holding_keeps_interval_with_caution(self):
        decision = esk(14, holding=False, worsening=False)
        assert decision.interval_days == 14
        assert decision.reason.severity is Severity.CAUTION

    @pytest.mark.parametrize("current", [0, 5, 10, 21])
    def test_off_label_interval_is_rejected(self, current):
        with pytest.raises(InvalidInputError) as caught:
            esk(current, holding=True, worsening=False)
        assert caught.value.field == "current_interval_days"


class TestNextMaintenanceIntervalIv:
    def test_widens_one_week_while_response_holds(self):
        decision = iv(21, holding=True, worsening=False)
        assert decision.interval_days == 28
        assert decision.reason.rule_id == "MAINT-02"

    def test_never_widens_beyond_6_weeks(self):
        assert iv(42, holding=True, worsening=False).interval_days == 42
        assert iv(40, holding=True, worsening=False).interval_days == 42

    def test_worsening_steps_back_to_the_previous_interval(self):
        assert iv(35, holding=False, worsening=True, previous=28).interval_days == 28

    def test_worsening_without_history_steps_back_one_week(self):
        assert iv(35, holding=False, worsening=True).interval_days == 28

    def test_worsening_never_goes_below_3_weeks_and_prompts_review(self):
        decision = iv(21, holding=False, worsening=True)
        assert decision.interval_days == 21
        assert "review" in decision.reason.message

    def test_clinic_settings_change_the_range(self):
        settings = MaintenanceSettings(
            iv_min_interval_days=14, iv_max_interval_days=28, iv_step_days=14
        )
        assert (
            iv(14, holding=True, worsening=False, settings=settings).interval_days == 28
        )

    def test_min_above_max_is_rejected(self):
        with pytest.raises(InvalidInputError):
            MaintenanceSettings(iv_min_interval_days=50, iv_max_interval_days=42)

    def test_protocol_without_maintenance_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            next_maintenance_interval(
                protocol_key="kap",
                current_interval_days=7,
                response_holding=True,
                worsening=False,
            )
        assert caught.value.field == "protocol_key"
