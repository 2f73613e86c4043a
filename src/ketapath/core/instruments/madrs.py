"""MADRS: the clinician-rated depression scale of the esketamine trials (TRANSFORM, SUSTAIN).

Rule in plain words: ten items each rated 0–6 are added to a total of 0–60, banded with Snaith's
cut-points: 0–6 absent, 7–19 mild, 20–34 moderate, 35–60 severe [V]. Item 10 (suicidal thoughts)
at or above a threshold raises the ``suicidal_ideation`` flag. No source in REFERENCE or
evidence-notes fixes that threshold, so it is a parameter defaulting to any positive rating (≥1,
the conservative reading) [M]; a clinic may raise it (e.g. to the item's 4 anchor).

Only short labels are kept: the MADRS licence for bundling item text is unconfirmed [M]. The item
order follows Montgomery & Åsberg 1979 as listed in evidence-notes §4.3 [M order]. MADRS has no
LOINC code (REFERENCE §8): clients use a local code system.
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
from ketapath.core.sources import SNAITH_MADRS

__all__ = [
    "DEFAULT_ITEM10_THRESHOLD",
    "ITEM10_RULE",
    "MADRS",
    "SCORE_RULE",
    "SOURCES",
    "make_madrs",
]

SOURCES = (SNAITH_MADRS,)

DEFAULT_ITEM10_THRESHOLD = 1
"""Item 10 rating at or above which ``suicidal_ideation`` is flagged [M, configurable]."""

SCORE_RULE = RuleSpec(
    rule_id="MADRS-SCORE",
    version="1",
    title="MADRS total (0–60) and Snaith severity band",
    severity="info",
    confidence=Confidence.VERIFIED,
    sources=SOURCES,
    description="Sum of items 1–10; Snaith bands 0–6 absent, 7–19 mild, 20–34 moderate, 35–60 severe.",
)
ITEM10_RULE = RuleSpec(
    rule_id="MADRS-ITEM10",
    version="1",
    title="MADRS item 10 (suicidal thoughts) positive: suicidal ideation",
    severity="caution",
    confidence=Confidence.UNVERIFIED,
    sources=(SNAITH_MADRS.at("item 10").with_confidence(Confidence.UNVERIFIED),),
    configurable=True,
    description="Item 10 ≥ threshold (default 1, unverified) flags suicidal_ideation.",
)

_LABELS = (
    "Apparent sadness",
    "Reported sadness",
    "Inner tension",
    "Reduced sleep",
    "Reduced appetite",
    "Concentration difficulties",
    "Lassitude",
    "Inability to feel",
    "Pessimistic thoughts",
    "Suicidal thoughts",
)

ITEMS = tuple(
    Item(f"madrs_{n}", n, label, 0, 6) for n, label in enumerate(_LABELS, start=1)
)

BANDS = (
    SeverityBand("absent", 0, 6),
    SeverityBand("mild", 7, 19),
    SeverityBand("moderate", 20, 34),
    SeverityBand("severe", 35, 60),
)


def make_madrs(*, item10_threshold: int = DEFAULT_ITEM10_THRESHOLD) -> Instrument:
    """Build the MADRS with a clinic's item 10 flag threshold (1–6)."""
    evaluate = suicide_item_evaluator(
        rule=ITEM10_RULE,
        item=ITEMS[9],
        threshold=item10_threshold,
        threshold_name="item10_threshold",
        message=(
            "MADRS item 10 (suicidal thoughts) is positive: assess suicide risk (C-SSRS) and alert a clinician."
        ),
        total=lambda values: sum_of(ITEMS, values),
    )

    return Instrument(
        key="madrs",
        title="MADRS",
        items=ITEMS,
        min_total=0,
        max_total=60,
        bands=BANDS,
        loinc_panel=None,
        loinc_total=None,
        licence="Unconfirmed [M]: published in Br J Psychiatry 1979; check rights before bundling item text "
        "(only short labels are included).",
        rule=SCORE_RULE,
        evaluate=evaluate,
        flag_rules=(ITEM10_RULE,),
    )


MADRS = make_madrs()
"""The MADRS with the default item 10 threshold."""
