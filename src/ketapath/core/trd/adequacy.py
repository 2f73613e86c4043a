"""Adequacy of one antidepressant trial: dose at or above the drug's minimum, long enough.

Plain rules (TRD-ADEQ-DOSE, TRD-ADEQ-DURATION, TRD-ADEQ-OVERRIDE):

* The minimum adequate daily dose of each drug comes from a dose table. The default table takes
  the lower end of the usual adult daily dose range from the McMaster Textbook of Internal
  Medicine (SSRIs, SNRIs, mirtazapine, bupropion, vilazodone, vortioxetine) and from CAMH's
  Portico Network (TCAs, MAOIs) [S]. A clinic may pass its own table.
* A trial shorter than the rule set's minimum weeks is inadequate (seed ≥6, EU-PEARL ≥4).
* A drug not in the table, or a missing dose or duration, makes the trial *not assessable*:
  it is never silently counted as adequate or inadequate.
* A clinician may mark a trial adequate or inadequate by hand, with a reason; the override wins.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

from ketapath.core.citations import Citation
from ketapath.core.findings import Finding, Severity
from ketapath.core.patient import AntidepressantTrial
from ketapath.core.trd.rules import (
    MCMASTER_DOSES,
    PORTICO_DOSES,
    TRD_ADEQ_DOSE,
    TRD_ADEQ_DURATION,
    TRD_ADEQ_OVERRIDE,
)

__all__ = [
    "DEFAULT_DOSE_TABLE",
    "DRUG_ALIASES",
    "Adequacy",
    "MinimumDose",
    "assess_adequacy",
    "normalise_drug_name",
]


class Adequacy(StrEnum):
    """Whether a trial was adequate in dose and duration."""

    ADEQUATE = "adequate"
    INADEQUATE = "inadequate"
    NOT_ASSESSABLE = "not_assessable"


@dataclass(frozen=True, slots=True)
class MinimumDose:
    """The minimum adequate daily dose of one antidepressant, its class and where it comes from."""

    drug: str
    drug_class: str
    min_daily_dose_mg: Decimal
    source: Citation


def _entry(
    drug: str, drug_class: str, mg: int, source: Citation
) -> tuple[str, MinimumDose]:
    return drug, MinimumDose(drug, drug_class, Decimal(mg), source)


_MC, _PO = MCMASTER_DOSES, PORTICO_DOSES

DEFAULT_DOSE_TABLE: Mapping[str, MinimumDose] = MappingProxyType(
    dict(
        (
            _entry("citalopram", "ssri", 20, _MC),
            _entry("escitalopram", "ssri", 10, _MC),
            _entry("fluoxetine", "ssri", 20, _MC),
            _entry("paroxetine", "ssri", 20, _MC),
            _entry("sertraline", "ssri", 50, _MC),
            _entry("fluvoxamine", "ssri", 50, _MC),
            _entry("desvenlafaxine", "snri", 50, _MC),
            _entry("venlafaxine", "snri", 75, _MC),
            _entry("duloxetine", "snri", 60, _MC),
            _entry("levomilnacipran", "snri", 40, _MC),
            _entry("milnacipran", "snri", 50, _MC),
            _entry("mirtazapine", "nassa", 15, _MC),
            _entry("bupropion", "ndri", 300, _MC),
            _entry("vilazodone", "serotonin_modulator", 20, _MC),
            _entry("vortioxetine", "serotonin_modulator", 10, _MC),
            _entry("amitriptyline", "tca", 100, _PO),
            _entry("clomipramine", "tca", 100, _PO),
            _entry("desipramine", "tca", 100, _PO),
            _entry("imipramine", "tca", 100, _PO),
            _entry("nortriptyline", "tca", 75, _PO),
            _entry("phenelzine", "maoi", 30, _PO),
            _entry("tranylcypromine", "maoi", 20, _PO),
        )
    )
)
"""Default minimum adequate daily doses (mg/day), by generic name [S]."""

DRUG_ALIASES: Mapping[str, str] = MappingProxyType(
    {
        "venlafaxine xr": "venlafaxine",
        "venlafaxine er": "venlafaxine",
        "bupropion sr": "bupropion",
        "bupropion xl": "bupropion",
    }
)
"""Formulation names that share the generic's minimum dose in the cited tables."""


def normalise_drug_name(drug: str) -> str:
    """Return the lower-case generic name with single spaces, resolving known aliases."""
    name = " ".join(drug.lower().split())
    return DRUG_ALIASES.get(name, name)


def _override(trial: AntidepressantTrial) -> tuple[Adequacy, tuple[Finding, ...]]:
    verdict = Adequacy.ADEQUATE if trial.adequacy_override else Adequacy.INADEQUATE
    finding = TRD_ADEQ_OVERRIDE.finding(
        Severity.INFO,
        f"{trial.drug}: marked {verdict.value} by a clinician: {trial.override_reason}",
        override=trial.adequacy_override,
        reason=trial.override_reason,
    )
    return verdict, (finding,)


def _dose_check(
    trial: AntidepressantTrial, table: Mapping[str, MinimumDose]
) -> tuple[Adequacy, Finding]:
    entry = table.get(normalise_drug_name(trial.drug))
    if entry is None:
        return Adequacy.NOT_ASSESSABLE, TRD_ADEQ_DOSE.finding(
            Severity.CAUTION,
            f"{trial.drug}: not in the minimum-dose table; adequacy is not assessable unless a "
            "clinician overrides",
            drug=trial.drug,
        )
    if trial.daily_dose_mg is None:
        return Adequacy.NOT_ASSESSABLE, TRD_ADEQ_DOSE.finding(
            Severity.CAUTION,
            f"{trial.drug}: daily dose not recorded; adequacy is not assessable",
            drug=trial.drug,
            min_daily_dose_mg=entry.min_daily_dose_mg,
        )
    minimum = entry.min_daily_dose_mg
    if trial.daily_dose_mg < minimum:
        return Adequacy.INADEQUATE, TRD_ADEQ_DOSE.finding(
            Severity.INFO,
            f"{trial.drug}: {trial.daily_dose_mg} mg/day is below the minimum adequate dose "
            f"of {minimum} mg/day",
            drug=trial.drug,
            daily_dose_mg=trial.daily_dose_mg,
            min_daily_dose_mg=minimum,
            dose_source=entry.source.label(),
        )
    return Adequacy.ADEQUATE, TRD_ADEQ_DOSE.finding(
        Severity.INFO,
        f"{trial.drug}: {trial.daily_dose_mg} mg/day meets the minimum adequate dose of "
        f"{minimum} mg/day",
        drug=trial.drug,
        daily_dose_mg=trial.daily_dose_mg,
        min_daily_dose_mg=minimum,
        dose_source=entry.source.label(),
    )


def _duration_check(
    trial: AntidepressantTrial, min_weeks: Decimal
) -> tuple[Adequacy, Finding]:
    if trial.weeks is None:
        return Adequacy.NOT_ASSESSABLE, TRD_ADEQ_DURATION.finding(
            Severity.CAUTION,
            f"{trial.drug}: duration not recorded; adequacy is not assessable",
            drug=trial.drug,
            min_weeks=min_weeks,
        )
    if trial.weeks < min_weeks:
        return Adequacy.INADEQUATE, TRD_ADEQ_DURATION.finding(
            Severity.INFO,
            f"{trial.drug}: {trial.weeks} weeks is shorter than the minimum of {min_weeks} "
            "weeks; not counted as a failure",
            drug=trial.drug,
            weeks=trial.weeks,
            min_weeks=min_weeks,
        )
    return Adequacy.ADEQUATE, TRD_ADEQ_DURATION.finding(
        Severity.INFO,
        f"{trial.drug}: {trial.weeks} weeks meets the minimum of {min_weeks} weeks",
        drug=trial.drug,
        weeks=trial.weeks,
        min_weeks=min_weeks,
    )


def assess_adequacy(
    trial: AntidepressantTrial,
    *,
    min_weeks: Decimal,
    dose_table: Mapping[str, MinimumDose] = DEFAULT_DOSE_TABLE,
) -> tuple[Adequacy, tuple[Finding, ...]]:
    """Return the trial's adequacy and the findings that explain it.

    A clinician override decides on its own. Otherwise any inadequate check makes the trial
    inadequate; failing that, any not-assessable check makes it not assessable.
    """
    if trial.adequacy_override is not None:
        return _override(trial)
    checks = (_dose_check(trial, dose_table), _duration_check(trial, min_weeks))
    verdicts = {verdict for verdict, _ in checks}
    findings = tuple(finding for _, finding in checks)
    if Adequacy.INADEQUATE in verdicts:
        return Adequacy.INADEQUATE, findings
    if Adequacy.NOT_ASSESSABLE in verdicts:
        return Adequacy.NOT_ASSESSABLE, findings
    return Adequacy.ADEQUATE, findings
