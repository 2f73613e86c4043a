"""Instrument.score validation: missing is never zero, ranges and counts are named."""

import pytest

from ketapath.core.errors import (
    IncompleteResponsesError,
    InvalidInputError,
    ResponseOutOfRangeError,
)
from ketapath.core.instruments import INSTRUMENT_KEYS, get_instrument

PHQ9 = get_instrument("phq9")


class TestInstrumentScoreValidation:
    @pytest.mark.parametrize("position", range(9))
    def test_unanswered_phq9_item_is_an_error_not_a_zero(self, position):
        answers: list[int | None] = [0] * 9
        answers[position] = None
        with pytest.raises(IncompleteResponsesError) as caught:
            PHQ9.score(answers)
        assert caught.value.field == f"phq9_{position + 1}"
        assert caught.value.allowed == "0–3"

    def test_a_real_zero_is_an_answer(self):
        result = PHQ9.score([0] * 9)
        assert result.total == 0
        assert ("phq9_9", 0) in result.responses

    @pytest.mark.parametrize("value", [-1, 4, 100])
    def test_out_of_range_answer_names_the_item_and_range(self, value):
        with pytest.raises(ResponseOutOfRangeError) as caught:
            PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, value])
        assert caught.value.field == "phq9_9"
        assert caught.value.allowed == "0–3"
        assert "0–3" in str(caught.value)

    @pytest.mark.parametrize("value", [True, False])
    def test_booleans_are_not_accepted_as_ratings(self, value):
        with pytest.raises(InvalidInputError) as caught:
            PHQ9.score([0, value, 0, 0, 0, 0, 0, 0, 0])
        assert not isinstance(
            caught.value, ResponseOutOfRangeError | IncompleteResponsesError
        )
        assert caught.value.field == "phq9_2"

    @pytest.mark.parametrize("value", [1.0, "1"])
    def test_non_integer_answers_are_refused(self, value):
        with pytest.raises(InvalidInputError) as caught:
            PHQ9.score([0, 0, 0, value, 0, 0, 0, 0, 0])
        assert caught.value.field == "phq9_4"

    @pytest.mark.parametrize("count", [0, 8, 11])
    def test_wrong_number_of_answers_names_the_expected_count(self, count):
        with pytest.raises(InvalidInputError) as caught:
            PHQ9.score([0] * count)
        assert "9 or 10" in str(caught.value)
        assert caught.value.allowed == "9 or 10 answers"

    def test_gad7_count_error_names_seven(self):
        with pytest.raises(InvalidInputError, match="expects 7 answers"):
            get_instrument("gad7").score([0] * 9)

    def test_text_is_not_an_answer_list(self):
        with pytest.raises(InvalidInputError):
            PHQ9.score("000000000")  # type: ignore[arg-type]

    def test_mapping_answers_are_accepted_by_item_id(self):
        answers = {f"phq9_{n}": 1 for n in range(1, 10)}
        assert PHQ9.score(answers).total == 9

    def test_mapping_missing_an_item_is_incomplete(self):
        answers = {f"phq9_{n}": 1 for n in range(1, 9)}
        with pytest.raises(IncompleteResponsesError) as caught:
            PHQ9.score(answers)
        assert caught.value.field == "phq9_9"

    def test_mapping_with_an_unknown_item_is_refused(self):
        answers = {f"phq9_{n}": 1 for n in range(1, 10)} | {"phq9_11": 0}
        with pytest.raises(InvalidInputError) as caught:
            PHQ9.score(answers)
        assert caught.value.field == "phq9_11"

    @pytest.mark.parametrize("key", INSTRUMENT_KEYS)
    def test_every_instrument_names_the_item_above_its_range(self, key):
        instrument = get_instrument(key)
        answers = [item.min_value for item in instrument.items if not item.optional]
        answers[-1] = instrument.items[len(answers) - 1].max_value + 1
        with pytest.raises(ResponseOutOfRangeError) as caught:
            instrument.score(answers)
        item = instrument.items[len(answers) - 1]
        assert caught.value.field == item.item_id
        assert caught.value.allowed == item.allowed

    @pytest.mark.parametrize("key", INSTRUMENT_KEYS)
    def test_every_instrument_names_the_first_unanswered_item(self, key):
        instrument = get_instrument(key)
        answers: list[int | None] = [None] * instrument.required_count
        with pytest.raises(IncompleteResponsesError) as caught:
            instrument.score(answers)
        assert caught.value.field == instrument.items[0].item_id

    def test_bprs_zero_is_below_range(self):
        with pytest.raises(ResponseOutOfRangeError) as caught:
            get_instrument("bprs_positive").score([1, 1, 0, 1])
        assert (caught.value.field, caught.value.allowed) == ("bprs_positive_3", "1–7")

    @pytest.mark.parametrize(
        ("position", "allowed"), [(0, "0–4"), (3, "0–2"), (16, "0–2")]
    )
    def test_hamd17_items_have_their_own_ranges(self, position, allowed):
        instrument = get_instrument("hamd17")
        answers = [0] * 17
        answers[position] = 5 if allowed == "0–4" else 3
        with pytest.raises(ResponseOutOfRangeError) as caught:
            instrument.score(answers)
        assert caught.value.allowed == allowed


class TestPhq9OptionalItem10:
    def test_item10_is_kept_but_not_added(self):
        result = PHQ9.score([1, 1, 1, 2, 2, 3, 3, 3, 0, 3])
        assert result.total == 16
        assert ("phq9_10", 3) in result.responses

    def test_item10_may_be_none(self):
        result = PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, 0, None])
        assert result.total == 0
        assert all(item_id != "phq9_10" for item_id, _ in result.responses)

    def test_item10_is_still_range_checked(self):
        with pytest.raises(ResponseOutOfRangeError) as caught:
            PHQ9.score([0, 0, 0, 0, 0, 0, 0, 0, 0, 4])
        assert caught.value.field == "phq9_10"

    def test_item10_is_unscored(self):
        assert PHQ9.items[9].scored is False
        assert all(item.scored for item in PHQ9.items[:9])
