"""The live session board: a hot path, built from a fixed number of queries.

One query for the day's cards (:meth:`SessionRepository.board`: session, course, patient,
chair, site, the latest reading, the latest BP-bearing reading's minute, the first dose's
infusion length and the open alert count, as raw driver rows rather than ORM objects), the
clinic's time zone and settings, and one audit entry listing the patients shown (not one per
card). Timers, next-due items and the discharge gate come from the same functions the session
record uses (:func:`next_due_after`, :func:`discharge_check`), so the board and the record
never disagree.

Screens poll the board, and between polls nothing on it changes. A day's rows are kept, with
the clinic's settings, for as long as the ``board`` change counter stands: every write to a
table the board reads sets it anew, by trigger, in the same transaction
(``db.repositories.change_counters``), so what is kept is what the query would return, and an
unchanged board costs the counters' read and its audit entry (:func:`_day`). Each card is
memoised, with its JSON, on its raw row, the clinic's rules and the minute (:func:`_card_at`),
so a change rebuilds only the cards it touched, and each built board, with its JSON body, on
its day's rows and the minutes (:func:`_board_at`).
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

import orjson
from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import AuditEntry, Route, SessionStatus
from ketapath.db.repositories.audit import AuditRepository
from ketapath.db.repositories.change_counters import Counters, read_counters
from ketapath.db.repositories.courses import ClinicSettings, CourseRepository
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
from ketapath.services.kept import Kept
from ketapath.services.permissions import Actor, Capability, require
from ketapath.services.sessions import (
    discharge_check,
    gate_state,
    minutes_after,
    next_due_after,
    schedule_minutes,
)

__all__ = ["board_json", "get_board", "kept_board_json"]

# Cards are built with ``model_construct``: every value comes typed from the database or from
# the functions above, so validating each card again (its every field) only costs time on the
# board's hot path. The response is serialized from these models as is.

_FINISHED = (SessionStatus.DISCHARGED, SessionStatus.CANCELLED)
CARD_CACHE_SIZE = 4096
"""Cards kept per process (a card is a few hundred bytes; a busy clinic shows ~50 a day)."""
DAYS_KEPT = 64
"""Days' rows kept per process (one per clinic, day and site polled since the last change)."""
BOARDS_PER_DAY = 4
"""Built boards kept per day's rows (one per minute; polls move on to the next minute)."""
CLINICS_KEPT = 16
"""Clinic settings kept per process (one per clinic polled since the last change)."""

_Version = int | None
_DAYS: Kept[tuple[_Version, uuid.UUID, date, uuid.UUID | None], _Day] = Kept(DAYS_KEPT)
_CLINICS: Kept[tuple[_Version, uuid.UUID], tuple[ClinicSettings, ClinicRules]] = Kept(
    CLINICS_KEPT
)


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
class _Day:
    """A day's board rows as read, with what every request for them needs."""

    on: date
    site_id: uuid.UUID | None
    rules: ClinicRules
    rows: tuple[BoardRow, ...]
    entries: BoardEntries
    first_doses: tuple[datetime | None, ...]
    """Each row's first dose time, converted once (the timers are worked out per request)."""
    boards: dict[tuple[int | None, ...], _Board] = field(default_factory=dict)
    """Built boards by the minutes since each first dose (a few at a time)."""


@dataclass(frozen=True, slots=True)
class _Board:
    """One board as built: its cards, the patients shown and the API's JSON body."""

    cards: list[_Card]
    patient_ids: list[str]
    body: bytes


def _board_at(day: _Day, elapsed: tuple[int | None, ...]) -> _Board:
    """The board for ``day`` at these minutes: screens polling an unchanged board share it.

    A card depends on the clock only through the whole minutes since the first dose (timers,
    next due, the discharge gate), so a card is a pure function of its row, the clinic's rules
    and that minute (:func:`_card_at`), and a board a function of its cards. A board is kept
    per minute on its day's rows, which are replaced whenever anything on them changes.
    """
    built = day.boards.get(elapsed)
    if built is not None:
        return built
    cards = [
        _card_at(row, day.entries, day.rules, minutes)
        for row, minutes in zip(day.rows, elapsed, strict=True)
    ]
    body = orjson.dumps(
        {"date": day.on, "site_id": day.site_id, "cards": [card.json for card in cards]}
    )
    shown = sorted({str(card.model.patient_id) for card in cards})
    built = _Board(cards, shown, body)
    # two database threads may store here at once (PostgreSQL): harmless, a board is at worst
    # built twice or dropped early
    if len(day.boards) >= BOARDS_PER_DAY:
        day.boards.clear()
    day.boards[elapsed] = built
    return built


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


def kept_board_json(
    counters: Counters,
    *,
    actor: Actor,
    day: date | None = None,
    site_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> tuple[bytes, AuditEntry] | None:
    """:func:`board_json` from what this process keeps under ``counters``, without a session.

    With the audit entry still to be committed; None when the clinic's settings or the day's
    rows are not kept under ``counters.board`` (the caller then reads them on a snapshot).
    ``counters`` are read on their own, just before (``http.CounterReads``): what is kept
    under them is what a snapshot begun then would read.
    """
    require(actor, Capability.SESSION_READ)
    clinic = _CLINICS.get((counters.board, actor.clinic_id))
    if clinic is None:
        return None
    on = day or today_in(clinic[0])
    rows = _DAYS.get((counters.board, actor.clinic_id, on, site_id))
    if rows is None:
        return None
    built = _built(rows, now)
    return built.body, _read_entry(actor, rows, built)


def _board(
    session: Session,
    *,
    actor: Actor,
    day: date | None,
    site_id: uuid.UUID | None,
    now: datetime | None,
) -> tuple[date, _Board]:
    require(actor, Capability.SESSION_READ)
    rows = _day(session, clinic_id=actor.clinic_id, day=day, site_id=site_id)
    built = _built(rows, now)
    AuditRepository(session).append(_read_entry(actor, rows, built))
    return rows.on, built


def _built(rows: _Day, now: datetime | None) -> _Board:
    moment = now or utcnow()
    return _board_at(
        rows, tuple(minutes_after(first, moment) for first in rows.first_doses)
    )


def _read_entry(actor: Actor, rows: _Day, built: _Board) -> AuditEntry:
    """The board's one audit entry: the date and every patient shown."""
    return audit.entry(
        actor=actor,
        action="read",
        entity="board",
        detail={"date": rows.on.isoformat(), "patient_ids": built.patient_ids},
    )


def _day(
    session: Session,
    *,
    clinic_id: uuid.UUID,
    day: date | None,
    site_id: uuid.UUID | None,
) -> _Day:
    """The clinic's settings and the day's rows: kept while the ``board`` counter stands.

    A read snapshot reads the change counters before anything else, and every write to a
    table the board reads sets the ``board`` counter anew (``db.repositories.change_counters``),
    so rows kept under the counter a read finds are exactly what its query would return.
    Between writes, screens polling the board cost no query but the counters'.
    """
    counters = read_counters(session)
    version = None if counters is None else counters.board
    clinic_key = (version, clinic_id)
    clinic = _CLINICS.get(clinic_key) if version is not None else None
    if clinic is None:
        settings = CourseRepository(session).clinic_settings(clinic_id)
        if settings is None:
            raise NotFoundError("clinic not found")
        clinic = (settings, clinic_rules(settings))
        if version is not None:
            _CLINICS.put(clinic_key, clinic)
    settings, rules = clinic
    on = day or today_in(settings)
    day_key = (version, clinic_id, on, site_id)
    kept = _DAYS.get(day_key) if version is not None else None
    if kept is not None:
        return kept
    rows = tuple(
        SessionRepository(session).board(clinic_id=clinic_id, day=on, site_id=site_id)
    )
    entries = board_entries(session.get_bind().dialect)
    found = _Day(
        on,
        site_id,
        rules,
        rows,
        entries,
        tuple(entries.first_dose_at(row) for row in rows),
    )
    if version is not None:
        _DAYS.put(day_key, found)
    return found
