"""Units and rounding: the only place ketapath converts between units.

Recorded or administered quantities are :class:`~decimal.Decimal`; rounding is explicit and
half-up (the convention for clinical quantities), never binary-float rounding.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "CM_PER_INCH",
    "MINUTES_PER_HOUR",
    "as_decimal",
    "cm_to_inches",
    "inches_to_cm",
    "round_to_increment",
]

CM_PER_INCH = Decimal("2.54")
MINUTES_PER_HOUR = Decimal(60)


def as_decimal(value: Decimal | int | float | str) -> Decimal:
    """Convert a number to Decimal through its shortest text form (so ``0.1`` stays ``0.1``)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def round_to_increment(value: Decimal, increment: Decimal) -> Decimal:
    """Round ``value`` half-up to the nearest multiple of ``increment`` (e.g. 0.1 mg, 28 mg)."""
    if increment <= 0:
        raise ValueError("increment must be positive")
    steps = (value / increment).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return (steps * increment).quantize(increment)


def cm_to_inches(length_cm: Decimal) -> Decimal:
    """Convert centimetres to inches."""
    return length_cm / CM_PER_INCH


def inches_to_cm(length_in: Decimal) -> Decimal:
    """Convert inches to centimetres."""
    return length_in * CM_PER_INCH
