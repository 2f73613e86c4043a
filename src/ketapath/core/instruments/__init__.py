"""Clinical core area: rating instruments (PHQ-9, GAD-7, MADRS, QIDS-SR16, HAM-D17, C-SSRS, MOAA/S, CADSS, BPRS+).

Each instrument validates item answers (missing is never zero), computes its total and severity
band, and raises safety flags with explained findings. Results keep every item answer and the
rule id and version, so a stored score can be re-derived. Rules and sources are listed in
``docs/clinical/instruments.md``.
"""

from __future__ import annotations

from ketapath.core.instruments.base import (
    INCONSISTENT_SKIP_LOGIC,
    LOSS_OF_CONSCIOUSNESS,
    SUICIDAL_BEHAVIOUR,
    SUICIDAL_IDEATION,
    Instrument,
    InstrumentResult,
    Item,
    Responses,
    SeverityBand,
)
from ketapath.core.instruments.registry import (
    INSTRUMENT_KEYS,
    RULE_SETS,
    RULESET_VERSION,
    all_instruments,
    get_instrument,
    score,
)

__all__ = [
    "INCONSISTENT_SKIP_LOGIC",
    "INSTRUMENT_KEYS",
    "LOSS_OF_CONSCIOUSNESS",
    "RULESET_VERSION",
    "RULE_SETS",
    "SUICIDAL_BEHAVIOUR",
    "SUICIDAL_IDEATION",
    "Instrument",
    "InstrumentResult",
    "Item",
    "Responses",
    "SeverityBand",
    "all_instruments",
    "get_instrument",
    "score",
]
