"""MOAA/S: the Modified Observer's Assessment of Alertness/Sedation, rated during each session.

Rule in plain words: a single observer rating from 5 (responds readily to name spoken in normal
tone) to 0 (no response to a painful trapezius squeeze) (Chernik et al. 1990) [V]. The score is
the total; it has no severity band here (the sedation cut-off ≤4 used in trials is unconfirmed
[M] and belongs to monitoring). A rating of 0 is loss of consciousness in the esketamine label
[V] and raises ``loss_of_consciousness``.
"""

from __future__ import annotations

from collections.abc import Mapping

from ketapath.core.citations import Citation, Confidence
from ketapath.core.findings import RuleSpec, Severity
from ketapath.core.instruments.base import (
    LOSS_OF_CONSCIOUSNESS,
    Evaluation,
    Instrument,
    Item,
)
from ketapath.core.sources import SPRAVATO_US_PI

__all__ = ["CHERNIK_1990", "LEVELS", "LOC_RULE", "MOAAS", "SCORE_RULE"]

CHERNIK_1990 = Citation(
    "chernik-1990",
    "Chernik et al. 1990, OAA/S scale (J Clin Psychopharmacol 10:244); MOAA/S levels table",
    Confidence.VERIFIED,
    "https://bmcanesthesiol.biomedcentral.com/articles/10.1186/s12871-022-01788-1/tables/2",
)

LEVELS: tuple[tuple[int, str], ...] = (
    (5, "Responds readily to name spoken in normal tone (alert)"),
    (4, "Lethargic response to name spoken in normal tone"),
    (3, "Responds only after name is called loudly and/or repeatedly"),
    (2, "Responds only after mild prodding or shaking"),
    (1, "Responds only after painful trapezius squeeze"),
    (0, "Does not respond to painful trapezius squeeze"),
)
"""Level descriptions, most alert first."""

SCORE_RULE = RuleSpec(
    rule_id="MOAAS-SCORE",
    version="1",
    title="MOAA/S rating (0–5)",
    severity="info",
    confidence=Confidence.VERIFIED,
    sources=(CHERNIK_1990,),
    description="The single observer rating is the score; no bands.",
)
LOC_RULE = RuleSpec(
    rule_id="MOAAS-LOC",
    version="1",
    title="MOAA/S 0: loss of consciousness",
    severity="caution",
    confidence=Confidence.VERIFIED,
    sources=(
        SPRAVATO_US_PI.at("§5.1 sedation").with_confidence(Confidence.VERIFIED),
        CHERNIK_1990,
    ),
    description="A rating of 0 (no response to painful stimulus) flags loss_of_consciousness.",
)

ITEMS = (Item("moaas_1", 1, "Alertness/sedation level", 0, 5, anchors=LEVELS),)


def _evaluate(values: Mapping[str, int]) -> Evaluation:
    """Return the rating as the total and flag loss of consciousness at 0."""
    rating = values["moaas_1"]
    if rating != 0:
        return Evaluation(total=rating)
    finding = LOC_RULE.finding(
        Severity.CAUTION,
        "MOAA/S 0: loss of consciousness. Follow the session's sedation procedure and record it.",
        item="moaas_1",
        value=rating,
        flag=LOSS_OF_CONSCIOUSNESS,
    )
    return Evaluation(total=rating, flags=(LOSS_OF_CONSCIOUSNESS,), findings=(finding,))


MOAAS = Instrument(
    key="moaas",
    title="MOAA/S",
    items=ITEMS,
    min_total=0,
    max_total=5,
    bands=(),
    loinc_panel=None,
    loinc_total=None,
    licence="Published observer scale (Chernik 1990); no licence terms found [M].",
    rule=SCORE_RULE,
    evaluate=_evaluate,
    flag_rules=(LOC_RULE,),
)
"""The MOAA/S."""
