"""Treatment session queries: the full record, dosing history, and the board in one query."""

from __future__ import annotations

import functools
import json
import uuid
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, NamedTuple
from typing import cast as cast_value

from sqlalchemy import (
    Dialect,
    Select,
    Text,
    Uuid,
    bindparam,
    cast,
    func,
    inspect,
    select,
    type_coerce,
)
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.types import NullType

from ketapath.db.models import (
    AdverseEvent,
    Alert,
    Chair,
    Clinic,
    Dose,
    Measurement,
    Patient,
    Route,
    SessionStatus,
    Site,
    TreatmentCourse,
    TreatmentSession,
    VitalSign,
)
from ketapath.db.repositories.base import Repository, insert_now

__all__ = [
    "BoardEntries",
    "BoardEntry",
    "BoardRow",
    "SessionRepository",
    "board_entries",
]


class SessionRepository(Repository[TreatmentSession]):
    """Treatment sessions and what is recorded in them."""

    model = TreatmentSession

    def get_full(
        self, session_id: uuid.UUID, *, refresh: bool = False
    ) -> TreatmentSession | None:
        """One session with its doses, vitals and adverse events loaded.

        ``refresh`` reloads an object already in the session (after this request's writes).
        """
        return self.session.scalar(
            select(TreatmentSession)
            .where(TreatmentSession.id == session_id)
            .execution_options(populate_existing=refresh)
            .options(
                selectinload(TreatmentSession.doses),
                selectinload(TreatmentSession.vitals),
                selectinload(TreatmentSession.adverse_events),
            )
        )

    def reload(
        self, treatment: TreatmentSession, *, doses: bool = False, vitals: bool = False
    ) -> None:
        """Re-read a loaded session's columns, and its doses or vitals if this request added one.

        Values come back as the database returns them (UTC times, canonical decimals), as a
        fresh load would give them, without re-reading the collections nothing was added to.
        """
        self.session.refresh(treatment, _SESSION_COLUMNS)
        if doses:
            set_committed_value(
                treatment,
                "doses",
                list(
                    self.session.scalars(
                        select(Dose)
                        .where(Dose.session_id == treatment.id)
                        .order_by(Dose.given_at)
                        .execution_options(populate_existing=True)
                    )
                ),
            )
        if vitals:
            set_committed_value(
                treatment,
                "vitals",
                list(
                    self.session.scalars(
                        select(VitalSign)
                        .where(VitalSign.session_id == treatment.id)
                        .order_by(VitalSign.taken_at)
                        .execution_options(populate_existing=True)
                    )
                ),
            )

    def course_of(self, session: TreatmentSession) -> TreatmentCourse:
        """The course a session belongs to (the foreign key guarantees it exists)."""
        course = self.session.get(TreatmentCourse, session.course_id)
        assert course is not None
        return course

    def chair_with_site(
        self, chair_id: uuid.UUID | None
    ) -> tuple[Chair | None, Site | None]:
        """The session's chair and its site, or (None, None)."""
        if chair_id is None:
            return None, None
        row = self.session.execute(
            select(Chair, Site)
            .join(Site, Site.id == Chair.site_id)
            .where(Chair.id == chair_id)
        ).first()
        return (row[0], row[1]) if row else (None, None)

    def course_sessions(self, course_id: uuid.UUID) -> Sequence[TreatmentSession]:
        """Every session of a course, by number."""
        return self.session.scalars(
            select(TreatmentSession)
            .where(TreatmentSession.course_id == course_id)
            .order_by(TreatmentSession.number)
        ).all()

    def previous_doses_mg(
        self, *, patient_id: uuid.UUID, drug: str, excluding_session_id: uuid.UUID
    ) -> list[Decimal]:
        """The patient's doses of ``drug`` in other sessions of any course, oldest first."""
        return list(
            self.session.scalars(
                select(Dose.dose_mg)
                .join(TreatmentSession, TreatmentSession.id == Dose.session_id)
                .where(
                    TreatmentSession.patient_id == patient_id,
                    Dose.drug == drug,
                    Dose.session_id != excluding_session_id,
                )
                .order_by(Dose.given_at, Dose.id)
            ).all()
        )

    def scales(self, session_id: uuid.UUID) -> Sequence[Measurement]:
        """Measurements taken in the session, with items, in the order taken."""
        return self.session.scalars(
            select(Measurement)
            .where(Measurement.session_id == session_id)
            .options(selectinload(Measurement.items))
            .order_by(Measurement.taken_at, Measurement.recorded_at, Measurement.id)
        ).all()

    def add_vital(self, vital: VitalSign) -> VitalSign:
        """Insert one reading (a new row: concurrent readings never overwrite each other).

        A hot write path: inserted now without the unit of work (:func:`insert_now`); the
        reading comes back complete but untracked.
        """
        insert_now(self.session, [vital])
        return vital

    def add_dose(self, dose: Dose) -> Dose:
        """Insert one dose."""
        self.session.add(dose)
        self.session.flush()
        return dose

    def add_adverse_event(self, event: AdverseEvent) -> AdverseEvent:
        """Insert one adverse event."""
        self.session.add(event)
        self.session.flush()
        return event

    def vitals_count(self, session_id: uuid.UUID) -> int:
        """How many readings a session has (the concurrency test counts them)."""
        return (
            self.session.scalar(
                select(func.count())
                .select_from(VitalSign)
                .where(VitalSign.session_id == session_id)
            )
            or 0
        )

    def board(
        self, *, clinic_id: uuid.UUID, day: date, site_id: uuid.UUID | None
    ) -> list[BoardRow]:
        """The day's sessions (not cancelled), one lean row per card, in one query.

        Ordered by chair, then time. Each row carries what its card needs and nothing more:
        the latest reading, the latest ``minutes_after_dose`` of a reading with both BP values
        (whether a schedule mark is covered depends only on that), the first dose's infusion
        length and the patient's open alert count. The query count does not grow with the
        number of cards or readings.

        Rows come as the driver returns them (:data:`BoardRow`), without SQLAlchemy's type
        conversion, which cost twice the query itself: a card is built only when its row
        changes, and :func:`board_entries` converts only those.
        """
        statement = _BOARD_BY_SITE if site_id is not None else _BOARD
        params: dict[str, object] = {"clinic_id": clinic_id, "day": day}
        if site_id is not None:
            params["site_id"] = site_id
        return [
            tuple(row) for row in self.session.connection().execute(statement, params)
        ]

    def recording_context(
        self, session_id: uuid.UUID
    ) -> tuple[TreatmentSession, Patient, TreatmentCourse, Clinic] | None:
        """A session with its patient, course and clinic, without its records (one query).

        For the writes that add a row to a session (vitals, scales, adverse events): they read
        the session's status and times, never its doses, vitals or adverse events, so the cost
        does not grow with the readings a session holds. The objects land in the identity
        map, so later ``get`` calls for the course or clinic need no query.
        """
        row = self.session.execute(
            _RECORDING_CONTEXT, {"session_id": session_id}
        ).first()
        return (row[0], row[1], row[2], row[3]) if row else None


class BoardEntry(NamedTuple):
    """One board card's columns (see :meth:`SessionRepository.board`)."""

    session_id: uuid.UUID
    course_id: uuid.UUID
    patient_id: uuid.UUID
    scheduled_time: str | None
    number: int
    phase: str
    kind: str
    status: SessionStatus
    version: int
    first_dose_at: datetime | None
    discharge: dict[str, Any] | None
    route: Route
    protocol: str
    course_infusion_minutes: int | None
    given_name: str
    family_name: str
    mrn: str
    chair_id: uuid.UUID | None
    chair_name: str | None
    site_id: uuid.UUID | None
    site_name: str | None
    bp_minutes: int | None
    """The latest ``minutes_after_dose`` of a reading with both BP values."""
    dose_infusion_minutes: int | None
    """The first dose's (by time given) non-zero infusion length."""
    open_alerts: int
    vital_id: uuid.UUID | None
    vital_taken_at: datetime | None
    vital_minutes_after_dose: int | None
    vital_systolic_mmhg: int | None
    vital_diastolic_mmhg: int | None
    vital_heart_rate_bpm: int | None
    vital_spo2_pct: int | None
    vital_respiratory_rate_per_min: int | None
    vital_recorded_by_id: uuid.UUID | None


BoardRow = tuple[Any, ...]
"""One board row as the database driver returns it: hashable, untyped (see ``board``)."""


class BoardEntries:
    """Typed :class:`BoardEntry` values from raw :data:`BoardRow` rows, for one dialect.

    Each column's own result processor (``TypeEngine.result_processor``) converts it, as
    SQLAlchemy would have; the discharge record comes as JSON text on every database.
    """

    def __init__(self, dialect: Dialect) -> None:
        processors: list[Callable[[Any], Any] | None] = [
            column.type.dialect_impl(dialect).result_processor(dialect, None)
            for column in _BOARD_COLUMNS
        ]
        processors[_DISCHARGE] = json.loads  # never called with None (see ``entry``)
        self._processors = processors
        self._first_dose_at = processors[_FIRST_DOSE_AT]

    def entry(self, row: BoardRow) -> BoardEntry:
        """The typed row."""
        return BoardEntry._make(
            value if process is None or value is None else process(value)
            for process, value in zip(self._processors, row, strict=True)
        )

    def first_dose_at(self, row: BoardRow) -> datetime | None:
        """The one column a card needs typed on every read: it sets the card's minute."""
        value = row[_FIRST_DOSE_AT]
        if value is None or self._first_dose_at is None:
            return cast_value(datetime | None, value)
        return cast_value(datetime, self._first_dose_at(value))


@functools.cache
def board_entries(dialect: Dialect) -> BoardEntries:
    """The converter for ``dialect`` (one per engine's dialect: a stable memo key)."""
    return BoardEntries(dialect)


def _board_statement(*, by_site: bool) -> Select[Any]:
    """The board query, built once: Core columns, correlated subqueries, bound parameters.

    Built at import and reused, so SQLAlchemy's statement cache key is computed once. Each
    column is selected untyped (``type_coerce`` to ``NullType``) so that the driver's values
    come back as they are, the discharge record as JSON text (:data:`_BOARD_COLUMNS` keeps
    the typed columns for :class:`BoardEntries`).
    """
    ts = TreatmentSession.__table__
    course = TreatmentCourse.__table__
    patient = Patient.__table__
    chair = Chair.__table__
    site = Site.__table__
    dose = Dose.__table__
    alert = Alert.__table__
    bp = VitalSign.__table__.alias("bp_vital")
    newest = VitalSign.__table__.alias("newest_vital")
    latest = VitalSign.__table__.alias("latest_vital")
    bp_minutes = (
        select(func.max(bp.c.minutes_after_dose))
        .where(
            bp.c.session_id == ts.c.id,
            bp.c.systolic_mmhg.is_not(None),
            bp.c.diastolic_mmhg.is_not(None),
        )
        .correlate(ts)
        .scalar_subquery()
    )
    infusion = (
        select(dose.c.infusion_minutes)
        .where(
            dose.c.session_id == ts.c.id,
            dose.c.infusion_minutes.is_not(None),
            dose.c.infusion_minutes != 0,
        )
        .order_by(dose.c.given_at, dose.c.id)
        .limit(1)
        .correlate(ts)
        .scalar_subquery()
    )
    open_alerts = (
        select(func.count())
        .select_from(alert)
        .where(alert.c.patient_id == ts.c.patient_id, alert.c.acknowledged_at.is_(None))
        .correlate(ts)
        .scalar_subquery()
    )
    latest_id = (
        select(newest.c.id)
        .where(newest.c.session_id == ts.c.id)
        .order_by(newest.c.taken_at.desc(), newest.c.id)
        .limit(1)
        .correlate(ts)
        .scalar_subquery()
    )
    columns: tuple[Any, ...] = (
        ts.c.id,
        ts.c.course_id,
        ts.c.patient_id,
        ts.c.scheduled_time,
        ts.c.number,
        ts.c.phase,
        ts.c.kind,
        ts.c.status,
        ts.c.version,
        ts.c.first_dose_at,
        cast(ts.c.discharge, Text),
        course.c.route,
        course.c.protocol,
        course.c.infusion_minutes,
        patient.c.given_name,
        patient.c.family_name,
        patient.c.mrn,
        chair.c.id,
        chair.c.name,
        site.c.id,
        site.c.name,
        bp_minutes,
        infusion,
        open_alerts,
        latest.c.id,
        latest.c.taken_at,
        latest.c.minutes_after_dose,
        latest.c.systolic_mmhg,
        latest.c.diastolic_mmhg,
        latest.c.heart_rate_bpm,
        latest.c.spo2_pct,
        latest.c.respiratory_rate_per_min,
        latest.c.recorded_by_id,
    )
    untyped: list[Any] = [type_coerce(column, NullType()) for column in columns]
    statement = (
        select(*untyped)
        .select_from(
            ts.join(course, course.c.id == ts.c.course_id)
            .join(patient, patient.c.id == ts.c.patient_id)
            .outerjoin(chair, chair.c.id == ts.c.chair_id)
            .outerjoin(site, site.c.id == chair.c.site_id)
            .outerjoin(latest, latest.c.id == latest_id)
        )
        .where(
            patient.c.clinic_id
            == bindparam("clinic_id", type_=patient.c.clinic_id.type),
            ts.c.scheduled_date == bindparam("day", type_=ts.c.scheduled_date.type),
            ts.c.status != SessionStatus.CANCELLED,
        )
        .order_by(
            chair.c.name.is_(None),
            chair.c.name,
            ts.c.scheduled_time.is_(None),
            ts.c.scheduled_time,
            patient.c.family_name,
            ts.c.id,
        )
    )
    if by_site:
        statement = statement.where(
            chair.c.site_id == bindparam("site_id", type_=chair.c.site_id.type)
        )
    return statement


_SESSION_COLUMNS = tuple(a.key for a in inspect(TreatmentSession).column_attrs)
_RECORDING_CONTEXT = (
    select(TreatmentSession, Patient, TreatmentCourse, Clinic)
    .join(Patient, Patient.id == TreatmentSession.patient_id)
    .join(TreatmentCourse, TreatmentCourse.id == TreatmentSession.course_id)
    .join(Clinic, Clinic.id == Patient.clinic_id)
    .where(TreatmentSession.id == bindparam("session_id", type_=Uuid()))
)
_BOARD = _board_statement(by_site=False)
_BOARD_COLUMNS = tuple(column.clause for column in _BOARD.selected_columns)
"""The board's columns with their types (under each ``type_coerce``)."""
_DISCHARGE = BoardEntry._fields.index("discharge")
_FIRST_DOSE_AT = BoardEntry._fields.index("first_dose_at")
_BOARD_BY_SITE = _board_statement(by_site=True)
