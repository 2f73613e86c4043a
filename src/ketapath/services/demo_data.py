"""Synthetic, deterministic data for the demo clinic: names, histories and score trajectories.

Nothing here is a real person. Trajectories follow the outcome patterns a ketamine clinic sees
(responders who remit, partial responders, non-responders, responders who relapse) so that every
screen has something true to show; the scores themselves are computed by the core from item-level
answers generated here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "FAMILY_NAMES",
    "GIVEN_NAMES_F",
    "GIVEN_NAMES_M",
    "Pattern",
    "TrialSpec",
    "items_for_total",
    "scaled_total",
    "trials_for",
]

GIVEN_NAMES_F = (
    "Amara",
    "Beatrix",
    "Clara",
    "Delia",
    "Elena",
    "Farah",
    "Greta",
    "Hana",
    "Ines",
    "Julia",
    "Keiko",
    "Lena",
    "Maya",
    "Nadia",
    "Olga",
    "Priya",
    "Rosa",
    "Sofia",
    "Tamsin",
    "Vera",
    "Wren",
    "Yara",
    "Zoe",
    "Aline",
    "Brigid",
)
GIVEN_NAMES_M = (
    "Aaron",
    "Bruno",
    "Caleb",
    "Dmitri",
    "Emil",
    "Felix",
    "Gideon",
    "Hugo",
    "Ivan",
    "Jonas",
    "Kofi",
    "Luca",
    "Mateo",
    "Nikhil",
    "Omar",
    "Pavel",
    "Quentin",
    "Rafael",
    "Soren",
    "Tobias",
    "Umar",
    "Viktor",
    "Wiremu",
    "Xavier",
    "Yusuf",
)
FAMILY_NAMES = (
    "Abernathy",
    "Brennan",
    "Castellano",
    "Dufresne",
    "Eriksen",
    "Fairbanks",
    "Galloway",
    "Haddad",
    "Iwasaki",
    "Jovanovic",
    "Kowalczyk",
    "Lindqvist",
    "Marchetti",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rasmussen",
    "Szabo",
    "Thorne",
    "Underwood",
    "Valdez",
    "Whitlock",
    "Yilmaz",
    "Zielinski",
)


class Pattern(StrEnum):
    """How a demo patient's depression scores move over the course."""

    REMITTER = "remitter"
    RESPONDER = "responder"
    PARTIAL = "partial"
    NON_RESPONDER = "non_responder"
    RELAPSE = "relapse"


def scaled_total(
    pattern: Pattern, baseline: int, progress: float, rng: random.Random
) -> int:
    """Score at ``progress`` (0 = baseline, 1 = latest) for a pattern, with a little noise."""
    curves = {
        Pattern.REMITTER: 1 - 0.85 * min(1.0, progress * 1.6),
        Pattern.RESPONDER: 1 - 0.6 * min(1.0, progress * 1.4),
        Pattern.PARTIAL: 1 - 0.35 * min(1.0, progress * 1.3),
        Pattern.NON_RESPONDER: 1 - 0.1 * progress,
        Pattern.RELAPSE: (1 - 0.7 * min(1.0, progress * 2.2))
        if progress < 0.65
        else 0.3 + (progress - 0.65) * 2.0,
    }
    fraction = max(0.05, min(1.1, curves[pattern]))
    return max(0, round(baseline * fraction + rng.uniform(-1.5, 1.5)))


def items_for_total(
    total: int,
    *,
    items: int,
    max_value: int,
    rng: random.Random,
    zero_items: tuple[int, ...] = (),
) -> list[int]:
    """Item answers (0..max_value) summing to ``total``; ``zero_items`` (0-based) stay 0."""
    free = [i for i in range(items) if i not in zero_items]
    total = max(0, min(total, len(free) * max_value))
    answers = [0] * items
    remaining = total
    while remaining > 0:
        index = rng.choice(free)
        if answers[index] < max_value:
            answers[index] += 1
            remaining -= 1
    return answers


@dataclass(frozen=True)
class TrialSpec:
    """One antidepressant trial of a demo patient."""

    drug: str
    drug_class: str
    daily_dose_mg: int
    weeks: int
    improvement_pct: int


_TRIAL_POOL = (
    TrialSpec("sertraline", "ssri", 150, 10, 20),
    TrialSpec("escitalopram", "ssri", 20, 8, 15),
    TrialSpec("fluoxetine", "ssri", 40, 12, 10),
    TrialSpec("venlafaxine", "snri", 225, 8, 25),
    TrialSpec("duloxetine", "snri", 60, 9, 30),
    TrialSpec("bupropion", "ndri", 300, 8, 20),
    TrialSpec("mirtazapine", "nassa", 45, 6, 35),
    TrialSpec("vortioxetine", "serotonin_modulator", 20, 8, 15),
    TrialSpec("nortriptyline", "tca", 100, 8, 10),
)


def trials_for(rng: random.Random, count: int) -> list[TrialSpec]:
    """``count`` failed trials of different drugs, most from different classes."""
    chosen: list[TrialSpec] = []
    classes: set[str] = set()
    pool = list(_TRIAL_POOL)
    rng.shuffle(pool)
    for spec in pool:
        if len(chosen) == count:
            break
        if spec.drug_class in classes and len(classes) < 3:
            continue
        chosen.append(spec)
        classes.add(spec.drug_class)
    return chosen
