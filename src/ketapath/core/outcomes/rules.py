"""Sources and rule metadata for outcomes: response, remission, relapse and reviews.

Definitions follow REFERENCE.md §7 and evidence-notes §4.10. Remission cut-offs differ by
instrument and by programme, so each is its own rule and results record which was used.
No sourced remission cut-off was found for GAD-7: its remission is ``None`` unless a clinic
sets its own cut-off (OUT-REMISSION-CLINIC, [M]).
"""

from __future__ import annotations

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSet, RuleSpec
from ketapath.core.sources import (
    IDS_QIDS,
    SANACORA_2017,
    SEED_000,
    SPRAVATO_HCP_DOSING,
    SPRAVATO_HCP_MDSI,
    SUSTAIN_1,
)

__all__ = [
    "ASPIRE_POOLED_2023",
    "CLINIC_SETTING",
    "FRANK_1991",
    "OUT_FUTILITY",
    "OUT_RELAPSE_CLINIC",
    "OUT_RELAPSE_SUSTAIN1",
    "OUT_REMISSION_CLINIC",
    "OUT_REMISSION_HAMD17",
    "OUT_REMISSION_MADRS_10",
    "OUT_REMISSION_MADRS_12",
    "OUT_REMISSION_PHQ9",
    "OUT_REMISSION_QIDS",
    "OUT_RESPONSE_50",
    "OUT_REVIEW_INDUCTION",
    "OUT_TRAJECTORY",
    "RULESET_VERSION",
    "RULE_SETS",
    "STARD_TRIVEDI_2006",
    "SUSTAIN_3",
]

RULESET_VERSION = "1"

V, S, M = Confidence.VERIFIED, Confidence.SECONDARY, Confidence.UNVERIFIED

SUSTAIN_3 = Citation(
    "sustain-3",
    "SUSTAIN-3 long-term esketamine study, Table 3 (response and remission definitions)",
    V,
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC10439056/table/Tab3",
)
ASPIRE_POOLED_2023 = Citation(
    "aspire-pooled-2023",
    "ASPIRE I/II pooled analysis, BMC Psychiatry 2023;23:587 (MADRS remission ≤12)",
    V,
)
STARD_TRIVEDI_2006 = Citation(
    "trivedi-2006",
    "Trivedi et al. 2006, STAR*D level 1 (QIDS-SR16 remission ≤5), via hiboop.com summary",
    S,
)
FRANK_1991 = Citation(
    "frank-1991",
    "Frank et al. 1991, conceptualisation of response, remission and relapse",
    M,
)
CLINIC_SETTING = Citation(
    "clinic-setting",
    "Clinic-defined cut-off, recorded with every result that uses it",
    M,
)

OUT_RESPONSE_50 = RuleSpec(
    rule_id="OUT-RESPONSE-50",
    version=RULESET_VERSION,
    title="Response: at least 50% reduction from baseline",
    severity="info",
    confidence=V,
    sources=(SUSTAIN_3,),
    description=(
        "Exactly 50% counts as response (exact integer arithmetic, not the rounded percentage). "
        "A baseline of 0 makes the percentage undefined: percent change and response are None."
    ),
)
OUT_REMISSION_PHQ9 = RuleSpec(
    rule_id="OUT-REMISSION-PHQ9",
    version=RULESET_VERSION,
    title="Remission on PHQ-9: total below 5",
    severity="info",
    confidence=V,
    sources=(SUSTAIN_3,),
    configurable=True,
)
OUT_REMISSION_MADRS_12 = RuleSpec(
    rule_id="OUT-REMISSION-MADRS-12",
    version=RULESET_VERSION,
    title="Remission on MADRS: total 12 or less (Spravato programme default)",
    severity="info",
    confidence=V,
    sources=(ASPIRE_POOLED_2023, SUSTAIN_3),
    configurable=True,
)
OUT_REMISSION_MADRS_10 = RuleSpec(
    rule_id="OUT-REMISSION-MADRS-10",
    version=RULESET_VERSION,
    title="Remission on MADRS: total 10 or less (alternative definition)",
    severity="info",
    confidence=M,
    sources=(
        Citation(
            "madrs-le10",
            "MADRS remission ≤10 in the wider literature (e.g. Zimmerman)",
            M,
        ),
    ),
    configurable=True,
)
OUT_REMISSION_QIDS = RuleSpec(
    rule_id="OUT-REMISSION-QIDS",
    version=RULESET_VERSION,
    title="Remission on QIDS-SR16: total 5 or less",
    severity="info",
    confidence=S,
    sources=(STARD_TRIVEDI_2006, IDS_QIDS),
    configurable=True,
)
OUT_REMISSION_HAMD17 = RuleSpec(
    rule_id="OUT-REMISSION-HAMD17",
    version=RULESET_VERSION,
    title="Remission on HAM-D17: total 7 or less",
    severity="info",
    confidence=M,
    sources=(FRANK_1991,),
    configurable=True,
)
OUT_REMISSION_CLINIC = RuleSpec(
    rule_id="OUT-REMISSION-CLINIC",
    version=RULESET_VERSION,
    title="Remission by a clinic-set cut-off (total at or below the cut-off)",
    severity="info",
    confidence=M,
    sources=(CLINIC_SETTING,),
    configurable=True,
    description="Used for GAD-7 (no sourced cut-off) or any clinic override; recorded with the result.",
)
OUT_RELAPSE_SUSTAIN1 = RuleSpec(
    rule_id="OUT-RELAPSE-SUSTAIN1",
    version=RULESET_VERSION,
    title="Relapse (SUSTAIN-1 style): MADRS ≥22 at 2 consecutive assessments 5–15 days apart, "
    "or hospitalisation / suicide attempt",
    severity="caution",
    confidence=M,
    sources=(SUSTAIN_1,),
    configurable=True,
    description="From Daly et al. 2019 as summarised in evidence-notes §4.10; verify before relying on it.",
)
OUT_RELAPSE_CLINIC = RuleSpec(
    rule_id="OUT-RELAPSE-CLINIC",
    version=RULESET_VERSION,
    title="Relapse by a clinic-set threshold on another instrument (e.g. PHQ-9)",
    severity="caution",
    confidence=M,
    sources=(CLINIC_SETTING, SUSTAIN_1),
    configurable=True,
    description="No sourced PHQ-9 equivalent of the SUSTAIN-1 rule exists: the clinic sets it.",
)
OUT_FUTILITY = RuleSpec(
    rule_id="OUT-FUTILITY-01",
    version=RULESET_VERSION,
    title="Futility prompt: no response after 3 infusions → reassess",
    severity="caution",
    confidence=V,
    sources=(SANACORA_2017,),
    configurable=True,
    description="A prompt to reassess, never a stop. The number of infusions is a setting (default 3).",
)
OUT_REVIEW_INDUCTION = RuleSpec(
    rule_id="OUT-REVIEW-01",
    version=RULESET_VERSION,
    title="End-of-induction review: evaluate therapeutic benefit before continuing",
    severity="caution",
    confidence=V,
    sources=(SPRAVATO_HCP_DOSING, SPRAVATO_HCP_MDSI, SEED_000),
    description=(
        "Esketamine TRD: at the end of induction (week 4) [V]; MDSI: after 4 weeks [V]; "
        "IV: after the induction series (seed 000 [S])."
    ),
)
OUT_TRAJECTORY = RuleSpec(
    rule_id="OUT-TRAJECTORY-01",
    version=RULESET_VERSION,
    title="Trajectory summary: baseline, latest, best, change, status and trend",
    severity="info",
    confidence=V,
    sources=(SUSTAIN_3,),
    description=(
        "Baseline is the earliest dated score; trend compares the latest score with the one "
        "before it (lower is better on every supported instrument)."
    ),
)

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="response-remission",
        version=RULESET_VERSION,
        area="outcomes",
        title="Response and remission per instrument",
        rules=(
            OUT_RESPONSE_50,
            OUT_REMISSION_PHQ9,
            OUT_REMISSION_MADRS_12,
            OUT_REMISSION_MADRS_10,
            OUT_REMISSION_QIDS,
            OUT_REMISSION_HAMD17,
            OUT_REMISSION_CLINIC,
        ),
    ),
    RuleSet(
        name="relapse",
        version=RULESET_VERSION,
        area="outcomes",
        title="Relapse over a dated series of scores",
        rules=(OUT_RELAPSE_SUSTAIN1, OUT_RELAPSE_CLINIC),
    ),
    RuleSet(
        name="reviews",
        version=RULESET_VERSION,
        area="outcomes",
        title="Trajectory, futility prompt and end-of-induction review",
        rules=(OUT_TRAJECTORY, OUT_FUTILITY, OUT_REVIEW_INDUCTION),
    ),
)
