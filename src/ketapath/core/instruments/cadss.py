"""CADSS: the Clinician-Administered Dissociative States Scale, 23-item version.

Rule in plain words: 23 items rated 0–4 are added to a total of 0–92; there are no severity bands
and no flags (dissociation is expected after ketamine and is followed by the monitoring area).
The 23-item form used in ketamine research, its 0–4 range and its item split (commonly 19
subjective + 4 observer) are unconfirmed [M], so the rule is configurable. Item wording is under
the authors' copyright with unclear terms [M]: items carry neutral labels only.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSpec
from ketapath.core.instruments.base import Evaluation, Instrument, Item, sum_of

__all__ = ["BREMNER_1998", "CADSS", "SCORE_RULE"]

BREMNER_1998 = Citation(
    "bremner-1998",
    "Bremner et al. 1998, CADSS (J Trauma Stress 11:125); 23-item version used in ketamine research",
    Confidence.UNVERIFIED,
)

SCORE_RULE = RuleSpec(
    rule_id="CADSS-SCORE",
    version="1",
    title="CADSS total (23 items 0–4, 0–92)",
    severity="info",
    confidence=Confidence.UNVERIFIED,
    sources=(BREMNER_1998,),
    configurable=True,
    description="Sum of 23 items rated 0–4; no bands (unverified item count and range).",
)

ITEMS = tuple(Item(f"cadss_{n}", n, f"CADSS item {n}", 0, 4) for n in range(1, 24))


def _evaluate(values: Mapping[str, int]) -> Evaluation:
    """Sum the 23 items; the CADSS has no flag rules here."""
    return Evaluation(total=sum_of(ITEMS, values))


CADSS = Instrument(
    key="cadss",
    title="CADSS",
    items=ITEMS,
    min_total=0,
    max_total=92,
    bands=(),
    loinc_panel=None,
    loinc_total=None,
    licence="Author copyright; permission terms unclear [M] (neutral labels only, no item text).",
    rule=SCORE_RULE,
    evaluate=_evaluate,
)
"""The 23-item CADSS."""
