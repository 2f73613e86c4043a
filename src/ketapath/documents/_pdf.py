"""Shared PDF building blocks: one page style, headings, key-value and data tables."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors  # type: ignore[import-untyped]
from reportlab.lib.pagesizes import LETTER, landscape  # type: ignore[import-untyped]
from reportlab.lib.styles import getSampleStyleSheet  # type: ignore[import-untyped]
from reportlab.lib.units import inch  # type: ignore[import-untyped]
from reportlab.platypus import (  # type: ignore[import-untyped]
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

__all__ = ["Pdf", "fmt"]

_STYLES = getSampleStyleSheet()
_CELL = _STYLES["BodyText"].clone("cell", fontSize=8, leading=10)
_BODY = _STYLES["BodyText"].clone("body", fontSize=9, leading=12)


def fmt(value: object) -> str:
    """A value as printed: None is "—" (never blank, never 0), booleans Yes/No."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def _p(text: str, style: Any = _CELL) -> Any:
    return Paragraph(escape(text), style)


class Pdf:
    """A document under construction: add headings, text and tables, then ``render()``."""

    def __init__(self, title: str, *, wide: bool = False) -> None:
        self.title = title
        self.wide = wide
        self.story: list[Any] = [Paragraph(escape(title), _STYLES["Title"])]

    def heading(self, text: str) -> None:
        """A section heading."""
        self.story.append(Spacer(1, 6))
        self.story.append(Paragraph(escape(text), _STYLES["Heading3"]))

    def text(self, text: str) -> None:
        """A paragraph of plain text."""
        self.story.append(_p(text, _BODY))

    def pairs(self, rows: Sequence[tuple[str, object]]) -> None:
        """A two-column table of labels and values."""
        if not rows:
            return
        data = [[_p(label), _p(fmt(value))] for label, value in rows]
        table = Table(data, colWidths=[2.6 * inch, 4.4 * inch])
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (0, -1), colors.whitesmoke),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(table)

    def table(
        self,
        header: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        empty: str = "None recorded.",
        widths: Sequence[float] | None = None,
    ) -> None:
        """A data table with a header row, or ``empty`` when there are no rows."""
        if not rows:
            self.text(empty)
            return
        data = [[_p(h) for h in header]] + [[_p(c) for c in row] for row in rows]
        table = Table(
            data,
            colWidths=[w * inch for w in widths] if widths else None,
            repeatRows=1,
        )
        table.setStyle(
            TableStyle(
                [
                    ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                    ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ]
            )
        )
        self.story.append(table)

    def render(self) -> bytes:
        """The PDF bytes (deterministic for the same content)."""
        buffer = io.BytesIO()
        document = SimpleDocTemplate(
            buffer,
            pagesize=landscape(LETTER) if self.wide else LETTER,
            title=self.title,
            author="ketapath",
            leftMargin=0.6 * inch,
            rightMargin=0.6 * inch,
            topMargin=0.6 * inch,
            bottomMargin=0.6 * inch,
            invariant=1,
        )
        document.build(self.story)
        return buffer.getvalue()
