"""HAM-D17 (HRSD17): the 17-item clinician-rated Hamilton depression scale.

Rule in plain words: nine items are rated 0–4 (1 depressed mood, 2 guilt, 3 suicide, 7 work and
activities, 8 retardation, 9 agitation, 10 psychic anxiety, 11 somatic anxiety, 15
hypochondriasis) and eight items 0–2 (4–6 insomnia early/middle/late, 12 gastrointestinal, 13
general somatic, 14 genital symptoms, 16 loss of weight, 17 insight), so the total is 0–52
(Hamilton 1960, as reproduced in the published scale text) [S]. Bands follow the ids-qids.org
crosswalk: 0–7 none, 8–13 mild, 14–19 moderate, 20–25 severe, 26–52 very severe; bands for the
HAM-D are treated as unverified [M] (sources disagree and the crosswalk has a typo), so the
scoring rule is configurable. Item 3 (suicide) at or above a threshold (default ≥1: "feels life
is not worth living") raises ``suicidal_ideation`` [M].
"""

from __future__ import annotations

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSpec
from ketapath.core.instruments.base import (
    Instrument,
    Item,
    SeverityBand,
    suicide_item_evaluator,
    sum_of,
)
from ketapath.core.sources import IDS_QIDS

__all__ = [
    "DEFAULT_ITEM3_THRESHOLD",
    "HAMD17",
    "HAMILTON_1960",
    "ITEM3_RULE",
    "SCORE_RULE",
    "SOURCES",
    "make_hamd17",
]

HAMILTON_1960 = Citation(
    "hamilton-1960",
    "Hamilton 1960, a rating scale for depression (J Neurol Neurosurg Psychiatry 23:56); 17-item text",
    Confidence.SECONDARY,
    "https://medicalcriteria.com/web/hamilton-depression-scale/",
)
"""Item list and per-item ranges, read in reproductions of the scale text (not the 1960 paper)."""

SOURCES = (
    IDS_QIDS.at("HRSD17 severity crosswalk").with_confidence(Confidence.UNVERIFIED),
    HAMILTON_1960,
)

DEFAULT_ITEM3_THRESHOLD = 1
"""Item 3 rating at or above which ``suicidal_ideation`` is flagged [M, configurable]."""

SCORE_RULE = RuleSpec(
    rule_id="HAMD17-SCORE",
    version="1",
    title="HAM-D17 total (0–52) and severity band",
    severity="info",
    confidence=Confidence.UNVERIFIED,
    sources=SOURCES,
    configurable=True,
    description="Sum of 17 items (nine 0–4, eight 0–2); bands 0–7 none, 8–13 mild, 14–19 moderate, "
    "20–25 severe, 26–52 very severe (unverified).",
)
ITEM3_RULE = RuleSpec(
    rule_id="HAMD17-ITEM3",
    version="1",
    title="HAM-D17 item 3 (suicide) positive: suicidal ideation",
    severity="caution",
    confidence=Confidence.UNVERIFIED,
    sources=(HAMILTON_1960.at("item 3").with_confidence(Confidence.UNVERIFIED),),
    configurable=True,
    description="Item 3 ≥ threshold (default 1) flags suicidal_ideation.",
)

_ITEMS_SPEC: tuple[tuple[str, int], ...] = (
    ("Depressed mood", 4),
    ("Feelings of guilt", 4),
    ("Suicide", 4),
    ("Insomnia: early", 2),
    ("Insomnia: middle", 2),
    ("Insomnia: late", 2),
    ("Work and activities", 4),
    ("Retardation", 4),
    ("Agitation", 4),
    ("Anxiety: psychic", 4),
    ("Anxiety: somatic", 4),
    ("Somatic symptoms: gastrointestinal", 2),
    ("Somatic symptoms: general", 2),
    ("Genital symptoms", 2),
    ("Hypochondriasis", 4),
    ("Loss of weight", 2),
    ("Insight", 2),
)

ITEMS = tuple(
    Item(f"hamd17_{n}", n, label, 0, max_value)
    for n, (label, max_value) in enumerate(_ITEMS_SPEC, start=1)
)

BANDS = (
    SeverityBand("none", 0, 7),
    SeverityBand("mild", 8, 13),
    SeverityBand("moderate", 14, 19),
    SeverityBand("severe", 20, 25),
    SeverityBand("very_severe", 26, 52),
)


def make_hamd17(*, item3_threshold: int = DEFAULT_ITEM3_THRESHOLD) -> Instrument:
    """Build the HAM-D17 with a clinic's item 3 flag threshold (1–4)."""
    evaluate = suicide_item_evaluator(
        rule=ITEM3_RULE,
        item=ITEMS[2],
        threshold=item3_threshold,
        threshold_name="item3_threshold",
        message=(
            "HAM-D17 item 3 (suicide) is positive: assess suicide risk (C-SSRS) and alert a clinician."
        ),
        total=lambda values: sum_of(ITEMS, values),
    )

    return Instrument(
        key="hamd17",
        title="HAM-D17",
        items=ITEMS,
        min_total=0,
        max_total=52,
        bands=BANDS,
        loinc_panel=None,
        loinc_total=None,
        licence="Generally treated as public domain (Hamilton 1960) [M]; only short labels are included.",
        rule=SCORE_RULE,
        evaluate=evaluate,
        flag_rules=(ITEM3_RULE,),
    )


HAMD17 = make_hamd17()
"""The HAM-D17 with the default item 3 threshold."""
