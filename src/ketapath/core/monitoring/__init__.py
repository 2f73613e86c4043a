"""Clinical core area: monitoring (pre-dose blood pressure, pre-dose checklist, discharge).

Every rule here takes elapsed times and readings as parameters; nothing reads a clock.
"""

from ketapath.core.findings import RuleSet
from ketapath.core.monitoring.blood_pressure import RULES as BP_RULES
from ketapath.core.monitoring.blood_pressure import (
    BloodPressureThresholds,
    blood_pressure_finding,
)
from ketapath.core.monitoring.discharge import RULES as DISCHARGE_RULES
from ketapath.core.monitoring.discharge import (
    DischargeCheck,
    esketamine_discharge_check,
    iv_discharge_check,
    vitals_schedule_minutes,
)
from ketapath.core.monitoring.predose import RULES as PREDOSE_RULES
from ketapath.core.monitoring.predose import (
    PreDoseCheck,
    PreDoseSettings,
    predose_check,
)

__all__ = [
    "RULE_SETS",
    "BloodPressureThresholds",
    "DischargeCheck",
    "PreDoseCheck",
    "PreDoseSettings",
    "blood_pressure_finding",
    "esketamine_discharge_check",
    "iv_discharge_check",
    "predose_check",
    "vitals_schedule_minutes",
]

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="predose-blood-pressure",
        version="1.0",
        area="monitoring",
        title="Pre-dose blood pressure by route",
        rules=BP_RULES,
        description="Esketamine >140/90 caution; racemic ketamine (IV, KAP) ≥140/90 caution, ≥180/110 stop.",
    ),
    RuleSet(
        name="predose-checklist",
        version="1.0",
        area="monitoring",
        title="Pre-dose checklist: BP recorded, fasting, nasal medication, transport, REMS",
        rules=PREDOSE_RULES,
    ),
    RuleSet(
        name="session-discharge",
        version="1.0",
        area="monitoring",
        title="Vital-sign schedule and discharge gates",
        rules=DISCHARGE_RULES,
    ),
)
