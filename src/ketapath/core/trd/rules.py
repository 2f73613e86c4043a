"""Rule metadata (ids, versions, sources) for TRD definition, trial adequacy and staging.

The logic lives in :mod:`.adequacy`, :mod:`.definition` and :mod:`.staging`; this module only
says which rule is which and where each comes from, so docs and stored results can cite them.
"""

from __future__ import annotations

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSpec
from ketapath.core.sources import (
    EU_PEARL_2022,
    FEKADU_2009,
    FEKADU_2018,
    SEED_000,
    THASE_RUSH_1997,
)

__all__ = [
    "ADEQUACY_RULES",
    "CHANDLER_2010_ATRQ",
    "DOSE_SOURCES",
    "EU_PEARL_RULES",
    "MCMASTER_DOSES",
    "MSM_01",
    "PORTICO_DOSES",
    "RULESET_VERSION",
    "SEED_RULES",
    "STAGING_RULES",
    "THASE_RUSH_01",
    "TRD_ADEQ_DOSE",
    "TRD_ADEQ_DURATION",
    "TRD_ADEQ_OVERRIDE",
    "TRD_EUP_01",
    "TRD_EUP_02",
    "TRD_SEED_01",
]

RULESET_VERSION = "1.0"

S, M, V = Confidence.SECONDARY, Confidence.UNVERIFIED, Confidence.VERIFIED

MCMASTER_DOSES = Citation(
    "mcmaster-antidepressant-doses",
    "McMaster Textbook of Internal Medicine (Empendium), antidepressants: starting and usual "
    "doses (mg/day); ketapath takes the lower end of the usual dose as the minimum adequate dose",
    S,
    "https://empendium.com/mcmtextbook/table/031_8844",
)
PORTICO_DOSES = Citation(
    "portico-camh-antidepressants",
    "Portico Network (CAMH), second- and third-line antidepressants: usual daily dose "
    "(Table 2.2); ketapath takes the lower end as the minimum adequate dose",
    S,
    "https://www.porticonetwork.ca/web/psychiatry-primary-care/clinical-situations/depression/pharmacotherapy/depression-table-second-line",
)
CHANDLER_2010_ATRQ = Citation(
    "chandler-2010",
    "Chandler et al. 2010, MGH-ATRQ: adequacy of dose and duration of each trial "
    "(CNS Neurosci Ther 16:322)",
    V,
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC6493891",
)
DOSE_SOURCES: tuple[Citation, ...] = (MCMASTER_DOSES, PORTICO_DOSES)

TRD_ADEQ_DOSE = RuleSpec(
    rule_id="TRD-ADEQ-DOSE",
    version=RULESET_VERSION,
    title="Adequate trial: daily dose at or above the drug's minimum therapeutic dose",
    severity="info (inadequate or not assessable)",
    confidence=S,
    sources=(*DOSE_SOURCES, CHANDLER_2010_ATRQ),
    configurable=True,
    description=(
        "A trial counts only at or above the minimum daily dose in the dose table (lower end of "
        "the usual adult dose range in the cited tables [S]). An unknown drug or a missing dose "
        "is not assessable unless a clinician overrides. Clinics may supply their own table."
    ),
)
TRD_ADEQ_DURATION = RuleSpec(
    rule_id="TRD-ADEQ-DURATION",
    version=RULESET_VERSION,
    title="Adequate trial: taken for at least the rule set's minimum number of weeks",
    severity="info (inadequate or not assessable)",
    confidence=S,
    sources=(
        SEED_000.at("adequate trial 6–8 weeks"),
        EU_PEARL_2022.at("Table 1: stopping before end of week 4 is not a failure"),
        CHANDLER_2010_ATRQ.with_confidence(M).at("≥6 weeks convention"),
    ),
    configurable=True,
    description=(
        "Seed rule set: ≥6 weeks (seed 000 says 6–8 weeks). EU-PEARL 2022: ≥4 weeks; a trial "
        "stopped before the end of week 4 without clear non-response is not a failure. A "
        "clinician may record clear early non-response with an adequacy override."
    ),
)
TRD_ADEQ_OVERRIDE = RuleSpec(
    rule_id="TRD-ADEQ-OVERRIDE",
    version=RULESET_VERSION,
    title="Clinician override of trial adequacy, with a recorded reason",
    severity="info",
    confidence=S,
    sources=(SEED_000, CHANDLER_2010_ATRQ),
    configurable=False,
    description="A clinician may mark a trial adequate or inadequate by hand; a reason is required.",
)
TRD_SEED_01 = RuleSpec(
    rule_id="TRD-SEED-01",
    version=RULESET_VERSION,
    title="Seed TRD: ≥2 failed adequate trials of different antidepressants (different class by default)",
    severity="info",
    confidence=S,
    sources=(SEED_000,),
    configurable=True,
    description=(
        "TRD when at least 2 adequate trials of different antidepressants failed in the current "
        "episode (failure = improvement <50% and not in remission). Different classes are "
        "required by default (seed 000); a clinic may turn that off."
    ),
)
TRD_EUP_01 = RuleSpec(
    rule_id="TRD-EUP-01",
    version=RULESET_VERSION,
    title="EU-PEARL 2022 TRD: ≥2 failed adequate treatments with <25% improvement",
    severity="info",
    confidence=V,
    sources=(EU_PEARL_2022.at("Table 1"),),
    configurable=True,
    description=(
        "TRD when at least 2 different adequately dosed treatments of adequate duration (≥4 "
        "weeks) failed with <25% improvement in the current episode."
    ),
)
TRD_EUP_02 = RuleSpec(
    rule_id="TRD-EUP-02",
    version=RULESET_VERSION,
    title="EU-PEARL 2022: 25–49% improvement is partial response (PRD), not failure",
    severity="info",
    confidence=M,
    sources=(
        EU_PEARL_2022.with_confidence(M).at("PRD 25–49% (to confirm in the paper)"),
    ),
    configurable=True,
    description="A trial with 25–49% improvement is a partial response; it does not count as a failure.",
)
MSM_01 = RuleSpec(
    rule_id="MSM-01",
    version=RULESET_VERSION,
    title="Maudsley Staging Method: total 3–15, mild 3–6, moderate 7–10, severe 11–15",
    severity="info",
    confidence=V,
    sources=(
        FEKADU_2018.at("bands, duration and severity levels"),
        FEKADU_2009.at("treatment-failure, augmentation and ECT rows"),
    ),
    configurable=True,
    description=(
        "Duration (≤12 / 13–24 / >24 months = 1/2/3), severity (subsyndromal 1 … severe with "
        "psychosis 5), failed antidepressants (1–2 / 3–4 / 5–6 / 7–10 / >10 = 1–5 [M]), "
        "augmentation used 1 [M], ECT used 1 [M]. Bands verified [V]; the failure, "
        "augmentation and ECT rows are unverified [M]. Failed antidepressants are counted under "
        "the chosen TRD rule set. Incomplete input gives an incomplete result, never a 0."
    ),
)
THASE_RUSH_01 = RuleSpec(
    rule_id="THASE-RUSH-01",
    version=RULESET_VERSION,
    title="Thase–Rush stages I–V of treatment resistance",
    severity="info",
    confidence=M,
    sources=(THASE_RUSH_1997,),
    configurable=True,
    description=(
        "I: ≥1 failed adequate trial; II: failures in ≥2 distinct classes; III: ≥3 classes "
        "including a TCA; IV: ≥4 classes including a TCA and an MAOI; V: stage IV plus a failed "
        "bilateral ECT course. No failed adequate trial: no stage. Unverified [M]."
    ),
)

ADEQUACY_RULES: tuple[RuleSpec, ...] = (
    TRD_ADEQ_DOSE,
    TRD_ADEQ_DURATION,
    TRD_ADEQ_OVERRIDE,
)
SEED_RULES: tuple[RuleSpec, ...] = (TRD_SEED_01, *ADEQUACY_RULES)
EU_PEARL_RULES: tuple[RuleSpec, ...] = (TRD_EUP_01, TRD_EUP_02, *ADEQUACY_RULES)
STAGING_RULES: tuple[RuleSpec, ...] = (MSM_01, THASE_RUSH_01)
