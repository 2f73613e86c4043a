"""Change from baseline, percent change, response and remission for one instrument.

Rules (docs/clinical/outcomes.md):

- ``change = current - baseline`` (negative is improvement on every supported instrument).
- ``percent_change = 100 × change / baseline``, rounded half-up to 0.1; undefined (``None``)
  when the baseline is 0, never a crash or a made-up number.
- Response (OUT-RESPONSE-50, [V]): reduction ≥ 50% of baseline, decided with exact integer
  arithmetic (``2 × (baseline − current) ≥ baseline``), so exactly 50% is a response and 49.x%
  is not; ``None`` when the baseline is 0.
- Remission by instrument, configurable, and the definition used is returned: PHQ-9 <5 [V];
  MADRS ≤12 (Spravato programme, default) or ≤10 (alternative [M]); QIDS-SR16 ≤5 [S];
  HAM-D17 ≤7 [M]; GAD-7 has no sourced cut-off, so remission is ``None`` unless the clinic sets
  one (OUT-REMISSION-CLINIC [M]).
- Scores must lie within the instrument's total range (from :mod:`ketapath.core.instruments`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.instruments import get_instrument
from ketapath.core.outcomes.rules import (
    OUT_REMISSION_CLINIC,
    OUT_REMISSION_HAMD17,
    OUT_REMISSION_MADRS_10,
    OUT_REMISSION_MADRS_12,
    OUT_REMISSION_PHQ9,
    OUT_REMISSION_QIDS,
    OUT_RESPONSE_50,
)
from ketapath.core.units import round_to_increment

__all__ = [
    "DEFAULT_REMISSION_DEFINITIONS",
    "OUTCOME_INSTRUMENTS",
    "REMISSION_DEFINITIONS",
    "OutcomeResult",
    "RemissionDefinition",
    "assess_outcome",
    "check_total",
    "percent_change",
    "remission_definition",
    "response_reached",
]

OUTCOME_INSTRUMENTS: tuple[str, ...] = ("phq9", "gad7", "madrs", "qids_sr16", "hamd17")
_PERCENT_INCREMENT = Decimal("0.1")


@dataclass(frozen=True, slots=True)
class RemissionDefinition:
    """A remission cut-off: remission when the total is at most ``max_total``.

    ``PHQ-9 < 5`` is stored as ``max_total=4`` (totals are whole numbers); ``label`` keeps the
    published wording.
    """

    key: str
    instrument: str
    max_total: int
    label: str
    rule: RuleSpec


REMISSION_DEFINITIONS: Mapping[str, RemissionDefinition] = MappingProxyType(
    {
        definition.key: definition
        for definition in (
            RemissionDefinition("phq9-lt5", "phq9", 4, "PHQ-9 < 5", OUT_REMISSION_PHQ9),
            RemissionDefinition(
                "madrs-le12",
                "madrs",
                12,
                "MADRS ≤ 12 (Spravato programme)",
                OUT_REMISSION_MADRS_12,
            ),
            RemissionDefinition(
                "madrs-le10",
                "madrs",
                10,
                "MADRS ≤ 10 (alternative)",
                OUT_REMISSION_MADRS_10,
            ),
            RemissionDefinition(
                "qids-sr16-le5", "qids_sr16", 5, "QIDS-SR16 ≤ 5", OUT_REMISSION_QIDS
            ),
            RemissionDefinition(
                "hamd17-le7", "hamd17", 7, "HAM-D17 ≤ 7", OUT_REMISSION_HAMD17
            ),
        )
    }
)

DEFAULT_REMISSION_DEFINITIONS: Mapping[str, str | None] = MappingProxyType(
    {
        "phq9": "phq9-lt5",
        "gad7": None,
        "madrs": "madrs-le12",
        "qids_sr16": "qids-sr16-le5",
        "hamd17": "hamd17-le7",
    }
)


@dataclass(frozen=True, slots=True)
class OutcomeResult:
    """Baseline-to-current outcome on one instrument, with the definitions and findings used."""

    instrument: str
    baseline: int
    current: int
    change: int
    percent_change: Decimal | None
    response: bool | None
    remission: bool | None
    remission_definition: str | None
    findings: tuple[Finding, ...]


def _check_instrument(instrument: str) -> None:
    """Raise :class:`UnknownNameError` unless outcomes are defined for ``instrument``."""
    if instrument not in OUTCOME_INSTRUMENTS:
        allowed = ", ".join(OUTCOME_INSTRUMENTS)
        raise UnknownNameError(
            f"no outcome definitions for instrument {instrument!r}; allowed: {allowed}",
            field="instrument",
            allowed=allowed,
        )


def check_total(instrument: str, value: int, field: str) -> int:
    """Return ``value`` if it is a whole number within the instrument's total range.

    Raises:
        UnknownNameError: outcomes are not defined for ``instrument``.
        InvalidInputError: the value is not a whole number in range (names ``field``).
    """
    _check_instrument(instrument)
    spec = get_instrument(instrument)
    low, high = spec.min_total, spec.max_total
    allowed = (
        f"{low}–{high}" if low is not None and high is not None else "a whole number"
    )
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInputError(
            f"{field} must be a whole-number {instrument} total, not {value!r}",
            field=field,
            allowed=allowed,
        )
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidInputError(
            f"{field} {value} is outside the {instrument} total range {allowed}",
            field=field,
            allowed=allowed,
        )
    return value


def percent_change(*, baseline: int, current: int) -> Decimal | None:
    """Return ``100 × (current − baseline) / baseline`` rounded to 0.1, or ``None`` at baseline 0."""
    if baseline == 0:
        return None
    exact = Decimal((current - baseline) * 100) / Decimal(baseline)
    return round_to_increment(exact, _PERCENT_INCREMENT)


def response_reached(*, baseline: int, current: int) -> bool | None:
    """Return whether the reduction is at least 50% (exact), or ``None`` at baseline 0."""
    if baseline == 0:
        return None
    return 2 * (baseline - current) >= baseline


def remission_definition(
    instrument: str,
    *,
    definition: str | None = None,
    custom_max_total: int | None = None,
) -> RemissionDefinition | None:
    """Return the remission definition to use for ``instrument``.

    Args:
        instrument: an outcome instrument key.
        definition: a key of :data:`REMISSION_DEFINITIONS` for this instrument; ``None`` uses
            the default (``None`` for GAD-7).
        custom_max_total: a clinic cut-off (remission when total ≤ it); overrides ``definition``.

    Raises:
        InvalidInputError: the definition belongs to another instrument, or the cut-off is out
            of range (fields ``remission_definition`` / ``remission_cutoff``).
    """
    _check_instrument(instrument)
    if custom_max_total is not None:
        check_total(instrument, custom_max_total, "remission_cutoff")
        return RemissionDefinition(
            f"{instrument}-clinic-le{custom_max_total}",
            instrument,
            custom_max_total,
            f"{instrument} ≤ {custom_max_total} (clinic setting)",
            OUT_REMISSION_CLINIC,
        )
    key = (
        DEFAULT_REMISSION_DEFINITIONS[instrument] if definition is None else definition
    )
    if key is None:
        return None
    found = REMISSION_DEFINITIONS.get(key)
    if found is None or found.instrument != instrument:
        options = [
            k for k, d in REMISSION_DEFINITIONS.items() if d.instrument == instrument
        ]
        allowed = ", ".join(options) if options else "none (set remission_cutoff)"
        raise InvalidInputError(
            f"remission definition {key!r} does not apply to {instrument}; allowed: {allowed}",
            field="remission_definition",
            allowed=allowed,
        )
    return found


def assess_outcome(
    instrument: str,
    *,
    baseline: int,
    current: int,
    definition: str | None = None,
    custom_max_total: int | None = None,
) -> OutcomeResult:
    """Return change, percent change, response and remission from ``baseline`` to ``current``.

    Raises:
        UnknownNameError: outcomes are not defined for ``instrument`` (field ``instrument``).
        InvalidInputError: a score is outside the instrument's range (``baseline``/``current``)
            or the remission definition does not fit the instrument.
    """
    check_total(instrument, baseline, "baseline")
    check_total(instrument, current, "current")
    chosen = remission_definition(
        instrument, definition=definition, custom_max_total=custom_max_total
    )
    change = current - baseline
    percent = percent_change(baseline=baseline, current=current)
    response = response_reached(baseline=baseline, current=current)
    findings: list[Finding] = []
    if response is None:
        findings.append(
            OUT_RESPONSE_50.finding(
                Severity.INFO,
                "Baseline is 0: percent change and response are undefined.",
                baseline=baseline,
            )
        )
    else:
        verdict = "response" if response else "no response"
        findings.append(
            OUT_RESPONSE_50.finding(
                Severity.INFO,
                f"{instrument} {baseline} → {current} ({percent}%): {verdict} (≥50% reduction needed).",
                percent_change=percent,
            )
        )
    remission: bool | None
    if chosen is None:
        remission = None
        findings.append(
            OUT_REMISSION_CLINIC.finding(
                Severity.INFO,
                f"No sourced remission cut-off for {instrument}; remission is not assessed "
                "unless the clinic sets a cut-off.",
            )
        )
    else:
        remission = current <= chosen.max_total
        findings.append(
            chosen.rule.finding(
                Severity.INFO,
                f"{'Remission' if remission else 'Not in remission'} by {chosen.label}.",
                remission_definition=chosen.key,
            )
        )
    return OutcomeResult(
        instrument=instrument,
        baseline=baseline,
        current=current,
        change=change,
        percent_change=percent,
        response=response,
        remission=remission,
        remission_definition=None if chosen is None else chosen.key,
        findings=tuple(findings),
    )
