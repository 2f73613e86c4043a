"""Plan the session dates of a protocol from a start date and the clinic's weekdays.

Rules (docs/clinical/protocols.md):

- The start date is the first session if it falls on an allowed weekday; otherwise the first
  session is the next allowed weekday (a finding says so).
- Sessions fall only on allowed weekdays (``0`` Monday … ``6`` Sunday; defaults per protocol:
  Monday/Thursday, KAP Monday/Wednesday/Friday).
- Frequencies count per *treatment week*: 7-day blocks starting at the first session, so that
  "twice weekly" always means two sessions in every block. Within a block the earliest allowed
  days that keep the spacing rule are used (earliest-first is optimal: if it fails, no plan on
  those weekdays can satisfy the rule).
- No dosing on consecutive days during induction: esketamine (PROT-SPACING-01, EU SmPC [S]);
  IV infusions and KAP dosing sessions (PROT-SPACING-02, ketapath policy [M], gap configurable).
  The gap also holds between the last induction session and the next session.
- IV: 2–3 infusions per treatment week (as many as the weekdays allow, up to 3, unless the
  clinic fixes it), default 6 infusions (4–8).
- KAP: ≥1 preparation session, then each dosing session is followed by an integration session
  1–3 days later and before the next dosing session; at most 2 dosing sessions per ISO week.
- If the weekdays make a rule impossible, :class:`InvalidInputError` names ``weekdays`` and what
  is allowed; a plan that breaks a rule is never returned.

The module reads no clock: ``start`` is a parameter.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from ketapath.core.errors import InvalidInputError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.protocols.definitions import (
    DEFAULT_SETTINGS,
    PhaseDefinition,
    ProtocolDefinition,
    ProtocolSettings,
    get_protocol,
)
from ketapath.core.protocols.rules import (
    PROT_IV_INDUCTION,
    PROT_KAP_INTEGRATION,
    PROT_KAP_WEEKLY,
    PROT_SPACING_01,
    PROT_SPACING_02,
)

__all__ = [
    "WEEKDAY_NAMES",
    "PlannedSession",
    "SessionPlan",
    "format_weekdays",
    "parse_weekdays",
    "plan_sessions",
]

WEEKDAY_NAMES: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_ALLOWED_NAMES = ", ".join(WEEKDAY_NAMES)
ESKETAMINE_MIN_GAP_DAYS = 2
"""Esketamine induction is never on consecutive days (PROT-SPACING-01, EU SmPC [S])."""
_IV_SEED_MAX_WEEKS = 3
_KAP_INTEGRATION_DAYS = (1, 3)
_SEARCH_LIMIT_DAYS = 28


@dataclass(frozen=True, slots=True)
class PlannedSession:
    """One planned session: its number (from 1), date, phase, kind, planned dose and chair time."""

    number: int
    date: date
    phase: str
    kind: str
    dose_mg: Decimal | None
    dose_mg_per_kg: Decimal | None
    chair_minutes: int | None
    dose_options_mg: tuple[Decimal, ...] = ()


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """A planned course: the protocol key, the weekdays used, the sessions and the findings."""

    protocol: str
    weekdays: frozenset[int]
    sessions: tuple[PlannedSession, ...]
    findings: tuple[Finding, ...]


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse ``"mon,thu"`` into weekday numbers (Monday 0 … Sunday 6).

    Raises:
        InvalidInputError: a name is not a weekday or the list is empty (field ``weekdays``).
    """
    names = [part.strip().lower() for part in text.split(",") if part.strip()]
    if not names:
        raise InvalidInputError(
            "weekdays must name at least one day",
            field="weekdays",
            allowed=_ALLOWED_NAMES,
        )
    days: set[int] = set()
    for name in names:
        short = name[:3]
        if short not in WEEKDAY_NAMES or not _is_day_name(name):
            raise InvalidInputError(
                f"unknown weekday {name!r}; allowed: {_ALLOWED_NAMES}",
                field="weekdays",
                allowed=_ALLOWED_NAMES,
            )
        days.add(WEEKDAY_NAMES.index(short))
    return frozenset(days)


def _is_day_name(name: str) -> bool:
    """Return whether ``name`` is a three-letter or full English weekday name."""
    full = (
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    )
    return name in WEEKDAY_NAMES or name in full


def format_weekdays(weekdays: Iterable[int]) -> str:
    """Return weekday numbers as ``"mon,thu"``."""
    return ",".join(WEEKDAY_NAMES[day] for day in sorted(weekdays))


def plan_sessions(
    protocol_key: str,
    *,
    start: date,
    weekdays: frozenset[int] | None = None,
    settings: ProtocolSettings = DEFAULT_SETTINGS,
) -> SessionPlan:
    """Plan every session of ``protocol_key`` from ``start`` on the allowed ``weekdays``.

    Args:
        protocol_key: one of ``esketamine_trd``, ``esketamine_mdsi``, ``iv_induction``, ``kap``.
        start: the earliest date of the first session.
        weekdays: allowed weekdays (0 Monday … 6 Sunday); ``None`` uses the protocol's default.
        settings: clinic settings (counts, observation minutes, spacing).

    Raises:
        UnknownNameError: unknown protocol (field ``protocol``).
        InvalidInputError: the weekdays cannot satisfy the protocol's rules (field ``weekdays``)
            or a setting is out of range.
    """
    protocol = get_protocol(protocol_key, settings)
    allowed = (
        protocol.default_weekdays if weekdays is None else _checked_weekdays(weekdays)
    )
    first = _next_allowed(start, allowed)
    findings: list[Finding] = []
    if first != start:
        findings.append(
            protocol.rule.finding(
                Severity.INFO,
                f"{start.isoformat()} is a {WEEKDAY_NAMES[start.weekday()]}, not an allowed weekday "
                f"({format_weekdays(allowed)}); the first session is {first.isoformat()}.",
                requested_start=start,
                first_session=first,
            )
        )
    builder = _Builder(protocol, allowed)
    if protocol.key == "kap":
        _plan_kap(builder, first, settings)
    elif protocol.key == "iv_induction":
        findings.extend(_plan_iv(builder, first, settings))
    else:
        _plan_esketamine(builder, first)
    if settings.maintenance_sessions:
        _plan_maintenance(builder, settings)
    findings.extend(_summary_findings(protocol, builder.sessions, settings))
    return SessionPlan(protocol.key, allowed, tuple(builder.sessions), tuple(findings))


def _checked_weekdays(weekdays: frozenset[int]) -> frozenset[int]:
    """Return ``weekdays`` if it is a non-empty set of numbers 0–6, else raise."""
    if not weekdays or any(
        isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6
        for day in weekdays
    ):
        raise InvalidInputError(
            f"weekdays must be a non-empty set of weekdays, not {sorted(weekdays)!r}",
            field="weekdays",
            allowed=f"{_ALLOWED_NAMES} (0 Monday … 6 Sunday)",
        )
    return frozenset(weekdays)


def _next_allowed(day: date, allowed: frozenset[int]) -> date:
    """Return ``day`` or the next date that falls on an allowed weekday."""
    for offset in range(7):
        candidate = day + timedelta(days=offset)
        if candidate.weekday() in allowed:
            return candidate
    raise InvalidInputError(
        "no allowed weekday", field="weekdays", allowed=_ALLOWED_NAMES
    )


class _Builder:
    """Collect planned sessions in date order, with the protocol's doses and chair minutes."""

    def __init__(self, protocol: ProtocolDefinition, allowed: frozenset[int]) -> None:
        self.protocol = protocol
        self.allowed = allowed
        self.sessions: list[PlannedSession] = []
        self.last_is_induction = False

    @property
    def last_date(self) -> date | None:
        """Return the date of the last planned session, if any."""
        return self.sessions[-1].date if self.sessions else None

    def add(self, on: date, phase: PhaseDefinition) -> None:
        """Append a session of ``phase`` on ``on``."""
        dose_mg = phase.dose_mg
        if not self.sessions and phase.first_session_dose_mg is not None:
            dose_mg = phase.first_session_dose_mg
        self.sessions.append(
            PlannedSession(
                number=len(self.sessions) + 1,
                date=on,
                phase=phase.name,
                kind=phase.kind,
                dose_mg=dose_mg,
                dose_mg_per_kg=phase.dose_mg_per_kg,
                chair_minutes=phase.chair_minutes,
                dose_options_mg=phase.dose_options_mg,
            )
        )
        self.last_is_induction = phase.is_induction

    def fill_week(
        self, block_start: date, phase: PhaseDefinition, wanted: int, min_gap_days: int
    ) -> int:
        """Plan up to ``wanted`` sessions in the 7-day block; return how many were planned."""
        planned = 0
        for offset in range(7):
            if planned == wanted:
                break
            candidate = block_start + timedelta(days=offset)
            if candidate.weekday() not in self.allowed:
                continue
            last = self.last_date
            if last is not None:
                gap = (candidate - last).days
                spaced = phase.is_induction or self.last_is_induction
                if gap < 1 or (spaced and gap < min_gap_days):
                    continue
            self.add(candidate, phase)
            planned += 1
        return planned


def _impossible(
    protocol: ProtocolDefinition,
    allowed: frozenset[int],
    why: str,
    rule: RuleSpec,
    example: str,
) -> InvalidInputError:
    """Build the error for weekdays that cannot satisfy a rule."""
    return InvalidInputError(
        f"weekdays {format_weekdays(allowed)} cannot plan {protocol.key}: {why} "
        f"(rule {rule.rule_id}); allowed: {example}",
        field="weekdays",
        allowed=example,
    )


def _plan_esketamine(builder: _Builder, first: date) -> None:
    """Plan the fixed-week phases of esketamine TRD or MDSI (twice weekly, then weekly)."""
    protocol = builder.protocol
    for phase in protocol.phases:
        if phase.weeks is None or phase.sessions_per_week is None:
            continue
        for week in range(phase.weeks[0], phase.weeks[1] + 1):
            block_start = first + timedelta(days=7 * (week - 1))
            got = builder.fill_week(
                block_start, phase, phase.sessions_per_week, ESKETAMINE_MIN_GAP_DAYS
            )
            if got < phase.sessions_per_week:
                raise _impossible(
                    protocol,
                    builder.allowed,
                    f"{phase.name} needs {phase.sessions_per_week} sessions in every week "
                    "with no doses on consecutive days",
                    PROT_SPACING_01,
                    "at least 2 weekdays with a day between them, e.g. mon,thu or tue,fri",
                )


def _plan_iv(
    builder: _Builder, first: date, settings: ProtocolSettings
) -> list[Finding]:
    """Plan the IV induction series at 3 (else 2) infusions per week, or the clinic's fixed rate."""
    protocol = builder.protocol
    phase = protocol.phase("induction")
    total = settings.iv_infusions
    rates = (
        (3, 2)
        if settings.iv_infusions_per_week is None
        else (settings.iv_infusions_per_week,)
    )
    for per_week in rates:
        trial = _Builder(protocol, builder.allowed)
        if _fill_iv(
            trial, first, phase, total, per_week, settings.induction_min_gap_days
        ):
            builder.sessions = trial.sessions
            builder.last_is_induction = True
            break
    else:
        raise _impossible(
            protocol,
            builder.allowed,
            f"the induction needs {'/'.join(map(str, rates))} infusions in every week with at "
            f"least {settings.induction_min_gap_days} days between infusions",
            PROT_SPACING_02,
            "at least 2 weekdays with a day between them, e.g. mon,thu or mon,wed,fri",
        )
    weeks_used = (builder.sessions[-1].date - first).days // 7 + 1
    if weeks_used > settings.iv_max_weeks:
        raise _impossible(
            protocol,
            builder.allowed,
            f"{total} infusions need {weeks_used} weeks, more than iv_max_weeks "
            f"({settings.iv_max_weeks})",
            PROT_IV_INDUCTION,
            "weekdays giving 3 infusions a week, e.g. mon,wed,fri, or fewer infusions",
        )
    if weeks_used > _IV_SEED_MAX_WEEKS:
        return [
            PROT_IV_INDUCTION.finding(
                Severity.INFO,
                f"The induction spans {weeks_used} weeks; the seed default is within 2–3 weeks.",
                weeks=weeks_used,
            )
        ]
    return []


def _fill_iv(
    builder: _Builder,
    first: date,
    phase: PhaseDefinition,
    total: int,
    per_week: int,
    min_gap_days: int,
) -> bool:
    """Plan ``total`` infusions at ``per_week``; return False if a week falls short."""
    week = 0
    while len(builder.sessions) < total:
        wanted = min(per_week, total - len(builder.sessions))
        block_start = first + timedelta(days=7 * week)
        if builder.fill_week(block_start, phase, wanted, min_gap_days) < wanted:
            return False
        week += 1
    return True


def _plan_kap(builder: _Builder, first: date, settings: ProtocolSettings) -> None:
    """Plan preparation, then each dosing session followed by its integration session."""
    protocol = builder.protocol
    preparation = protocol.phase("preparation")
    dosing = protocol.phase("dosing")
    integration = protocol.phase("integration")
    cursor = first
    for _ in range(settings.kap_preparation_sessions):
        day = _next_allowed(cursor, builder.allowed)
        builder.add(day, preparation)
        cursor = day + timedelta(days=1)
    dosing_dates: list[date] = []
    for _ in range(settings.kap_dosing_sessions):
        pair = _next_kap_pair(builder.allowed, cursor, dosing_dates, settings)
        if pair is None:
            raise _impossible(
                protocol,
                builder.allowed,
                "every dosing session needs an integration session 1–3 days later on an allowed "
                f"weekday, at most {settings.kap_dosing_per_iso_week_max} dosing sessions per ISO "
                f"week and at least {settings.induction_min_gap_days} days between dosing sessions",
                PROT_KAP_INTEGRATION,
                "weekdays with a day 1–3 days after a dosing day, e.g. mon,wed,fri or mon,thu",
            )
        dosing_day, integration_day = pair
        builder.add(dosing_day, dosing)
        builder.add(integration_day, integration)
        dosing_dates.append(dosing_day)
        cursor = integration_day + timedelta(days=1)


def _next_kap_pair(
    allowed: frozenset[int],
    cursor: date,
    dosing_dates: list[date],
    settings: ProtocolSettings,
) -> tuple[date, date] | None:
    """Return the earliest (dosing, integration) dates from ``cursor`` that keep every KAP rule."""
    for offset in range(_SEARCH_LIMIT_DAYS):
        candidate = cursor + timedelta(days=offset)
        if candidate.weekday() not in allowed:
            continue
        same_week = sum(
            1
            for day in dosing_dates
            if day.isocalendar()[:2] == candidate.isocalendar()[:2]
        )
        if same_week >= settings.kap_dosing_per_iso_week_max:
            continue
        if (
            dosing_dates
            and (candidate - dosing_dates[-1]).days < settings.induction_min_gap_days
        ):
            continue
        low, high = _KAP_INTEGRATION_DAYS
        for days_after in range(low, high + 1):
            integration_day = candidate + timedelta(days=days_after)
            if integration_day.weekday() in allowed:
                return candidate, integration_day
    return None


def _plan_maintenance(builder: _Builder, settings: ProtocolSettings) -> None:
    """Append the clinic's number of maintenance sessions at the protocol's interval."""
    protocol = builder.protocol
    intervals = {
        "esketamine_trd": settings.esketamine_maintenance_interval_days,
        "iv_induction": settings.iv_maintenance_interval_days,
    }
    interval_days = intervals.get(protocol.key)
    if interval_days is None:
        raise InvalidInputError(
            f"{protocol.key} has no maintenance phase; maintenance_sessions must be 0",
            field="maintenance_sessions",
            allowed="0 for esketamine_mdsi and kap; 0–52 for esketamine_trd and iv_induction",
        )
    phase = protocol.phase("maintenance")
    for _ in range(settings.maintenance_sessions):
        last = builder.last_date
        if last is None:  # pragma: no cover - the induction always plans sessions first
            break
        builder.add(
            _next_allowed(last + timedelta(days=interval_days), builder.allowed), phase
        )


def _summary_findings(
    protocol: ProtocolDefinition,
    sessions: list[PlannedSession],
    settings: ProtocolSettings,
) -> list[Finding]:
    """Return the findings that explain the plan: counts, spacing and the review point."""
    counts: dict[str, int] = {}
    for session in sessions:
        counts[session.phase] = counts.get(session.phase, 0) + 1
    described = ", ".join(f"{name} {count}" for name, count in counts.items())
    findings = [
        protocol.rule.finding(
            Severity.INFO,
            f"{protocol.title}: {len(sessions)} sessions ({described}).",
            sessions_per_phase=counts,
        )
    ]
    spacing = (
        PROT_SPACING_02 if protocol.key in ("iv_induction", "kap") else PROT_SPACING_01
    )
    findings.append(
        spacing.finding(
            Severity.INFO,
            "No two induction doses are planned on consecutive days.",
        )
    )
    if protocol.key == "kap":
        findings.append(
            PROT_KAP_WEEKLY.finding(
                Severity.INFO,
                f"At most {settings.kap_dosing_per_iso_week_max} dosing sessions per ISO week, "
                "each followed by an integration session 1–3 days later.",
            )
        )
    review_at = protocol.induction_sessions
    review_sessions = [
        s for s in sessions if s.kind != "integration" and s.kind != "preparation"
    ]
    if len(review_sessions) >= review_at:
        findings.append(
            protocol.rule.finding(
                Severity.INFO,
                f"{protocol.review} Planned for {review_sessions[review_at - 1].date.isoformat()}.",
                review_after_session=review_sessions[review_at - 1].number,
            )
        )
    return findings
