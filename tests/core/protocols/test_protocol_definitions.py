"""Protocol templates as data, and the protocols rule sets."""

from decimal import Decimal

import pytest

from ketapath.core.citations import Confidence
from ketapath.core.errors import UnknownNameError
from ketapath.core.protocols import (
    PROTOCOL_KEYS,
    RULE_SETS,
    ProtocolSettings,
    get_protocol,
)


class TestGetProtocol:
    def test_esketamine_trd_phases_follow_the_label(self):
        protocol = get_protocol("esketamine_trd")
        induction, weekly, maintenance = protocol.phases
        assert (
            induction.session_count,
            induction.sessions_per_week,
            induction.weeks,
        ) == (8, 2, (1, 4))
        assert induction.first_session_dose_mg == Decimal(56)
        assert (weekly.session_count, weekly.sessions_per_week, weekly.weeks) == (
            4,
            1,
            (5, 8),
        )
        assert maintenance.session_count is None

    def test_mdsi_is_84_mg_twice_weekly_for_4_weeks(self):
        (phase,) = get_protocol("esketamine_mdsi").phases
        assert (phase.dose_mg, phase.session_count, phase.weeks) == (
            Decimal(84),
            8,
            (1, 4),
        )

    def test_iv_is_half_mg_per_kg_six_infusions(self):
        phase = get_protocol("iv_induction").phase("induction")
        assert (phase.dose_mg_per_kg, phase.session_count) == (Decimal("0.5"), 6)

    def test_kap_has_preparation_dosing_and_integration(self):
        kinds = [phase.kind for phase in get_protocol("kap").phases]
        assert kinds == ["preparation", "dosing", "integration"]

    def test_settings_change_the_template(self):
        protocol = get_protocol("kap", ProtocolSettings(kap_dosing_sessions=4))
        assert protocol.phase("dosing").session_count == 4
        assert protocol.induction_sessions == 4

    def test_unknown_key_raises_naming_protocol(self):
        with pytest.raises(UnknownNameError) as caught:
            get_protocol("oral")
        assert caught.value.field == "protocol"

    @pytest.mark.parametrize("key", PROTOCOL_KEYS)
    def test_every_phase_cites_a_source(self, key):
        assert all(phase.sources for phase in get_protocol(key).phases)


class TestProtocolRuleSets:
    def test_one_set_per_protocol_plus_maintenance(self):
        assert {s.name for s in RULE_SETS} == {
            "esketamine-trd",
            "esketamine-mdsi",
            "iv-induction",
            "kap",
            "maintenance",
        }
        assert {s.area for s in RULE_SETS} == {"protocols"}

    def test_unverified_rules_are_configurable(self):
        for rule_set in RULE_SETS:
            for rule in rule_set.rules:
                if rule.confidence is Confidence.UNVERIFIED:
                    assert rule.configurable, rule.rule_id

    def test_expected_rule_ids_exist(self):
        ids = {rule.rule_id for s in RULE_SETS for rule in s.rules}
        assert {
            "PROT-ESK-TRD",
            "PROT-SPACING-01",
            "PROT-SPACING-02",
            "MAINT-01",
            "MAINT-02",
        } <= ids
