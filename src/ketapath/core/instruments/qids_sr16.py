"""QIDS-SR16: the 16-item self-rated depression inventory, scored on nine DSM symptom domains.

Rule in plain words: sixteen items scored 0–3 map to nine domains; the sleep, appetite/weight and
psychomotor domains take the **highest** of their items, not the sum, so that e.g. insomnia and
hypersomnia are not counted twice. Domains: max(items 1–4), item 5, max(items 6–9), item 10, item
11, item 12, item 13, item 14, max(items 15–16). The total (0–27) is the sum of the nine domains,
banded 0–5 none, 6–10 mild, 11–15 moderate, 16–20 severe, 21–27 very severe (ids-qids.org) [V].
Item 12 (thoughts of death or suicide) at or above a threshold (default ≥1, any positive answer)
raises ``suicidal_ideation``; the threshold is a convention [M] and is therefore a parameter.

Only short labels are kept; the IDS/QIDS are free for clinical use [S] but terms for software
are unconfirmed [M].
"""

from __future__ import annotations

from collections.abc import Mapping

from ketapath.core.citations import Confidence
from ketapath.core.findings import RuleSpec
from ketapath.core.instruments.base import (
    Instrument,
    Item,
    SeverityBand,
    suicide_item_evaluator,
)
from ketapath.core.sources import IDS_QIDS

__all__ = [
    "DEFAULT_ITEM12_THRESHOLD",
    "DOMAINS",
    "ITEM12_RULE",
    "QIDS_SR16",
    "SCORE_RULE",
    "SOURCES",
    "domain_scores",
    "make_qids_sr16",
]

SOURCES = (IDS_QIDS,)

DEFAULT_ITEM12_THRESHOLD = 1
"""Item 12 answer at or above which ``suicidal_ideation`` is flagged [M, configurable]."""

SCORE_RULE = RuleSpec(
    rule_id="QIDS-SR16-SCORE",
    version="1",
    title="QIDS-SR16 total (nine domains, 0–27) and severity band",
    severity="info",
    confidence=Confidence.VERIFIED,
    sources=SOURCES,
    description="Domains max(1–4), 5, max(6–9), 10, 11, 12, 13, 14, max(15–16) are summed; bands "
    "0–5 none, 6–10 mild, 11–15 moderate, 16–20 severe, 21–27 very severe.",
)
ITEM12_RULE = RuleSpec(
    rule_id="QIDS-SR16-ITEM12",
    version="1",
    title="QIDS-SR16 item 12 (thoughts of death or suicide) positive: suicidal ideation",
    severity="caution",
    confidence=Confidence.UNVERIFIED,
    sources=(IDS_QIDS.at("item 12").with_confidence(Confidence.UNVERIFIED),),
    configurable=True,
    description="Item 12 ≥ threshold (default 1) flags suicidal_ideation.",
)

_LABELS = (
    "Falling asleep",
    "Sleep during the night",
    "Waking up too early",
    "Sleeping too much",
    "Feeling sad",
    "Decreased appetite",
    "Increased appetite",
    "Decreased weight",
    "Increased weight",
    "Concentration / decision making",
    "View of myself",
    "Thoughts of death or suicide",
    "General interest",
    "Energy level",
    "Feeling slowed down",
    "Feeling restless",
)

ITEMS = tuple(
    Item(f"qids_sr16_{n}", n, label, 0, 3) for n, label in enumerate(_LABELS, start=1)
)

DOMAINS: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("sleep", (1, 2, 3, 4)),
    ("sad_mood", (5,)),
    ("appetite_weight", (6, 7, 8, 9)),
    ("concentration", (10,)),
    ("self_view", (11,)),
    ("suicidal_ideation", (12,)),
    ("interest", (13,)),
    ("energy", (14,)),
    ("psychomotor", (15, 16)),
)
"""Domain name and its item numbers; each domain scores the maximum of its items."""

BANDS = (
    SeverityBand("none", 0, 5),
    SeverityBand("mild", 6, 10),
    SeverityBand("moderate", 11, 15),
    SeverityBand("severe", 16, 20),
    SeverityBand("very_severe", 21, 27),
)


def domain_scores(values: Mapping[str, int]) -> tuple[tuple[str, int], ...]:
    """Return each domain's score (the highest of its items), in domain order."""
    return tuple(
        (name, max(values[f"qids_sr16_{n}"] for n in numbers))
        for name, numbers in DOMAINS
    )


def make_qids_sr16(*, item12_threshold: int = DEFAULT_ITEM12_THRESHOLD) -> Instrument:
    """Build the QIDS-SR16 with a clinic's item 12 flag threshold (1–3)."""
    evaluate = suicide_item_evaluator(
        rule=ITEM12_RULE,
        item=ITEMS[11],
        threshold=item12_threshold,
        threshold_name="item12_threshold",
        message=(
            "QIDS-SR16 item 12 (thoughts of death or suicide) is positive: assess suicide risk (C-SSRS) "
            "and alert a clinician."
        ),
        total=lambda values: sum(score for _, score in domain_scores(values)),
    )

    return Instrument(
        key="qids_sr16",
        title="QIDS-SR16",
        items=ITEMS,
        min_total=0,
        max_total=27,
        bands=BANDS,
        loinc_panel=None,
        loinc_total=None,
        licence="Free for clinical use [S]; copyright UT Southwestern / Rush, terms for commercial "
        "software unconfirmed [M] (only short labels are included).",
        rule=SCORE_RULE,
        evaluate=evaluate,
        flag_rules=(ITEM12_RULE,),
    )


QIDS_SR16 = make_qids_sr16()
"""The QIDS-SR16 with the default item 12 threshold."""
