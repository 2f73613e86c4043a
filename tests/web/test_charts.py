"""The trajectory chart is a pure function: coordinates, lines, empty series, escaping."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import date
from typing import Any

from ketapath.web.charts import ChartPoint, layout_for, trajectory_svg

SVG = "{http://www.w3.org/2000/svg}"


def _svg(**overrides: Any) -> str:
    args: dict[str, Any] = {
        "chart_id": "c1",
        "title": "PHQ-9 over time",
        "description": "from 20 to 10",
        "points": [ChartPoint(date(2025, 1, 1), 20), ChartPoint(date(2025, 1, 11), 10)],
        "y_min": 0,
        "y_max": 27,
        "width": 640,
        "height": 260,
    } | overrides
    return trajectory_svg(**args)


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this raises


class TestLayout:
    def test_dates_and_scores_map_onto_the_plot_area(self):
        box = layout_for(
            points=[ChartPoint(date(2025, 1, 1), 0), ChartPoint(date(2025, 1, 11), 27)],
            session_dates=[],
            y_min=0,
            y_max=27,
        )
        # left 40, right 16 → plot 584 wide; top 14, bottom 40 → plot 206 high.
        assert box.x(date(2025, 1, 1)) == 40
        assert box.x(date(2025, 1, 11)) == 624
        assert box.x(date(2025, 1, 6)) == 332
        assert box.y(27) == 14
        assert box.y(0) == 220
        assert box.y(13.5) == 117

    def test_scores_outside_the_range_are_clamped(self):
        box = layout_for(points=[], session_dates=[], y_min=0, y_max=10)
        assert box.y(-5) == box.y(0)
        assert box.y(99) == box.y(10)

    def test_a_single_date_sits_in_the_middle(self):
        box = layout_for(
            points=[ChartPoint(date(2025, 1, 1), 5)],
            session_dates=[],
            y_min=0,
            y_max=27,
        )
        assert box.x(date(2025, 1, 1)) == 332

    def test_session_dates_widen_the_span(self):
        box = layout_for(
            points=[ChartPoint(date(2025, 1, 11), 5)],
            session_dates=[date(2025, 1, 1)],
            y_min=0,
            y_max=27,
        )
        assert box.x(date(2025, 1, 1)) == 40
        assert box.x(date(2025, 1, 11)) == 624


class TestTrajectorySvg:
    def test_points_are_drawn_at_their_coordinates_in_date_order(self):
        root = _parse(
            _svg(
                points=[
                    ChartPoint(date(2025, 1, 11), 10),
                    ChartPoint(date(2025, 1, 1), 20),
                ]
            )
        )
        circles = root.findall(f"{SVG}circle")
        assert [(c.get("cx"), c.get("cy")) for c in circles] == [
            ("40", str(round(14 + 206 * 7 / 27, 1))),
            ("624", str(round(14 + 206 * 17 / 27, 1))),
        ]
        polyline = root.find(f"{SVG}polyline")
        assert polyline is not None
        assert polyline.get("points") == (
            f"40,{circles[0].get('cy')} 624,{circles[1].get('cy')}"
        )

    def test_response_and_remission_lines_sit_at_their_scores(self):
        root = _parse(_svg(response_at=10, remission_at=4, remission_label="PHQ-9 < 5"))
        lines = {line.get("class"): line for line in root.findall(f"{SVG}line")}
        response, remission = lines["response-line"], lines["remission-line"]
        assert (
            response.get("y1")
            == response.get("y2")
            == str(round(14 + 206 * 17 / 27, 1))
        )
        assert response.get("stroke-dasharray")
        assert remission.get("y1") == str(round(14 + 206 * 23 / 27, 1))
        assert "remission (PHQ-9 < 5)" in "".join(root.itertext())

    def test_lines_are_left_out_when_not_given(self):
        svg = _svg()
        assert "response-line" not in svg
        assert "remission-line" not in svg

    def test_session_markers_are_ticks_on_the_axis(self):
        root = _parse(
            _svg(session_dates=[date(2025, 1, 1), date(2025, 1, 6), date(2025, 1, 6)])
        )
        markers = [
            line
            for line in root.findall(f"{SVG}line")
            if line.get("class") == "session-marker"
        ]
        assert [m.get("x1") for m in markers] == ["40", "332"]
        assert all(m.get("y1") == "220" and m.get("y2") == "227" for m in markers)

    def test_empty_series_says_no_scores(self):
        root = _parse(_svg(points=[]))
        assert root.find(f"{SVG}circle") is None
        assert root.find(f"{SVG}polyline") is None
        assert "No scores yet" in "".join(root.itertext())

    def test_accessible_name_and_description(self):
        root = _parse(_svg())
        assert root.get("role") == "img"
        assert root.get("aria-labelledby") == "c1-title c1-desc"
        assert root.findtext(f"{SVG}title") == "PHQ-9 over time"
        assert root.findtext(f"{SVG}desc") == "from 20 to 10"

    def test_text_is_escaped(self):
        evil = '<script>alert("x")</script> & "q"'
        svg = _svg(
            chart_id='a"b',
            title=evil,
            description=evil,
            remission_at=4,
            remission_label=evil,
        )
        assert "<script>" not in svg
        root = _parse(svg)
        assert root.findtext(f"{SVG}title") == evil
        assert root.get("aria-labelledby") == 'a"b-title a"b-desc'

    def test_output_is_deterministic(self):
        assert _svg() == _svg()
        assert not re.search(r"\d\.\d{2,}", _svg())

    def test_y_axis_labels_both_ends_without_crowding(self):
        root = _parse(_svg())
        labels = [
            t.text for t in root.findall(f"{SVG}text") if t.get("class") == "tick"
        ]
        assert labels[0] == "0"
        assert labels[-1] == "27"
        assert "25" not in labels
