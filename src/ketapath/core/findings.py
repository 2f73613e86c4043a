"""Findings: the explained parts of every clinical decision.

A decision in ketapath never returns a bare boolean. It returns findings that each name the rule
that produced them (id and version), a severity, a plain-language message and the sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ketapath.core.citations import Citation, Confidence

__all__ = ["Finding", "RuleSet", "RuleSpec", "Severity"]


class Severity(StrEnum):
    """How a finding affects a decision, most severe first in :attr:`rank`."""

    CONTRAINDICATED = "contraindicated"
    CAUTION = "caution"
    INFO = "info"

    @property
    def rank(self) -> int:
        """Return 2 for contraindicated, 1 for caution and 0 for info, for ordering."""
        return {"contraindicated": 2, "caution": 1, "info": 0}[self.value]


@dataclass(frozen=True, slots=True)
class RuleSpec:
    """Metadata of a rule: what ``docs/clinical/`` lists and what a stored result keeps.

    ``configurable`` is true where a clinic may change the rule's parameters; rules whose
    sources are all tagged ``M`` must be configurable and must never be a hard stop.
    """

    rule_id: str
    version: str
    title: str
    severity: str
    confidence: Confidence
    sources: tuple[Citation, ...]
    configurable: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.confidence is Confidence.UNVERIFIED and not self.configurable:
            raise ValueError(
                f"{self.rule_id}: an unverified [M] rule must be configurable"
            )
        if not self.sources:
            raise ValueError(f"{self.rule_id}: every rule cites at least one source")

    def finding(self, severity: Severity, message: str, **details: object) -> Finding:
        """Build a finding produced by this rule."""
        return Finding(
            rule_id=self.rule_id,
            rule_version=self.version,
            severity=severity,
            message=message,
            sources=self.sources,
            details=dict(details),
        )


@dataclass(frozen=True, slots=True)
class Finding:
    """One explained result of a rule: which rule, how severe, what it means, and why."""

    rule_id: str
    rule_version: str
    severity: Severity
    message: str
    sources: tuple[Citation, ...]
    details: dict[str, object] = field(default_factory=dict)

    def source_labels(self) -> list[str]:
        """Return the human labels of the sources, in order."""
        return [source.label() for source in self.sources]


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A named, versioned group of rules a clinic chooses between (e.g. ``us`` vs ``eu-au``).

    ``area`` is the part of the core it belongs to (``instruments``, ``trd``, ``eligibility``,
    ``dosing``, ``protocols``, ``outcomes``, ``monitoring``); docs/clinical/ has a page per set.
    """

    name: str
    version: str
    area: str
    title: str
    rules: tuple[RuleSpec, ...]
    description: str = ""
