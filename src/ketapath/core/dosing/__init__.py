"""Clinical core area: dosing (IV racemic ketamine by weight; esketamine by device and history).

Public functions return result dataclasses with findings; a request that a dosing rule forbids
raises :class:`~ketapath.core.errors.DoseNotAllowedError` naming the rule.
"""

from ketapath.core.dosing.body_weight import (
    RULES as WEIGHT_RULES,
)
from ketapath.core.dosing.body_weight import (
    DosingWeight,
    adjusted_body_weight_kg,
    bmi_kg_per_m2,
    dosing_weight,
    ideal_body_weight_kg,
)
from ketapath.core.dosing.esketamine import (
    RULES_EU_AU,
    RULES_US,
    EsketamineDose,
    esketamine_dose,
)
from ketapath.core.dosing.iv import RULES as IV_RULES
from ketapath.core.dosing.iv import IvDose, IvSettings, iv_dose
from ketapath.core.findings import RuleSet

__all__ = [
    "RULE_SETS",
    "DosingWeight",
    "EsketamineDose",
    "IvDose",
    "IvSettings",
    "adjusted_body_weight_kg",
    "bmi_kg_per_m2",
    "dosing_weight",
    "esketamine_dose",
    "ideal_body_weight_kg",
    "iv_dose",
]

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="iv-weight-based",
        version="1.0",
        area="dosing",
        title="IV racemic ketamine: weight-based dose and infusion rate",
        rules=(*IV_RULES, *WEIGHT_RULES),
        description=(
            "0.5 mg/kg over 40 min by default; clinic bounds on mg/kg and minutes; actual, "
            "ideal (Devine) or adjusted dosing weight."
        ),
    ),
    RuleSet(
        name="esketamine-us",
        version="1.0",
        area="dosing",
        title="Esketamine (Spravato) dosing, US label",
        rules=RULES_US,
        description="Day 1 56 mg; later 56 or 84 mg; 84 mg only after 56 mg; MDSI 84 mg (or 56 mg).",
    ),
    RuleSet(
        name="esketamine-eu-au",
        version="1.0",
        area="dosing",
        title="Esketamine (Spravato) dosing, EU/AU labels",
        rules=RULES_EU_AU,
        description="As the US set for adults under 65; age ≥65 starts TRD at 28 mg and steps by 28 mg.",
    ),
)
