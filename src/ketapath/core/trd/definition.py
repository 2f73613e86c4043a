"""Is this depression treatment-resistant? Two named rule sets a clinic chooses between.

Plain rules:

* ``seed`` (default, TRD-SEED-01): at least 2 adequate trials of *different* antidepressants
  failed in the current episode; failure = improvement below 50% and not in remission; an
  adequate trial lasts ≥6 weeks at or above the minimum dose; by default the failed drugs must
  also be of different classes (seed 000; a setting).
* ``eu-pearl-2022`` (TRD-EUP-01, Sforzini et al. 2022 [V]): at least 2 different adequate
  treatments failed with <25% improvement; a trial stopped before the end of week 4 is not a
  failure (adequacy needs ≥4 weeks); 25–49% improvement is partial response, not failure
  (TRD-EUP-02 [M]).

Every trial gets a verdict (adequacy, outcome, whether it counts as a failure) with findings.
A trial that cannot be assessed is reported as such, never counted either way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from enum import StrEnum

from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.patient import AntidepressantTrial, PatientProfile
from ketapath.core.trd.adequacy import (
    DEFAULT_DOSE_TABLE,
    Adequacy,
    MinimumDose,
    assess_adequacy,
    normalise_drug_name,
)
from ketapath.core.trd.rules import (
    RULESET_VERSION,
    TRD_ADEQ_DOSE,
    TRD_EUP_01,
    TRD_EUP_02,
    TRD_SEED_01,
)

__all__ = [
    "DEFAULT_RULESET",
    "EU_PEARL_SETTINGS",
    "RULESET_NAMES",
    "SEED_SETTINGS",
    "TrdAssessment",
    "TrdSettings",
    "TrialOutcome",
    "TrialVerdict",
    "assess_trd",
    "class_key",
    "default_settings",
]


class TrialOutcome(StrEnum):
    """The outcome of one trial under the chosen rule set's thresholds."""

    FAILED = "failed"
    PARTIAL_RESPONSE = "partial_response"
    RESPONSE = "response"
    REMISSION = "remission"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class TrdSettings:
    """Clinic-adjustable parameters of a TRD rule set.

    A trial failed when ``improvement_pct < failure_below_pct`` (and not in remission). When
    ``partial_response_below_pct`` is set, improvement from ``failure_below_pct`` up to (not
    including) it is a partial response.
    """

    min_failed_trials: int = 2
    min_trial_weeks: Decimal = Decimal(6)
    failure_below_pct: Decimal = Decimal(50)
    partial_response_below_pct: Decimal | None = None
    require_different_class: bool = True
    dose_table: Mapping[str, MinimumDose] = field(
        default_factory=lambda: DEFAULT_DOSE_TABLE
    )

    def __post_init__(self) -> None:
        if self.min_failed_trials < 1:
            raise InvalidInputError(
                "min_failed_trials must be at least 1",
                field="settings.min_failed_trials",
                allowed="≥ 1",
            )
        if self.min_trial_weeks < 0:
            raise InvalidInputError(
                "min_trial_weeks must not be negative",
                field="settings.min_trial_weeks",
                allowed="≥ 0",
            )
        partial = self.partial_response_below_pct
        if partial is not None and partial < self.failure_below_pct:
            raise InvalidInputError(
                "partial_response_below_pct must not be below failure_below_pct",
                field="settings.partial_response_below_pct",
                allowed=f"≥ {self.failure_below_pct}",
            )


SEED_SETTINGS = TrdSettings()
EU_PEARL_SETTINGS = TrdSettings(
    min_trial_weeks=Decimal(4),
    failure_below_pct=Decimal(25),
    partial_response_below_pct=Decimal(50),
    require_different_class=False,
)

DEFAULT_RULESET = "seed"
_RULESETS: Mapping[str, tuple[RuleSpec, TrdSettings]] = {
    "seed": (TRD_SEED_01, SEED_SETTINGS),
    "eu-pearl-2022": (TRD_EUP_01, EU_PEARL_SETTINGS),
}
RULESET_NAMES: tuple[str, ...] = tuple(_RULESETS)


def _ruleset(name: str) -> tuple[RuleSpec, TrdSettings]:
    found = _RULESETS.get(name)
    if found is None:
        raise UnknownNameError(
            f"unknown TRD rule set {name!r}",
            field="ruleset",
            allowed=", ".join(RULESET_NAMES),
        )
    return found


def default_settings(ruleset: str) -> TrdSettings:
    """Return the default settings of a named rule set (raises UnknownNameError if unknown)."""
    return _ruleset(ruleset)[1]


@dataclass(frozen=True, slots=True)
class TrialVerdict:
    """One trial judged under a rule set: adequacy, outcome, and whether it counts as failed."""

    index: int
    drug: str
    drug_class: str
    adequacy: Adequacy
    outcome: TrialOutcome
    counts_as_failure: bool
    reasons: tuple[Finding, ...]


@dataclass(frozen=True, slots=True)
class TrdAssessment:
    """Whether TRD is met under a rule set, with per-trial verdicts and the reasons."""

    met: bool
    ruleset: str
    ruleset_version: str
    adequate_trials: int
    failed_adequate_trials: int
    trials: tuple[TrialVerdict, ...]
    reasons: tuple[Finding, ...]

    def failed_trials(self) -> tuple[TrialVerdict, ...]:
        """Return the verdicts of the trials that count as failures."""
        return tuple(verdict for verdict in self.trials if verdict.counts_as_failure)

    def distinct_failed_drugs(self) -> frozenset[str]:
        """Return the normalised generic names of the drugs whose adequate trials failed."""
        return frozenset(normalise_drug_name(v.drug) for v in self.failed_trials())

    def distinct_failed_classes(self) -> frozenset[str]:
        """Return the class keys of the failed trials (each unlisted 'atypical' drug is its own)."""
        return frozenset(class_key(v.drug, v.drug_class) for v in self.failed_trials())


def class_key(drug: str, drug_class: str) -> str:
    """Return the key used to compare classes; 'atypical' is heterogeneous, so per drug."""
    if drug_class == "atypical":
        return f"atypical:{normalise_drug_name(drug)}"
    return drug_class


def _outcome(trial: AntidepressantTrial, settings: TrdSettings) -> TrialOutcome:
    if trial.remission is True:
        return TrialOutcome.REMISSION
    if trial.improvement_pct is None:
        return TrialOutcome.UNKNOWN
    if trial.improvement_pct < settings.failure_below_pct:
        return TrialOutcome.FAILED
    partial = settings.partial_response_below_pct
    if partial is not None and trial.improvement_pct < partial:
        return TrialOutcome.PARTIAL_RESPONSE
    return TrialOutcome.RESPONSE


def _outcome_finding(
    trial: AntidepressantTrial,
    outcome: TrialOutcome,
    rule: RuleSpec,
    settings: TrdSettings,
) -> Finding:
    if outcome is TrialOutcome.PARTIAL_RESPONSE:
        return TRD_EUP_02.finding(
            Severity.INFO,
            f"{trial.drug}: {trial.improvement_pct}% improvement is a partial response, "
            "not a failure",
            improvement_pct=trial.improvement_pct,
        )
    if outcome is TrialOutcome.UNKNOWN:
        return rule.finding(
            Severity.CAUTION,
            f"{trial.drug}: improvement not recorded; outcome unknown, not counted as a failure",
        )
    texts = {
        TrialOutcome.REMISSION: "in remission; not a failure",
        TrialOutcome.FAILED: (
            f"{trial.improvement_pct}% improvement is below {settings.failure_below_pct}%: failed"
        ),
        TrialOutcome.RESPONSE: f"{trial.improvement_pct}% improvement is a response; not a failure",
    }
    return rule.finding(
        Severity.INFO,
        f"{trial.drug}: {texts[outcome]}",
        improvement_pct=trial.improvement_pct,
    )


def _verdict(
    index: int, trial: AntidepressantTrial, rule: RuleSpec, settings: TrdSettings
) -> TrialVerdict:
    adequacy, reasons = assess_adequacy(
        trial, min_weeks=settings.min_trial_weeks, dose_table=settings.dose_table
    )
    drug_class = trial.drug_class
    entry = settings.dose_table.get(normalise_drug_name(trial.drug))
    if entry is not None and entry.drug_class != trial.drug_class:
        drug_class = entry.drug_class
        reasons += (
            TRD_ADEQ_DOSE.finding(
                Severity.INFO,
                f"{trial.drug}: recorded class {trial.drug_class!r} differs from the dose "
                f"table's {entry.drug_class!r}; using {entry.drug_class!r}",
            ),
        )
    outcome = _outcome(trial, settings)
    reasons += (_outcome_finding(trial, outcome, rule, settings),)
    counts = adequacy is Adequacy.ADEQUATE and outcome is TrialOutcome.FAILED
    return TrialVerdict(
        index, trial.drug, drug_class, adequacy, outcome, counts, reasons
    )


def _summary(
    rule: RuleSpec,
    settings: TrdSettings,
    met: bool,
    drugs: int,
    classes: int,
    unassessable: int,
) -> tuple[Finding, ...]:
    needed = settings.min_failed_trials
    class_text = f" ({classes} class(es))" if settings.require_different_class else ""
    verdict = "met" if met else "not met"
    findings = [
        rule.finding(
            Severity.INFO,
            f"TRD {verdict}: adequate trials of {drugs} different antidepressant(s) failed"
            f"{class_text}; {needed} needed"
            + (", of different classes" if settings.require_different_class else ""),
            met=met,
            distinct_failed_drugs=drugs,
            distinct_failed_classes=classes,
            required=needed,
            require_different_class=settings.require_different_class,
        )
    ]
    if not met and unassessable:
        findings.append(
            rule.finding(
                Severity.CAUTION,
                f"{unassessable} trial(s) could not be assessed; record the missing dose, "
                "duration or outcome (or a clinician override) and reassess",
                unassessable_trials=unassessable,
            )
        )
    return tuple(findings)


def assess_trd(
    profile_or_trials: PatientProfile | Sequence[AntidepressantTrial],
    *,
    ruleset: str = DEFAULT_RULESET,
    settings: TrdSettings | None = None,
) -> TrdAssessment:
    """Assess TRD under a named rule set; ``settings`` replaces that set's defaults."""
    rule, defaults = _ruleset(ruleset)
    chosen = defaults if settings is None else settings
    trials = (
        profile_or_trials.antidepressant_trials
        if isinstance(profile_or_trials, PatientProfile)
        else tuple(profile_or_trials)
    )
    verdicts = tuple(_verdict(i, trial, rule, chosen) for i, trial in enumerate(trials))
    partial = TrdAssessment(False, ruleset, RULESET_VERSION, 0, 0, verdicts, ())
    drugs = len(partial.distinct_failed_drugs())
    classes = len(partial.distinct_failed_classes())
    needed = chosen.min_failed_trials
    met = drugs >= needed and (not chosen.require_different_class or classes >= needed)
    unassessable = sum(
        1
        for v in verdicts
        if v.adequacy is Adequacy.NOT_ASSESSABLE or v.outcome is TrialOutcome.UNKNOWN
    )
    return replace(
        partial,
        met=met,
        adequate_trials=sum(1 for v in verdicts if v.adequacy is Adequacy.ADEQUATE),
        failed_adequate_trials=sum(1 for v in verdicts if v.counts_as_failure),
        reasons=_summary(rule, chosen, met, drugs, classes, unassessable),
    )
