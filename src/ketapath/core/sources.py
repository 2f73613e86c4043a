"""The catalogue of sources that ketapath's clinical rules cite.

Each entry mirrors a source in shared/clinical/REFERENCE.md and evidence-notes.md. The
confidence here is the source's usual tag; a rule that relies on one particular claim may
re-tag it with :meth:`Citation.with_confidence` (REFERENCE.md tags claims, not documents).
The "seed articles" are the five patient articles that describe the programme ketapath implements.
"""

from __future__ import annotations

from ketapath.core.citations import Citation, Confidence

__all__ = [
    "ANDRADE_2017",
    "BOWDLE_1998",
    "CFR_1304",
    "COLUMBIA_TRIAGE",
    "DEA_THEFT_LOSS_2023",
    "DEVINE_IBW",
    "EU_PEARL_2022",
    "FEKADU_2009",
    "FEKADU_2018",
    "IDS_QIDS",
    "JOURNEY_CLINICAL_KAP",
    "KETALAR_PI",
    "MCINTYRE_2021",
    "MIMS_SPRAVATO",
    "MURROUGH_2013",
    "PHQ_MANUAL",
    "PSYCHIATRIST_COM_KETAMINE",
    "SANACORA_2017",
    "SEED_000",
    "SEED_001",
    "SEED_002",
    "SEED_003",
    "SEED_004",
    "SINGH_2016",
    "SNAITH_MADRS",
    "SPITZER_GAD7",
    "SPRAVATO_EU_SMPC",
    "SPRAVATO_HCP_DOSING",
    "SPRAVATO_HCP_MDSI",
    "SPRAVATO_REMS",
    "SPRAVATO_US_PI",
    "SUSTAIN_1",
    "THASE_RUSH_1997",
    "YALE_BP_SERIES",
]

V, S, M = Confidence.VERIFIED, Confidence.SECONDARY, Confidence.UNVERIFIED

SEED_000 = Citation("seed-000", "ketapath seed article 000 (TRD pathway overview)", S)
SEED_001 = Citation("seed-001", "ketapath seed article 001 (safety and eligibility)", S)
SEED_002 = Citation(
    "seed-002", "ketapath seed article 002 (who should not have ketamine)", S
)
SEED_003 = Citation("seed-003", "ketapath seed article 003 (risks and side effects)", S)
SEED_004 = Citation("seed-004", "ketapath seed article 004 (dose and outcomes)", S)

SPRAVATO_US_PI = Citation(
    "spravato-us-pi",
    "SPRAVATO (esketamine) nasal spray, US Prescribing Information",
    S,
    "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=d81a6a79-a74a-44b7-822c-0dfa3036eaed",
)
SPRAVATO_HCP_DOSING = Citation(
    "spravato-hcp-dosing",
    "SPRAVATO HCP site: dosing for TRD",
    V,
    "https://www.spravatohcp.com/dosing-spravato-trd",
)
SPRAVATO_HCP_MDSI = Citation(
    "spravato-hcp-mdsi",
    "SPRAVATO HCP site: MDSI dosing and administration",
    V,
    "https://www.spravatohcp.com/mdsi/dosing-and-administration",
)
SPRAVATO_REMS = Citation(
    "spravato-rems",
    "SPRAVATO REMS (FDA REMS@FDA listing and Patient Monitoring Form)",
    V,
    "https://www.accessdata.fda.gov/scripts/cder/rems/index.cfm?event=IndvRemsDetails.page&REMS=386",
)
SPRAVATO_EU_SMPC = Citation(
    "spravato-eu-smpc",
    "Spravato EU/AU product information (via label mirrors)",
    S,
    "https://uat.mims.com/philippines/drug/info/spravato/dosage",
)
MIMS_SPRAVATO = Citation(
    "mims-spravato-my",
    "MIMS Malaysia: Spravato contraindications",
    S,
    "https://www.mims.com/malaysia/drug/info/spravato?type=brief",
)
KETALAR_PI = Citation(
    "ketalar-pi",
    "KETALAR (ketamine hydrochloride) injection, US Prescribing Information",
    S,
    "https://fda.report/DailyMed/46dab560-8ecd-4d92-8c92-6baa2310b09b",
)
SANACORA_2017 = Citation(
    "sanacora-2017",
    "Sanacora et al. 2017, APA consensus statement on ketamine for mood disorders (JAMA Psychiatry)",
    V,
    "https://reference.medscape.com/viewarticle/913357_3",
)
MCINTYRE_2021 = Citation(
    "mcintyre-2021",
    "McIntyre et al. 2021, international expert opinion on ketamine in depression (Am J Psychiatry)",
    S,
)
ANDRADE_2017 = Citation(
    "andrade-2017",
    "Andrade 2017, ketamine for depression: dosing, administration and duration (J Clin Psychiatry)",
    V,
    "https://dev2.psychiatrist.com/jcp/ketamine-for-depression-dosing-administration-and-duration",
)
PSYCHIATRIST_COM_KETAMINE = ANDRADE_2017
MURROUGH_2013 = Citation(
    "murrough-2013",
    "Murrough et al. 2013, repeated-dose IV ketamine in TRD (Biol Psychiatry)",
    M,
)
SINGH_2016 = Citation(
    "singh-2016",
    "Singh et al. 2016, IV ketamine twice vs thrice weekly in TRD (Am J Psychiatry)",
    V,
    "https://psychiatryonline.org/doi/abs/10.1176/appi.ajp.2016.16010037",
)
YALE_BP_SERIES = Citation(
    "yale-bp-2024",
    "Yale retrospective series, 138 patients / 2,342 IV ketamine infusions (Gen Hosp Psychiatry 2024)",
    V,
    "https://litmetric.com/detail/38991311/",
)
EU_PEARL_2022 = Citation(
    "eu-pearl-2022",
    "Sforzini et al. 2022, EU-PEARL Delphi consensus on TRD (Mol Psychiatry)",
    V,
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC9095475/table/Tab1",
)
FEKADU_2009 = Citation(
    "fekadu-2009",
    "Fekadu et al. 2009, Maudsley Staging Method (J Clin Psychiatry 70:177)",
    M,
)
FEKADU_2018 = Citation(
    "fekadu-2018",
    "Fekadu, Donocik, Cleare 2018, MSM review (BMC Psychiatry 18:100), Table 3",
    V,
    "https://bmcpsychiatry.biomedcentral.com/articles/10.1186/s12888-018-1679-x/tables/3",
)
THASE_RUSH_1997 = Citation(
    "thase-rush-1997",
    "Thase & Rush 1997, staging of TRD (J Clin Psychiatry 58 Suppl 13)",
    M,
)
DEVINE_IBW = Citation("devine-1974", "Devine 1974, ideal body weight formula", M)
PHQ_MANUAL = Citation(
    "phq-manual",
    "PHQ Instruction Manual (Pfizer), PHQ-9 scoring",
    V,
    "https://news-medical.net/news/20100723/Pfizer-announces-unrestricted-access-to-patient-assessment-aids-for-mental-disorders.aspx",
)
SPITZER_GAD7 = Citation(
    "spitzer-2006",
    "Spitzer et al. 2006, GAD-7 (Arch Intern Med 166:1092)",
    V,
    "https://rdrr.io/cran/cliot/man/gad7_anxiety_screen.html",
)
SNAITH_MADRS = Citation(
    "snaith-madrs",
    "Snaith et al., MADRS severity bands (measurement compendium); Montgomery & Åsberg 1979",
    V,
    "https://th4.ilovetranslation.com/J7JCavJZW9A=d",
)
IDS_QIDS = Citation(
    "ids-qids",
    "IDS/QIDS scoring and interpretation",
    V,
    "http://ids-qids.org/interpretation.html",
)
COLUMBIA_TRIAGE = Citation(
    "cssrs-triage",
    "Columbia Lighthouse Project: C-SSRS screener and triage",
    V,
    "https://cssrs.columbia.edu/the-columbia-scale-c-ssrs/triage-c-ssrs/",
)
SUSTAIN_1 = Citation(
    "sustain-1", "Daly et al. 2019, SUSTAIN-1 relapse prevention (JAMA Psychiatry)", M
)
BOWDLE_1998 = Citation(
    "bowdle-1998",
    "Bowdle et al. 1998, psychedelic effects of ketamine (Anesthesiology)",
    V,
)
JOURNEY_CLINICAL_KAP = Citation(
    "journey-clinical-kap", "Journey Clinical KAP practice guidance", S
)
CFR_1304 = Citation(
    "21-cfr-1304",
    "21 CFR Part 1304, records and reports of registrants",
    V,
    "https://www.ecfr.gov/current/title-21/chapter-II/part-1304",
)
DEA_THEFT_LOSS_2023 = Citation(
    "88-fr-40707",
    "88 FR 40707 (2023), reporting theft or significant loss of controlled substances",
    V,
    "https://www.federalregister.gov/documents/2023/06/22/2023-13085/reporting-theft-or-significant-loss-of-controlled-substances",
)
