"""Relapse over a dated series of scores (SUSTAIN-1 style, [M], configurable).

Rule OUT-RELAPSE-SUSTAIN1: relapse when the MADRS total is ≥22 at two *consecutive*
assessments 5–15 days apart (both ends inclusive), or on hospitalisation for worsening
depression or a suicide attempt. The PHQ-9 (or any other instrument) equivalent is a clinic
setting with no default (OUT-RELAPSE-CLINIC): build it with :func:`clinic_relapse_criteria`.

Dates are parameters; the series may be given in any order and is sorted by date. Two scores
on the same date are an error (which one counts would be a guess).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.outcomes.response import check_total
from ketapath.core.outcomes.rules import OUT_RELAPSE_CLINIC, OUT_RELAPSE_SUSTAIN1

__all__ = [
    "SUSTAIN1_MADRS",
    "DatedScore",
    "RelapseAssessment",
    "RelapseCriteria",
    "assess_relapse",
    "clinic_relapse_criteria",
    "sorted_scores",
]


@dataclass(frozen=True, slots=True)
class DatedScore:
    """An instrument total and the date it was assessed."""

    on: date
    total: int


@dataclass(frozen=True, slots=True)
class RelapseCriteria:
    """Threshold and window of a relapse rule.

    Relapse when totals are ≥ ``min_total`` at 2 consecutive assessments
    ``min_days_apart``–``max_days_apart`` days apart (both ends inclusive).
    """

    instrument: str
    min_total: int
    min_days_apart: int
    max_days_apart: int
    rule: RuleSpec


SUSTAIN1_MADRS = RelapseCriteria("madrs", 22, 5, 15, OUT_RELAPSE_SUSTAIN1)


def clinic_relapse_criteria(
    instrument: str,
    *,
    min_total: int,
    min_days_apart: int = 5,
    max_days_apart: int = 15,
) -> RelapseCriteria:
    """Return a clinic-set relapse rule (e.g. for PHQ-9); the threshold has no default.

    Raises:
        InvalidInputError: the threshold is outside the instrument's range or the window is
            not ``1 <= min_days_apart <= max_days_apart``.
    """
    check_total(instrument, min_total, "relapse_min_total")
    if not 1 <= min_days_apart <= max_days_apart:
        raise InvalidInputError(
            f"relapse window {min_days_apart}–{max_days_apart} days is not valid",
            field="min_days_apart",
            allowed="1 <= min_days_apart <= max_days_apart",
        )
    return RelapseCriteria(
        instrument, min_total, min_days_apart, max_days_apart, OUT_RELAPSE_CLINIC
    )


@dataclass(frozen=True, slots=True)
class RelapseAssessment:
    """Whether relapse criteria are met, when, and the finding that explains it.

    ``first_elevated_on`` and ``confirmed_on`` are the dates of the two qualifying assessments
    (``None`` when relapse is by event or not met).
    """

    relapsed: bool
    first_elevated_on: date | None
    confirmed_on: date | None
    finding: Finding


def sorted_scores(instrument: str, scores: Sequence[DatedScore]) -> list[DatedScore]:
    """Return ``scores`` sorted by date after checking each total and that dates are distinct.

    Raises:
        InvalidInputError: a total is out of range (field ``scores[i].total``) or two scores
            share a date (field ``scores``).
    """
    for index, score in enumerate(scores):
        check_total(instrument, score.total, f"scores[{index}].total")
    ordered = sorted(scores, key=lambda score: score.on)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.on == later.on:
            raise InvalidInputError(
                f"two scores on {later.on.isoformat()}; give one score per date",
                field="scores",
                allowed="one score per date",
            )
    return ordered


def assess_relapse(
    scores: Sequence[DatedScore],
    *,
    criteria: RelapseCriteria = SUSTAIN1_MADRS,
    hospitalised: bool = False,
    suicide_attempt: bool = False,
) -> RelapseAssessment:
    """Return whether the series (or an event) meets the relapse ``criteria``."""
    ordered = sorted_scores(criteria.instrument, scores)
    rule = criteria.rule
    for earlier, later in itertools.pairwise(ordered):
        days_apart = (later.on - earlier.on).days
        if (
            earlier.total >= criteria.min_total
            and later.total >= criteria.min_total
            and criteria.min_days_apart <= days_apart <= criteria.max_days_apart
        ):
            finding = rule.finding(
                Severity.CAUTION,
                f"Relapse: {criteria.instrument} ≥{criteria.min_total} on {earlier.on.isoformat()} "
                f"({earlier.total}) and {later.on.isoformat()} ({later.total}), {days_apart} days apart.",
                first_elevated_on=earlier.on,
                confirmed_on=later.on,
            )
            return RelapseAssessment(True, earlier.on, later.on, finding)
    if hospitalised or suicide_attempt:
        event = (
            "hospitalisation for worsening depression"
            if hospitalised
            else "suicide attempt"
        )
        finding = rule.finding(Severity.CAUTION, f"Relapse: {event}.", event=event)
        return RelapseAssessment(True, None, None, finding)
    finding = rule.finding(
        Severity.INFO,
        f"No relapse: no two consecutive {criteria.instrument} totals ≥{criteria.min_total} "
        f"{criteria.min_days_apart}–{criteria.max_days_apart} days apart.",
    )
    return RelapseAssessment(False, None, None, finding)
