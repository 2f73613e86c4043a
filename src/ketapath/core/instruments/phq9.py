"""PHQ-9: the nine-item depression questionnaire, the programme's main self-report measure.

Rule in plain words: nine items scored 0–3 (not at all, several days, more than half the days,
nearly every day) are added to a total of 0–27, banded 0–4 minimal, 5–9 mild, 10–14 moderate,
15–19 moderately severe and 20–27 severe (PHQ manual, Kroenke 2001) [V]. Item 10 (how difficult
the problems made daily life) is kept with the record but never added to the total, and may be
left unanswered. Any item 9 answer ≥1 (thoughts of being better off dead or of self-harm) raises
the ``suicidal_ideation`` flag, so that a same-day risk assessment (C-SSRS) follows; the threshold
is a standard-of-care convention [M] and is therefore a parameter.

Item wording and LOINC codes are those of the LOINC 44249-1 form (LHC-Forms questionnaire in
shared/data/external); the PHQ is free to reproduce (Pfizer, 2010) [V].
"""

from __future__ import annotations

from ketapath.core.citations import Confidence
from ketapath.core.findings import RuleSpec
from ketapath.core.instruments.base import (
    Instrument,
    Item,
    SeverityBand,
    suicide_item_evaluator,
    sum_of,
)
from ketapath.core.sources import PHQ_MANUAL

__all__ = [
    "DEFAULT_ITEM9_THRESHOLD",
    "ITEM9_RULE",
    "PHQ9",
    "SCORE_RULE",
    "SOURCES",
    "make_phq9",
]

SOURCES = (PHQ_MANUAL.at("PHQ-9 scoring"),)

DEFAULT_ITEM9_THRESHOLD = 1
"""Item 9 answer at or above which ``suicidal_ideation`` is flagged (any positive answer) [M]."""

SCORE_RULE = RuleSpec(
    rule_id="PHQ9-SCORE",
    version="1",
    title="PHQ-9 total (items 1–9, 0–27) and severity band",
    severity="info",
    confidence=Confidence.VERIFIED,
    sources=SOURCES,
    description="Sum of items 1–9; bands 0–4 minimal, 5–9 mild, 10–14 moderate, "
    "15–19 moderately severe, 20–27 severe. Item 10 is not scored.",
)
ITEM9_RULE = RuleSpec(
    rule_id="PHQ9-ITEM9",
    version="1",
    title="PHQ-9 item 9 positive: suicidal ideation, same-day risk assessment",
    severity="caution",
    confidence=Confidence.UNVERIFIED,
    sources=(PHQ_MANUAL.at("item 9").with_confidence(Confidence.UNVERIFIED),),
    configurable=True,
    description="Item 9 ≥ threshold (default 1) flags suicidal_ideation; the clinic follows with "
    "a same-day C-SSRS and a clinician alert (REFERENCE §7).",
)

_FREQUENCY = (
    "0 not at all, 1 several days, 2 more than half the days, 3 nearly every day"
)

ITEMS = (
    Item(
        "phq9_1",
        1,
        "Little interest or pleasure",
        0,
        3,
        "Little interest or pleasure in doing things?",
        "44250-9",
    ),
    Item(
        "phq9_2",
        2,
        "Feeling down, depressed, hopeless",
        0,
        3,
        "Feeling down, depressed, or hopeless?",
        "44255-8",
    ),
    Item(
        "phq9_3",
        3,
        "Sleep problems",
        0,
        3,
        "Trouble falling or staying asleep, or sleeping too much",
        "44259-0",
    ),
    Item(
        "phq9_4",
        4,
        "Tired, little energy",
        0,
        3,
        "Feeling tired or having little energy",
        "44254-1",
    ),
    Item(
        "phq9_5",
        5,
        "Poor appetite or overeating",
        0,
        3,
        "Poor appetite or overeating",
        "44251-7",
    ),
    Item(
        "phq9_6",
        6,
        "Feeling bad about yourself",
        0,
        3,
        "Feeling bad about yourself-or that you are a failure or have let yourself or your family down",
        "44258-2",
    ),
    Item(
        "phq9_7",
        7,
        "Trouble concentrating",
        0,
        3,
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "44252-5",
    ),
    Item(
        "phq9_8",
        8,
        "Moving or speaking slowly, or restless",
        0,
        3,
        "Moving or speaking so slowly that other people could have noticed. Or the opposite-being so "
        "fidgety or restless that you have been moving around a lot more than usual",
        "44253-3",
    ),
    Item(
        "phq9_9",
        9,
        "Thoughts better off dead or of self-harm",
        0,
        3,
        "Thoughts that you would be better off dead, or of hurting yourself in some way",
        "44260-8",
    ),
    Item(
        "phq9_10",
        10,
        "Difficulty caused by problems (unscored)",
        0,
        3,
        "How difficult have these problems made it for you to do your work, take care of things at "
        "home, or get along with other people?",
        "69722-7",
        scored=False,
        optional=True,
    ),
)
"""Items in questionnaire order; items 1–9 are answered on the scale ``_FREQUENCY`` describes."""

BANDS = (
    SeverityBand("minimal", 0, 4),
    SeverityBand("mild", 5, 9),
    SeverityBand("moderate", 10, 14),
    SeverityBand("moderately_severe", 15, 19),
    SeverityBand("severe", 20, 27),
)


def make_phq9(*, item9_threshold: int = DEFAULT_ITEM9_THRESHOLD) -> Instrument:
    """Build PHQ-9 with a clinic's item 9 flag threshold (1–3; the default flags any positive)."""
    evaluate = suicide_item_evaluator(
        rule=ITEM9_RULE,
        item=ITEMS[8],
        threshold=item9_threshold,
        threshold_name="item9_threshold",
        message=(
            "PHQ-9 item 9 is positive: assess suicide risk the same day (C-SSRS) and alert a clinician."
        ),
        total=lambda values: sum_of(ITEMS, values),
    )

    return Instrument(
        key="phq9",
        title="PHQ-9",
        items=ITEMS,
        min_total=0,
        max_total=27,
        bands=BANDS,
        loinc_panel="44249-1",
        loinc_total="44261-6",
        licence="Free to reproduce, translate and distribute without copyright restriction or charge "
        "(Pfizer, 2010).",
        rule=SCORE_RULE,
        evaluate=evaluate,
        flag_rules=(ITEM9_RULE,),
    )


PHQ9 = make_phq9()
"""PHQ-9 with the default item 9 threshold."""
