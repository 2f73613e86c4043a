"""Clinical core area: instruments (to be implemented)."""

from ketapath.core.findings import RuleSet

__all__ = ["RULE_SETS"]

RULE_SETS: tuple[RuleSet, ...] = ()
