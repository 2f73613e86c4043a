"""Hypothesis properties: totals stay in range, scores are monotone in each item, QIDS domain rule."""

from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.instruments import INSTRUMENT_KEYS, Instrument, get_instrument
from ketapath.core.instruments.qids_sr16 import DOMAINS

SUMMED = [key for key in INSTRUMENT_KEYS if key != "cssrs"]


def answers_strategy(instrument: Instrument) -> st.SearchStrategy[list[int]]:
    return st.tuples(
        *(
            st.integers(item.min_value, item.max_value)
            for item in instrument.items
            if not item.optional
        )
    ).map(list)


@st.composite
def instrument_and_answers(draw: st.DrawFn) -> tuple[Instrument, list[int]]:
    instrument = get_instrument(draw(st.sampled_from(SUMMED)))
    return instrument, draw(answers_strategy(instrument))


class TestInstrumentScoreProperties:
    @given(instrument_and_answers())
    def test_total_stays_within_the_instrument_range(self, drawn):
        instrument, answers = drawn
        total = instrument.score(answers).total
        assert total is not None
        assert instrument.min_total is not None
        assert instrument.max_total is not None
        assert instrument.min_total <= total <= instrument.max_total

    @given(instrument_and_answers(), st.data())
    def test_raising_one_item_never_lowers_the_total_or_band(self, drawn, data):
        instrument, answers = drawn
        index = data.draw(st.integers(0, len(answers) - 1))
        item = instrument.items[index]
        raised = list(answers)
        raised[index] = data.draw(st.integers(answers[index], item.max_value))
        before, after = instrument.score(answers), instrument.score(raised)
        assert before.total is not None
        assert after.total is not None
        assert after.total >= before.total
        names = [band.name for band in instrument.bands]
        if names:
            assert before.severity is not None
            assert after.severity is not None
            assert names.index(after.severity) >= names.index(before.severity)

    @given(instrument_and_answers())
    def test_every_answer_is_kept_with_its_item(self, drawn):
        instrument, answers = drawn
        result = instrument.score(answers)
        assert [value for _, value in result.responses] == answers
        assert result.rule_id == instrument.rule.rule_id


class TestQidsDomainRule:
    @given(answers_strategy(get_instrument("qids_sr16")))
    def test_total_is_the_sum_of_domain_maxima(self, answers):
        expected = sum(max(answers[n - 1] for n in numbers) for _, numbers in DOMAINS)
        assert get_instrument("qids_sr16").score(answers).total == expected

    @given(answers_strategy(get_instrument("qids_sr16")))
    def test_adding_a_lower_item_in_a_domain_does_not_change_the_total(self, answers):
        instrument = get_instrument("qids_sr16")
        sleep = answers[:4]
        lowered = list(answers)
        lowered[:4] = [
            max(sleep) if i == sleep.index(max(sleep)) else 0 for i in range(4)
        ]
        assert instrument.score(lowered).total == instrument.score(answers).total


class TestCssrsRiskProperties:
    @given(st.lists(st.integers(0, 1), min_size=7, max_size=7), st.integers(0, 6))
    def test_a_yes_never_lowers_the_risk(self, answers, index):
        from ketapath.core.instruments.cssrs import RISK_LEVELS

        instrument = get_instrument("cssrs")
        raised = list(answers)
        raised[index] = 1
        before = instrument.score(answers).risk
        after = instrument.score(raised).risk
        assert before is not None
        assert after is not None
        assert RISK_LEVELS.index(after) >= RISK_LEVELS.index(before)
