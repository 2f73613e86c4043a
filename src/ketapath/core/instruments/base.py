"""Value types shared by every rating instrument, and the one validation path they all use.

Rule in plain words: an instrument is a fixed list of items, each with an integer range. Every
scored item must be answered (a missing answer is never counted as zero), every answer must be an
integer inside its item's range (booleans are refused: ``True`` is not a rating), and the total,
severity band, flags and findings are computed from the item answers alone, so that a stored
result can be re-derived later from its ``responses``, ``rule_id`` and ``rule_version``.

Validation lives here once so that all nine instruments refuse bad input in the same words: the
error names the item (``field``, e.g. ``phq9_9``) and the allowed range (``allowed``, e.g. ``0–3``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from ketapath.core.errors import (
    IncompleteResponsesError,
    InvalidInputError,
    ResponseOutOfRangeError,
)
from ketapath.core.findings import Finding, RuleSpec, Severity

__all__ = [
    "INCONSISTENT_SKIP_LOGIC",
    "LOSS_OF_CONSCIOUSNESS",
    "SUICIDAL_BEHAVIOUR",
    "SUICIDAL_IDEATION",
    "Evaluation",
    "Instrument",
    "InstrumentResult",
    "Item",
    "Responses",
    "SeverityBand",
    "item_at_least",
    "sum_of",
]

SUICIDAL_IDEATION = "suicidal_ideation"
"""Flag: a suicide item (PHQ-9 9, MADRS 10, QIDS 12, HAM-D 3, C-SSRS 1–5) is positive."""
SUICIDAL_BEHAVIOUR = "suicidal_behaviour"
"""Flag: C-SSRS screener question 6 (suicidal behaviour, lifetime) is positive."""
LOSS_OF_CONSCIOUSNESS = "loss_of_consciousness"
"""Flag: MOAA/S 0 (no response to painful stimulus), the label's loss-of-consciousness mark."""
INCONSISTENT_SKIP_LOGIC = "inconsistent_skip_logic"
"""Flag: answers were given to questions the skip logic says are not asked; they were kept."""

Responses = Sequence[int | None] | Mapping[str, int | None]
"""Answers in item order, or keyed by item id; ``None`` means not answered."""


def _range_text(lower: int, upper: int) -> str:
    """Return an allowed range in words, with an en dash (``0–3``), as errors and docs show it."""
    return f"{lower}–{upper}"


@dataclass(frozen=True, slots=True)
class Item:
    """One question or rating of an instrument, with its allowed integer range.

    ``text`` carries the full published wording only where the licence allows bundling it
    (PHQ-9, GAD-7, C-SSRS screener); other instruments keep a short ``label`` only.
    ``scored`` is false for items kept with the record but not added to the total (PHQ-9 item
    10). ``optional`` items may be left unanswered. ``asked_when`` names a gate item: the item is
    asked only when the gate's answer is positive (≥1), so it may be unanswered when the gate is 0.
    ``anchors`` keeps level descriptions where the scale is defined by them (MOAA/S).
    """

    item_id: str
    number: int
    label: str
    min_value: int
    max_value: int
    text: str | None = None
    loinc: str | None = None
    scored: bool = True
    optional: bool = False
    asked_when: str | None = None
    anchors: tuple[tuple[int, str], ...] = ()

    @property
    def allowed(self) -> str:
        """Return the allowed range in words, e.g. ``"0–3"``."""
        return _range_text(self.min_value, self.max_value)


@dataclass(frozen=True, slots=True)
class SeverityBand:
    """A named, inclusive total-score range; names are lower_snake_case (``moderately_severe``)."""

    name: str
    lower: int
    upper: int

    def contains(self, total: int) -> bool:
        """Return whether ``total`` lies in this band (both ends inclusive)."""
        return self.lower <= total <= self.upper


@dataclass(frozen=True, slots=True)
class Evaluation:
    """What an instrument's scoring function derives from validated answers (internal step)."""

    total: int | None
    flags: tuple[str, ...] = ()
    risk: str | None = None
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class InstrumentResult:
    """A scored administration: total, band, flags and findings, plus what is needed to re-derive it.

    ``responses`` keeps every answered item (never only the total), and ``rule_id`` with
    ``rule_version`` name the scoring rule that produced ``total`` and ``severity``.
    """

    instrument: str
    total: int | None
    severity: str | None
    flags: tuple[str, ...]
    risk: str | None
    responses: tuple[tuple[str, int], ...]
    rule_id: str
    rule_version: str
    findings: tuple[Finding, ...]


Evaluator = Callable[[Mapping[str, int]], Evaluation]


@dataclass(frozen=True, slots=True)
class Instrument:
    """A rating instrument: its items, total range, bands, codes, licence and scoring rule.

    ``rule`` is the scoring rule; ``flag_rules`` are the rules that raise flags and findings
    (suicide items, loss of consciousness, C-SSRS risk). ``evaluate`` turns validated answers
    (item id → value) into an :class:`Evaluation`; severity comes from ``bands`` here, once.
    """

    key: str
    title: str
    items: tuple[Item, ...]
    min_total: int | None
    max_total: int | None
    bands: tuple[SeverityBand, ...]
    loinc_panel: str | None
    loinc_total: str | None
    licence: str
    rule: RuleSpec
    evaluate: Evaluator = field(repr=False, compare=False)
    flag_rules: tuple[RuleSpec, ...] = ()

    def __post_init__(self) -> None:
        ids = [item.item_id for item in self.items]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{self.key}: duplicate item ids")
        if self.bands:
            if self.min_total is None or self.max_total is None:
                raise ValueError(f"{self.key}: bands need a total range")
            expected = self.min_total
            for band in self.bands:
                if band.lower != expected or band.upper < band.lower:
                    raise ValueError(
                        f"{self.key}: bands must be contiguous from {self.min_total}"
                    )
                expected = band.upper + 1
            if expected != self.max_total + 1:
                raise ValueError(f"{self.key}: bands must end at {self.max_total}")

    @property
    def rules(self) -> tuple[RuleSpec, ...]:
        """Return the scoring rule followed by the flag rules."""
        return (self.rule, *self.flag_rules)

    @property
    def required_count(self) -> int:
        """Return how many items must be present in an answer list (all but the optional ones)."""
        return sum(1 for item in self.items if not item.optional)

    def item(self, item_id: str) -> Item:
        """Return the item with this id (a ``KeyError`` is a programming error here)."""
        for item in self.items:
            if item.item_id == item_id:
                return item
        raise KeyError(item_id)

    def band_for(self, total: int | None) -> str | None:
        """Return the name of the band holding ``total``, or ``None`` for unbanded instruments."""
        if total is None:
            return None
        for band in self.bands:
            if band.contains(total):
                return band.name
        return None

    def score(self, responses: Responses) -> InstrumentResult:
        """Validate the answers, then score them; see the module docstring for the rules."""
        values = self._validate(self._as_mapping(responses))
        evaluation = self.evaluate(values)
        return InstrumentResult(
            instrument=self.key,
            total=evaluation.total,
            severity=self.band_for(evaluation.total),
            flags=evaluation.flags,
            risk=evaluation.risk,
            responses=tuple(
                (item.item_id, values[item.item_id])
                for item in self.items
                if item.item_id in values
            ),
            rule_id=self.rule.rule_id,
            rule_version=self.rule.version,
            findings=evaluation.findings,
        )

    def _count_text(self) -> str:
        """Return the allowed number of answers in words (``9`` or ``9 or 10``)."""
        required, every = self.required_count, len(self.items)
        return str(every) if required == every else f"{required} or {every}"

    def _as_mapping(self, responses: Responses) -> dict[str, int | None]:
        """Turn an ordered answer list or an item-id mapping into item id → answer."""
        if isinstance(responses, Mapping):
            known = {item.item_id for item in self.items}
            for key in responses:
                if key not in known:
                    raise InvalidInputError(
                        f"{self.key} has no item {key!r}",
                        field=str(key),
                        allowed=", ".join(item.item_id for item in self.items),
                    )
            return dict(responses)
        if isinstance(responses, str | bytes):
            raise InvalidInputError(
                f"{self.key} answers must be a list of integers, not text",
                field=self.key,
                allowed=f"{self._count_text()} answers",
            )
        answers = list(responses)
        if len(answers) not in (self.required_count, len(self.items)):
            raise InvalidInputError(
                f"{self.title} expects {self._count_text()} answers in item order, got {len(answers)}",
                field=self.key,
                allowed=f"{self._count_text()} answers",
            )
        return {
            item.item_id: value
            for item, value in zip(self.items, answers, strict=False)
        }

    def _validate(self, answers: Mapping[str, int | None]) -> dict[str, int]:
        """Check every item in order; return only the answered items, as plain ints."""
        values: dict[str, int] = {}
        for item in self.items:
            value = answers.get(item.item_id)
            if value is None:
                if item.optional or self._skipped(item, values):
                    continue
                raise IncompleteResponsesError(
                    f"{self.title} item {item.number} ({item.label}) was not answered; a missing "
                    f"answer is never counted as 0 (allowed: {item.allowed})",
                    field=item.item_id,
                    allowed=item.allowed,
                )
            if isinstance(value, bool) or not isinstance(value, int):
                raise InvalidInputError(
                    f"answer {value!r} to {self.title} item {item.number} ({item.label}) is not an "
                    f"integer (allowed: {item.allowed})",
                    field=item.item_id,
                    allowed=item.allowed,
                )
            if not item.min_value <= value <= item.max_value:
                raise ResponseOutOfRangeError(
                    f"answer {value} to {self.title} item {item.number} ({item.label}) is outside "
                    f"the allowed range {item.allowed}",
                    field=item.item_id,
                    allowed=item.allowed,
                )
            values[item.item_id] = int(value)
        return values

    @staticmethod
    def _skipped(item: Item, values: Mapping[str, int]) -> bool:
        """Return whether skip logic excused this item: its gate was answered and negative."""
        if item.asked_when is None:
            return False
        gate = values.get(item.asked_when)
        return gate is not None and gate == 0


def sum_of(items: Sequence[Item], values: Mapping[str, int]) -> int:
    """Return the sum of the answered scored items (validation has made them all present)."""
    return sum(
        values[item.item_id] for item in items if item.scored and item.item_id in values
    )


def item_at_least(
    rule: RuleSpec,
    item: Item,
    values: Mapping[str, int],
    threshold: int,
    flag: str,
    message: str,
) -> tuple[tuple[str, ...], tuple[Finding, ...]]:
    """Return (flags, findings) for a single-item flag rule: fires when the item ≥ ``threshold``."""
    value = values.get(item.item_id)
    if value is None or value < threshold:
        return (), ()
    finding = rule.finding(
        Severity.CAUTION,
        message,
        item=item.item_id,
        value=value,
        threshold=threshold,
        flag=flag,
    )
    return (flag,), (finding,)


def suicide_item_evaluator(
    *,
    rule: RuleSpec,
    item: Item,
    threshold: int,
    threshold_name: str,
    message: str,
    total: Callable[[Mapping[str, int]], int],
) -> Callable[[Mapping[str, int]], Evaluation]:
    """Scoring for an instrument with one suicide item: its total plus the item's flag rule.

    ``threshold`` is the clinic's setting for the item (1 to the item's maximum): 0 would flag
    every patient, so it is refused with an error naming ``threshold_name``.
    """
    if not 1 <= threshold <= item.max_value:
        raise ValueError(
            f"{threshold_name} must be 1–{item.max_value}: 0 would flag every patient"
        )

    def evaluate(values: Mapping[str, int]) -> Evaluation:
        """Total the items and apply the suicide-item flag rule."""
        flags, findings = item_at_least(
            rule, item, values, threshold, SUICIDAL_IDEATION, message
        )
        return Evaluation(total=total(values), flags=flags, findings=findings)

    return evaluate
