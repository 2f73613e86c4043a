"""Board polls answered before routing: the API's hottest read, from what is kept.

Every screen in a clinic polls ``GET /api/v1/board`` every few seconds, and between writes
nothing on it changes. Such a poll is answered by :meth:`Work.answer_kept` (the change
counters, the kept token lookup and the kept day, its audit entry committed first) as the
route would answer it, but here, ahead of FastAPI's routing and dependency resolution, which
were most of a kept poll's cost. Anything this does not take exactly as the route would (a
query parameter it does not know, a value in another spelling, no credentials) or cannot
answer from memory goes on to the route, which stays the board's definition (OpenAPI,
validation, errors): the two answer alike, as tests check, errors included.
"""

from __future__ import annotations

import re
import uuid
from datetime import date
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from ketapath.api.sessions import kept_board
from ketapath.api.work import KEPT_TRIED, work_of

__all__ = ["BOARD_PATH", "BoardPolls"]

BOARD_PATH = "/api/v1/board"
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class BoardPolls:
    """ASGI middleware: answer a poll of the board from memory where it can be, else route it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] == "http"
            and scope["method"] == "GET"
            and scope["path"] == scope.get("root_path", "") + BOARD_PATH
        ):
            body = await _answer(scope)
            if body is not None:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-length", str(len(body)).encode()),
                            (b"content-type", b"application/json"),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


async def _answer(scope: Scope) -> bytes | None:
    parsed = _parameters(scope["query_string"])
    if parsed is None:
        return None
    request = Request(scope)
    work = work_of(request)
    if work is None:
        return None
    scope.setdefault("state", {})[KEPT_TRIED] = True  # the route will not try again
    try:
        answered = await work.answer_kept(kept_board(*parsed))
    except Exception:
        # Refused (an expired token, a role without the board) or the database failed (busy,
        # unreachable, the audit commit): this runs outside the app's error handlers, so the
        # route answers it as it answers any request, with the same 401, 403 or 503 and the
        # same log line (the error's class, never its statement or parameters).
        return None
    return answered[0] if answered is not None else None


def _parameters(query: bytes) -> tuple[date | None, uuid.UUID | None] | None:
    """``date`` and ``site_id`` in their canonical spelling; None for anything else."""
    on: date | None = None
    site_id: uuid.UUID | None = None
    seen: set[str] = set()
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if name in seen:
            return None
        seen.add(name)
        if name == "date" and _DATE.fullmatch(value):
            try:
                on = date.fromisoformat(value)
            except ValueError:
                return None
        elif name == "site_id" and _UUID.fullmatch(value):
            site_id = uuid.UUID(value)
        else:
            return None
    return on, site_id
