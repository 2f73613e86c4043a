"""Item metadata: LOINC codes match REFERENCE §8, wording only where the licence allows."""

import pytest

from ketapath.core.instruments import get_instrument
from ketapath.core.instruments.cssrs import RISK_LOINC

# REFERENCE.md §8, in item order.
PHQ9_ITEM_LOINC = (
    "44250-9",
    "44255-8",
    "44259-0",
    "44254-1",
    "44251-7",
    "44258-2",
    "44252-5",
    "44253-3",
    "44260-8",
    "69722-7",
)
GAD7_ITEM_LOINC = (
    "69725-0",
    "68509-9",
    "69733-4",
    "69734-2",
    "69735-9",
    "69689-8",
    "69736-7",
)
CSSRS_ITEM_LOINC = (
    "93246-7",
    "93247-5",
    "93248-3",
    "93249-1",
    "93250-9",
    "93267-3",
    "93269-9",
)


def loinc_check_digit_ok(code: str) -> bool:
    """LOINC mod-10 check digit (Luhn on the number part)."""
    number, check = code.split("-")
    digits = [int(d) for d in number]
    total = 0
    for position, digit in enumerate(reversed(digits)):
        if position % 2 == 0:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10 == int(check)


class TestLoincCodes:
    def test_phq9_codes_match_reference(self):
        phq9 = get_instrument("phq9")
        assert tuple(item.loinc for item in phq9.items) == PHQ9_ITEM_LOINC
        assert (phq9.loinc_panel, phq9.loinc_total) == ("44249-1", "44261-6")

    def test_gad7_codes_match_reference(self):
        gad7 = get_instrument("gad7")
        assert tuple(item.loinc for item in gad7.items) == GAD7_ITEM_LOINC
        assert (gad7.loinc_panel, gad7.loinc_total) == ("69737-5", "70274-6")

    def test_cssrs_codes_match_reference(self):
        cssrs = get_instrument("cssrs")
        assert tuple(item.loinc for item in cssrs.items) == CSSRS_ITEM_LOINC
        assert RISK_LOINC == "93374-7"

    def test_madrs_has_no_loinc(self):
        madrs = get_instrument("madrs")
        assert (madrs.loinc_panel, madrs.loinc_total) == (None, None)
        assert all(item.loinc is None for item in madrs.items)

    @pytest.mark.parametrize(
        "code",
        [*PHQ9_ITEM_LOINC, *GAD7_ITEM_LOINC, *CSSRS_ITEM_LOINC, "44249-1", "44261-6"],
    )
    def test_every_code_passes_the_loinc_check_digit(self, code):
        assert loinc_check_digit_ok(code)

    def test_the_check_digit_catches_the_known_bad_gad7_code(self):
        assert not loinc_check_digit_ok("69689-6")


class TestItemWording:
    @pytest.mark.parametrize("key", ["phq9", "gad7", "cssrs"])
    def test_freely_licensed_instruments_carry_full_text(self, key):
        assert all(item.text for item in get_instrument(key).items)

    @pytest.mark.parametrize(
        "key", ["madrs", "qids_sr16", "hamd17", "moaas", "cadss", "bprs_positive"]
    )
    def test_other_instruments_carry_short_labels_only(self, key):
        instrument = get_instrument(key)
        assert all(item.text is None for item in instrument.items)
        assert all(item.label for item in instrument.items)

    def test_phq9_item9_wording_is_the_loinc_form_text(self):
        assert get_instrument("phq9").items[8].text == (
            "Thoughts that you would be better off dead, or of hurting yourself in some way"
        )

    @pytest.mark.parametrize(
        ("key", "count", "low", "high"),
        [
            ("phq9", 10, 0, 3),
            ("gad7", 7, 0, 3),
            ("madrs", 10, 0, 6),
            ("qids_sr16", 16, 0, 3),
            ("cssrs", 7, 0, 1),
            ("moaas", 1, 0, 5),
            ("cadss", 23, 0, 4),
            ("bprs_positive", 4, 1, 7),
        ],
    )
    def test_item_count_and_range(self, key, count, low, high):
        items = get_instrument(key).items
        assert len(items) == count
        assert {(item.min_value, item.max_value) for item in items} == {(low, high)}

    def test_hamd17_has_nine_five_point_and_eight_three_point_items(self):
        maxima = [item.max_value for item in get_instrument("hamd17").items]
        assert maxima == [4, 4, 4, 2, 2, 2, 4, 4, 4, 4, 4, 2, 2, 2, 4, 2, 2]
        assert sum(maxima) == 52

    def test_item_ids_are_key_underscore_number(self):
        for key in (
            "phq9",
            "gad7",
            "madrs",
            "qids_sr16",
            "hamd17",
            "cadss",
            "bprs_positive",
            "moaas",
        ):
            for item in get_instrument(key).items:
                assert item.item_id == f"{key}_{item.number}"
