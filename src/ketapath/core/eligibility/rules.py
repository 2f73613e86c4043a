"""The contraindication, caution and interaction rules for each route, as data (REFERENCE §3).

Columns: ``iv_ketamine`` follows the seed articles for racemic ketamine; ``esketamine`` follows
the Spravato label (US PI via mirrors [S]); ``kap`` uses racemic ketamine, so it takes the
racemic ketamine (IV) column (see docs/clinical/eligibility.md for why). Jurisdictions differ
only in CI-CV-RECENT: a cardiovascular event within 6 weeks contraindicates esketamine in
EU/AU-style labels and is a caution in the US.
"""

from __future__ import annotations

from types import MappingProxyType

from ketapath.core.citations import Citation, Confidence
from ketapath.core.eligibility.model import Criterion, EligibilityRule
from ketapath.core.findings import RuleSpec, Severity
from ketapath.core.sources import (
    KETALAR_PI,
    MIMS_SPRAVATO,
    SANACORA_2017,
    SEED_000,
    SEED_001,
    SEED_002,
    SEED_003,
    SPRAVATO_US_PI,
    YALE_BP_SERIES,
)

__all__ = ["ELIGIBILITY_RULES", "RULESET_VERSION", "RULE_SPECS"]

RULESET_VERSION = "1.0"

CI = Severity.CONTRAINDICATED
CA = Severity.CAUTION
S = Confidence.SECONDARY
M = Confidence.UNVERIFIED


def _sev(
    *, iv: Severity, esk: Severity, kap: Severity
) -> MappingProxyType[str, Severity]:
    return MappingProxyType({"iv_ketamine": iv, "esketamine": esk, "kap": kap})


def _text(*, iv: Severity, esk: Severity, kap: Severity, extra: str = "") -> str:
    return f"iv_ketamine: {iv.value}; esketamine: {esk.value}{extra}; kap: {kap.value}"


ALL_CI = _sev(iv=CI, esk=CI, kap=CI)
ALL_CA = _sev(iv=CA, esk=CA, kap=CA)
KETAMINE_CI_ESK_CA = _sev(iv=CI, esk=CA, kap=CI)

PI_CI = SPRAVATO_US_PI.at("§4 Contraindications")


def _rule(
    rule_id: str,
    title: str,
    severity: str,
    sources: tuple[Citation, ...],
    *criteria: Criterion,
    configurable: bool = True,
) -> EligibilityRule:
    spec = RuleSpec(
        rule_id=rule_id,
        version=RULESET_VERSION,
        title=title,
        severity=severity,
        confidence=S,
        sources=sources,
        configurable=configurable,
        description=" ".join(c.message for c in criteria),
    )
    return EligibilityRule(spec, criteria)


SPV_CI_01 = _rule(
    "SPV-CI-01",
    "Aneurysmal vascular disease or arteriovenous malformation",
    _text(iv=CI, esk=CI, kap=CI),
    (PI_CI, SEED_003.at("blood vessel diseases")),
    Criterion(
        "aneurysmal vascular disease or AVM",
        "Aneurysmal vascular disease (aorta, intracranial or peripheral arteries) or "
        "arteriovenous malformation: do not give esketamine or ketamine.",
        ALL_CI,
        conditions=frozenset(
            {"aneurysmal_vascular_disease", "arteriovenous_malformation"}
        ),
    ),
    configurable=False,
)
SPV_CI_02 = _rule(
    "SPV-CI-02",
    "History of intracerebral haemorrhage",
    _text(iv=CI, esk=CI, kap=CI),
    (PI_CI, SEED_003.at("bleeding in the brain")),
    Criterion(
        "intracerebral haemorrhage history",
        "History of intracerebral haemorrhage: do not give esketamine or ketamine.",
        ALL_CI,
        conditions=frozenset({"intracerebral_hemorrhage_history"}),
    ),
    configurable=False,
)
SPV_CI_03 = _rule(
    "SPV-CI-03",
    "Hypersensitivity to esketamine, ketamine or an excipient",
    _text(iv=CI, esk=CI, kap=CI),
    (PI_CI, KETALAR_PI),
    Criterion(
        "ketamine hypersensitivity",
        "Hypersensitivity to esketamine, ketamine or an excipient: do not give either drug.",
        ALL_CI,
        conditions=frozenset({"ketamine_hypersensitivity"}),
    ),
    configurable=False,
)
CI_HTN = _rule(
    "CI-HTN",
    "Uncontrolled hypertension",
    _text(iv=CI, esk=CA, kap=CI),
    (SEED_002, KETALAR_PI.with_confidence(M).at("BP elevation a serious hazard")),
    Criterion(
        "uncontrolled hypertension",
        "Uncontrolled hypertension: contraindicates racemic ketamine (IV, KAP); a caution for "
        "esketamine (pre-dose BP rule applies).",
        KETAMINE_CI_ESK_CA,
        conditions=frozenset({"uncontrolled_hypertension"}),
    ),
)
CI_CV_RECENT = _rule(
    "CI-CV-RECENT",
    "Cardiovascular event (e.g. myocardial infarction) within 6 weeks",
    _text(iv=CI, esk=CA, kap=CI, extra=" (us), contraindicated (eu-au)"),
    (
        MIMS_SPRAVATO,
        SEED_001,
        KETALAR_PI.with_confidence(M).at("BP elevation a serious hazard"),
    ),
    Criterion(
        "recent cardiovascular event",
        "Cardiovascular event (e.g. MI) within the last 6 weeks: contraindicates racemic "
        "ketamine; esketamine is contraindicated under EU/AU labels and a caution in the US.",
        KETAMINE_CI_ESK_CA,
        conditions=frozenset({"recent_cardiovascular_event"}),
        jurisdiction_severity=MappingProxyType(
            {"eu-au": MappingProxyType({"esketamine": CI})}
        ),
    ),
)
CI_CARDIAC = _rule(
    "CI-CARDIAC",
    "Cardiovascular disease, arrhythmia, prior MI or stroke, hypertension",
    _text(iv=CA, esk=CA, kap=CA),
    (
        SEED_001,
        SEED_003,
        YALE_BP_SERIES.at("all patients with a history of hypertension surged"),
    ),
    Criterion(
        "cardiovascular history",
        "Cardiovascular disease, arrhythmia, prior MI or stroke, or hypertension: BP and heart "
        "rate rise during treatment; weigh risk and monitor closely.",
        ALL_CA,
        conditions=frozenset(
            {
                "cardiovascular_disease",
                "arrhythmia",
                "myocardial_infarction_history",
                "stroke_history",
                "hypertension",
            }
        ),
    ),
)
CI_PSYCHOSIS = _rule(
    "CI-PSYCHOSIS",
    "History of psychosis or a current psychotic episode",
    _text(iv=CI, esk=CA, kap=CI),
    (SEED_002, SANACORA_2017, SPRAVATO_US_PI.at("§5.2 psychosis")),
    Criterion(
        "psychosis",
        "History of psychosis or a current episode with psychotic features: contraindicates "
        "racemic ketamine (seed 002); for esketamine assess carefully and treat only if "
        "benefit outweighs risk.",
        KETAMINE_CI_ESK_CA,
        conditions=frozenset({"psychosis_history"}),
        profile_flags=frozenset({"psychotic_episode"}),
    ),
)
CI_BIPOLAR = _rule(
    "CI-BIPOLAR",
    "Bipolar affective disorder",
    _text(iv=CI, esk=CA, kap=CI),
    (SEED_002,),
    Criterion(
        "bipolar disorder",
        "Bipolar affective disorder: contraindicates racemic ketamine (seed 002); a caution "
        "for esketamine (licensed for unipolar TRD).",
        KETAMINE_CI_ESK_CA,
        conditions=frozenset({"bipolar_disorder"}),
    ),
)
CI_SUD = _rule(
    "CI-SUD",
    "Substance use disorder (active, or history)",
    "active: " + _text(iv=CI, esk=CA, kap=CI) + "; history: caution on every route",
    (SEED_002, SANACORA_2017, SPRAVATO_US_PI.at("abuse and misuse")),
    Criterion(
        "active substance use disorder",
        "Active substance use disorder (especially dissociatives): contraindicates racemic "
        "ketamine; for esketamine weigh the abuse risk and monitor.",
        KETAMINE_CI_ESK_CA,
        conditions=frozenset({"active_substance_use_disorder"}),
    ),
    Criterion(
        "substance use disorder history",
        "History of substance use disorder: consider carefully and monitor for misuse.",
        ALL_CA,
        conditions=frozenset({"substance_use_disorder_history"}),
    ),
)
CI_PREG = _rule(
    "CI-PREG",
    "Pregnancy or breastfeeding (or status not recorded)",
    _text(iv=CI, esk=CA, kap=CI, extra=" (not recommended)"),
    (SPRAVATO_US_PI.at("pregnancy and lactation"), SEED_001),
    Criterion(
        "pregnant or breastfeeding",
        "Pregnant or breastfeeding: racemic ketamine is contraindicated (seed 001); esketamine "
        "is not recommended (possible fetal harm).",
        KETAMINE_CI_ESK_CA,
        profile_flags=frozenset({"pregnant", "breastfeeding"}),
    ),
    Criterion(
        "pregnancy status not recorded",
        "Pregnancy or breastfeeding status not recorded for a female patient: confirm before "
        "treatment.",
        ALL_CA,
        profile_flags=frozenset({"pregnancy_status_unknown"}),
    ),
)
CI_LIVER = _rule(
    "CI-LIVER",
    "Liver disease (Child-Pugh B: longer monitoring; Child-Pugh C: not recommended)",
    _text(iv=CA, esk=CA, kap=CA),
    (SPRAVATO_US_PI.at("hepatic impairment"), SEED_000, SEED_003),
    Criterion(
        "liver disease",
        "Liver disease: ketamine and esketamine are cleared by the liver; review liver function.",
        ALL_CA,
        conditions=frozenset({"liver_disease"}),
    ),
    Criterion(
        "Child-Pugh B",
        "Moderate hepatic impairment (Child-Pugh B): may need longer post-dose monitoring.",
        ALL_CA,
        conditions=frozenset({"child_pugh_b"}),
    ),
    Criterion(
        "Child-Pugh C",
        "Severe hepatic impairment (Child-Pugh C): not recommended.",
        ALL_CA,
        conditions=frozenset({"child_pugh_c"}),
    ),
)
CI_ICP = _rule(
    "CI-ICP",
    "Raised intracranial pressure, or a BP/ICP rise would be a serious risk",
    _text(iv=CI, esk=CI, kap=CI),
    (SPRAVATO_US_PI.at("§2 (do not give if a BP or ICP rise poses a serious risk)"),),
    Criterion(
        "raised intracranial pressure",
        "Raised intracranial pressure: do not give esketamine or ketamine when a rise in BP or "
        "intracranial pressure poses a serious risk.",
        ALL_CI,
        conditions=frozenset({"raised_intracranial_pressure"}),
    ),
    configurable=False,
)
INT_SEDATIVES = _rule(
    "INT-SEDATIVES",
    "CNS depressants: benzodiazepines, non-benzodiazepine hypnotics, opioids, alcohol",
    _text(iv=CA, esk=CA, kap=CA),
    (SPRAVATO_US_PI.at("drug interactions: CNS depressants"),),
    Criterion(
        "CNS depressants",
        "Benzodiazepines, non-benzodiazepine hypnotics, opioids or alcohol increase sedation; "
        "monitor closely.",
        ALL_CA,
        conditions=frozenset({"current_alcohol_use"}),
        medication_classes=frozenset(
            {"benzodiazepine", "nonbenzodiazepine_hypnotic", "opioid"}
        ),
    ),
)
INT_BP = _rule(
    "INT-BP",
    "Drugs that raise blood pressure: psychostimulants, MAOIs",
    _text(iv=CA, esk=CA, kap=CA),
    (SPRAVATO_US_PI.at("drug interactions: psychostimulants, MAOIs"),),
    Criterion(
        "BP-raising drugs",
        "Psychostimulants or MAOIs can increase blood pressure; monitor BP closely.",
        ALL_CA,
        medication_classes=frozenset({"psychostimulant", "maoi"}),
    ),
)

ELIGIBILITY_RULES: tuple[EligibilityRule, ...] = (
    SPV_CI_01,
    SPV_CI_02,
    SPV_CI_03,
    CI_HTN,
    CI_CV_RECENT,
    CI_CARDIAC,
    CI_PSYCHOSIS,
    CI_BIPOLAR,
    CI_SUD,
    CI_PREG,
    CI_LIVER,
    CI_ICP,
    INT_SEDATIVES,
    INT_BP,
)
"""Every eligibility rule, in the order of REFERENCE.md §3."""
RULE_SPECS: tuple[RuleSpec, ...] = tuple(rule.spec for rule in ELIGIBILITY_RULES)
