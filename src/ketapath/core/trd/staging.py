"""Staging of treatment resistance: Maudsley Staging Method (MSM) and Thase–Rush stages.

Plain rules:

* **MSM-01** (Fekadu 2009; table in Fekadu 2018 BMC Psychiatry 18:100): duration of the current
  episode ≤12 months 1, 13–24 months 2, >24 months 3; severity subsyndromal 1, mild 2, moderate
  3, severe without psychosis 4, severe with psychosis 5; failed antidepressants 1–2 = 1,
  3–4 = 2, 5–6 = 3, 7–10 = 4, >10 = 5 [M]; augmentation used 1 [M]; ECT used 1 [M]. Total 3–15:
  mild 3–6, moderate 7–10, severe 11–15 [V]. A fractional duration above 12 (or 24) months
  belongs to the next level. Failed antidepressants are the distinct drugs whose adequate
  trials failed under the chosen TRD rule set. Any missing dimension gives an *incomplete*
  result that names what is missing; nothing is scored as 0. With no failed antidepressant the
  MSM is not applicable (its failure levels start at 1) and the result says so.
* **THASE-RUSH-01** [M] (Thase & Rush 1997): I ≥1 failed adequate trial; II failures in ≥2
  distinct classes; III ≥3 classes including a TCA; IV ≥4 classes including a TCA and an MAOI;
  V stage IV plus a failed course of bilateral ECT. No failed adequate trial: no stage (None).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Finding, Severity
from ketapath.core.patient import EPISODE_SEVERITIES, PatientProfile
from ketapath.core.trd.definition import TrdAssessment, TrdSettings, assess_trd
from ketapath.core.trd.rules import MSM_01, THASE_RUSH_01

__all__ = [
    "MSM_BANDS",
    "MSM_SEVERITY_SCORES",
    "MsmBand",
    "MsmPart",
    "MsmResult",
    "ThaseRushResult",
    "TrdStaging",
    "maudsley_stage",
    "msm_band",
    "stage_profile",
    "thase_rush_stage",
]


class MsmBand(StrEnum):
    """Maudsley Staging Method bands."""

    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


MSM_BANDS: tuple[tuple[int, int, MsmBand], ...] = (
    (3, 6, MsmBand.MILD),
    (7, 10, MsmBand.MODERATE),
    (11, 15, MsmBand.SEVERE),
)
MSM_SEVERITY_SCORES: dict[str, int] = {
    name: score for score, name in enumerate(EPISODE_SEVERITIES, start=1)
}
"""subsyndromal 1, mild 2, moderate 3, severe (without psychosis) 4, severe_with_psychosis 5."""
_FAILURE_LEVELS: tuple[tuple[int, int, int], ...] = (
    (1, 2, 1),
    (3, 4, 2),
    (5, 6, 3),
    (7, 10, 4),
)


@dataclass(frozen=True, slots=True)
class MsmPart:
    """One scored MSM dimension: its name, the level in words and its score."""

    dimension: str
    level: str
    score: int


@dataclass(frozen=True, slots=True)
class MsmResult:
    """An MSM total and band, or an incomplete result naming what is missing (score None)."""

    score: int | None
    band: MsmBand | None
    parts: tuple[MsmPart, ...]
    missing: tuple[str, ...]
    finding: Finding

    @property
    def complete(self) -> bool:
        """Return True when every dimension was scored."""
        return self.score is not None


@dataclass(frozen=True, slots=True)
class ThaseRushResult:
    """A Thase–Rush stage I–V, or None when no adequate trial failed."""

    stage: str | None
    finding: Finding


@dataclass(frozen=True, slots=True)
class TrdStaging:
    """Both staging results for one profile under one TRD rule set."""

    msm: MsmResult
    thase_rush: ThaseRushResult


def msm_band(score: int) -> MsmBand:
    """Return the MSM band of a total score 3–15 (raises InvalidInputError outside it)."""
    for low, high, band in MSM_BANDS:
        if low <= score <= high:
            return band
    raise InvalidInputError(
        f"MSM score {score} is out of range", field="score", allowed="3–15"
    )


def _duration_part(months: Decimal) -> MsmPart:
    if months <= 12:
        return MsmPart("duration", "acute (≤12 months)", 1)
    if months <= 24:
        return MsmPart("duration", "sub-acute (13–24 months)", 2)
    return MsmPart("duration", "chronic (>24 months)", 3)


def _failures_part(count: int) -> MsmPart:
    for low, high, score in _FAILURE_LEVELS:
        if low <= count <= high:
            return MsmPart(
                "failed_antidepressants", f"level {score} ({low}–{high})", score
            )
    return MsmPart("failed_antidepressants", "level 5 (>10)", 5)


def _missing_and_parts(
    duration_months: Decimal | None,
    severity: str | None,
    failed: int | None,
    augmentation_used: bool | None,
    ect_used: bool | None,
) -> tuple[list[str], list[MsmPart]]:
    missing: list[str] = []
    parts: list[MsmPart] = []
    if duration_months is None:
        missing.append("current_episode.duration_months")
    else:
        parts.append(_duration_part(duration_months))
    if severity is None:
        missing.append("current_episode.severity")
    else:
        parts.append(MsmPart("severity", severity, MSM_SEVERITY_SCORES[severity]))
    if failed is None or failed < 1:
        missing.append("failed_antidepressants")
    else:
        parts.append(_failures_part(failed))
    for name, used in (
        ("augmentation_used", augmentation_used),
        ("ect_used", ect_used),
    ):
        if used is None:
            missing.append(name)
        else:
            parts.append(
                MsmPart(
                    name.removesuffix("_used"),
                    "used" if used else "not used",
                    int(used),
                )
            )
    return missing, parts


def maudsley_stage(
    *,
    episode_duration_months: Decimal | None,
    severity: str | None,
    failed_antidepressants: int | None,
    augmentation_used: bool | None,
    ect_used: bool | None,
) -> MsmResult:
    """Score the MSM from its five dimensions; any missing one gives an incomplete result."""
    if severity is not None and severity not in MSM_SEVERITY_SCORES:
        raise InvalidInputError(
            f"unknown severity {severity!r}",
            field="severity",
            allowed=", ".join(EPISODE_SEVERITIES),
        )
    if episode_duration_months is not None and episode_duration_months < 0:
        raise InvalidInputError(
            "episode duration must not be negative",
            field="episode_duration_months",
            allowed="≥ 0",
        )
    if failed_antidepressants is not None and failed_antidepressants < 0:
        raise InvalidInputError(
            "failed antidepressants must not be negative",
            field="failed_antidepressants",
            allowed="≥ 0",
        )
    missing, parts = _missing_and_parts(
        episode_duration_months,
        severity,
        failed_antidepressants,
        augmentation_used,
        ect_used,
    )
    if missing:
        why = (
            " (no failed adequate antidepressant trial: MSM not applicable)"
            if failed_antidepressants == 0
            else ""
        )
        finding = MSM_01.finding(
            Severity.INFO,
            f"MSM incomplete: missing {', '.join(missing)}{why}",
            missing=tuple(missing),
        )
        return MsmResult(None, None, tuple(parts), tuple(missing), finding)
    score = sum(part.score for part in parts)
    band = msm_band(score)
    finding = MSM_01.finding(
        Severity.INFO,
        f"MSM {score} ({band.value}): "
        + ", ".join(f"{p.dimension} {p.score}" for p in parts),
        score=score,
        band=band,
    )
    return MsmResult(score, band, tuple(parts), (), finding)


def _stage_from_classes(
    classes: frozenset[str], bilateral_ect_failed: bool | None
) -> str | None:
    if not classes:
        return None
    stage = "I"
    if len(classes) >= 2:
        stage = "II"
    if len(classes) >= 3 and "tca" in classes:
        stage = "III"
    if len(classes) >= 4 and {"tca", "maoi"} <= classes:
        stage = "IV"
        if bilateral_ect_failed is True:
            stage = "V"
    return stage


def thase_rush_stage(
    assessment: TrdAssessment, *, bilateral_ect_failed: bool | None = None
) -> ThaseRushResult:
    """Stage resistance I–V from the failed adequate trials of a TRD assessment [M]."""
    classes = assessment.distinct_failed_classes()
    stage = _stage_from_classes(classes, bilateral_ect_failed)
    if stage is None:
        message = "Thase–Rush: no failed adequate trial, no stage"
    else:
        message = f"Thase–Rush stage {stage}: failed classes " + ", ".join(
            sorted(classes)
        )
        if stage == "IV" and bilateral_ect_failed is None:
            message += "; bilateral ECT outcome not recorded (stage V not assessable)"
    finding = THASE_RUSH_01.finding(
        Severity.INFO, message, stage=stage, failed_classes=tuple(sorted(classes))
    )
    return ThaseRushResult(stage, finding)


def stage_profile(
    profile: PatientProfile,
    *,
    ruleset: str = "seed",
    settings: TrdSettings | None = None,
    assessment: TrdAssessment | None = None,
) -> TrdStaging:
    """Return MSM and Thase–Rush staging for a profile; failures follow the TRD rule set."""
    trd = (
        assessment
        if assessment is not None
        else assess_trd(profile, ruleset=ruleset, settings=settings)
    )
    episode = profile.current_episode
    msm = maudsley_stage(
        episode_duration_months=None if episode is None else episode.duration_months,
        severity=None if episode is None else episode.severity,
        failed_antidepressants=len(trd.distinct_failed_drugs()),
        augmentation_used=profile.augmentation_used,
        ect_used=profile.ect_used,
    )
    return TrdStaging(
        msm, thase_rush_stage(trd, bilateral_ect_failed=profile.bilateral_ect_failed)
    )
