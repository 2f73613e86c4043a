"""HTML error pages for the web UI (the API answers JSON)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from ketapath.web.deps import LoginRequiredError
from ketapath.web.templating import render

__all__ = ["login_redirect", "render_error"]

TITLES = {
    400: "Bad request",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    409: "Not possible right now",
    422: "Check the form",
    503: "Busy — try again",
}


def render_error(request: Request, status_code: int, message: str) -> Response:
    """An error page that says what went wrong in words, with the status code."""
    return render(
        request,
        "errors/error.html",
        {
            "title": TITLES.get(status_code, "Something went wrong"),
            "message": message,
            "status": status_code,
        },
        status_code=status_code,
    )


def login_redirect(_request: Request, error: LoginRequiredError) -> Response:
    """Send the browser to the sign-in page, returning here afterwards."""
    return RedirectResponse(error.location, status_code=303)
