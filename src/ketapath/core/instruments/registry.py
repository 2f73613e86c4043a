"""The instruments ketapath scores, looked up by key, and the one rule set they form.

Keys are stable strings stored with every result and used by the CLI (``ketapath score phq9``);
an unknown key is an error that lists the allowed keys, never a silent default.
"""

from __future__ import annotations

from ketapath.core.errors import UnknownNameError
from ketapath.core.findings import RuleSet
from ketapath.core.instruments.base import Instrument, InstrumentResult, Responses
from ketapath.core.instruments.bprs_positive import BPRS_POSITIVE
from ketapath.core.instruments.cadss import CADSS
from ketapath.core.instruments.cssrs import CSSRS
from ketapath.core.instruments.gad7 import GAD7
from ketapath.core.instruments.hamd17 import HAMD17
from ketapath.core.instruments.madrs import MADRS
from ketapath.core.instruments.moaas import MOAAS
from ketapath.core.instruments.phq9 import PHQ9
from ketapath.core.instruments.qids_sr16 import QIDS_SR16

__all__ = [
    "INSTRUMENT_KEYS",
    "RULESET_VERSION",
    "RULE_SETS",
    "all_instruments",
    "get_instrument",
    "score",
]

RULESET_VERSION = "1"

_INSTRUMENTS: dict[str, Instrument] = {
    instrument.key: instrument
    for instrument in (
        PHQ9,
        GAD7,
        MADRS,
        QIDS_SR16,
        HAMD17,
        CSSRS,
        MOAAS,
        CADSS,
        BPRS_POSITIVE,
    )
}

INSTRUMENT_KEYS: tuple[str, ...] = (
    "phq9",
    "gad7",
    "madrs",
    "qids_sr16",
    "hamd17",
    "cssrs",
    "moaas",
    "cadss",
    "bprs_positive",
)


def get_instrument(key: str) -> Instrument:
    """Return the instrument with this key; an unknown key names the allowed keys."""
    instrument = _INSTRUMENTS.get(key)
    if instrument is None:
        allowed = ", ".join(INSTRUMENT_KEYS)
        raise UnknownNameError(
            f"unknown instrument {key!r}; allowed: {allowed}",
            field="instrument",
            allowed=allowed,
        )
    return instrument


def all_instruments() -> tuple[Instrument, ...]:
    """Return every instrument, in :data:`INSTRUMENT_KEYS` order."""
    return tuple(_INSTRUMENTS[key] for key in INSTRUMENT_KEYS if key in _INSTRUMENTS)


def score(key: str, responses: Responses) -> InstrumentResult:
    """Score ``responses`` on the instrument named ``key`` (see :meth:`Instrument.score`)."""
    return get_instrument(key).score(responses)


RULE_SETS: tuple[RuleSet, ...] = (
    RuleSet(
        name="standard",
        version=RULESET_VERSION,
        area="instruments",
        title="Rating instruments: scoring, severity bands and safety flags",
        rules=tuple(
            rule for instrument in all_instruments() for rule in instrument.rules
        ),
        description="Totals, bands and item flags of the rating scales used in measurement-based "
        "care and session monitoring (REFERENCE §6–§7).",
    ),
)
