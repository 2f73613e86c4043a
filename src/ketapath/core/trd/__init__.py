"""Clinical core area: treatment-resistant depression (TRD) definition, trial adequacy, staging.

Rule sets: ``seed`` (default) and ``eu-pearl-2022`` define TRD; ``staging`` holds the Maudsley
Staging Method and Thase–Rush stages. See docs/clinical/trd.md.
"""

from ketapath.core.findings import RuleSet
from ketapath.core.trd.adequacy import (
    DEFAULT_DOSE_TABLE,
    Adequacy,
    MinimumDose,
    assess_adequacy,
    normalise_drug_name,
)
from ketapath.core.trd.definition import (
    DEFAULT_RULESET,
    EU_PEARL_SETTINGS,
    RULESET_NAMES,
    SEED_SETTINGS,
    TrdAssessment,
    TrdSettings,
    TrialOutcome,
    TrialVerdict,
    assess_trd,
    default_settings,
)
from ketapath.core.trd.rules import (
    EU_PEARL_RULES,
    RULESET_VERSION,
    SEED_RULES,
    STAGING_RULES,
)
from ketapath.core.trd.staging import (
    MsmBand,
    MsmPart,
    MsmResult,
    ThaseRushResult,
    TrdStaging,
    maudsley_stage,
    msm_band,
    stage_profile,
    thase_rush_stage,
)

__all__ = [
    "DEFAULT_DOSE_TABLE",
    "DEFAULT_RULESET",
    "EU_PEARL_SETTINGS",
    "RULESET_NAMES",
    "RULE_SETS",
    "SEED_SETTINGS",
    "Adequacy",
    "MinimumDose",
    "MsmBand",
    "MsmPart",
    "MsmResult",
    "ThaseRushResult",
    "TrdAssessment",
    "TrdSettings",
    "TrdStaging",
    "TrialOutcome",
    "TrialVerdict",
    "assess_adequacy",
    "assess_trd",
    "default_settings",
    "maudsley_stage",
    "msm_band",
    "normalise_drug_name",
    "stage_profile",
    "thase_rush_stage",
]

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="seed",
        version=RULESET_VERSION,
        area="trd",
        title="TRD, seed rule set: ≥2 failed adequate trials (<50% improvement, ≥6 weeks)",
        rules=SEED_RULES,
        description="Default. Follows the seed articles; different classes required by default.",
    ),
    RuleSet(
        name="eu-pearl-2022",
        version=RULESET_VERSION,
        area="trd",
        title="TRD, EU-PEARL 2022: ≥2 failed adequate treatments (<25% improvement, ≥4 weeks)",
        rules=EU_PEARL_RULES,
        description="Sforzini et al. 2022 Delphi consensus; 25–49% improvement is partial response.",
    ),
    RuleSet(
        name="staging",
        version=RULESET_VERSION,
        area="trd",
        title="TRD staging: Maudsley Staging Method and Thase–Rush stages",
        rules=STAGING_RULES,
    ),
)
