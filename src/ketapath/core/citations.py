"""Citation value type: where a clinical rule or number comes from, and how sure we are.

Confidence tags follow shared/clinical/REFERENCE.md: ``V`` read in a primary or official
source, ``S`` secondary source only, ``M`` not confirmed (such rules stay configurable and are
never a hard stop).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["Citation", "Confidence"]


class Confidence(StrEnum):
    """How well a clinical parameter is supported (REFERENCE.md tags)."""

    VERIFIED = "V"
    SECONDARY = "S"
    UNVERIFIED = "M"


@dataclass(frozen=True, slots=True)
class Citation:
    """A source for a rule: a short stable key, a human title, an optional URL and locator."""

    key: str
    title: str
    confidence: Confidence
    url: str | None = None
    locator: str | None = None

    def label(self) -> str:
        """Return a one-line human label, e.g. ``"Spravato US PI §4 [S]"``."""
        where = f" {self.locator}" if self.locator else ""
        return f"{self.title}{where} [{self.confidence.value}]"

    def at(self, locator: str) -> Citation:
        """Return the same source pointing at a section, table or page."""
        return Citation(self.key, self.title, self.confidence, self.url, locator)

    def with_confidence(self, confidence: Confidence) -> Citation:
        """Return the same source with a different confidence tag for one specific claim."""
        return Citation(self.key, self.title, confidence, self.url, self.locator)
