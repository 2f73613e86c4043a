"""The live session board: a hot path, built from a fixed number of queries.

One query for the day's cards (:meth:`SessionRepository.board`: session, course, patient,
chair, site, the latest reading, the latest BP-bearing reading's minute, the first dose's
infusion length and the open alert count, as raw driver rows rather than ORM objects), the
clinic's time zone and settings, and one audit entry listing the patients shown (not one per
card). Timers, next-due items and the discharge gate come from the same functions the session
record uses (:func:`next_due_after`, :func:`discharge_check`), so the board and the record
never disagree.

Screens poll the board, and between polls most cards are unchanged: each card is memoised,
with its JSON, on its raw row, the clinic's rules and the minute (:func:`_card_at`), and each
board, with its JSON body, on its cards' keys (:func:`_board_at`), so an unchanged board costs
its query and its audit entry.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import date, datetime

import orjson
from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import Route, SessionStatus
from ketapath.db.repositories.courses import CourseRepository
from ketapath.db.repositories.sessions import (
    BoardEntries,
    BoardEntry,
    BoardRow,
    SessionRepository,
    board_entries,
)
from ketapath.schemas.board import BoardCard, BoardRead
from ketapath.schemas.session import VitalSignRead
from ketapath.services import audit
from ketapath.services.clinic import today_in
from ketapath.services.courses import DOSING_KINDS, ClinicRules, clinic_rules
from ketapath.services.errors import NotFoundError
from ketapath.services.permissions import Actor, Capability, require
from ketapath.services.sessions import (
    discharge_check,
    gate_state,
    minutes_after,
    next_due_after,
    schedule_minutes,
)

__all__ = ["board_json", "get_board"]

# Cards are built with ``model_construct``: every value comes typed from the database or from
# the functions above, so validating each card again (its every field) only costs time on the
# board's hot path. The response is serialized from these models as is.

_FINISHED = (SessionStatus.DISCHARGED, SessionStatus.CANCELLED)
CARD_CACHE_SIZE = 4096
"""Cards kept per process (a card is a few hundred bytes; a busy clinic shows ~50 a day)."""
BOARD_CACHE_SIZE = 64
"""Whole boards kept per process (one per day and site polled, per minute that changed)."""


def _latest_vitals(row: BoardEntry) -> VitalSignRead | None:
    if row.vital_id is None or row.vital_taken_at is None:
        return None
    return VitalSignRead.model_construct(
        id=row.vital_id,
        taken_at=row.vital_taken_at,
        minutes_after_dose=row.vital_minutes_after_dose,
        systolic_mmhg=row.vital_systolic_mmhg,
        diastolic_mmhg=row.vital_diastolic_mmhg,
        heart_rate_bpm=row.vital_heart_rate_bpm,
        spo2_pct=row.vital_spo2_pct,
        respiratory_rate_per_min=row.vital_respiratory_rate_per_min,
        recorded_by_id=row.vital_recorded_by_id,
    )


@dataclass(frozen=True, slots=True)
class _Card:
    model: BoardCard
    json: orjson.Fragment
    """The card as JSON, ready to be placed in the API's answer as it is."""


@dataclass(frozen=True, slots=True)
class _Board:
    """One board as built: its cards, the patients shown and the API's JSON body."""

    cards: list[_Card]
    patient_ids: list[str]
    body: bytes


@functools.lru_cache(maxsize=BOARD_CACHE_SIZE)
def _board_at(
    rows: tuple[BoardRow, ...],
    entries: BoardEntries,
    rules: ClinicRules,
    elapsed: tuple[int | None, ...],
    on: date,
    site_id: uuid.UUID | None,
) -> _Board:
    """The board for these rows at these minutes: screens polling an unchanged board share it.

    A card depends on the clock only through the whole minutes since the first dose (timers,
    next due, the discharge gate), so a card is a pure function of its row, the clinic's rules
    and that minute, and a board of its cards' (:func:`_card_at`). Any change to what a card
    shows changes its row, and with it the key; a new minute changes ``elapsed``.
    """
    cards = [
        _card_at(row, entries, rules, minutes)
        for row, minutes in zip(rows, elapsed, strict=True)
    ]
    body = orjson.dumps(
        {"date": on, "site_id": site_id, "cards": [card.json for card in cards]}
    )
    shown = sorted({str(card.model.patient_id) for card in cards})
    return _Board(cards, shown, body)


@functools.lru_cache(maxsize=CARD_CACHE_SIZE)
def _card_at(
    raw: BoardRow, entries: BoardEntries, rules: ClinicRules, elapsed: int | None
) -> _Card:
    row = entries.entry(raw)
    card = _build_card(row, rules, elapsed)
    return _Card(card, orjson.Fragment(BoardCard.__pydantic_serializer__.to_json(card)))


def _build_card(row: BoardEntry, rules: ClinicRules, elapsed: int | None) -> BoardCard:
    active = row.status not in _FINISHED
    dosing = row.kind in DOSING_KINDS
    route: Route = row.route
    schedule = (
        schedule_minutes(route, row.course_infusion_minutes, rules) if dosing else ()
    )
    return BoardCard.model_construct(
        session_id=row.session_id,
        course_id=row.course_id,
        chair_id=row.chair_id,
        chair_name=row.chair_name,
        site_id=row.site_id,
        site_name=row.site_name,
        scheduled_time=row.scheduled_time,
        patient_id=row.patient_id,
        patient_name=f"{row.given_name} {row.family_name}",
        patient_mrn=row.mrn,
        route=route.value,
        protocol=row.protocol,
        number=row.number,
        phase=row.phase,
        kind=row.kind,
        status=row.status.value,
        version=row.version,
        minutes_since_first_dose=elapsed,
        next_due=next_due_after(route, schedule, row.bp_minutes, elapsed)
        if active
        else None,
        latest_vitals=_latest_vitals(row),
        open_alerts=row.open_alerts,
        discharge_gate=gate_state(
            discharge_check(
                route=route,
                schedule=schedule,
                elapsed_minutes=None if row.first_dose_at is None else (elapsed or 0),
                discharge=row.discharge,
                bp_minutes=row.bp_minutes,
                infusion_minutes=row.dose_infusion_minutes or 0,
                rules=rules,
            )
        )
        if active and dosing
        else None,
    )


def get_board(
    session: Session,
    *,
    actor: Actor,
    day: date | None = None,
    site_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> BoardRead:
    """Every session of ``day`` (default: clinic-local today) as a card (staff; audited once)."""
    on, built = _board(session, actor=actor, day=day, site_id=site_id, now=now)
    return BoardRead.model_construct(
        date=on, site_id=site_id, cards=[card.model for card in built.cards]
    )


def board_json(
    session: Session,
    *,
    actor: Actor,
    day: date | None = None,
    site_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> bytes:
    """:func:`get_board` as the API's JSON body (a :class:`BoardRead`), from the cards' JSON."""
    return _board(session, actor=actor, day=day, site_id=site_id, now=now)[1].body


def _board(
    session: Session,
    *,
    actor: Actor,
    day: date | None,
    site_id: uuid.UUID | None,
    now: datetime | None,
) -> tuple[date, _Board]:
    require(actor, Capability.SESSION_READ)
    moment = now or utcnow()
    clinic = CourseRepository(session).clinic_settings(actor.clinic_id)
    if clinic is None:
        raise NotFoundError("clinic not found")
    on = day or today_in(clinic)
    rules = clinic_rules(clinic)
    rows = tuple(
        SessionRepository(session).board(
            clinic_id=actor.clinic_id, day=on, site_id=site_id
        )
    )
    entries = board_entries(session.get_bind().dialect)
    elapsed = tuple(minutes_after(entries.first_dose_at(row), moment) for row in rows)
    built = _board_at(rows, entries, rules, elapsed, on, site_id)
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="board",
        detail={"date": on.isoformat(), "patient_ids": built.patient_ids},
    )
    return on, built
