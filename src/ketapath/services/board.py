"""The live session board: a hot path, built from a fixed number of queries.

One joined query for the day's sessions (course, patient, chair, site), one ``IN`` query each
for vitals and doses, one grouped count of open alerts, and one audit entry listing the
patients shown (not one per card). Timers, next-due items and the discharge gate come from the
same functions the session record uses, so the board and the record never disagree.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy.orm import Session

from ketapath.db.base import utcnow
from ketapath.db.models import SessionStatus
from ketapath.db.repositories.courses import CourseRepository
from ketapath.db.repositories.sessions import SessionRepository
from ketapath.schemas.board import BoardCard, BoardRead
from ketapath.schemas.session import VitalSignRead
from ketapath.services import audit
from ketapath.services.clinic import today_in
from ketapath.services.courses import DOSING_KINDS, clinic_rules
from ketapath.services.errors import NotFoundError
from ketapath.services.permissions import Actor, Capability, require
from ketapath.services.sessions import (
    discharge_gate,
    gate_state,
    minutes_after,
    next_due,
    schedule_for,
)

__all__ = ["get_board"]

_FINISHED = (SessionStatus.DISCHARGED, SessionStatus.CANCELLED)


def get_board(
    session: Session,
    *,
    actor: Actor,
    day: date | None = None,
    site_id: uuid.UUID | None = None,
    now: datetime | None = None,
) -> BoardRead:
    """Every session of ``day`` (default: clinic-local today) as a card (staff; audited once)."""
    require(actor, Capability.SESSION_READ)
    moment = now or utcnow()
    clinic = CourseRepository(session).clinic(actor.clinic_id)
    if clinic is None:
        raise NotFoundError("clinic not found")
    on = day or today_in(clinic)
    rules = clinic_rules(clinic)
    repository = SessionRepository(session)
    rows = repository.board(clinic_id=actor.clinic_id, day=on, site_id=site_id)
    alerts = repository.open_alert_counts({patient.id for _, _, patient, _, _ in rows})
    cards: list[BoardCard] = []
    for treatment, course, patient, chair, site in rows:
        active = treatment.status not in _FINISHED
        dosing = treatment.kind in DOSING_KINDS
        elapsed = minutes_after(treatment.first_dose_at, moment)
        schedule = schedule_for(course, rules) if dosing else ()
        latest = max(treatment.vitals, key=lambda v: v.taken_at, default=None)
        cards.append(
            BoardCard(
                session_id=treatment.id,
                course_id=course.id,
                chair_id=chair.id if chair else None,
                chair_name=chair.name if chair else None,
                site_id=site.id if site else None,
                site_name=site.name if site else None,
                scheduled_time=treatment.scheduled_time,
                patient_id=patient.id,
                patient_name=f"{patient.given_name} {patient.family_name}",
                patient_mrn=patient.mrn,
                route=course.route.value,
                protocol=course.protocol,
                number=treatment.number,
                phase=treatment.phase,
                kind=treatment.kind,
                status=treatment.status.value,
                version=treatment.version,
                minutes_since_first_dose=elapsed,
                next_due=next_due(course.route, schedule, treatment.vitals, elapsed)
                if active
                else None,
                latest_vitals=VitalSignRead.model_validate(latest) if latest else None,
                open_alerts=alerts.get(patient.id, 0),
                discharge_gate=gate_state(
                    discharge_gate(course, treatment, rules, moment)
                )
                if active and dosing
                else None,
            )
        )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="board",
        detail={
            "date": on.isoformat(),
            "patient_ids": sorted({str(card.patient_id) for card in cards}),
        },
    )
    return BoardRead(date=on, site_id=site_id, cards=cards)
