"""Clinical core area: outcomes (response, remission, relapse, trajectory and reviews).

:func:`assess_outcome` compares a current score with baseline; :func:`assess_relapse` reads a
dated series; :func:`summarise_trajectory`, :func:`futility_review` and
:func:`end_of_induction_review` explain where a course stands. Rules and sources are listed in
``docs/clinical/outcomes.md``.
"""

from __future__ import annotations

from ketapath.core.outcomes.relapse import (
    SUSTAIN1_MADRS,
    DatedScore,
    RelapseAssessment,
    RelapseCriteria,
    assess_relapse,
    clinic_relapse_criteria,
)
from ketapath.core.outcomes.response import (
    DEFAULT_REMISSION_DEFINITIONS,
    OUTCOME_INSTRUMENTS,
    REMISSION_DEFINITIONS,
    OutcomeResult,
    RemissionDefinition,
    assess_outcome,
    percent_change,
    remission_definition,
    response_reached,
)
from ketapath.core.outcomes.rules import RULE_SETS, RULESET_VERSION
from ketapath.core.outcomes.trajectory import (
    DEFAULT_FUTILITY_INFUSIONS,
    TrajectorySummary,
    end_of_induction_review,
    futility_review,
    summarise_trajectory,
)

__all__ = [
    "DEFAULT_FUTILITY_INFUSIONS",
    "DEFAULT_REMISSION_DEFINITIONS",
    "OUTCOME_INSTRUMENTS",
    "REMISSION_DEFINITIONS",
    "RULESET_VERSION",
    "RULE_SETS",
    "SUSTAIN1_MADRS",
    "DatedScore",
    "OutcomeResult",
    "RelapseAssessment",
    "RelapseCriteria",
    "RemissionDefinition",
    "TrajectorySummary",
    "assess_outcome",
    "assess_relapse",
    "clinic_relapse_criteria",
    "end_of_induction_review",
    "futility_review",
    "percent_change",
    "remission_definition",
    "response_reached",
    "summarise_trajectory",
]
