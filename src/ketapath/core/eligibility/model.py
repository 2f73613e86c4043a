"""Data types of the eligibility rules: routes, criteria, rules and route decisions.

A rule is data: a :class:`RuleSpec` (id, version, sources, confidence) plus criteria. Each
criterion names what triggers it (condition codes, current drug classes or profile flags) and
its severity for each route, with optional per-jurisdiction severities.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType

from ketapath.core.errors import UnknownNameError
from ketapath.core.findings import Finding, RuleSpec, Severity

__all__ = [
    "DEFAULT_JURISDICTION",
    "JURISDICTIONS",
    "PROFILE_FLAGS",
    "ROUTES",
    "Criterion",
    "EligibilityRule",
    "EligibilityStatus",
    "RouteEligibility",
    "check_jurisdiction",
    "check_route",
]

ROUTES: tuple[str, ...] = ("iv_ketamine", "esketamine", "kap")
"""IV racemic ketamine, esketamine nasal spray, ketamine-assisted psychotherapy (racemic)."""
JURISDICTIONS: tuple[str, ...] = ("us", "eu-au")
DEFAULT_JURISDICTION = "us"
PROFILE_FLAGS: frozenset[str] = frozenset(
    {"pregnant", "breastfeeding", "pregnancy_status_unknown", "psychotic_episode"}
)
"""Profile facts a criterion may test besides condition codes and drug classes."""


def check_route(route: str) -> str:
    """Return ``route`` if known, else raise UnknownNameError listing the routes."""
    if route not in ROUTES:
        raise UnknownNameError(
            f"unknown route {route!r}", field="route", allowed=", ".join(ROUTES)
        )
    return route


def check_jurisdiction(jurisdiction: str) -> str:
    """Return ``jurisdiction`` if known, else raise UnknownNameError listing them."""
    if jurisdiction not in JURISDICTIONS:
        raise UnknownNameError(
            f"unknown jurisdiction {jurisdiction!r}",
            field="jurisdiction",
            allowed=", ".join(JURISDICTIONS),
        )
    return jurisdiction


class EligibilityStatus(StrEnum):
    """A route's overall status: the most severe of its findings."""

    ELIGIBLE = "eligible"
    CAUTION = "caution"
    CONTRAINDICATED = "contraindicated"

    @classmethod
    def from_findings(cls, findings: tuple[Finding, ...]) -> EligibilityStatus:
        """Return the status matching the most severe finding (info or none: eligible)."""
        rank = max((finding.severity.rank for finding in findings), default=0)
        return {0: cls.ELIGIBLE, 1: cls.CAUTION, 2: cls.CONTRAINDICATED}[rank]


@dataclass(frozen=True)
class Criterion:
    """One trigger of a rule: what it matches, its message and its severity per route."""

    label: str
    message: str
    severity: Mapping[str, Severity]
    conditions: frozenset[str] = frozenset()
    medication_classes: frozenset[str] = frozenset()
    profile_flags: frozenset[str] = frozenset()
    jurisdiction_severity: Mapping[str, Mapping[str, Severity]] = field(
        default_factory=lambda: MappingProxyType({})
    )

    def __post_init__(self) -> None:
        if set(self.severity) != set(ROUTES):
            raise ValueError(
                f"{self.label}: a severity is needed for every route {ROUTES}"
            )
        unknown = self.profile_flags - PROFILE_FLAGS
        if unknown:
            raise ValueError(f"{self.label}: unknown profile flags {sorted(unknown)}")
        for jurisdiction in self.jurisdiction_severity:
            check_jurisdiction(jurisdiction)

    def severity_for(self, route: str, jurisdiction: str) -> Severity:
        """Return this criterion's severity for a route under a jurisdiction."""
        override = self.jurisdiction_severity.get(jurisdiction, {})
        return override.get(route, self.severity[route])


@dataclass(frozen=True)
class EligibilityRule:
    """An eligibility rule: its metadata and the criteria that trigger it."""

    spec: RuleSpec
    criteria: tuple[Criterion, ...]


@dataclass(frozen=True, slots=True)
class RouteEligibility:
    """The decision for one route: status (most severe finding) and every finding behind it."""

    route: str
    status: EligibilityStatus
    findings: tuple[Finding, ...]
