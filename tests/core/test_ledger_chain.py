"""The pure ledger core: canonical serialization, the hash chain, balances, DEA deadlines."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core import ledger
from ketapath.core.errors import InvalidInputError, RuleViolationError
from ketapath.core.ledger import (
    GENESIS_HASH,
    NEGATIVE_BALANCE_RULE,
    ChainEntry,
    NegativeBalanceError,
    apply_change,
    canonical_serialization,
    compute_entry_hash,
    deadline_status,
    form_106_due_on,
    next_business_day,
    notice_due_on,
    verify_chain,
)

LOT = "lot-1"


def _chain(changes: list[Decimal], *, lot: str = LOT) -> list[ChainEntry]:
    entries: list[ChainEntry] = []
    previous, balance = GENESIS_HASH, Decimal(0)
    for position, change in enumerate(changes, start=1):
        balance += change
        fields = {
            "id": f"e{position}",
            "sequence": position,
            "lot_id": lot,
            "change_mg": change,
            "balance_mg": balance,
            "prev_hash": previous,
        }
        digest = compute_entry_hash(fields, previous_hash=previous)
        entries.append(
            ChainEntry(
                f"e{position}", position, lot, change, balance, previous, digest, fields
            )
        )
        previous = digest
    return entries


class TestExports:
    def test_every_public_name_exists(self):
        for name in ledger.__all__:
            assert hasattr(ledger, name), name


class TestCanonicalSerialization:
    def test_equal_values_serialize_alike_however_loaded(self):
        moment = datetime(2031, 3, 3, 9, 30, 0, 123456, tzinfo=UTC)
        east = moment.astimezone(timezone(timedelta(hours=5)))
        a = {"q": Decimal("50.00"), "at": moment, "id": uuid.UUID(int=1), "n": None}
        b = {"n": None, "id": uuid.UUID(int=1), "at": east, "q": Decimal("5E+1")}
        assert canonical_serialization(a) == canonical_serialization(b)

    def test_negative_zero_is_zero(self):
        assert canonical_serialization(
            {"q": Decimal("-0.00")}
        ) == canonical_serialization({"q": Decimal(0)})

    def test_a_naive_datetime_cannot_be_hashed(self):
        with pytest.raises(InvalidInputError):
            canonical_serialization({"at": datetime(2031, 1, 1)})  # noqa: DTZ001

    def test_the_scheme_is_part_of_what_is_hashed(self):
        assert canonical_serialization({}).startswith(b"ketapath-ledger-v1\n")


class TestComputeEntryHash:
    def test_known_value_is_stable(self):
        fields = {"id": "e1", "change_mg": Decimal("10.5"), "prev_hash": GENESIS_HASH}
        digest = compute_entry_hash(fields, previous_hash=GENESIS_HASH)
        assert digest == compute_entry_hash(dict(fields), previous_hash=GENESIS_HASH)
        assert len(digest) == 64
        assert int(digest, 16) >= 0

    def test_any_field_change_changes_the_hash(self):
        fields = {"id": "e1", "change_mg": Decimal(10), "prev_hash": GENESIS_HASH}
        base = compute_entry_hash(fields, previous_hash=GENESIS_HASH)
        changed = compute_entry_hash(
            {**fields, "change_mg": Decimal(11)}, previous_hash=GENESIS_HASH
        )
        assert base != changed

    def test_prev_hash_must_match_the_fields(self):
        with pytest.raises(InvalidInputError):
            compute_entry_hash({"prev_hash": "x"}, previous_hash=GENESIS_HASH)


class TestApplyChange:
    def test_adds_and_subtracts_exactly(self):
        assert apply_change(Decimal("100.10"), Decimal("-0.10")) == Decimal(100)

    def test_zero_is_allowed(self):
        assert apply_change(Decimal(5), Decimal(-5)) == Decimal(0)

    def test_below_zero_names_the_rule_and_field(self):
        with pytest.raises(NegativeBalanceError) as error:
            apply_change(Decimal(5), Decimal("-5.01"), field="given_mg")
        assert isinstance(error.value, RuleViolationError)
        assert error.value.rule_id == NEGATIVE_BALANCE_RULE
        assert error.value.field == "given_mg"
        assert error.value.allowed == "at most 5"

    @given(
        st.lists(
            st.decimals(min_value=-500, max_value=500, places=2, allow_nan=False),
            max_size=30,
        )
    )
    def test_a_balance_never_goes_negative(self, changes):
        balance = Decimal(0)
        for change in changes:
            try:
                balance = apply_change(balance, change)
            except NegativeBalanceError:
                continue
            assert balance >= 0


class TestVerifyChain:
    def test_an_intact_chain_verifies_with_balances(self):
        summary = verify_chain(_chain([Decimal(1000), Decimal(-50), Decimal("-12.5")]))
        assert summary.ok
        assert summary.entries == 3
        assert summary.balances == {LOT: Decimal("937.5")}

    def test_an_empty_chain_verifies(self):
        summary = verify_chain([])
        assert summary.ok
        assert summary.head_hash == GENESIS_HASH

    def test_a_changed_field_names_that_entry(self):
        entries = _chain([Decimal(1000), Decimal(-50), Decimal(-10)])
        bad = entries[1]
        entries[1] = ChainEntry(
            bad.id,
            bad.sequence,
            bad.lot_id,
            Decimal(-5),
            bad.balance_after,
            bad.prev_hash,
            bad.entry_hash,
            {**bad.fields, "change_mg": Decimal(-5)},
        )
        summary = verify_chain(entries)
        assert summary.problem is not None
        assert (summary.problem.entry_id, summary.problem.position) == ("e2", 2)
        assert "entry_hash" in summary.problem.what

    def test_a_deleted_entry_is_found(self):
        entries = _chain([Decimal(1), Decimal(1), Decimal(1)])
        del entries[1]
        summary = verify_chain(entries)
        assert summary.problem is not None
        assert summary.problem.position == 2
        assert "sequence" in summary.problem.what

    def test_a_balance_that_does_not_follow_from_the_changes_is_found(self):
        entries = _chain([Decimal(10)])
        e = entries[0]
        fields = {**e.fields, "balance_mg": Decimal(11)}
        digest = compute_entry_hash(fields, previous_hash=GENESIS_HASH)
        summary = verify_chain(
            [
                ChainEntry(
                    e.id, 1, LOT, e.change, Decimal(11), GENESIS_HASH, digest, fields
                )
            ]
        )
        assert summary.problem is not None
        assert "balance_after" in summary.problem.what


class TestDeadlines:
    def test_friday_discovery_is_due_monday(self):
        friday = date(2031, 3, 7)
        assert friday.weekday() == 4
        assert notice_due_on(friday) == date(2031, 3, 10)

    def test_saturday_discovery_is_due_monday(self):
        assert notice_due_on(date(2031, 3, 8)) == date(2031, 3, 10)

    def test_a_holiday_monday_moves_it_to_tuesday(self):
        assert notice_due_on(date(2031, 3, 7), [date(2031, 3, 10)]) == date(2031, 3, 11)

    def test_midweek_is_the_next_day(self):
        assert next_business_day(date(2031, 3, 4)) == date(2031, 3, 5)

    def test_form_106_is_45_calendar_days(self):
        assert form_106_due_on(date(2031, 3, 7)) == date(2031, 4, 21)

    @pytest.mark.parametrize(
        ("completed", "as_of", "status"),
        [
            (None, date(2031, 3, 10), "due"),
            (None, date(2031, 3, 11), "overdue"),
            (date(2031, 3, 12), date(2031, 3, 20), "done"),
        ],
    )
    def test_status(self, completed, as_of, status):
        assert (
            deadline_status(
                date(2031, 3, 10), completed_on=completed, as_of=as_of
            ).value
            == status
        )
