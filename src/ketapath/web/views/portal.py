"""The patient portal (``/portal``): a patient's own progress, sessions, instructions, education.

Patient role only, and only their own record (the actor's ``patient_id``): the trajectory
charts in plain words, upcoming sessions, what to do before a session, and what to expect.
The education text lives in ``templates/portal/index.html`` and every statement there cites
``docs``-level sources (REFERENCE.md / evidence-notes.md) in the page's Sources list.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Request
from starlette.responses import Response

from ketapath.db.models import Role, Route, SessionStatus, TreatmentCourse
from ketapath.http import SessionDep
from ketapath.services import outcomes as outcome_service
from ketapath.services.errors import ForbiddenError
from ketapath.web.deps import WebUser
from ketapath.web.templating import render
from ketapath.web.views.measurements import (
    held_session_dates,
    patient_courses,
    trajectory_views,
)

router = APIRouter()

UPCOMING_STATUSES = frozenset({SessionStatus.SCHEDULED, SessionStatus.CHECKED_IN})
KIND_WORDS = {
    "esketamine": "Esketamine nasal spray session",
    "infusion": "Ketamine infusion (IV)",
    "preparation": "Preparation session (therapy)",
    "dosing": "Ketamine-assisted therapy: dosing session",
    "integration": "Integration session (therapy)",
}
"""What a session is, in words a patient uses."""
UPCOMING_LIMIT = 8
PHONE_CHART_WIDTH = 420
"""A narrower chart, so its labels stay legible when scaled down to a phone's width."""


@dataclass(frozen=True, slots=True)
class UpcomingSession:
    """A planned session as the patient sees it."""

    on: date
    time: str | None
    kind: str
    route: Route


def _today(zone: str) -> date:
    try:
        return datetime.now(ZoneInfo(zone)).date()
    except (ZoneInfoNotFoundError, ValueError):
        return datetime.now(ZoneInfo("UTC")).date()


def upcoming_sessions(
    courses: Sequence[TreatmentCourse], *, today: date
) -> list[UpcomingSession]:
    """Scheduled sessions from today on, soonest first."""
    found = [
        UpcomingSession(
            on=s.scheduled_date,
            time=s.scheduled_time,
            kind=KIND_WORDS.get(s.kind, s.kind.replace("_", " ").capitalize()),
            route=course.route,
        )
        for course in courses
        for s in course.sessions
        if s.status in UPCOMING_STATUSES and s.scheduled_date >= today
    ]
    found.sort(key=lambda u: (u.on, u.time or ""))
    return found[:UPCOMING_LIMIT]


@router.get("/portal")
def portal(request: Request, session: SessionDep, web: WebUser) -> Response:
    """The signed-in patient's own page."""
    actor = web.actor
    if actor.role is not Role.PATIENT or actor.patient_id is None:
        raise ForbiddenError("the portal is for patients; staff use the patient pages")
    outcomes = outcome_service.patient_outcomes(
        session, actor=actor, patient_id=actor.patient_id
    )
    courses = patient_courses(session, actor=actor, patient_id=actor.patient_id)
    upcoming = upcoming_sessions(courses, today=_today(web.timezone))
    routes = {c.route for c in courses}
    return render(
        request,
        "portal/index.html",
        {
            "charts": trajectory_views(
                outcomes.instruments,
                held_session_dates(courses),
                id_prefix="my",
                width=PHONE_CHART_WIDTH,
            ),
            "upcoming": upcoming,
            "routes": {r.value for r in routes},
        },
    )
