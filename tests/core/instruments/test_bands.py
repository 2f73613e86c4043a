"""Every severity band boundary of every banded instrument, on both sides, and published examples."""

import pytest

from ketapath.core.instruments import Instrument, get_instrument


def answers_for_total(instrument: Instrument, total: int) -> list[int]:
    """Fill scored items in order up to their maximum until the total is reached (not QIDS)."""
    remaining = total
    answers = []
    for item in instrument.items:
        if item.optional:
            continue
        value = max(item.min_value, min(item.max_value, remaining + item.min_value))
        remaining -= value - item.min_value
        answers.append(value)
    assert remaining == 0
    return answers


# (instrument, total, expected band): the last total of each band and the first of the next.
BOUNDARIES = [
    ("phq9", 0, "minimal"),
    ("phq9", 4, "minimal"),
    ("phq9", 5, "mild"),
    ("phq9", 9, "mild"),
    ("phq9", 10, "moderate"),
    ("phq9", 14, "moderate"),
    ("phq9", 15, "moderately_severe"),
    ("phq9", 19, "moderately_severe"),
    ("phq9", 20, "severe"),
    ("phq9", 27, "severe"),
    ("gad7", 0, "minimal"),
    ("gad7", 4, "minimal"),
    ("gad7", 5, "mild"),
    ("gad7", 9, "mild"),
    ("gad7", 10, "moderate"),
    ("gad7", 14, "moderate"),
    ("gad7", 15, "severe"),
    ("gad7", 21, "severe"),
    ("madrs", 0, "absent"),
    ("madrs", 6, "absent"),
    ("madrs", 7, "mild"),
    ("madrs", 19, "mild"),
    ("madrs", 20, "moderate"),
    ("madrs", 34, "moderate"),
    ("madrs", 35, "severe"),
    ("madrs", 60, "severe"),
    ("hamd17", 0, "none"),
    ("hamd17", 7, "none"),
    ("hamd17", 8, "mild"),
    ("hamd17", 13, "mild"),
    ("hamd17", 14, "moderate"),
    ("hamd17", 19, "moderate"),
    ("hamd17", 20, "severe"),
    ("hamd17", 25, "severe"),
    ("hamd17", 26, "very_severe"),
    ("hamd17", 52, "very_severe"),
]

# QIDS-SR16: one item per domain carries the score (items 1, 5, 6, 10, 11, 12, 13, 14, 15).
QIDS_DOMAIN_ITEMS = (0, 4, 5, 9, 10, 11, 12, 13, 14)
QIDS_BOUNDARIES = [
    (0, "none"),
    (5, "none"),
    (6, "mild"),
    (10, "mild"),
    (11, "moderate"),
    (15, "moderate"),
    (16, "severe"),
    (20, "severe"),
    (21, "very_severe"),
    (27, "very_severe"),
]


def qids_answers_for_total(total: int) -> list[int]:
    answers = [0] * 16
    remaining = total
    for index in QIDS_DOMAIN_ITEMS:
        answers[index] = min(3, remaining)
        remaining -= answers[index]
    assert remaining == 0
    return answers


class TestSeverityBands:
    @pytest.mark.parametrize(
        ("key", "total", "band"), BOUNDARIES, ids=[f"{k}-{t}" for k, t, _ in BOUNDARIES]
    )
    def test_total_on_each_side_of_a_cut_point_gets_its_band(self, key, total, band):
        instrument = get_instrument(key)
        result = instrument.score(answers_for_total(instrument, total))
        assert (result.total, result.severity) == (total, band)

    @pytest.mark.parametrize(
        ("total", "band"),
        QIDS_BOUNDARIES,
        ids=[f"qids_sr16-{t}" for t, _ in QIDS_BOUNDARIES],
    )
    def test_qids_total_on_each_side_of_a_cut_point_gets_its_band(self, total, band):
        result = get_instrument("qids_sr16").score(qids_answers_for_total(total))
        assert (result.total, result.severity) == (total, band)

    @pytest.mark.parametrize("key", ["cssrs", "moaas", "cadss", "bprs_positive"])
    def test_unbanded_instruments_report_no_severity(self, key):
        instrument = get_instrument(key)
        answers = [item.min_value for item in instrument.items]
        assert instrument.score(answers).severity is None

    @pytest.mark.parametrize("key", ["phq9", "gad7", "madrs", "qids_sr16", "hamd17"])
    def test_band_names_are_lower_snake_case_and_cover_the_range(self, key):
        instrument = get_instrument(key)
        assert instrument.bands[0].lower == instrument.min_total
        assert instrument.bands[-1].upper == instrument.max_total
        for band in instrument.bands:
            assert band.name == band.name.lower()
            assert " " not in band.name


PUBLISHED_EXAMPLES = [
    pytest.param(
        "phq9",
        [1, 1, 1, 2, 2, 3, 3, 3, 0],
        16,
        "moderately_severe",
        id="phq-manual-worked-example-16",
    ),
]


class TestPublishedWorkedExamples:
    @pytest.mark.parametrize(("key", "answers", "total", "band"), PUBLISHED_EXAMPLES)
    def test_reproduces_the_published_total_and_band(self, key, answers, total, band):
        result = get_instrument(key).score(answers)
        assert (result.total, result.severity) == (total, band)
