"""Web views: the live session board (one card per chair), and its self-refreshing card grid.

``GET /board`` is the page (date picker, site filter, cards); ``GET /board/cards`` is the card
grid alone, which the page reloads in place every few seconds (``data-refresh``). A request with
``X-Partial: 1`` to ``/board`` also gets only the grid. Everything on a card comes from
:func:`ketapath.services.board.get_board`; the view only picks the template.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from ketapath.db.base import utcnow
from ketapath.http import SessionDep
from ketapath.schemas.board import BoardRead
from ketapath.services import board as board_service
from ketapath.services import clinic as clinic_service
from ketapath.services.errors import UnprocessableError
from ketapath.web.deps import WebUser
from ketapath.web.templating import render

__all__ = ["PHASE_BY_STATUS", "REFRESH_SECONDS", "router"]

router = APIRouter()

REFRESH_SECONDS = 10
"""How often the card grid reloads itself."""

PHASE_BY_STATUS: dict[str, str] = {
    "scheduled": "checklist",
    "checked_in": "checklist",
    "dosing": "dosing",
    "monitoring": "monitoring",
    "ready": "ready",
    "discharged": "discharged",
    "cancelled": "cancelled",
}
"""The board's phase column for each session status (display only)."""

DateParam = Annotated[str | None, Query(alias="date", max_length=10)]
SiteParam = Annotated[str | None, Query(max_length=36)]


def _parse_filters(
    on: str | None, site_id: str | None
) -> tuple[date | None, uuid.UUID | None]:
    """Blank filters mean "today" and "every site"; a malformed one is a 422 naming it."""
    day: date | None = None
    site: uuid.UUID | None = None
    if on:
        try:
            day = date.fromisoformat(on)
        except ValueError as error:
            raise UnprocessableError(
                f"date: {on!r} is not a date (allowed: YYYY-MM-DD)", field="date"
            ) from error
    if site_id:
        try:
            site = uuid.UUID(site_id)
        except ValueError as error:
            raise UnprocessableError(
                "site_id: not a site of this clinic", field="site_id"
            ) from error
    return day, site


def _context(board: BoardRead, moment: datetime) -> dict[str, Any]:
    query = {"date": board.date.isoformat()}
    if board.site_id is not None:
        query["site_id"] = str(board.site_id)
    # The card carries whole minutes since the first dose; the live timer counts on from there.
    since = {
        card.session_id: (
            moment - timedelta(minutes=card.minutes_since_first_dose)
        ).isoformat()
        for card in board.cards
        if card.minutes_since_first_dose is not None
    }
    return {
        "board": board,
        "since": since,
        "now": moment,
        "phases": PHASE_BY_STATUS,
        "refresh_url": f"/board/cards?{urlencode(query)}",
        "refresh_seconds": REFRESH_SECONDS,
    }


def _is_partial(request: Request) -> bool:
    return request.headers.get("X-Partial") == "1"


@router.get("/board")
def board_page(
    request: Request,
    session: SessionDep,
    web: WebUser,
    on: DateParam = None,
    site_id: SiteParam = None,
) -> Response:
    """Today's (or ``?date=``) sessions as one card per chair, with the filters."""
    day, site = _parse_filters(on, site_id)
    moment = utcnow()
    board = board_service.get_board(
        session, actor=web.actor, day=day, site_id=site, now=moment
    )
    context = _context(board, moment)
    if _is_partial(request):
        return render(request, "board/_cards.html", context)
    clinic = clinic_service.get_clinic(session, actor=web.actor)
    context["sites"] = [(str(s.id), s.name) for s in clinic.sites]
    return render(request, "board/board.html", context)


@router.get("/board/cards")
def board_cards(
    request: Request,
    session: SessionDep,
    web: WebUser,
    on: DateParam = None,
    site_id: SiteParam = None,
) -> Response:
    """The card grid alone (the board reloads it in place)."""
    day, site = _parse_filters(on, site_id)
    moment = utcnow()
    board = board_service.get_board(
        session, actor=web.actor, day=day, site_id=site, now=moment
    )
    return render(request, "board/_cards.html", _context(board, moment))
