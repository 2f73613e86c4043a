"""Protocol templates as data: phases, session kinds, counts, frequencies, doses and chair time.

Four protocols (REFERENCE.md §1, §4, §5; evidence-notes §1.3, §1.4, §2.3):

- ``esketamine_trd``: induction weeks 1–4 twice weekly (day 1 56 mg, then 56 or 84 mg), weeks
  5–8 weekly, then maintenance weekly or every 2 weeks, individualised; evaluate benefit at the
  end of induction.
- ``esketamine_mdsi``: 84 mg twice weekly for 4 weeks (may reduce to 56 mg).
- ``iv_induction``: default 6 infusions, 2–3 per week within 2–3 weeks (4–8 over 2–4 weeks
  configurable), 0.5 mg/kg over 40 min, then outcome-driven maintenance every 3–6 weeks.
- ``kap``: ≥1 preparation session, then dosing sessions each followed by an integration session
  1–3 days later, ≤2 dosing sessions per ISO week.

Planned chair minutes include observation: esketamine ≥120 min from the first device [V];
IV 40 min infusion plus the clinic's post-infusion observation (default 60 min [M]); KAP dosing
90 min (upper end of the seed's 45–90 min). Preparation and integration sessions are therapy
sessions, not chair sessions, so their chair minutes are ``None``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from ketapath.core.citations import Citation
from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import RuleSpec
from ketapath.core.protocols.rules import (
    PROT_ESK_MDSI,
    PROT_ESK_TRD,
    PROT_IV_INDUCTION,
    PROT_KAP,
)
from ketapath.core.sources import (
    SANACORA_2017,
    SEED_000,
    SPRAVATO_HCP_DOSING,
    SPRAVATO_HCP_MDSI,
    SPRAVATO_REMS,
)

__all__ = [
    "DEFAULT_SETTINGS",
    "ESKETAMINE_MIN_OBSERVATION_MINUTES",
    "IV_INFUSION_MINUTES",
    "PROTOCOL_KEYS",
    "PhaseDefinition",
    "ProtocolDefinition",
    "ProtocolSettings",
    "get_protocol",
]

PROTOCOL_KEYS: tuple[str, ...] = (
    "esketamine_trd",
    "esketamine_mdsi",
    "iv_induction",
    "kap",
)

ESKETAMINE_MIN_OBSERVATION_MINUTES = 120
"""REMS: observe at least 2 hours from the first device [V]."""

IV_INFUSION_MINUTES = 40
"""Sanacora 2017: 0.5 mg/kg over 40 minutes [V]."""

_ESK_DAY1_DOSE_MG = Decimal(56)
_ESK_DOSE_OPTIONS_MG = (Decimal(56), Decimal(84))
_MDSI_DOSE_MG = Decimal(84)
_MDSI_DOSE_OPTIONS_MG = (Decimal(84), Decimal(56))
_IV_DOSE_MG_PER_KG = Decimal("0.5")

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@dataclass(frozen=True, slots=True)
class ProtocolSettings:
    """Clinic settings for planning; every default cites its source in docs/clinical/protocols.md.

    Attributes:
        iv_infusions: IV induction infusions, default 6, allowed 4–8 (seed 000 [S]).
        iv_infusions_per_week: 2 or 3; ``None`` uses as many as the weekdays allow, up to 3.
        iv_max_weeks: weeks the induction may span, default 4 (seed: 2–4 configurable); a plan
            longer than 3 weeks gets an info finding (seed default "within 2–3 weeks").
        iv_post_infusion_observation_minutes: default 60 [M] (clinic pages: 30–60 min).
        kap_preparation_sessions: default and minimum 1 (REFERENCE §5).
        kap_dosing_sessions: default 6 [M] (clinic page), allowed 1–12.
        kap_dosing_per_iso_week_max: default 2 [S], allowed 1–2.
        kap_dosing_chair_minutes: default 90 (seed 45–90 min), allowed 45–240.
        esketamine_observation_minutes: default and minimum 120 [V].
        induction_min_gap_days: minimum days between IV or KAP doses in induction, default 2
            (no consecutive days; ketapath policy [M]); esketamine always uses 2 [S].
        maintenance_sessions: maintenance sessions to add to an esketamine TRD or IV plan
            (default 0: maintenance is outcome-driven, see :mod:`.maintenance`).
        esketamine_maintenance_interval_days: 7 or 14 (label), default 7 (continue weekly until
            outcomes justify widening).
        iv_maintenance_interval_days: default 21 (seed 000: 3–6 weeks; its patient relapses at
            3–4 weeks), allowed 7–42.
    """

    iv_infusions: int = 6
    iv_infusions_per_week: int | None = None
    iv_max_weeks: int = 4
    iv_post_infusion_observation_minutes: int = 60
    kap_preparation_sessions: int = 1
    kap_dosing_sessions: int = 6
    kap_dosing_per_iso_week_max: int = 2
    kap_dosing_chair_minutes: int = 90
    esketamine_observation_minutes: int = ESKETAMINE_MIN_OBSERVATION_MINUTES
    induction_min_gap_days: int = 2
    maintenance_sessions: int = 0
    esketamine_maintenance_interval_days: int = 7
    iv_maintenance_interval_days: int = 21

    def __post_init__(self) -> None:
        _check_range("iv_infusions", self.iv_infusions, 4, 8)
        if self.iv_infusions_per_week is not None:
            _check_range("iv_infusions_per_week", self.iv_infusions_per_week, 2, 3)
        _check_range("iv_max_weeks", self.iv_max_weeks, 2, 4)
        _check_range(
            "iv_post_infusion_observation_minutes",
            self.iv_post_infusion_observation_minutes,
            0,
            480,
        )
        _check_range("kap_preparation_sessions", self.kap_preparation_sessions, 1, 6)
        _check_range("kap_dosing_sessions", self.kap_dosing_sessions, 1, 12)
        _check_range(
            "kap_dosing_per_iso_week_max", self.kap_dosing_per_iso_week_max, 1, 2
        )
        _check_range("kap_dosing_chair_minutes", self.kap_dosing_chair_minutes, 45, 240)
        _check_range(
            "esketamine_observation_minutes",
            self.esketamine_observation_minutes,
            ESKETAMINE_MIN_OBSERVATION_MINUTES,
            480,
        )
        _check_range("induction_min_gap_days", self.induction_min_gap_days, 1, 7)
        _check_range("maintenance_sessions", self.maintenance_sessions, 0, 52)
        if self.esketamine_maintenance_interval_days not in (7, 14):
            raise InvalidInputError(
                f"esketamine_maintenance_interval_days must be 7 or 14, not {self.esketamine_maintenance_interval_days}",
                field="esketamine_maintenance_interval_days",
                allowed="7 or 14",
            )
        _check_range(
            "iv_maintenance_interval_days", self.iv_maintenance_interval_days, 7, 42
        )


def _check_range(name: str, value: int, low: int, high: int) -> None:
    """Raise :class:`InvalidInputError` naming ``name`` unless ``low <= value <= high``."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise InvalidInputError(
            f"{name} must be a whole number from {low} to {high}, not {value!r}",
            field=name,
            allowed=f"{low}–{high}",
        )


DEFAULT_SETTINGS = ProtocolSettings()


@dataclass(frozen=True, slots=True)
class PhaseDefinition:
    """One phase of a protocol.

    Attributes:
        name: phase name shown in plans (``induction``, ``weekly``, ``maintenance``, ...).
        kind: session kind (``esketamine``, ``infusion``, ``preparation``, ``dosing``,
            ``integration``).
        session_count: planned sessions in the phase; ``None`` for open-ended maintenance.
        frequency: the frequency in words (``twice weekly``, ``2-3 per week``, ...).
        sessions_per_week: sessions per treatment week where fixed, else ``None``.
        weeks: first and last treatment week of the phase, where fixed.
        dose_mg: planned dose for every session, or ``None`` when the prescriber chooses.
        first_session_dose_mg: the dose of the protocol's first session, if fixed.
        dose_options_mg: doses the prescriber may choose between.
        dose_mg_per_kg: weight-based planned dose.
        chair_minutes: planned chair minutes including observation, ``None`` off-chair.
        is_induction: whether the no-consecutive-days spacing rule applies.
        sources: where the phase comes from.
    """

    name: str
    kind: str
    session_count: int | None
    frequency: str
    sessions_per_week: int | None
    weeks: tuple[int, int] | None
    dose_mg: Decimal | None
    first_session_dose_mg: Decimal | None
    dose_options_mg: tuple[Decimal, ...]
    dose_mg_per_kg: Decimal | None
    chair_minutes: int | None
    is_induction: bool
    sources: tuple[Citation, ...]


@dataclass(frozen=True, slots=True)
class ProtocolDefinition:
    """A protocol template: its phases, default weekdays and the rule that describes it."""

    key: str
    title: str
    route: str
    phases: tuple[PhaseDefinition, ...]
    default_weekdays: frozenset[int]
    rule: RuleSpec
    review: str

    def phase(self, name: str) -> PhaseDefinition:
        """Return the phase called ``name``."""
        for phase in self.phases:
            if phase.name == name:
                return phase
        raise KeyError(name)

    @property
    def induction_sessions(self) -> int:
        """Return the number of sessions in the induction phase (the end-of-induction review)."""
        for phase in self.phases:
            if phase.name == "induction" and phase.session_count is not None:
                return phase.session_count
        if self.key == "kap":
            return sum(p.session_count or 0 for p in self.phases if p.kind == "dosing")
        raise KeyError("induction")


def _esketamine_trd(settings: ProtocolSettings) -> ProtocolDefinition:
    """Build the esketamine TRD template (Spravato HCP dosing [V])."""
    chair = settings.esketamine_observation_minutes
    sources = (SPRAVATO_HCP_DOSING, SPRAVATO_REMS)
    maintenance_frequency = (
        "weekly"
        if settings.esketamine_maintenance_interval_days == 7
        else "every 2 weeks"
    )
    return ProtocolDefinition(
        key="esketamine_trd",
        title="Esketamine nasal spray (Spravato) for treatment-resistant depression",
        route="intranasal esketamine",
        phases=(
            PhaseDefinition(
                "induction",
                "esketamine",
                8,
                "twice weekly",
                2,
                (1, 4),
                None,
                _ESK_DAY1_DOSE_MG,
                _ESK_DOSE_OPTIONS_MG,
                None,
                chair,
                True,
                sources,
            ),
            PhaseDefinition(
                "weekly",
                "esketamine",
                4,
                "weekly",
                1,
                (5, 8),
                None,
                None,
                _ESK_DOSE_OPTIONS_MG,
                None,
                chair,
                False,
                sources,
            ),
            PhaseDefinition(
                "maintenance",
                "esketamine",
                None,
                f"{maintenance_frequency} (weekly or every 2 weeks, individualised)",
                None,
                None,
                None,
                None,
                _ESK_DOSE_OPTIONS_MG,
                None,
                chair,
                False,
                sources,
            ),
        ),
        default_weekdays=frozenset({MON, THU}),
        rule=PROT_ESK_TRD,
        review="Evaluate therapeutic benefit at the end of induction (after week 4, session 8).",
    )


def _esketamine_mdsi(settings: ProtocolSettings) -> ProtocolDefinition:
    """Build the esketamine MDSI template (Spravato HCP MDSI [V])."""
    return ProtocolDefinition(
        key="esketamine_mdsi",
        title="Esketamine nasal spray (Spravato) for depressive symptoms with acute suicidal ideation",
        route="intranasal esketamine",
        phases=(
            PhaseDefinition(
                "induction",
                "esketamine",
                8,
                "twice weekly",
                2,
                (1, 4),
                _MDSI_DOSE_MG,
                _MDSI_DOSE_MG,
                _MDSI_DOSE_OPTIONS_MG,
                None,
                settings.esketamine_observation_minutes,
                True,
                (SPRAVATO_HCP_MDSI, SPRAVATO_REMS),
            ),
        ),
        default_weekdays=frozenset({MON, THU}),
        rule=PROT_ESK_MDSI,
        review=(
            "Evaluate therapeutic benefit after 4 weeks; treatment beyond 4 weeks has not been "
            "systematically studied."
        ),
    )


def _iv_induction(settings: ProtocolSettings) -> ProtocolDefinition:
    """Build the IV ketamine induction template (seed 000; Sanacora 2017)."""
    chair = IV_INFUSION_MINUTES + settings.iv_post_infusion_observation_minutes
    per_week = settings.iv_infusions_per_week
    return ProtocolDefinition(
        key="iv_induction",
        title="IV racemic ketamine: induction series then outcome-driven maintenance",
        route="intravenous racemic ketamine",
        phases=(
            PhaseDefinition(
                "induction",
                "infusion",
                settings.iv_infusions,
                "2-3 per week" if per_week is None else f"{per_week} per week",
                per_week,
                None,
                None,
                None,
                (),
                _IV_DOSE_MG_PER_KG,
                chair,
                True,
                (SEED_000, SANACORA_2017),
            ),
            PhaseDefinition(
                "maintenance",
                "infusion",
                None,
                f"every {settings.iv_maintenance_interval_days} days (3-6 weeks, outcome-driven)",
                None,
                None,
                None,
                None,
                (),
                _IV_DOSE_MG_PER_KG,
                chair,
                False,
                (SEED_000,),
            ),
        ),
        default_weekdays=frozenset({MON, THU}),
        rule=PROT_IV_INDUCTION,
        review="Review response after the induction series; prompt reassessment if no response after 3 infusions.",
    )


def _kap(settings: ProtocolSettings) -> ProtocolDefinition:
    """Build the KAP template (REFERENCE §1 and §5)."""
    sources = PROT_KAP.sources
    return ProtocolDefinition(
        key="kap",
        title="Ketamine-assisted psychotherapy",
        route="ketamine-assisted psychotherapy",
        phases=(
            PhaseDefinition(
                "preparation",
                "preparation",
                settings.kap_preparation_sessions,
                "before the first dosing session",
                None,
                None,
                None,
                None,
                (),
                None,
                None,
                False,
                sources,
            ),
            PhaseDefinition(
                "dosing",
                "dosing",
                settings.kap_dosing_sessions,
                f"at most {settings.kap_dosing_per_iso_week_max} per ISO week",
                None,
                None,
                None,
                None,
                (),
                None,
                settings.kap_dosing_chair_minutes,
                True,
                sources,
            ),
            PhaseDefinition(
                "integration",
                "integration",
                settings.kap_dosing_sessions,
                "1-3 days after each dosing session",
                None,
                None,
                None,
                None,
                (),
                None,
                None,
                False,
                sources,
            ),
        ),
        default_weekdays=frozenset({MON, WED, FRI}),
        rule=PROT_KAP,
        review="Review outcomes after the dosing series.",
    )


_BUILDERS = {
    "esketamine_trd": _esketamine_trd,
    "esketamine_mdsi": _esketamine_mdsi,
    "iv_induction": _iv_induction,
    "kap": _kap,
}


def get_protocol(
    key: str, settings: ProtocolSettings = DEFAULT_SETTINGS
) -> ProtocolDefinition:
    """Return the protocol template ``key`` built with the clinic's ``settings``.

    Raises:
        UnknownNameError: ``key`` is not one of :data:`PROTOCOL_KEYS` (field ``protocol``).
    """
    builder = _BUILDERS.get(key)
    if builder is None:
        allowed = ", ".join(PROTOCOL_KEYS)
        raise UnknownNameError(
            f"unknown protocol {key!r}; allowed: {allowed}",
            field="protocol",
            allowed=allowed,
        )
    return builder(settings)
