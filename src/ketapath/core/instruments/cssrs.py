"""C-SSRS screener: the Columbia suicide-risk screen and its triage level.

Rule in plain words (Columbia triage, REFERENCE §7) [V]:

* **high**: yes to Q4 (ideation with some intent) or Q5 (plan and intent) in the past month, or
  suicidal behaviour (Q6) within the past 3 months;
* **moderate**: yes to Q3 (thinking about how), or suicidal behaviour more than 3 months ago;
* **low**: yes to Q1 (wish to be dead) or Q2 (thoughts of killing yourself) only;
* **none**: every answer no.

The screener has no total or severity band. Any positive ideation item (Q1–Q5) raises
``suicidal_ideation``; a positive Q6 or past-3-months answer raises ``suicidal_behaviour``.

Skip logic: Q3–Q5 are asked only after a yes to Q2, and the past-3-months question only after a
yes to Q6, so those may be left unanswered when their gate is no. A positive answer is never
discarded: if answers contradict the skip logic (a yes to Q3–Q5 after a no to Q2, or a yes to
"past 3 months" after a no to Q6), risk is scored from the answers as given, which is the
conservative reading, and ``inconsistent_skip_logic`` is flagged so a clinician re-asks.

Item wording is the Screen Version hosted by CMS (as used by the HL7 US Behavioral Health
Profiles example); Columbia allows it in care providers' records without cost or licence [V].
"""

from __future__ import annotations

from collections.abc import Mapping

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import Finding, RuleSpec, Severity
from ketapath.core.instruments.base import (
    INCONSISTENT_SKIP_LOGIC,
    SUICIDAL_BEHAVIOUR,
    SUICIDAL_IDEATION,
    Evaluation,
    Instrument,
    Item,
)
from ketapath.core.sources import COLUMBIA_TRIAGE

__all__ = [
    "CSSRS",
    "CSSRS_SCREEN_VERSION",
    "RISK_LEVELS",
    "RISK_LOINC",
    "RISK_RULE",
    "SKIP_RULE",
    "SOURCES",
    "risk_level",
]

CSSRS_SCREEN_VERSION = Citation(
    "cssrs-screen-version",
    "C-SSRS Screen Version (CMS-hosted instrument; HL7 US Behavioral Health Profiles example)",
    Confidence.SECONDARY,
    "https://www.cms.gov/files/document/cssrs-screen-version-instrument.pdf",
)
"""Item wording, LOINC codes and skip logic (read via the HL7 example and secondary copies)."""

SOURCES = (COLUMBIA_TRIAGE,)

RISK_LEVELS: tuple[str, ...] = ("none", "low", "moderate", "high")
"""Triage levels, least to most urgent."""

RISK_RULE = RuleSpec(
    rule_id="CSSRS-RISK",
    version="1",
    title="C-SSRS screener triage level (none, low, moderate, high)",
    severity="caution",
    confidence=Confidence.VERIFIED,
    sources=SOURCES,
    description="High: Q4 or Q5, or behaviour in the past 3 months; moderate: Q3, or behaviour "
    "longer ago; low: Q1 or Q2 only; none: all no.",
)
SKIP_RULE = RuleSpec(
    rule_id="CSSRS-SKIP",
    version="1",
    title="C-SSRS screener answers contradict the skip logic: kept and flagged",
    severity="caution",
    confidence=Confidence.SECONDARY,
    sources=(CSSRS_SCREEN_VERSION.at("skip instructions"),),
    description="A yes to Q3–Q5 after a no to Q2, or to 'past 3 months' after a no to Q6, is kept "
    "(risk is scored from it) and flagged inconsistent_skip_logic.",
)

ITEMS = (
    Item(
        "cssrs_1",
        1,
        "Wish to be dead",
        0,
        1,
        "Have you wished you were dead or wished you could go to sleep and not wake up?",
        "93246-7",
    ),
    Item(
        "cssrs_2",
        2,
        "Non-specific active suicidal thoughts",
        0,
        1,
        "Have you actually had any thoughts of killing yourself?",
        "93247-5",
    ),
    Item(
        "cssrs_3",
        3,
        "Suicidal thoughts with method (no plan or intent)",
        0,
        1,
        "Have you been thinking about how you might do this?",
        "93248-3",
        asked_when="cssrs_2",
    ),
    Item(
        "cssrs_4",
        4,
        "Suicidal intent without specific plan",
        0,
        1,
        "Have you had these thoughts and had some intention of acting on them?",
        "93249-1",
        asked_when="cssrs_2",
    ),
    Item(
        "cssrs_5",
        5,
        "Suicidal intent with specific plan",
        0,
        1,
        "Have you started to work out or worked out the details of how to kill yourself? Do you "
        "intend to carry out this plan?",
        "93250-9",
        asked_when="cssrs_2",
    ),
    Item(
        "cssrs_6",
        6,
        "Suicidal behaviour (lifetime)",
        0,
        1,
        "Have you ever done anything, started to do anything, or prepared to do anything to end your life?",
        "93267-3",
    ),
    Item(
        "cssrs_6b",
        7,
        "Suicidal behaviour within the past 3 months",
        0,
        1,
        "Was this within the past 3 months?",
        "93269-9",
        asked_when="cssrs_6",
    ),
)
"""Answers are 0 (no) or 1 (yes); the seventh answer is the Q6 follow-up."""

_ACTIONS = {
    "high": "immediate safety precautions and mental-health evaluation",
    "moderate": "further evaluation or referral",
    "low": "further evaluation or referral",
    "none": "no suicidal ideation or behaviour reported",
}


def _yes(values: Mapping[str, int], number: str) -> bool:
    """Return whether the item was answered yes (an unasked item counts as not answered)."""
    return values.get(f"cssrs_{number}") == 1


def risk_level(values: Mapping[str, int]) -> str:
    """Return the triage level from the answers as given (skip logic never hides a yes)."""
    if _yes(values, "4") or _yes(values, "5") or _yes(values, "6b"):
        return "high"
    if _yes(values, "3") or _yes(values, "6"):
        return "moderate"
    if _yes(values, "1") or _yes(values, "2"):
        return "low"
    return "none"


def _skip_conflicts(values: Mapping[str, int]) -> tuple[str, ...]:
    """Return the items answered yes although their gate question was answered no."""
    conflicts = [
        item.item_id
        for item in ITEMS
        if item.asked_when is not None
        and values.get(item.asked_when) == 0
        and values.get(item.item_id) == 1
    ]
    return tuple(conflicts)


def _evaluate(values: Mapping[str, int]) -> Evaluation:
    """Derive the triage level, flags and findings; the screener has no total."""
    flags: list[str] = []
    if any(_yes(values, n) for n in ("1", "2", "3", "4", "5")):
        flags.append(SUICIDAL_IDEATION)
    if _yes(values, "6") or _yes(values, "6b"):
        flags.append(SUICIDAL_BEHAVIOUR)
    risk = risk_level(values)
    findings: list[Finding] = [
        RISK_RULE.finding(
            Severity.INFO if risk == "none" else Severity.CAUTION,
            f"C-SSRS screener risk {risk}: {_ACTIONS[risk]}.",
            risk=risk,
        )
    ]
    conflicts = _skip_conflicts(values)
    if conflicts:
        flags.append(INCONSISTENT_SKIP_LOGIC)
        findings.append(
            SKIP_RULE.finding(
                Severity.CAUTION,
                "C-SSRS answers contradict the skip logic ("
                + ", ".join(conflicts)
                + " answered yes after a no to its gate question); the yes answers were kept and "
                "scored. Re-ask the screener.",
                items=conflicts,
            )
        )
    return Evaluation(
        total=None, flags=tuple(flags), risk=risk, findings=tuple(findings)
    )


CSSRS = Instrument(
    key="cssrs",
    title="C-SSRS screener",
    items=ITEMS,
    min_total=None,
    max_total=None,
    bands=(),
    loinc_panel=None,
    loinc_total=None,
    licence="No cost or licence for health care providers' EHRs (Columbia Lighthouse Project); "
    "commercial or industry use may need a licence [M].",
    rule=RISK_RULE,
    evaluate=_evaluate,
    flag_rules=(SKIP_RULE,),
)
"""The C-SSRS screener (risk level LOINC 93374-7; panel code unverified, so not set)."""

RISK_LOINC = "93374-7"
"""LOINC code for the derived suicide risk level."""
