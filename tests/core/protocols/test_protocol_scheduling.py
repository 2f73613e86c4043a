"""plan_sessions: counts per phase, dates, spacing, KAP rules, impossible weekdays, properties."""

import itertools
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ketapath.core.errors import InvalidInputError, UnknownNameError
from ketapath.core.protocols import (
    PROTOCOL_KEYS,
    ProtocolSettings,
    SessionPlan,
    format_weekdays,
    parse_weekdays,
    plan_sessions,
)

MONDAY = date(2026, 1, 5)
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


def dates(plan: SessionPlan, phase: str | None = None) -> list[str]:
    return [
        s.date.isoformat() for s in plan.sessions if phase is None or s.phase == phase
    ]


def phase_counts(plan: SessionPlan) -> dict[str, int]:
    return dict(Counter(s.phase for s in plan.sessions))


def dosing_dates(plan: SessionPlan) -> list[date]:
    return [
        s.date for s in plan.sessions if s.kind in ("esketamine", "infusion", "dosing")
    ]


class TestPlanSessionsEsketamineTrd:
    def test_mon_thu_from_monday_gives_label_schedule(self):
        plan = plan_sessions(
            "esketamine_trd", start=MONDAY, weekdays=frozenset({MON, THU})
        )
        assert phase_counts(plan) == {"induction": 8, "weekly": 4}
        assert dates(plan, "induction") == [
            "2026-01-05",
            "2026-01-08",
            "2026-01-12",
            "2026-01-15",
            "2026-01-19",
            "2026-01-22",
            "2026-01-26",
            "2026-01-29",
        ]
        assert dates(plan, "weekly") == [
            "2026-02-02",
            "2026-02-09",
            "2026-02-16",
            "2026-02-23",
        ]
        assert [s.number for s in plan.sessions] == list(range(1, 13))

    def test_day_one_is_56_mg_and_later_doses_are_prescriber_choice(self):
        plan = plan_sessions("esketamine_trd", start=MONDAY)
        first, second = plan.sessions[0], plan.sessions[1]
        assert first.dose_mg == Decimal(56)
        assert second.dose_mg is None
        assert second.dose_options_mg == (Decimal(56), Decimal(84))

    def test_chair_minutes_are_at_least_the_120_minute_observation(self):
        plan = plan_sessions("esketamine_trd", start=MONDAY)
        assert {s.chair_minutes for s in plan.sessions} == {120}

    def test_longer_clinic_observation_raises_chair_minutes(self):
        plan = plan_sessions(
            "esketamine_trd",
            start=MONDAY,
            settings=ProtocolSettings(esketamine_observation_minutes=150),
        )
        assert {s.chair_minutes for s in plan.sessions} == {150}

    def test_start_on_disallowed_weekday_moves_to_next_allowed_and_says_so(self):
        plan = plan_sessions(
            "esketamine_trd", start=date(2026, 1, 6), weekdays=frozenset({MON, THU})
        )
        assert plan.sessions[0].date == date(2026, 1, 8)
        assert any("not an allowed weekday" in f.message for f in plan.findings)

    def test_start_on_thursday_counts_treatment_weeks_from_the_first_session(self):
        plan = plan_sessions(
            "esketamine_trd", start=date(2026, 1, 8), weekdays=frozenset({MON, THU})
        )
        assert dates(plan, "induction")[:4] == [
            "2026-01-08",
            "2026-01-12",
            "2026-01-15",
            "2026-01-19",
        ]
        assert dates(plan, "weekly")[0] == "2026-02-05"

    def test_default_weekdays_are_mon_thu(self):
        assert plan_sessions("esketamine_trd", start=MONDAY).weekdays == frozenset(
            {MON, THU}
        )

    def test_maintenance_sessions_follow_at_the_clinic_interval(self):
        plan = plan_sessions(
            "esketamine_trd",
            start=MONDAY,
            settings=ProtocolSettings(
                maintenance_sessions=2, esketamine_maintenance_interval_days=14
            ),
        )
        assert dates(plan, "maintenance") == ["2026-03-09", "2026-03-23"]

    def test_end_of_induction_review_is_planned_at_session_8(self):
        plan = plan_sessions("esketamine_trd", start=MONDAY)
        review = [f for f in plan.findings if "end of induction" in f.message]
        assert review[0].details["review_after_session"] == 8


class TestPlanSessionsEsketamineMdsi:
    def test_84_mg_twice_weekly_for_4_weeks(self):
        plan = plan_sessions(
            "esketamine_mdsi", start=MONDAY, weekdays=frozenset({TUE, FRI})
        )
        assert phase_counts(plan) == {"induction": 8}
        assert dates(plan)[:3] == ["2026-01-06", "2026-01-09", "2026-01-13"]
        assert {s.dose_mg for s in plan.sessions} == {Decimal(84)}

    def test_maintenance_sessions_are_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            plan_sessions(
                "esketamine_mdsi",
                start=MONDAY,
                settings=ProtocolSettings(maintenance_sessions=1),
            )
        assert caught.value.field == "maintenance_sessions"


class TestPlanSessionsIvInduction:
    def test_default_is_6_infusions_twice_weekly_over_3_weeks(self):
        plan = plan_sessions("iv_induction", start=MONDAY)
        assert dates(plan) == [
            "2026-01-05",
            "2026-01-08",
            "2026-01-12",
            "2026-01-15",
            "2026-01-19",
            "2026-01-22",
        ]
        assert {s.dose_mg_per_kg for s in plan.sessions} == {Decimal("0.5")}

    def test_mon_wed_fri_gives_thrice_weekly_over_2_weeks(self):
        plan = plan_sessions(
            "iv_induction", start=MONDAY, weekdays=parse_weekdays("mon,wed,fri")
        )
        assert dates(plan) == [
            "2026-01-05",
            "2026-01-07",
            "2026-01-09",
            "2026-01-12",
            "2026-01-14",
            "2026-01-16",
        ]

    def test_chair_minutes_are_40_min_infusion_plus_60_min_observation(self):
        plan = plan_sessions("iv_induction", start=MONDAY)
        assert {s.chair_minutes for s in plan.sessions} == {100}

    def test_clinic_observation_setting_changes_chair_minutes(self):
        plan = plan_sessions(
            "iv_induction",
            start=MONDAY,
            settings=ProtocolSettings(iv_post_infusion_observation_minutes=30),
        )
        assert {s.chair_minutes for s in plan.sessions} == {70}

    @pytest.mark.parametrize("count", [4, 5, 6, 7, 8])
    def test_configured_count_is_planned(self, count):
        plan = plan_sessions(
            "iv_induction", start=MONDAY, settings=ProtocolSettings(iv_infusions=count)
        )
        assert len(plan.sessions) == count

    def test_eight_twice_weekly_spans_4_weeks_with_an_info_finding(self):
        plan = plan_sessions(
            "iv_induction", start=MONDAY, settings=ProtocolSettings(iv_infusions=8)
        )
        assert any("spans 4 weeks" in f.message for f in plan.findings)

    def test_eight_twice_weekly_over_clinic_max_of_3_weeks_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            plan_sessions(
                "iv_induction",
                start=MONDAY,
                settings=ProtocolSettings(iv_infusions=8, iv_max_weeks=3),
            )
        assert caught.value.field == "weekdays"

    @pytest.mark.parametrize("count", [3, 9])
    def test_count_outside_4_to_8_is_rejected(self, count):
        with pytest.raises(InvalidInputError) as caught:
            ProtocolSettings(iv_infusions=count)
        assert caught.value.field == "iv_infusions"

    def test_fixed_two_per_week_with_mon_wed_fri_uses_two(self):
        plan = plan_sessions(
            "iv_induction",
            start=MONDAY,
            weekdays=parse_weekdays("mon,wed,fri"),
            settings=ProtocolSettings(iv_infusions_per_week=2),
        )
        assert dates(plan)[:3] == ["2026-01-05", "2026-01-07", "2026-01-12"]

    def test_iv_maintenance_every_21_days_by_default(self):
        plan = plan_sessions(
            "iv_induction",
            start=MONDAY,
            settings=ProtocolSettings(maintenance_sessions=1),
        )
        assert dates(plan, "maintenance") == ["2026-02-12"]


class TestPlanSessionsKap:
    def test_preparation_then_dosing_each_followed_by_integration(self):
        plan = plan_sessions(
            "kap", start=MONDAY, weekdays=parse_weekdays("mon,wed,fri")
        )
        assert phase_counts(plan) == {"preparation": 1, "dosing": 6, "integration": 6}
        assert [s.phase for s in plan.sessions[:5]] == [
            "preparation",
            "dosing",
            "integration",
            "dosing",
            "integration",
        ]
        assert dates(plan)[:5] == [
            "2026-01-05",
            "2026-01-07",
            "2026-01-09",
            "2026-01-12",
            "2026-01-14",
        ]

    def test_never_more_than_two_dosing_sessions_per_iso_week(self):
        plan = plan_sessions("kap", start=MONDAY, weekdays=frozenset(range(7)))
        weeks = Counter(
            s.date.isocalendar()[:2] for s in plan.sessions if s.kind == "dosing"
        )
        assert max(weeks.values()) == 2

    def test_clinic_cap_of_one_dosing_per_week(self):
        plan = plan_sessions(
            "kap",
            start=MONDAY,
            weekdays=frozenset(range(7)),
            settings=ProtocolSettings(kap_dosing_per_iso_week_max=1),
        )
        weeks = Counter(
            s.date.isocalendar()[:2] for s in plan.sessions if s.kind == "dosing"
        )
        assert set(weeks.values()) == {1}

    def test_integration_is_one_to_three_days_after_its_dosing(self):
        plan = plan_sessions("kap", start=MONDAY, weekdays=parse_weekdays("mon,fri"))
        sessions = list(plan.sessions)
        for index, session in enumerate(sessions):
            if session.kind == "dosing":
                follower = sessions[index + 1]
                assert follower.kind == "integration"
                assert 1 <= (follower.date - session.date).days <= 3

    def test_cap_above_two_is_rejected(self):
        with pytest.raises(InvalidInputError) as caught:
            ProtocolSettings(kap_dosing_per_iso_week_max=3)
        assert caught.value.field == "kap_dosing_per_iso_week_max"

    def test_single_weekday_leaves_no_integration_day(self):
        with pytest.raises(InvalidInputError) as caught:
            plan_sessions("kap", start=MONDAY, weekdays=frozenset({MON}))
        assert caught.value.field == "weekdays"
        assert "PROT-KAP-INTEG-01" in str(caught.value)

    def test_dosing_chair_minutes_default_to_90_and_therapy_sessions_have_none(self):
        plan = plan_sessions("kap", start=MONDAY)
        assert {s.chair_minutes for s in plan.sessions if s.kind == "dosing"} == {90}
        assert {s.chair_minutes for s in plan.sessions if s.kind != "dosing"} == {None}


class TestPlanSessionsImpossibleWeekdays:
    @pytest.mark.parametrize(
        "protocol", ["esketamine_trd", "esketamine_mdsi", "iv_induction"]
    )
    @pytest.mark.parametrize(
        "weekdays",
        [
            frozenset({MON}),
            frozenset({MON, TUE}),
            frozenset({SAT, SUN}),
            frozenset({MON, SUN}),
        ],
        ids=["one-day", "mon-tue", "sat-sun", "sun-mon-wraps"],
    )
    def test_rejected_naming_weekdays_and_what_is_allowed(self, protocol, weekdays):
        with pytest.raises(InvalidInputError) as caught:
            plan_sessions(protocol, start=MONDAY, weekdays=weekdays)
        assert caught.value.field == "weekdays"
        assert caught.value.allowed
        assert "allowed" in str(caught.value)

    @pytest.mark.parametrize("weekdays", [frozenset(), frozenset({7}), frozenset({-1})])
    def test_empty_or_out_of_range_weekday_numbers_are_rejected(self, weekdays):
        with pytest.raises(InvalidInputError) as caught:
            plan_sessions("kap", start=MONDAY, weekdays=weekdays)
        assert caught.value.field == "weekdays"

    def test_unknown_protocol_lists_allowed_keys(self):
        with pytest.raises(UnknownNameError) as caught:
            plan_sessions("ect", start=MONDAY)
        assert caught.value.field == "protocol"
        assert "esketamine_trd" in (caught.value.allowed or "")


class TestParseWeekdays:
    def test_names_map_to_monday_zero(self):
        assert parse_weekdays("mon,thu") == frozenset({MON, THU})

    def test_case_spaces_and_full_names_are_accepted(self):
        assert parse_weekdays(" Mon , Thursday ") == frozenset({MON, THU})

    @pytest.mark.parametrize("text", ["", ",", "xyz", "mon,funday", "monx"])
    def test_bad_names_are_rejected_naming_weekdays(self, text):
        with pytest.raises(InvalidInputError) as caught:
            parse_weekdays(text)
        assert caught.value.field == "weekdays"

    def test_format_round_trips(self):
        assert format_weekdays(parse_weekdays("thu,mon")) == "mon,thu"


WEEKDAY_SETS = st.frozensets(st.integers(min_value=0, max_value=6), min_size=1)
STARTS = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


def expected_count(protocol: str) -> int:
    return {"esketamine_trd": 12, "esketamine_mdsi": 8, "iv_induction": 6, "kap": 13}[
        protocol
    ]


class TestPlanSessionsProperties:
    @settings(max_examples=300, deadline=None)
    @given(protocol=st.sampled_from(PROTOCOL_KEYS), start=STARTS, weekdays=WEEKDAY_SETS)
    def test_any_plan_keeps_every_rule(self, protocol, start, weekdays):
        try:
            plan = plan_sessions(protocol, start=start, weekdays=weekdays)
        except InvalidInputError as error:
            field = error.field
            assert field == "weekdays"
            return
        days = [s.date for s in plan.sessions]
        assert all(day.weekday() in weekdays for day in days)
        assert all(a < b for a, b in itertools.pairwise(days))
        assert days[0] >= start
        assert days[0] - start < timedelta(days=7)
        assert len(days) == expected_count(protocol)
        induction = [s for s in plan.sessions if s.phase in ("induction", "dosing")]
        induction_days = [s.date for s in induction]
        for a, b in itertools.pairwise(induction_days):
            assert (b - a).days >= 2
        if protocol == "kap":
            assert plan.sessions[0].kind == "preparation"
            per_week = Counter(d.isocalendar()[:2] for d in dosing_dates(plan))
            assert max(per_week.values()) <= 2
            for index, session in enumerate(plan.sessions):
                if session.kind == "dosing":
                    follower = plan.sessions[index + 1]
                    assert follower.kind == "integration"
                    assert 1 <= (follower.date - session.date).days <= 3
        if protocol.startswith("esketamine"):
            first = plan.sessions[0].date
            weeks = Counter((s.date - first).days // 7 for s in induction)
            assert set(weeks.values()) == {2}

    @settings(max_examples=100, deadline=None)
    @given(protocol=st.sampled_from(PROTOCOL_KEYS), start=STARTS)
    def test_well_spaced_weekdays_always_plan(self, protocol, start):
        weekdays = frozenset({MON, WED, FRI})
        plan = plan_sessions(protocol, start=start, weekdays=weekdays)
        assert len(plan.sessions) == expected_count(protocol)

    @settings(max_examples=100, deadline=None)
    @given(
        start=STARTS, count=st.integers(min_value=4, max_value=8), weekdays=WEEKDAY_SETS
    )
    def test_iv_count_is_as_configured(self, start, count, weekdays):
        try:
            plan = plan_sessions(
                "iv_induction",
                start=start,
                weekdays=weekdays,
                settings=ProtocolSettings(iv_infusions=count),
            )
        except InvalidInputError:
            return
        assert len(plan.sessions) == count
