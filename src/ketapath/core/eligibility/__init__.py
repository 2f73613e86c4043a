"""Clinical core area: route eligibility (IV ketamine, esketamine, KAP) by jurisdiction.

Rule sets ``us`` (default) and ``eu-au`` share every rule; they differ in CI-CV-RECENT, which
contraindicates esketamine under EU/AU labels and is a caution in the US. See
docs/clinical/eligibility.md.
"""

from ketapath.core.eligibility.evaluate import (
    evaluate_route,
    evaluate_routes,
    profile_flags,
)
from ketapath.core.eligibility.model import (
    DEFAULT_JURISDICTION,
    JURISDICTIONS,
    ROUTES,
    Criterion,
    EligibilityRule,
    EligibilityStatus,
    RouteEligibility,
)
from ketapath.core.eligibility.rules import (
    ELIGIBILITY_RULES,
    RULE_SPECS,
    RULESET_VERSION,
)
from ketapath.core.findings import RuleSet

__all__ = [
    "DEFAULT_JURISDICTION",
    "ELIGIBILITY_RULES",
    "JURISDICTIONS",
    "ROUTES",
    "RULE_SETS",
    "Criterion",
    "EligibilityRule",
    "EligibilityStatus",
    "RouteEligibility",
    "evaluate_route",
    "evaluate_routes",
    "profile_flags",
]

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="us",
        version=RULESET_VERSION,
        area="eligibility",
        title="Route eligibility, US: Spravato US PI and the seed articles",
        rules=RULE_SPECS,
        description="Default. A cardiovascular event within 6 weeks is a caution for esketamine.",
    ),
    RuleSet(
        name="eu-au",
        version=RULESET_VERSION,
        area="eligibility",
        title="Route eligibility, EU/AU: adds the recent-cardiovascular-event contraindication",
        rules=RULE_SPECS,
        description=(
            "As 'us', but CI-CV-RECENT contraindicates esketamine (EU/AU-style labels, via MIMS)."
        ),
    ),
)
