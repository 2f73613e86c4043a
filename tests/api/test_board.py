"""/api/v1/board: cards by chair then time, fixed query count, one audit entry per request."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.exc import OperationalError
from starlette.routing import Router
from tests.conftest import _bound_session
from tests.factories import (
    TEST_PASSWORD,
    bearer_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course
from tests.statements import statements_sent

from ketapath import http
from ketapath.app import create_app
from ketapath.db.base import utcnow
from ketapath.db.models import (
    Alert,
    AlertKind,
    AlertSeverity,
    AuditEntry,
    AuthToken,
    Patient,
    Role,
    User,
)
from ketapath.http import AuditBatches
from ketapath.services import auth as auth_service
from ketapath.services import board as board_service
from ketapath.services.clinic import today_in

ALL_DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DAY = date(2025, 3, 3)


@pytest.fixture
def ctx(session):
    clinic = make_clinic(session)
    site, chairs = make_site_with_chairs(session, clinic, chairs=3)
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    return {
        "clinic": clinic,
        "site": site,
        "chairs": chairs,
        "prescriber": prescriber,
        "nurse": bearer_for(session, make_user(session, clinic, role=Role.NURSE)),
    }


def plan(session, ctx, *, chair, time, name, start=DAY):
    patient = make_patient(session, ctx["clinic"], family_name=name)
    _course, sessions = make_course(
        session,
        patient,
        ctx["prescriber"],
        chair=chair,
        start=start,
        scheduled_time=time,
        weekdays=ALL_DAYS,
    )
    return patient, sessions


class TestBoard:
    def test_cards_are_ordered_by_chair_then_time_with_alert_counts(
        self, client, session, ctx
    ):
        c1, c2, _c3 = ctx["chairs"]
        plan(session, ctx, chair=c1, time="13:00", name="Late")
        plan(session, ctx, chair=c1, time="09:00", name="Early")
        other, _ = plan(session, ctx, chair=c2, time="08:00", name="Other")
        session.add(
            Alert(
                patient_id=other.id,
                kind=AlertKind.VITALS,
                severity=AlertSeverity.HIGH,
                message="BP high",
                rule_id="BP-ESK-01",
                raised_at=utcnow(),
            )
        )
        session.flush()
        response = client.get(
            "/api/v1/board", params={"date": DAY.isoformat()}, headers=ctx["nurse"]
        )
        assert response.status_code == 200, response.text
        cards = response.json()["cards"]
        assert [c["patient_name"].split()[-1] for c in cards] == [
            "Early",
            "Late",
            "Other",
        ]
        assert [c["open_alerts"] for c in cards] == [0, 0, 1]
        assert cards[0]["chair_name"] == "Chair 1"
        assert cards[0]["route"] == "esketamine"
        assert cards[0]["status"] == "scheduled"
        assert cards[0]["next_due"] is None

    def test_in_session_card_shows_timer_next_due_and_gate(self, client, session, ctx):
        patient, sessions = plan(
            session,
            ctx,
            chair=ctx["chairs"][0],
            time="09:00",
            name="Run",
            start=today_in(ctx["clinic"]),
        )
        patient.rems_enrolled = True
        session.flush()
        url = f"/api/v1/sessions/{sessions[0].id}"
        client.post(
            f"{url}/check-in",
            headers=ctx["nurse"],
            json={
                "systolic_mmhg": 120,
                "diastolic_mmhg": 80,
                "hours_since_food": "3",
                "minutes_since_liquids": 60,
                "pulse_oximeter_available": True,
                "transport_arranged": True,
            },
        )
        given = (utcnow() - timedelta(minutes=20)).isoformat()
        assert (
            client.post(
                f"{url}/doses", json={"given_at": given}, headers=ctx["nurse"]
            ).status_code
            == 201
        )
        card = client.get("/api/v1/board", headers=ctx["nurse"]).json()["cards"][0]
        assert card["status"] == "monitoring"
        assert card["minutes_since_first_dose"] == 20
        assert card["next_due"]["label"] == "BP at 40 min"
        assert card["next_due"]["due_in_minutes"] == 20
        assert card["latest_vitals"]["systolic_mmhg"] == 120
        assert card["discharge_gate"]["ready"] is False
        assert "DIS-ESK-120" in {
            r["rule_id"] for r in card["discharge_gate"]["reasons"]
        }

    def test_query_count_does_not_grow_with_cards(
        self, client, session, connection, ctx
    ):
        # the caller's token lookup is kept from the first request on (nothing changes users
        # or tokens here), so both counted requests find it kept
        client.get("/api/v1/board", headers=ctx["nurse"])
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="One")
        with statements_sent(connection) as few:
            client.get(
                "/api/v1/board", params={"date": DAY.isoformat()}, headers=ctx["nurse"]
            )
        for i in range(5):
            plan(
                session, ctx, chair=ctx["chairs"][i % 3], time=f"1{i}:00", name=f"P{i}"
            )
        with statements_sent(connection) as many:
            body = client.get(
                "/api/v1/board", params={"date": DAY.isoformat()}, headers=ctx["nurse"]
            ).json()
        assert len(body["cards"]) == 6
        assert len(many) == len(few)

    def test_site_filter(self, client, session, ctx):
        _other_site, other_chairs = make_site_with_chairs(
            session, ctx["clinic"], chairs=1
        )
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="Here")
        plan(session, ctx, chair=other_chairs[0], time="09:00", name="There")
        cards = client.get(
            "/api/v1/board",
            params={"date": DAY.isoformat(), "site_id": str(ctx["site"].id)},
            headers=ctx["nurse"],
        ).json()["cards"]
        assert [c["patient_name"].split()[-1] for c in cards] == ["Here"]

    def test_one_audit_entry_lists_the_patients(self, client, session, ctx):
        a, _ = plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="A")
        b, _ = plan(session, ctx, chair=ctx["chairs"][1], time="09:00", name="B")
        client.get(
            "/api/v1/board", params={"date": DAY.isoformat()}, headers=ctx["nurse"]
        )
        session.flush()
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "board")
        ).all()
        assert len(entries) == 1
        assert sorted(entries[0].detail["patient_ids"]) == sorted(
            [str(a.id), str(b.id)]
        )

    def test_other_clinics_sessions_are_not_shown(self, client, session, ctx):
        other = make_clinic(session, name="Elsewhere")
        _s, chairs = make_site_with_chairs(session, other)
        doctor = make_user(session, other, role=Role.PRESCRIBER)
        patient = make_patient(session, other)
        make_course(
            session, patient, doctor, chair=chairs[0], start=DAY, weekdays=ALL_DAYS
        )
        cards = client.get(
            "/api/v1/board", params={"date": DAY.isoformat()}, headers=ctx["nurse"]
        ).json()["cards"]
        assert cards == []

    def test_bad_date_is_422_naming_date(self, client, ctx):
        response = client.get(
            "/api/v1/board", params={"date": "2025-13-01"}, headers=ctx["nurse"]
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "date"

    def test_without_login_is_401(self, client):
        assert client.get("/api/v1/board").status_code == 401

    def test_patient_may_not_see_the_board(self, client, session, ctx):
        patient = make_patient(session, ctx["clinic"])
        headers = bearer_for(
            session,
            make_user(session, ctx["clinic"], role=Role.PATIENT, patient=patient),
        )
        assert client.get("/api/v1/board", headers=headers).status_code == 403


class TestKeptBoard:
    """Between writes the board is answered from memory (api.work.Work.kept).

    Each test reads the board once, so that the day and the caller's token lookup are kept.
    Where a read must be answered from memory, ``only_kept`` makes the usual read path fail;
    elsewhere something is changed straight in the database, as another process or an
    operator would, and the change counters must make the next read see it.
    """

    @pytest.fixture
    def kept(self, client, session, ctx):
        patient, _ = plan(
            session, ctx, chair=ctx["chairs"][0], time="09:00", name="Old"
        )
        first = self.read(client, ctx)
        assert first.status_code == 200
        assert [c["patient_name"] for c in first.json()["cards"]] == [
            f"{patient.given_name} Old"
        ]
        return patient

    @pytest.fixture
    def only_kept(self, monkeypatch):
        """From here on the board may not be read on a snapshot: answers come from memory."""
        refuse_snapshots(monkeypatch)

    @staticmethod
    def read(client, ctx, headers=None, **params):
        return client.get(
            "/api/v1/board",
            params={
                "date": DAY.isoformat(),
                **{k: v for k, v in params.items() if v is not None},
            },
            headers=headers or ctx["nurse"],
        )

    def test_an_unchanged_board_reads_only_the_counters(
        self, client, connection, ctx, kept, only_kept
    ):
        with statements_sent(connection) as seen:
            again = self.read(client, ctx)
        assert again.status_code == 200
        assert len(again.json()["cards"]) == 1
        touched = [s for s in seen if "SELECT" in s.upper()]
        assert touched, seen
        assert all("change_counters" in s for s in touched), touched
        assert any("INSERT INTO audit_log" in s for s in seen), seen

    def test_each_kept_read_is_audited(self, client, session, ctx, kept, only_kept):
        for _ in range(3):
            assert self.read(client, ctx).status_code == 200
        session.flush()
        entries = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "board")
        ).all()
        assert len(entries) == 4
        assert {tuple(e.detail["patient_ids"]) for e in entries} == {(str(kept.id),)}

    def test_a_kept_read_whose_audit_fails_is_not_answered(
        self, client, ctx, kept, monkeypatch
    ):
        async def broken(self, entries):
            raise RuntimeError("the audit commit failed")

        monkeypatch.setattr(AuditBatches, "_commit", broken)
        with pytest.raises(RuntimeError, match="the audit commit failed"):
            self.read(client, ctx)

    def test_a_change_made_elsewhere_shows_on_the_next_read(
        self, client, connection, ctx, kept
    ):
        connection.execute(
            update(Patient).where(Patient.id == kept.id).values(family_name="New")
        )
        cards = self.read(client, ctx).json()["cards"]
        assert [c["patient_name"] for c in cards] == [f"{kept.given_name} New"]

    def test_a_token_revoked_elsewhere_is_refused(self, client, connection, ctx, kept):
        connection.execute(update(AuthToken).values(revoked_at=utcnow()))
        assert self.read(client, ctx).status_code == 401

    def test_a_role_without_the_board_is_refused(self, client, connection, ctx, kept):
        connection.execute(
            update(User).where(User.role == Role.NURSE).values(role=Role.FRONT_DESK)
        )
        assert self.read(client, ctx).status_code == 200  # front desk sees the board
        connection.execute(
            update(User).where(User.role == Role.FRONT_DESK).values(role=Role.PATIENT)
        )
        assert self.read(client, ctx).status_code == 403

    def test_a_kept_token_past_its_expiry_is_refused(
        self, client, ctx, kept, monkeypatch
    ):
        later = utcnow() + timedelta(hours=2)  # bearer_for's tokens last an hour
        monkeypatch.setattr(auth_service, "utcnow", lambda: later)
        assert self.read(client, ctx).status_code == 401

    def test_a_patient_is_refused_a_kept_board(
        self, client, session, ctx, kept, monkeypatch
    ):
        patient = make_patient(session, ctx["clinic"])
        headers = bearer_for(
            session,
            make_user(session, ctx["clinic"], role=Role.PATIENT, patient=patient),
        )
        assert self.read(client, ctx).status_code == 200  # kept anew after the writes
        assert self.read(client, ctx, headers).status_code == 403  # keeps the lookup
        with monkeypatch.context() as only_memory:
            refuse_snapshots(only_memory)
            assert self.read(client, ctx).status_code == 200  # the day is kept
        # the patient's lookup and the day are both kept: refused all the same (the refusal
        # itself is then answered by the route, which refuses before reading anything)
        assert self.read(client, ctx, headers).status_code == 403

    def test_a_site_filter_is_kept_apart(self, client, session, ctx, kept, monkeypatch):
        other_site, _ = make_site_with_chairs(session, ctx["clinic"], chairs=1)
        for site_id in (
            None,
            other_site.id,
        ):  # each kept under the counters now standing
            assert self.read(client, ctx, site_id=site_id).status_code == 200
        refuse_snapshots(monkeypatch)
        filtered = self.read(client, ctx, site_id=str(other_site.id)).json()
        assert filtered["site_id"] == str(other_site.id)
        assert filtered["cards"] == []
        everything = self.read(client, ctx).json()
        assert everything["site_id"] is None
        assert len(everything["cards"]) == 1

    def test_today_is_the_clinics_date_on_a_kept_read(
        self, client, session, ctx, monkeypatch
    ):
        utc_today = utcnow().date()
        clinic = ctx["clinic"]
        # UTC+14 or UTC-11: one of them is always on another date than UTC
        clinic.timezone = next(
            zone
            for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago")
            if utcnow().astimezone(ZoneInfo(zone)).date() != utc_today
        )
        session.flush()
        today = today_in(clinic)
        assert today != utc_today
        assert client.get("/api/v1/board", headers=ctx["nurse"]).json()["date"] == (
            today.isoformat()
        )
        refuse_snapshots(monkeypatch)
        kept = client.get("/api/v1/board", headers=ctx["nurse"])
        assert kept.json()["date"] == today.isoformat()


def refuse_snapshots(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the board's usual read path fail: a read must then be answered from memory."""

    def refused(*_args: object, **_kwargs: object) -> bytes:
        raise AssertionError("the board was read on a snapshot, not from memory")

    monkeypatch.setattr(board_service, "board_json", refused)


class TestBoardPolls:
    """api.board_polls: polls answered from memory before routing, exactly as the route would."""

    @pytest.fixture
    def routed(self, monkeypatch):
        """The paths that reached FastAPI's router (the polls answered before it do not)."""
        paths: list[str] = []
        router_call = Router.__call__

        async def recording(self, scope, receive, send):
            paths.append(scope["path"])
            await router_call(self, scope, receive, send)

        monkeypatch.setattr(Router, "__call__", recording)
        return paths

    @pytest.mark.parametrize(
        "params",
        [
            {},
            {"date": DAY.isoformat()},
            {"site": True},
            {"date": DAY.isoformat(), "site": True},
        ],
        ids=["today", "date", "site", "date-and-site"],
    )
    def test_a_kept_poll_is_answered_before_routing_as_the_route_answers(
        self, client, session, ctx, routed, params
    ):
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="Polled")
        plan(
            session,
            ctx,
            chair=ctx["chairs"][1],
            time="10:00",
            name="Also",
            start=today_in(ctx["clinic"]),
        )
        query = {k: v for k, v in params.items() if k != "site"}
        if params.get("site"):
            query["site_id"] = str(ctx["site"].id)
        by_route = client.get("/api/v1/board", params=query, headers=ctx["nurse"])
        assert routed == ["/api/v1/board"]  # nothing kept yet: the route answered
        routed.clear()
        polled = client.get("/api/v1/board", params=query, headers=ctx["nurse"])
        assert routed == []  # answered before routing
        assert polled.status_code == by_route.status_code == 200
        assert polled.content == by_route.content
        assert len(polled.json()["cards"]) == 1
        assert polled.headers.raw == by_route.headers.raw

    @pytest.mark.parametrize(
        "query",
        [
            "date=2025-3-3",
            "date=2025-03-03&date=2025-03-04",
            "site_id=",
            "other=1",
            f"site_id={'0' * 32}",
        ],
    )
    def test_what_it_does_not_take_as_the_route_would_goes_to_the_route(
        self, client, ctx, routed, query
    ):
        for _ in range(2):  # the second would be kept, were it taken
            client.get(f"/api/v1/board?{query}", headers=ctx["nurse"])
        assert routed == ["/api/v1/board"] * 2

    def test_refusals_go_to_the_route(self, client, session, ctx, routed):
        patient = make_patient(session, ctx["clinic"])
        headers = bearer_for(
            session,
            make_user(session, ctx["clinic"], role=Role.PATIENT, patient=patient),
        )
        assert client.get("/api/v1/board", headers=ctx["nurse"]).status_code == 200
        for _ in range(2):
            refused = client.get("/api/v1/board", headers=headers)
            assert refused.status_code == 403
            assert "may not" in refused.json()["detail"]
        assert client.get("/api/v1/board").status_code == 401
        assert len(routed) == 4

    def test_a_poll_it_cannot_answer_reads_the_counters_once(
        self, client, session, ctx, routed, monkeypatch
    ):
        readings: list[object] = []
        read_counters = http.counters_now

        def counted(factory):
            readings.append(factory)
            return read_counters(factory)

        monkeypatch.setattr(http, "counters_now", counted)
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="New")
        first = client.get("/api/v1/board", headers=ctx["nurse"])
        assert first.status_code == 200
        assert routed == ["/api/v1/board"]  # not kept: on to the route, which read it
        assert len(readings) == 1  # the route did not read the counters again

    def test_a_poll_in_another_spelling_is_answered_from_memory_by_the_route(
        self, client, session, ctx, routed, monkeypatch
    ):
        site = str(
            ctx["site"].id
        ).upper()  # a spelling the route takes, and not the poll path
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="Upper")
        query = {"date": DAY.isoformat(), "site_id": site}
        assert (
            client.get("/api/v1/board", params=query, headers=ctx["nurse"]).status_code
            == 200
        )
        refuse_snapshots(monkeypatch)
        routed.clear()
        kept = client.get("/api/v1/board", params=query, headers=ctx["nurse"])
        assert kept.status_code == 200
        assert len(kept.json()["cards"]) == 1
        assert routed == ["/api/v1/board"]

    def test_a_cookie_poll_is_answered_before_routing(
        self, client, session, ctx, routed
    ):
        nurse = make_user(session, ctx["clinic"], role=Role.NURSE)
        login = client.post(
            "/api/v1/auth/login", json={"email": nurse.email, "password": TEST_PASSWORD}
        )
        assert login.status_code == 200, login.text
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="Cookie")
        query = {"date": DAY.isoformat()}
        by_route = client.get("/api/v1/board", params=query)  # the session cookie
        routed.clear()
        polled = client.get("/api/v1/board", params=query)
        assert routed == []
        assert polled.status_code == by_route.status_code == 200
        assert polled.content == by_route.content
        assert polled.headers.raw == by_route.headers.raw

    @pytest.fixture
    def lenient(self, engine, connection, app_settings):
        """A client that gets the responses a server would send for errors (no raising)."""
        app = create_app(app_settings, engine=engine)
        app.state.session_factory = lambda: _bound_session(connection)
        with TestClient(app, raise_server_exceptions=False) as lenient_client:
            yield lenient_client

    def test_a_busy_database_is_503_as_on_the_route(
        self, lenient, session, ctx, routed, monkeypatch
    ):
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="Busy")
        assert lenient.get("/api/v1/board", headers=ctx["nurse"]).status_code == 200

        async def busy(*_args: object) -> None:
            raise OperationalError("INSERT", {}, Exception("database is locked"))

        monkeypatch.setattr(AuditBatches, "_commit", busy)
        routed.clear()
        polled = lenient.get("/api/v1/board", headers=ctx["nurse"])
        assert routed == ["/api/v1/board"]  # on to the route, and its error handlers
        assert polled.status_code == 503, polled.text
        assert polled.headers["retry-after"] == "1"
        assert "busy" in polled.json()["detail"]

    def test_a_failed_counter_reading_goes_to_the_route(
        self, lenient, session, ctx, routed, monkeypatch
    ):
        plan(session, ctx, chair=ctx["chairs"][0], time="09:00", name="Busy")
        assert lenient.get("/api/v1/board", headers=ctx["nurse"]).status_code == 200

        def busy(*_args: object) -> None:
            raise OperationalError("SELECT", {}, Exception("database is locked"))

        monkeypatch.setattr(http, "counters_now", busy)
        routed.clear()
        polled = lenient.get("/api/v1/board", headers=ctx["nurse"])
        assert routed == ["/api/v1/board"]
        assert polled.status_code == 200, polled.text  # the route read it on a snapshot
