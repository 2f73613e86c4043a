"""Sources and rule metadata for treatment protocols, scheduling and maintenance.

Every protocol template, the spacing rules that :mod:`.scheduling` enforces and the
outcome-driven maintenance rules of :mod:`.maintenance` are listed here as :class:`RuleSpec`
entries, grouped into one :class:`RuleSet` per protocol plus one for spacing and maintenance.
Numbers that REFERENCE.md does not give (default KAP dosing count, IV post-infusion observation,
IV maintenance widening step) come from sources found for ketapath and are tagged ``M``:
they are clinic settings and never a hard stop.
"""

from __future__ import annotations

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSet, RuleSpec
from ketapath.core.sources import (
    ANDRADE_2017,
    JOURNEY_CLINICAL_KAP,
    MURROUGH_2013,
    SANACORA_2017,
    SEED_000,
    SINGH_2016,
    SPRAVATO_HCP_DOSING,
    SPRAVATO_HCP_MDSI,
    SPRAVATO_REMS,
)

__all__ = [
    "BALANCE_KAP_SESSIONS",
    "EU_SMPC_CONSECUTIVE_DAYS",
    "IV_RECOVERY_CLINIC_PAGES",
    "KAP_INTEGRATION_WINDOW",
    "MAINT_ESKETAMINE",
    "MAINT_IV",
    "PROT_ESK_CHAIR",
    "PROT_ESK_MDSI",
    "PROT_ESK_TRD",
    "PROT_IV_CHAIR",
    "PROT_IV_INDUCTION",
    "PROT_KAP",
    "PROT_KAP_INTEGRATION",
    "PROT_KAP_WEEKLY",
    "PROT_SPACING_01",
    "PROT_SPACING_02",
    "RENEW_MISSED_DOSES",
    "RULESET_VERSION",
    "RULE_SETS",
]

RULESET_VERSION = "1"

V, S, M = Confidence.VERIFIED, Confidence.SECONDARY, Confidence.UNVERIFIED

EU_SMPC_CONSECUTIVE_DAYS = Citation(
    "spravato-eu-smpc-fr",
    "Spravato EU SmPC (French summary): no dosing on two consecutive days in induction",
    S,
    "https://epresc.care/topic/35923/esk%C3%A9tamine-posologie",
    "§4.2",
)
RENEW_MISSED_DOSES = Citation(
    "renew-spravato",
    "Clinic summary of the Spravato label: missed sessions with worsening, return to previous schedule",
    S,
    "https://renewinfusions.com/spravato",
)
IV_RECOVERY_CLINIC_PAGES = Citation(
    "iv-recovery-clinic-pages",
    "IV ketamine clinic pages: 30–60 min recovery after a 40–50 min infusion "
    "(ketamine-infusion.com FAQ; Thrive Anesthesia: post-infusion period 30 min to 1 h)",
    M,
    "https://www.ketamine-infusion.com/faq-items/what-is-ketamine-infusion-treatment/",
)
BALANCE_KAP_SESSIONS = Citation(
    "balance-kap-sessions",
    "Balance Health & Healing KAP FAQ: about 6 dosing and 6 integration sessions over 3–8 weeks",
    M,
    "https://balancehealthandhealing.com/faq-how-many-sessions-are-typical-with-ketamine-therapy/",
)
KAP_INTEGRATION_WINDOW = Citation(
    "balance-kap-integration",
    "Balance Health & Healing KAP FAQ: integration sessions 1–3 days after dosing sessions",
    S,
    "https://balancehealthandhealing.com/faq-what-should-i-expect-with-ketamine-therapy/",
)

PROT_ESK_TRD = RuleSpec(
    rule_id="PROT-ESK-TRD",
    version=RULESET_VERSION,
    title="Esketamine TRD schedule: weeks 1–4 twice weekly, weeks 5–8 weekly, then weekly or every 2 weeks",
    severity="info",
    confidence=V,
    sources=(SPRAVATO_HCP_DOSING, RENEW_MISSED_DOSES),
    description=(
        "Induction weeks 1–4 twice weekly (day 1 56 mg, later 56 or 84 mg); weeks 5–8 once weekly; "
        "week 9 onward weekly or every 2 weeks, individualised to the least frequent dosing that "
        "keeps response. Evaluate therapeutic benefit at the end of induction."
    ),
)
PROT_ESK_MDSI = RuleSpec(
    rule_id="PROT-ESK-MDSI",
    version=RULESET_VERSION,
    title="Esketamine MDSI schedule: 84 mg twice weekly for 4 weeks",
    severity="info",
    confidence=V,
    sources=(SPRAVATO_HCP_MDSI,),
    description=(
        "84 mg twice weekly for 4 weeks (may reduce to 56 mg for tolerability); evaluate "
        "therapeutic benefit after 4 weeks; treatment beyond 4 weeks has not been studied."
    ),
)
PROT_ESK_CHAIR = RuleSpec(
    rule_id="PROT-ESK-CHAIR-01",
    version=RULESET_VERSION,
    title="Esketamine chair time: observe at least 120 min from the first device",
    severity="info",
    confidence=V,
    sources=(SPRAVATO_REMS,),
    configurable=True,
    description=(
        "Planned chair minutes are the observation minutes counted from the first device "
        "(default and minimum 120); device administration (5-min rests between devices) lies "
        "inside that window. A clinic may plan a longer observation."
    ),
)
PROT_IV_INDUCTION = RuleSpec(
    rule_id="PROT-IV-IND",
    version=RULESET_VERSION,
    title="IV ketamine induction: default 6 infusions of 0.5 mg/kg over 40 min, 2–3 per week",
    severity="info",
    confidence=S,
    sources=(SEED_000, SANACORA_2017, SINGH_2016, MURROUGH_2013),
    configurable=True,
    description=(
        "Default 6 infusions, 2–3 per week within 2–3 weeks (seed 000); a clinic may plan 4–8 "
        "infusions over 2–4 weeks. 0.5 mg/kg over 40 min (Sanacora 2017). Twice and thrice weekly "
        "are both effective (Singh 2016). A research convention, not a guideline mandate."
    ),
)
PROT_IV_CHAIR = RuleSpec(
    rule_id="PROT-IV-CHAIR-01",
    version=RULESET_VERSION,
    title="IV chair time: 40 min infusion plus the clinic's post-infusion observation (default 60 min)",
    severity="info",
    confidence=M,
    sources=(SANACORA_2017, IV_RECOVERY_CLINIC_PAGES),
    configurable=True,
    description=(
        "No guideline number for post-infusion observation was found; clinic pages describe "
        "30–60 min of recovery. ketapath plans the upper end (60 min) by default; the clinic sets it."
    ),
)
PROT_KAP = RuleSpec(
    rule_id="PROT-KAP",
    version=RULESET_VERSION,
    title="KAP course: preparation (≥1) then dosing sessions (default 6), each followed by integration",
    severity="info",
    confidence=M,
    sources=(
        JOURNEY_CLINICAL_KAP,
        BALANCE_KAP_SESSIONS,
        SEED_000.at("via REFERENCE §1"),
    ),
    configurable=True,
    description=(
        "At least one preparation session before the first dosing session; the default of 6 "
        "dosing sessions is a clinic-page figure [M] and a setting. Dosing sessions are planned "
        "at 90 min (upper end of the seed's 45–90 min)."
    ),
)
PROT_KAP_WEEKLY = RuleSpec(
    rule_id="PROT-KAP-WEEKLY-01",
    version=RULESET_VERSION,
    title="KAP: no more than 2 dosing sessions per ISO week",
    severity="contraindicated",
    confidence=S,
    sources=(JOURNEY_CLINICAL_KAP,),
    configurable=True,
    description="A clinic may lower the cap to 1; it cannot raise it above 2.",
)
PROT_KAP_INTEGRATION = RuleSpec(
    rule_id="PROT-KAP-INTEG-01",
    version=RULESET_VERSION,
    title="KAP: an integration session 1–3 days after each dosing session, before the next dosing",
    severity="caution",
    confidence=S,
    sources=(JOURNEY_CLINICAL_KAP, KAP_INTEGRATION_WINDOW),
    description=(
        "Integration within 24–72 h of dosing is common practice; ketapath plans it on an "
        "allowed weekday 1–3 calendar days after the dosing session and before the next one."
    ),
)
PROT_SPACING_01 = RuleSpec(
    rule_id="PROT-SPACING-01",
    version=RULESET_VERSION,
    title="Esketamine: never dose on two consecutive days during induction",
    severity="contraindicated",
    confidence=S,
    sources=(EU_SMPC_CONSECUTIVE_DAYS,),
    description=(
        "EU SmPC text ([M] whether the US PI says the same). Applied to every twice-weekly "
        "esketamine phase (TRD induction and MDSI)."
    ),
)
PROT_SPACING_02 = RuleSpec(
    rule_id="PROT-SPACING-02",
    version=RULESET_VERSION,
    title="IV and KAP: no dosing on consecutive days during induction (ketapath policy)",
    severity="caution",
    confidence=M,
    sources=(EU_SMPC_CONSECUTIVE_DAYS, MURROUGH_2013, SINGH_2016),
    configurable=True,
    description=(
        "ketapath extends the esketamine spacing rule to IV infusions and KAP dosing sessions "
        "(the published IV schedules, 2–3 per week, never use consecutive days). A clinic may "
        "change the minimum gap (``induction_min_gap_days``, default 2)."
    ),
)
MAINT_ESKETAMINE = RuleSpec(
    rule_id="MAINT-01",
    version=RULESET_VERSION,
    title="Esketamine maintenance: widen to every 2 weeks while response holds; step back on worsening",
    severity="caution",
    confidence=S,
    sources=(SPRAVATO_HCP_DOSING, RENEW_MISSED_DOSES),
    description=(
        "Individualise to the least frequent dosing that keeps response (weekly → every 2 weeks). "
        "Worsening, including after missed doses: return to the previous frequency "
        "(every 2 weeks → weekly; weekly → twice weekly)."
    ),
)
MAINT_IV = RuleSpec(
    rule_id="MAINT-02",
    version=RULESET_VERSION,
    title="IV maintenance: interval 3–6 weeks, widened one week at a time while response holds",
    severity="caution",
    confidence=M,
    sources=(SEED_000, ANDRADE_2017),
    configurable=True,
    description=(
        "Seed 000: maintenance every 3–6 weeks or as needed (the seed patient relapses at 3–4 "
        "weeks). Andrade 2017: individualise the interval to dose just before the effect wears "
        "off. The one-week step [M] and the 21–42 day range are clinic settings."
    ),
)

RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="esketamine-trd",
        version=RULESET_VERSION,
        area="protocols",
        title="Esketamine nasal spray for TRD: induction, weekly phase and maintenance",
        rules=(PROT_ESK_TRD, PROT_ESK_CHAIR, PROT_SPACING_01),
    ),
    RuleSet(
        name="esketamine-mdsi",
        version=RULESET_VERSION,
        area="protocols",
        title="Esketamine nasal spray for MDSI: 4 weeks twice weekly",
        rules=(PROT_ESK_MDSI, PROT_ESK_CHAIR, PROT_SPACING_01),
    ),
    RuleSet(
        name="iv-induction",
        version=RULESET_VERSION,
        area="protocols",
        title="IV racemic ketamine induction series",
        rules=(PROT_IV_INDUCTION, PROT_IV_CHAIR, PROT_SPACING_02),
    ),
    RuleSet(
        name="kap",
        version=RULESET_VERSION,
        area="protocols",
        title="Ketamine-assisted psychotherapy: preparation, dosing, integration",
        rules=(PROT_KAP, PROT_KAP_WEEKLY, PROT_KAP_INTEGRATION, PROT_SPACING_02),
    ),
    RuleSet(
        name="maintenance",
        version=RULESET_VERSION,
        area="protocols",
        title="Outcome-driven maintenance intervals",
        rules=(MAINT_ESKETAMINE, MAINT_IV),
    ),
)
