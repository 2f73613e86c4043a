"""Trajectory over dated scores, the futility prompt and the end-of-induction review.

- :func:`summarise_trajectory` (OUT-TRAJECTORY-01): baseline is the earliest dated score;
  latest the most recent; best the lowest total (earliest on ties); change, percent change,
  response and remission from baseline to latest (see :mod:`.response`); whole weeks since
  baseline; trend compares the latest score with the one before it (lower is better).
- :func:`futility_review` (OUT-FUTILITY-01, Sanacora 2017 [V]): after N infusions (default 3)
  with no response, prompt reassessment (a caution, never a stop).
- :func:`end_of_induction_review` (OUT-REVIEW-01): esketamine TRD at the end of induction
  (session 8, week 4) [V]; MDSI after 4 weeks (session 8) [V]; IV after the induction series
  (the planned number of infusions, default 6) [S]; KAP after the dosing series.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Finding, Severity
from ketapath.core.outcomes.relapse import DatedScore, sorted_scores
from ketapath.core.outcomes.response import OutcomeResult, assess_outcome
from ketapath.core.outcomes.rules import (
    OUT_FUTILITY,
    OUT_REVIEW_INDUCTION,
    OUT_TRAJECTORY,
)
from ketapath.core.protocols import DEFAULT_SETTINGS, ProtocolSettings, get_protocol

__all__ = [
    "DEFAULT_FUTILITY_INFUSIONS",
    "TrajectorySummary",
    "end_of_induction_review",
    "futility_review",
    "summarise_trajectory",
]

DEFAULT_FUTILITY_INFUSIONS = 3


@dataclass(frozen=True, slots=True)
class TrajectorySummary:
    """A patient's course on one instrument, from baseline to the latest score."""

    instrument: str
    baseline: DatedScore
    latest: DatedScore
    best: DatedScore
    change: int
    percent_change: Decimal | None
    response: bool | None
    remission: bool | None
    remission_definition: str | None
    weeks_since_baseline: int
    trend: str
    findings: tuple[Finding, ...]


def summarise_trajectory(
    instrument: str,
    scores: Sequence[DatedScore],
    *,
    definition: str | None = None,
    custom_max_total: int | None = None,
) -> TrajectorySummary:
    """Summarise dated ``scores`` on ``instrument``.

    Raises:
        InvalidInputError: no scores, a total out of range, or two scores on one date.
    """
    if not scores:
        raise InvalidInputError(
            "a trajectory needs at least one dated score",
            field="scores",
            allowed="1 or more",
        )
    ordered = sorted_scores(instrument, scores)
    baseline, latest = ordered[0], ordered[-1]
    best = min(ordered, key=lambda score: (score.total, score.on))
    outcome = assess_outcome(
        instrument,
        baseline=baseline.total,
        current=latest.total,
        definition=definition,
        custom_max_total=custom_max_total,
    )
    trend = _trend(ordered)
    weeks = (latest.on - baseline.on).days // 7
    summary = OUT_TRAJECTORY.finding(
        Severity.INFO,
        f"{instrument}: {baseline.total} at baseline ({baseline.on.isoformat()}), "
        f"{latest.total} now ({latest.on.isoformat()}), best {best.total}; {weeks} weeks; trend {trend}.",
        trend=trend,
    )
    return TrajectorySummary(
        instrument=instrument,
        baseline=baseline,
        latest=latest,
        best=best,
        change=outcome.change,
        percent_change=outcome.percent_change,
        response=outcome.response,
        remission=outcome.remission,
        remission_definition=outcome.remission_definition,
        weeks_since_baseline=weeks,
        trend=trend,
        findings=(summary, *outcome.findings),
    )


def _trend(ordered: list[DatedScore]) -> str:
    """Return ``improving``, ``worsening``, ``stable`` or ``insufficient-data``."""
    if len(ordered) < 2:
        return "insufficient-data"
    previous, latest = ordered[-2].total, ordered[-1].total
    if latest < previous:
        return "improving"
    if latest > previous:
        return "worsening"
    return "stable"


def futility_review(
    *,
    infusions_completed: int,
    response: bool | None,
    threshold_infusions: int = DEFAULT_FUTILITY_INFUSIONS,
) -> Finding:
    """Return a caution prompting reassessment after ``threshold_infusions`` without response.

    ``response`` is whether the latest outcome meets the ≥50% response rule (``None`` when
    undefined, e.g. baseline 0). Before the threshold, or once response is reached, the finding
    is informational.

    Raises:
        InvalidInputError: a negative infusion count or a threshold below 1.
    """
    if isinstance(infusions_completed, bool) or infusions_completed < 0:
        raise InvalidInputError(
            "infusions_completed must be 0 or more",
            field="infusions_completed",
            allowed="0 or more",
        )
    if isinstance(threshold_infusions, bool) or threshold_infusions < 1:
        raise InvalidInputError(
            "threshold_infusions must be 1 or more",
            field="threshold_infusions",
            allowed="1 or more",
        )
    details = {
        "infusions_completed": infusions_completed,
        "threshold_infusions": threshold_infusions,
    }
    if response is True:
        return OUT_FUTILITY.finding(
            Severity.INFO, "Response reached: no futility prompt.", **details
        )
    if response is None:
        return OUT_FUTILITY.finding(
            Severity.INFO,
            "Response cannot be assessed (baseline 0 or no outcome).",
            **details,
        )
    if infusions_completed >= threshold_infusions:
        return OUT_FUTILITY.finding(
            Severity.CAUTION,
            f"No response after {infusions_completed} infusions: reassess whether to continue "
            f"(few responses occur after {threshold_infusions} infusions if none has occurred).",
            **details,
        )
    return OUT_FUTILITY.finding(
        Severity.INFO,
        f"No response yet after {infusions_completed} of {threshold_infusions} infusions.",
        **details,
    )


def end_of_induction_review(
    *,
    protocol_key: str,
    sessions_completed: int,
    outcome: OutcomeResult | None = None,
    settings: ProtocolSettings = DEFAULT_SETTINGS,
) -> Finding:
    """Return the end-of-induction review finding for ``protocol_key``.

    A caution "evaluate therapeutic benefit" once the induction's sessions are complete (with
    the response and remission status when ``outcome`` is given); otherwise an info finding
    with the sessions remaining.

    Raises:
        UnknownNameError: unknown protocol.
        InvalidInputError: a negative session count.
    """
    protocol = get_protocol(protocol_key, settings)
    if isinstance(sessions_completed, bool) or sessions_completed < 0:
        raise InvalidInputError(
            "sessions_completed must be 0 or more",
            field="sessions_completed",
            allowed="0 or more",
        )
    due_after = protocol.induction_sessions
    details: dict[str, object] = {
        "sessions_completed": sessions_completed,
        "due_after": due_after,
    }
    if sessions_completed < due_after:
        return OUT_REVIEW_INDUCTION.finding(
            Severity.INFO,
            f"{due_after - sessions_completed} induction sessions before the end-of-induction review.",
            **details,
        )
    status = ""
    if outcome is not None:
        details.update(response=outcome.response, remission=outcome.remission)
        status = (
            f" Response: {_yes_no(outcome.response)}; remission: {_yes_no(outcome.remission)}"
            f" ({outcome.remission_definition or 'no definition'})."
        )
    return OUT_REVIEW_INDUCTION.finding(
        Severity.CAUTION, f"End of induction: {protocol.review}{status}", **details
    )


def _yes_no(value: bool | None) -> str:
    """Return ``yes``, ``no`` or ``not assessed``."""
    if value is None:
        return "not assessed"
    return "yes" if value else "no"
