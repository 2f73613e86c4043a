"""Outcome-driven maintenance: widen the interval while response holds, step back on worsening.

Rules (docs/clinical/protocols.md):

- **MAINT-01, esketamine TRD** [S]: the frequency ladder is twice weekly (``3`` days, the
  induction frequency), weekly (``7``) and every 2 weeks (``14``, the least frequent in the
  label). While response holds, widen one rung; on worsening (including worsening after missed
  doses) return to the previous frequency (every 2 weeks → weekly; weekly → twice weekly).
- **MAINT-02, IV ketamine** [M, configurable]: maintenance every 3–6 weeks (seed 000), widened
  by one week (setting) while response holds, never beyond the maximum; on worsening step back
  to the previous interval (or one step shorter), never below the minimum; at the minimum and
  worsening, review (e.g. re-induction).
- Response not holding without worsening: keep the interval and review. Missed doses without
  worsening: keep the interval.

Decisions return a :class:`MaintenanceDecision` whose ``reason`` finding names the rule.
"""

from __future__ import annotations

from dataclasses import dataclass

from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Finding, Severity
from ketapath.core.protocols.rules import MAINT_ESKETAMINE, MAINT_IV

__all__ = [
    "DEFAULT_MAINTENANCE_SETTINGS",
    "ESKETAMINE_INTERVALS_DAYS",
    "MaintenanceDecision",
    "MaintenanceSettings",
    "next_maintenance_interval",
]

ESKETAMINE_INTERVALS_DAYS: tuple[tuple[int, str], ...] = (
    (3, "twice weekly"),
    (7, "weekly"),
    (14, "every 2 weeks"),
)
"""The esketamine ladder; ``3`` stands for twice weekly (sessions 3–4 days apart)."""


@dataclass(frozen=True, slots=True)
class MaintenanceSettings:
    """Clinic settings for IV maintenance (MAINT-02, [M]).

    Attributes:
        iv_min_interval_days: shortest maintenance interval, default 21 (seed 000: 3 weeks).
        iv_max_interval_days: longest maintenance interval, default 42 (seed 000: 6 weeks).
        iv_step_days: widening or narrowing step, default 7 (one week) [M].
    """

    iv_min_interval_days: int = 21
    iv_max_interval_days: int = 42
    iv_step_days: int = 7

    def __post_init__(self) -> None:
        for name, value in (
            ("iv_min_interval_days", self.iv_min_interval_days),
            ("iv_max_interval_days", self.iv_max_interval_days),
            ("iv_step_days", self.iv_step_days),
        ):
            if (
                isinstance(value, bool)
                or not isinstance(value, int)
                or not 1 <= value <= 180
            ):
                raise InvalidInputError(
                    f"{name} must be a whole number of days from 1 to 180, not {value!r}",
                    field=name,
                    allowed="1–180",
                )
        if self.iv_min_interval_days > self.iv_max_interval_days:
            raise InvalidInputError(
                "iv_min_interval_days must not exceed iv_max_interval_days",
                field="iv_min_interval_days",
                allowed=f"at most {self.iv_max_interval_days}",
            )


DEFAULT_MAINTENANCE_SETTINGS = MaintenanceSettings()


@dataclass(frozen=True, slots=True)
class MaintenanceDecision:
    """The next maintenance interval, its frequency in words, and the finding that explains it."""

    interval_days: int
    frequency: str
    reason: Finding


def next_maintenance_interval(
    *,
    protocol_key: str,
    current_interval_days: int,
    response_holding: bool,
    worsening: bool,
    missed_doses: bool = False,
    previous_interval_days: int | None = None,
    settings: MaintenanceSettings = DEFAULT_MAINTENANCE_SETTINGS,
) -> MaintenanceDecision:
    """Return the next maintenance interval from the latest outcome.

    Args:
        protocol_key: ``esketamine_trd`` or ``iv_induction``.
        current_interval_days: the interval now in use (esketamine: 3, 7 or 14).
        response_holding: whether response (≥50% reduction) is maintained.
        worsening: whether symptoms have worsened since the last review.
        missed_doses: whether doses were missed since the last review (recorded in the reason).
        previous_interval_days: IV only: the interval used before the current one, to step back to.
        settings: IV maintenance settings.

    Raises:
        InvalidInputError: unknown protocol for maintenance or an interval out of range.
    """
    if protocol_key == "esketamine_trd":
        return _esketamine(
            current_interval_days, response_holding, worsening, missed_doses
        )
    if protocol_key == "iv_induction":
        return _iv(
            current_interval_days,
            response_holding,
            worsening,
            missed_doses,
            previous_interval_days,
            settings,
        )
    raise InvalidInputError(
        f"{protocol_key!r} has no outcome-driven maintenance",
        field="protocol_key",
        allowed="esketamine_trd, iv_induction",
    )


def _missed(missed_doses: bool) -> str:
    """Return the missed-doses clause of a message."""
    return " after missed doses" if missed_doses else ""


def _esketamine(
    current: int, holding: bool, worsening: bool, missed_doses: bool
) -> MaintenanceDecision:
    """Apply MAINT-01 on the twice weekly / weekly / every 2 weeks ladder."""
    ladder = [days for days, _ in ESKETAMINE_INTERVALS_DAYS]
    names = dict(ESKETAMINE_INTERVALS_DAYS)
    if current not in ladder:
        raise InvalidInputError(
            f"esketamine current_interval_days must be 3 (twice weekly), 7 or 14, not {current!r}",
            field="current_interval_days",
            allowed="3 (twice weekly), 7 (weekly), 14 (every 2 weeks)",
        )
    rung = ladder.index(current)
    rule = MAINT_ESKETAMINE
    if worsening:
        new = ladder[max(rung - 1, 0)]
        if new == current:
            message = (
                f"Worsening{_missed(missed_doses)} at twice-weekly dosing: review the treatment "
                "plan; there is no more frequent schedule."
            )
        else:
            message = (
                f"Worsening{_missed(missed_doses)}: return to the previous frequency, "
                f"{names[new]} (from {names[current]})."
            )
        finding = rule.finding(
            Severity.CAUTION, message, previous_interval_days=current
        )
        return MaintenanceDecision(new, names[new], finding)
    if holding:
        new = ladder[min(rung + 1, len(ladder) - 1)]
        if new == current:
            message = "Response holds at every 2 weeks, the least frequent labelled schedule: keep it."
        else:
            message = (
                f"Response holds: widen to {names[new]} (from {names[current]}), the least "
                "frequent dosing that keeps response."
            )
        finding = rule.finding(Severity.INFO, message, previous_interval_days=current)
        return MaintenanceDecision(new, names[new], finding)
    finding = rule.finding(
        Severity.CAUTION,
        f"Response is not holding{_missed(missed_doses)}: keep {names[current]} and review.",
        previous_interval_days=current,
    )
    return MaintenanceDecision(current, names[current], finding)


def _iv(
    current: int,
    holding: bool,
    worsening: bool,
    missed_doses: bool,
    previous: int | None,
    settings: MaintenanceSettings,
) -> MaintenanceDecision:
    """Apply MAINT-02 within the clinic's IV interval range."""
    for name, value in (
        ("current_interval_days", current),
        ("previous_interval_days", previous),
    ):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int)
            or not 1 <= value <= 180
        ):
            raise InvalidInputError(
                f"{name} must be a whole number of days from 1 to 180, not {value!r}",
                field=name,
                allowed="1–180",
            )
    low, high, step = (
        settings.iv_min_interval_days,
        settings.iv_max_interval_days,
        settings.iv_step_days,
    )
    rule = MAINT_IV
    if worsening:
        if previous is not None and previous < current:
            new = max(previous, min(low, current))
        else:
            new = max(current - step, min(low, current))
        if new == current:
            message = (
                f"Worsening{_missed(missed_doses)} at the shortest maintenance interval "
                f"({current} days): review (for example a new induction series)."
            )
        else:
            message = (
                f"Worsening{_missed(missed_doses)}: step back to every {new} days "
                f"(from {current})."
            )
        finding = rule.finding(
            Severity.CAUTION, message, previous_interval_days=current
        )
        return MaintenanceDecision(new, f"every {new} days", finding)
    if holding:
        new = max(min(current + step, high), current)
        if new == current:
            message = f"Response holds at {current} days, the clinic's longest interval: keep it."
        else:
            message = f"Response holds: widen to every {new} days (from {current})."
        finding = rule.finding(Severity.INFO, message, previous_interval_days=current)
        return MaintenanceDecision(new, f"every {new} days", finding)
    finding = rule.finding(
        Severity.CAUTION,
        f"Response is not holding{_missed(missed_doses)}: keep every {current} days and review.",
        previous_interval_days=current,
    )
    return MaintenanceDecision(current, f"every {current} days", finding)
