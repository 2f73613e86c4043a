"""Score-trajectory charts as inline SVG: a pure function of its inputs, no I/O, no clock.

:func:`trajectory_svg` draws one instrument's scores over time:

- x is the date (the span of the scores and the session markers; a single date sits in the
  middle), y is the score on the instrument's total range (higher scores higher up);
- a dashed **response** line at 50 % of baseline and a dotted **remission** line at the
  cut-off of the remission definition in use (both optional: the caller passes the values the
  outcome summary used, so nothing clinical is decided here);
- session markers: a small tick on the x axis at each held session's date;
- accessibility: ``role="img"`` with ``<title>`` and ``<desc>`` referenced by
  ``aria-labelledby``; pages put a data table beside the chart for screen readers.

Every piece of text is XML-escaped. Coordinates are rounded to 0.1 so output is stable.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from html import escape

__all__ = ["ChartLayout", "ChartPoint", "layout_for", "trajectory_svg"]


@dataclass(frozen=True, slots=True)
class ChartPoint:
    """One score on one date."""

    on: date
    value: int


@dataclass(frozen=True, slots=True)
class ChartLayout:
    """Where the plot area sits in the SVG and how dates and scores map onto it."""

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    y_min: int
    y_max: int
    first: date | None
    last: date | None

    @property
    def plot_width(self) -> int:
        """Width of the plot area in SVG units."""
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        """Height of the plot area in SVG units."""
        return self.height - self.top - self.bottom

    @property
    def baseline_y(self) -> float:
        """The y of the x axis (the bottom of the plot area)."""
        return float(self.height - self.bottom)

    def x(self, on: date) -> float:
        """The x coordinate of a date (a one-day span puts every date in the middle)."""
        if self.first is None or self.last is None or self.first == self.last:
            return round(self.left + self.plot_width / 2, 1)
        span = (self.last - self.first).days
        return round(self.left + self.plot_width * (on - self.first).days / span, 1)

    def y(self, value: float) -> float:
        """The y coordinate of a score, clamped to the instrument's range."""
        low, high = self.y_min, self.y_max
        clamped = min(max(value, low), high)
        if high == low:
            return round(self.top + self.plot_height / 2, 1)
        return round(
            self.top + self.plot_height * (high - clamped) / (high - low),
            1,
        )


def layout_for(
    *,
    points: Sequence[ChartPoint],
    session_dates: Sequence[date],
    y_min: int,
    y_max: int,
    width: int = 640,
    height: int = 260,
) -> ChartLayout:
    """The layout for these points and markers (the date span covers both)."""
    dates = [p.on for p in points] + list(session_dates)
    return ChartLayout(
        width=width,
        height=height,
        left=40,
        right=16,
        top=14,
        bottom=40,
        y_min=y_min,
        y_max=y_max,
        first=min(dates) if dates else None,
        last=max(dates) if dates else None,
    )


def _num(value: float) -> str:
    """A coordinate as text without a trailing ``.0``."""
    return f"{value:g}"


def _y_ticks(y_min: int, y_max: int) -> list[int]:
    """Up to about six round tick values across the range, always both ends."""
    span = y_max - y_min
    if span <= 0:
        return [y_min]
    step = next(s for s in (1, 2, 5, 10, 20, 25, 50) if span / s <= 6)
    ticks = list(range(y_min, y_max + 1, step))
    if ticks[-1] != y_max:
        # The top of the range is always labelled; a round tick too close to it would collide.
        if y_max - ticks[-1] < step / 2 and len(ticks) > 1:
            ticks.pop()
        ticks.append(y_max)
    return ticks


def _date_label(on: date) -> str:
    return f"{on.day} {on.strftime('%b')}"


def trajectory_svg(
    *,
    chart_id: str,
    title: str,
    description: str,
    points: Sequence[ChartPoint],
    y_min: int,
    y_max: int,
    response_at: float | None = None,
    remission_at: float | None = None,
    remission_label: str | None = None,
    session_dates: Sequence[date] = (),
    width: int = 640,
    height: int = 260,
) -> str:
    """Return an accessible SVG of ``points`` (see the module docstring).

    ``chart_id`` prefixes the ids of ``<title>``/``<desc>`` (unique per page); ``response_at``
    and ``remission_at`` are scores (``None`` leaves the line out); ``session_dates`` become
    ticks on the x axis. With no points the chart says so in words.
    """
    ordered = sorted(points, key=lambda p: p.on)
    sessions = sorted(set(session_dates))
    box = layout_for(
        points=ordered,
        session_dates=sessions,
        y_min=y_min,
        y_max=y_max,
        width=width,
        height=height,
    )
    cid = escape(chart_id, quote=True)
    out: list[str] = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'viewBox="0 0 {width} {height}" preserveAspectRatio="xMidYMid meet" '
        f'aria-labelledby="{cid}-title {cid}-desc">',
        f'<title id="{cid}-title">{escape(title)}</title>',
        f'<desc id="{cid}-desc">{escape(description)}</desc>',
    ]
    left, right = box.left, box.width - box.right
    top, bottom = box.top, box.baseline_y
    # Axes and horizontal grid with score labels.
    for tick in _y_ticks(y_min, y_max):
        y = _num(box.y(tick))
        out.append(
            f'<line class="grid" x1="{left}" y1="{y}" x2="{right}" y2="{y}" '
            'stroke="#e3e7ed" stroke-width="1"/>'
        )
        out.append(
            f'<text class="tick" x="{left - 6}" y="{y}" dy="4" text-anchor="end" '
            f'font-size="11" fill="#4a5361">{tick}</text>'
        )
    out.append(
        f'<line class="axis" x1="{left}" y1="{_num(bottom)}" x2="{right}" '
        f'y2="{_num(bottom)}" stroke="#4a5361" stroke-width="1"/>'
    )
    out.append(
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{_num(bottom)}" '
        'stroke="#4a5361" stroke-width="1"/>'
    )
    if response_at is not None:
        y = _num(box.y(response_at))
        out.append(
            f'<line class="response-line" x1="{left}" y1="{y}" x2="{right}" y2="{y}" '
            'stroke="#0b5cad" stroke-width="1.5" stroke-dasharray="6 4"/>'
        )
        out.append(
            f'<text class="line-label" x="{right - 4}" y="{y}" dy="-4" text-anchor="end" '
            f'font-size="11" fill="#0b5cad">response (50% of baseline)</text>'
        )
    if remission_at is not None:
        y = _num(box.y(remission_at))
        label = f"remission ({remission_label})" if remission_label else "remission"
        out.append(
            f'<line class="remission-line" x1="{left}" y1="{y}" x2="{right}" y2="{y}" '
            'stroke="#16643a" stroke-width="1.5" stroke-dasharray="2 3"/>'
        )
        out.append(
            f'<text class="line-label" x="{right - 4}" y="{y}" dy="12" text-anchor="end" '
            f'font-size="11" fill="#16643a">{escape(label)}</text>'
        )
    # Session markers: short ticks below the x axis.
    for on in sessions:
        x = _num(box.x(on))
        out.append(
            f'<line class="session-marker" x1="{x}" y1="{_num(bottom)}" x2="{x}" '
            f'y2="{_num(bottom + 7)}" stroke="#8a5300" stroke-width="2">'
            f"<title>session {on.isoformat()}</title></line>"
        )
    # Date labels: first and last (and the only one).
    if box.first is not None and box.last is not None:
        labels = (
            [(box.first, "middle")]
            if box.first == box.last
            else [(box.first, "start"), (box.last, "end")]
        )
        for on, anchor in labels:
            out.append(
                f'<text class="date" x="{_num(box.x(on))}" y="{_num(bottom + 22)}" '
                f'text-anchor="{anchor}" font-size="11" fill="#4a5361">'
                f"{escape(_date_label(on))}</text>"
            )
    if not ordered:
        out.append(
            f'<text class="empty" x="{_num(left + box.plot_width / 2)}" '
            f'y="{_num(top + box.plot_height / 2)}" text-anchor="middle" font-size="13" '
            'fill="#4a5361">No scores yet</text>'
        )
    else:
        coords = [(box.x(p.on), box.y(p.value)) for p in ordered]
        if len(coords) > 1:
            path = " ".join(f"{_num(px)},{_num(py)}" for px, py in coords)
            out.append(
                f'<polyline class="series" points="{path}" fill="none" '
                'stroke="#14181f" stroke-width="2"/>'
            )
        for point, (px, py) in zip(ordered, coords, strict=True):
            out.append(
                f'<circle class="point" cx="{_num(px)}" cy="{_num(py)}" r="4" fill="#14181f">'
                f"<title>{escape(point.on.isoformat())}: {point.value}</title></circle>"
            )
    out.append("</svg>")
    return "".join(out)
