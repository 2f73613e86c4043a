"""`ketapath score INSTRUMENT ANSWER...`: score a rating instrument offline, print one JSON object.

The contract external programs rely on: answers are integers in item order (``cssrs``: seven
answers 0/1, the last being "within the past 3 months"); the output always has the keys
``instrument``, ``total``, ``severity``, ``flags`` and ``risk`` (plus ``findings``, ``rule`` and
``responses``); bad input exits 2 with one ``error: ...`` line naming the item and its range.

Answers are taken as text and converted here, not by the option parser, so that ``-1`` reaches
the core validator (and is reported as out of range for its item) instead of being read as an
unknown option, and so that a non-integer answer is reported with the item it was meant for.
"""

from __future__ import annotations

from typing import Annotated

import typer

from ketapath.cli.output import emit_json, fail, reports_clinical_errors
from ketapath.core.instruments import (
    INSTRUMENT_KEYS,
    Instrument,
    InstrumentResult,
    get_instrument,
)


def _parse_answers(instrument: Instrument, answers: list[str]) -> list[int | None]:
    """Convert each answer to an int, naming the item and its range when it is not one."""
    parsed: list[int | None] = []
    for position, text in enumerate(answers):
        try:
            parsed.append(int(text.strip(), 10))
        except ValueError:
            if position < len(instrument.items):
                item = instrument.items[position]
                fail(
                    f"{item.item_id}: answer {text!r} is not an integer (allowed: {item.allowed})"
                )
            fail(
                f"{instrument.key}: answer {text!r} at position {position + 1} is not an integer"
            )
    return parsed


def result_json(result: InstrumentResult) -> dict[str, object]:
    """Render a result as the JSON object the CLI contract promises."""
    return {
        "instrument": result.instrument,
        "total": result.total,
        "severity": result.severity,
        "flags": list(result.flags),
        "risk": result.risk,
        "findings": [
            {
                "rule": finding.rule_id,
                "version": finding.rule_version,
                "severity": finding.severity.value,
                "message": finding.message,
                "sources": finding.source_labels(),
            }
            for finding in result.findings
        ],
        "rule": {"id": result.rule_id, "version": result.rule_version},
        "responses": dict(result.responses),
    }


@reports_clinical_errors
def score(
    instrument: Annotated[
        str,
        typer.Argument(
            help=f"Instrument key: {', '.join(INSTRUMENT_KEYS)}.", show_default=False
        ),
    ],
    answers: Annotated[
        list[str] | None,
        typer.Argument(
            help="Item answers as integers, in item order.", show_default=False
        ),
    ] = None,
) -> None:
    """Score INSTRUMENT from its item ANSWERS and print the result as JSON."""
    chosen = get_instrument(instrument)
    result = chosen.score(_parse_answers(chosen, answers or []))
    emit_json(result_json(result))


def register(app: typer.Typer) -> None:
    """Attach ``ketapath score`` to the root app."""
    app.command(
        "score",
        context_settings={"ignore_unknown_options": True},
    )(score)
