"""BPRS positive-symptom subscale: four BPRS items used to watch for psychotomimetic effects.

Rule in plain words: conceptual disorganisation, hallucinatory behaviour, suspiciousness and
unusual thought content, each rated 1 (not present) to 7 (extremely severe), are added to a total
of 4–28 [M]. There are no bands and no flags. The item set follows ketamine research (e.g.
Luckenbaugh 2014, which reports a "BPRS Positive Symptom score") and is unconfirmed, so the rule
is configurable; items carry short labels only.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSpec
from ketapath.core.instruments.base import Evaluation, Instrument, Item, sum_of

__all__ = ["BPRS_POSITIVE", "LUCKENBAUGH_2014", "OVERALL_GORHAM_1962", "SCORE_RULE"]

OVERALL_GORHAM_1962 = Citation(
    "overall-gorham-1962",
    "Overall & Gorham 1962, Brief Psychiatric Rating Scale (Psychol Rep 10:799)",
    Confidence.UNVERIFIED,
)
LUCKENBAUGH_2014 = Citation(
    "luckenbaugh-2014",
    "Luckenbaugh et al. 2014, dissociation and response to ketamine (J Affect Disord); BPRS positive score",
    Confidence.UNVERIFIED,
    "https://pmc.ncbi.nlm.nih.gov/articles/PMC4065787",
)

SCORE_RULE = RuleSpec(
    rule_id="BPRS-POSITIVE-SCORE",
    version="1",
    title="BPRS positive subscale total (4 items 1–7, 4–28)",
    severity="info",
    confidence=Confidence.UNVERIFIED,
    sources=(OVERALL_GORHAM_1962, LUCKENBAUGH_2014),
    configurable=True,
    description="Sum of conceptual disorganisation, hallucinatory behaviour, suspiciousness and "
    "unusual thought content, each 1–7; no bands (unverified).",
)

ITEMS = (
    Item("bprs_positive_1", 1, "Conceptual disorganisation", 1, 7),
    Item("bprs_positive_2", 2, "Hallucinatory behaviour", 1, 7),
    Item("bprs_positive_3", 3, "Suspiciousness", 1, 7),
    Item("bprs_positive_4", 4, "Unusual thought content", 1, 7),
)


def _evaluate(values: Mapping[str, int]) -> Evaluation:
    """Sum the four items; the subscale has no flag rules here."""
    return Evaluation(total=sum_of(ITEMS, values))


BPRS_POSITIVE = Instrument(
    key="bprs_positive",
    title="BPRS positive subscale",
    items=ITEMS,
    min_total=4,
    max_total=28,
    bands=(),
    loinc_panel=None,
    loinc_total=None,
    licence="BPRS (Overall & Gorham 1962) widely treated as freely usable [M]; short labels only.",
    rule=SCORE_RULE,
    evaluate=_evaluate,
)
"""The BPRS positive-symptom subscale."""
