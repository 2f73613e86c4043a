"""GAD-7: the seven-item anxiety questionnaire, used alongside the PHQ-9 in measurement-based care.

Rule in plain words: seven items scored 0–3 (not at all, several days, more than half the days,
nearly every day) are added to a total of 0–21, banded at the published cut-points 5, 10 and 15:
0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe (Spitzer et al. 2006) [V]. The GAD-7 has no
safety item, so it raises no flags.

Item wording is the published Pfizer/Spitzer text (no permission needed to reproduce); item LOINC
codes are those in REFERENCE §8 (item 6 is 69689-8: the often-copied 69689-6 fails the LOINC
check digit).
"""

from __future__ import annotations

from collections.abc import Mapping

from ketapath.core.citations import Confidence
from ketapath.core.findings import RuleSpec
from ketapath.core.instruments.base import (
    Evaluation,
    Instrument,
    Item,
    SeverityBand,
    sum_of,
)
from ketapath.core.sources import SPITZER_GAD7

__all__ = ["GAD7", "SCORE_RULE", "SOURCES"]

SOURCES = (SPITZER_GAD7,)

SCORE_RULE = RuleSpec(
    rule_id="GAD7-SCORE",
    version="1",
    title="GAD-7 total (0–21) and severity band",
    severity="info",
    confidence=Confidence.VERIFIED,
    sources=SOURCES,
    description="Sum of items 1–7; bands 0–4 minimal, 5–9 mild, 10–14 moderate, 15–21 severe.",
)

ITEMS = (
    Item(
        "gad7_1",
        1,
        "Nervous, anxious, on edge",
        0,
        3,
        "Feeling nervous, anxious, or on edge",
        "69725-0",
    ),
    Item(
        "gad7_2",
        2,
        "Cannot stop or control worrying",
        0,
        3,
        "Not being able to stop or control worrying",
        "68509-9",
    ),
    Item(
        "gad7_3",
        3,
        "Worrying too much",
        0,
        3,
        "Worrying too much about different things",
        "69733-4",
    ),
    Item("gad7_4", 4, "Trouble relaxing", 0, 3, "Trouble relaxing", "69734-2"),
    Item(
        "gad7_5",
        5,
        "Restless",
        0,
        3,
        "Being so restless that it is hard to sit still",
        "69735-9",
    ),
    Item(
        "gad7_6",
        6,
        "Easily annoyed or irritable",
        0,
        3,
        "Becoming easily annoyed or irritable",
        "69689-8",
    ),
    Item(
        "gad7_7",
        7,
        "Afraid something awful might happen",
        0,
        3,
        "Feeling afraid, as if something awful might happen",
        "69736-7",
    ),
)

BANDS = (
    SeverityBand("minimal", 0, 4),
    SeverityBand("mild", 5, 9),
    SeverityBand("moderate", 10, 14),
    SeverityBand("severe", 15, 21),
)


def _evaluate(values: Mapping[str, int]) -> Evaluation:
    """Sum the seven items; the GAD-7 has no flag rules."""
    return Evaluation(total=sum_of(ITEMS, values))


GAD7 = Instrument(
    key="gad7",
    title="GAD-7",
    items=ITEMS,
    min_total=0,
    max_total=21,
    bands=BANDS,
    loinc_panel="69737-5",
    loinc_total="70274-6",
    licence="Free to reproduce, translate and distribute without permission or charge (Pfizer, 2010).",
    rule=SCORE_RULE,
    evaluate=_evaluate,
)
"""The GAD-7."""
