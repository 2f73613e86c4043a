"""Every rule set the core ships, in one place, for docs generation and audit.

Each core area exposes ``RULE_SETS: tuple[RuleSet, ...]``; this module only gathers them.
"""

from __future__ import annotations

from importlib import import_module

from ketapath.core.findings import RuleSet, RuleSpec

__all__ = ["AREAS", "all_rule_sets", "all_rules"]

AREAS: tuple[str, ...] = (
    "instruments",
    "trd",
    "eligibility",
    "dosing",
    "monitoring",
    "protocols",
    "outcomes",
)


def all_rule_sets() -> tuple[RuleSet, ...]:
    """Return every rule set of every core area, in area order."""
    sets: list[RuleSet] = []
    for area in AREAS:
        module = import_module(f"ketapath.core.{area}")
        sets.extend(module.RULE_SETS)
    return tuple(sets)


def all_rules() -> dict[str, RuleSpec]:
    """Return every distinct rule by id; one id always means one rule (checked)."""
    rules: dict[str, RuleSpec] = {}
    for rule_set in all_rule_sets():
        for rule in rule_set.rules:
            known = rules.get(rule.rule_id)
            if known is not None and known != rule:
                raise ValueError(
                    f"rule id {rule.rule_id} is defined twice with different content"
                )
            rules[rule.rule_id] = rule
    return rules
