"""/api/v1 sessions: every endpoint's success, 422 naming the field, 401, 403, 404, audit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from tests.factories import (
    bearer_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course

from ketapath.db.base import utcnow
from ketapath.db.models import Alert, AuditEntry, Role, VitalSign

CHECK_IN = {
    "systolic_mmhg": 120,
    "diastolic_mmhg": 80,
    "spo2_pct": 98,
    "hours_since_food": "3",
    "minutes_since_liquids": 45,
    "pulse_oximeter_available": True,
    "transport_arranged": True,
}


@pytest.fixture
def ctx(session):
    clinic = make_clinic(session)
    _site, chairs = make_site_with_chairs(session, clinic)
    patient = make_patient(session, clinic)
    patient.rems_enrolled = True
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    nurse = make_user(session, clinic, role=Role.NURSE)
    _course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
    return {
        "clinic": clinic,
        "patient": patient,
        "sessions": sessions,
        "url": f"/api/v1/sessions/{sessions[0].id}",
        "nurse": bearer_for(session, nurse),
        "prescriber": bearer_for(session, prescriber),
    }


def audited(session, patient_id, entity, action):
    session.flush()
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.patient_id == patient_id,
            AuditEntry.entity == entity,
            AuditEntry.action == action,
        )
    ).all()


def start(client, ctx, *, minutes_ago=0):
    assert (
        client.post(
            f"{ctx['url']}/check-in", json=CHECK_IN, headers=ctx["nurse"]
        ).status_code
        == 200
    )
    given_at = (utcnow() - timedelta(minutes=minutes_ago)).isoformat()
    response = client.post(
        f"{ctx['url']}/doses",
        json={"dose_mg": "56", "given_at": given_at},
        headers=ctx["nurse"],
    )
    assert response.status_code == 201, response.text
    return response.json()


class TestGetSession:
    def test_full_record_is_returned_and_audited(self, client, session, ctx):
        response = client.get(ctx["url"], headers=ctx["nurse"])
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "scheduled"
        assert body["patient_mrn"] == ctx["patient"].mrn
        assert body["vitals_schedule_minutes"] == [0, 40, 120]
        assert audited(session, ctx["patient"].id, "session", "read")

    def test_malformed_id_is_422(self, client, ctx):
        response = client.get("/api/v1/sessions/xyz", headers=ctx["nurse"])
        assert response.json()["errors"][0]["field"] == "session_id"

    def test_without_login_is_401(self, client, ctx):
        assert client.get(ctx["url"]).status_code == 401

    def test_front_desk_may_not_open_the_clinical_record(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.FRONT_DESK)
        )
        assert client.get(ctx["url"], headers=headers).status_code == 403

    def test_patient_gets_404_for_another_patients_session(self, client, session, ctx):
        other = make_patient(session, ctx["clinic"])
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.PATIENT, patient=other)
        )
        for path in ("", "/check-in", "/vitals", "/discharge"):
            method = client.get if path == "" else client.post
            kwargs = (
                {}
                if path == ""
                else {"json": CHECK_IN if path == "/check-in" else {"spo2_pct": 97}}
            )
            if path == "/discharge":
                kwargs = {}
            assert (
                method(f"{ctx['url']}{path}", headers=headers, **kwargs).status_code
                == 404
            )


class TestCheckIn:
    def test_clear_check_in_stores_vitals_and_the_check(self, client, session, ctx):
        response = client.post(
            f"{ctx['url']}/check-in", json=CHECK_IN, headers=ctx["nurse"]
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["status"] == "checked_in"
        assert body["predose_check"]["status"] == "clear"
        assert len(body["vitals"]) == 1
        assert audited(session, ctx["patient"].id, "session", "check_in")

    def test_caution_needs_a_prescribers_acknowledgement(self, client, session, ctx):
        high = {
            **CHECK_IN,
            "systolic_mmhg": 150,
            "diastolic_mmhg": 95,
            "acknowledge_cautions": True,
        }
        refused = client.post(f"{ctx['url']}/check-in", json=high, headers=ctx["nurse"])
        assert refused.status_code == 409
        assert "BP-ESK-01" in {f["rule_id"] for f in refused.json()["findings"]}
        assert session.scalars(select(VitalSign)).all() == []
        ok = client.post(f"{ctx['url']}/check-in", json=high, headers=ctx["prescriber"])
        assert ok.status_code == 200
        assert ok.json()["predose_acknowledged_by_id"] is not None

    def test_stop_is_409_and_nothing_is_written(self, client, session, ctx):
        response = client.post(
            f"{ctx['url']}/check-in",
            json={**CHECK_IN, "transport_arranged": False},
            headers=ctx["prescriber"],
        )
        assert response.status_code == 409
        assert [f["rule_id"] for f in response.json()["findings"]] == ["PRE-TRANSPORT"]
        assert (
            client.get(ctx["url"], headers=ctx["nurse"]).json()["status"] == "scheduled"
        )

    def test_systolic_out_of_range_is_422_naming_field_and_range(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/check-in",
            json={**CHECK_IN, "systolic_mmhg": 400},
            headers=ctx["nurse"],
        )
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "systolic_mmhg"
        assert "50–300" in error["message"]

    def test_without_login_is_401(self, client, ctx):
        assert client.post(f"{ctx['url']}/check-in", json=CHECK_IN).status_code == 401

    def test_therapist_may_not_check_in(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.THERAPIST)
        )
        assert (
            client.post(
                f"{ctx['url']}/check-in", json=CHECK_IN, headers=headers
            ).status_code
            == 403
        )

    def test_second_check_in_is_409_naming_the_status(self, client, ctx):
        client.post(f"{ctx['url']}/check-in", json=CHECK_IN, headers=ctx["nurse"])
        again = client.post(
            f"{ctx['url']}/check-in", json=CHECK_IN, headers=ctx["nurse"]
        )
        assert again.status_code == 409
        assert "checked_in" in again.json()["detail"]


class TestDoses:
    def test_day_one_84_is_refused_naming_the_rule_then_56_starts_monitoring(
        self, client, session, ctx
    ):
        client.post(f"{ctx['url']}/check-in", json=CHECK_IN, headers=ctx["nurse"])
        refused = client.post(
            f"{ctx['url']}/doses", json={"dose_mg": "84"}, headers=ctx["nurse"]
        )
        assert refused.status_code == 422
        assert refused.json()["rule"] == "ESK-DOSE-84-AFTER-56"
        assert refused.json()["field"] == "dose_mg"
        given = client.post(
            f"{ctx['url']}/doses",
            json={"dose_mg": "56", "lot_number": "LOT-1"},
            headers=ctx["nurse"],
        )
        assert given.status_code == 201
        assert given.json()["status"] == "monitoring"
        assert given.json()["first_dose_at"] is not None
        assert given.json()["doses"][0]["devices"] == 2
        assert audited(session, ctx["patient"].id, "dose", "create")

    def test_dose_before_check_in_is_409(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/doses", json={"dose_mg": "56"}, headers=ctx["nurse"]
        )
        assert response.status_code == 409

    def test_negative_dose_is_422(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/doses", json={"dose_mg": "-1"}, headers=ctx["nurse"]
        )
        assert response.json()["errors"][0]["field"] == "dose_mg"

    def test_front_desk_may_not_dose(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.FRONT_DESK)
        )
        assert (
            client.post(f"{ctx['url']}/doses", json={}, headers=headers).status_code
            == 403
        )

    def test_without_login_is_401(self, client, ctx):
        assert client.post(f"{ctx['url']}/doses", json={}).status_code == 401


class TestVitals:
    def test_reading_gets_minutes_after_dose_and_high_bp_alerts(
        self, client, session, ctx
    ):
        start(client, ctx, minutes_ago=40)
        response = client.post(
            f"{ctx['url']}/vitals",
            json={"systolic_mmhg": 170, "diastolic_mmhg": 100, "spo2_pct": 96},
            headers=ctx["nurse"],
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["vital"]["minutes_after_dose"] == 40
        assert body["alert"]["kind"] == "vitals"
        assert session.scalars(select(Alert)).one().rule_id == "BP-ESK-01"
        assert audited(session, ctx["patient"].id, "vital_sign", "create")

    def test_empty_reading_is_422(self, client, ctx):
        start(client, ctx)
        response = client.post(f"{ctx['url']}/vitals", json={}, headers=ctx["nurse"])
        assert response.status_code == 422

    def test_diastolic_above_systolic_is_422_naming_diastolic(self, client, ctx):
        start(client, ctx)
        response = client.post(
            f"{ctx['url']}/vitals",
            json={"systolic_mmhg": 100, "diastolic_mmhg": 110},
            headers=ctx["nurse"],
        )
        assert response.json()["errors"][0]["field"] == "diastolic_mmhg"

    def test_spo2_out_of_range_is_422(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/vitals", json={"spo2_pct": 101}, headers=ctx["nurse"]
        )
        assert response.json()["errors"][0]["field"] == "spo2_pct"
        assert "50–100" in response.json()["errors"][0]["message"]

    def test_vitals_on_a_scheduled_session_are_409(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/vitals", json={"spo2_pct": 97}, headers=ctx["nurse"]
        )
        assert response.status_code == 409

    def test_without_login_is_401(self, client, ctx):
        assert (
            client.post(f"{ctx['url']}/vitals", json={"spo2_pct": 97}).status_code
            == 401
        )

    def test_front_desk_may_not_record_vitals(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.FRONT_DESK)
        )
        assert (
            client.post(
                f"{ctx['url']}/vitals", json={"spo2_pct": 97}, headers=headers
            ).status_code
            == 403
        )


class TestScales:
    def test_moaas_is_stored_with_session_and_minutes(self, client, session, ctx):
        start(client, ctx, minutes_ago=30)
        response = client.post(
            f"{ctx['url']}/scales",
            json={"instrument": "moaas", "responses": [4]},
            headers=ctx["nurse"],
        )
        assert response.status_code == 201, response.text
        assert response.json()["session_id"] == str(ctx["sessions"][0].id)
        assert response.json()["minutes_after_dose"] == 30
        assert audited(session, ctx["patient"].id, "measurement", "create")

    def test_unknown_instrument_is_422(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/scales",
            json={"instrument": "phq9", "responses": [1]},
            headers=ctx["nurse"],
        )
        assert response.json()["errors"][0]["field"] == "instrument"

    def test_out_of_range_answer_is_422(self, client, ctx):
        start(client, ctx)
        response = client.post(
            f"{ctx['url']}/scales",
            json={"instrument": "moaas", "responses": [9]},
            headers=ctx["nurse"],
        )
        assert response.status_code == 422

    def test_without_login_is_401(self, client, ctx):
        assert (
            client.post(
                f"{ctx['url']}/scales", json={"instrument": "moaas", "responses": [4]}
            ).status_code
            == 401
        )

    def test_front_desk_is_403(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.FRONT_DESK)
        )
        response = client.post(
            f"{ctx['url']}/scales",
            json={"instrument": "moaas", "responses": [4]},
            headers=headers,
        )
        assert response.status_code == 403


class TestAdverseEvents:
    def test_serious_event_raises_an_alert(self, client, session, ctx):
        start(client, ctx)
        response = client.post(
            f"{ctx['url']}/adverse-events",
            json={"kind": "respiratory_depression", "severity": "serious"},
            headers=ctx["nurse"],
        )
        assert response.status_code == 201, response.text
        assert response.json()["alert"]["kind"] == "adverse_event"
        assert audited(session, ctx["patient"].id, "adverse_event", "create")

    def test_mild_event_raises_no_alert(self, client, ctx):
        start(client, ctx)
        response = client.post(
            f"{ctx['url']}/adverse-events",
            json={"kind": "nausea", "severity": "mild"},
            headers=ctx["nurse"],
        )
        assert response.json()["alert"] is None

    def test_unknown_kind_is_422(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/adverse-events",
            json={"kind": "hiccups", "severity": "mild"},
            headers=ctx["nurse"],
        )
        assert response.json()["errors"][0]["field"] == "kind"

    def test_without_login_is_401(self, client, ctx):
        assert (
            client.post(
                f"{ctx['url']}/adverse-events",
                json={"kind": "nausea", "severity": "mild"},
            ).status_code
            == 401
        )

    def test_front_desk_is_403(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.FRONT_DESK)
        )
        response = client.post(
            f"{ctx['url']}/adverse-events",
            json={"kind": "nausea", "severity": "mild"},
            headers=headers,
        )
        assert response.status_code == 403


RESOLVED = {
    "sedation_resolved": True,
    "dissociation_resolved": True,
    "respiratory_ok": True,
}


class TestReadyAndDischarge:
    def test_discharge_at_100_minutes_is_409_with_every_reason(self, client, ctx):
        start(client, ctx, minutes_ago=100)
        response = client.post(f"{ctx['url']}/discharge", headers=ctx["nurse"])
        assert response.status_code == 409
        body = response.json()
        assert "100 min since the first device" in body["detail"]
        rule_ids = [f["rule_id"] for f in body["findings"]]
        assert "DIS-ESK-120" in rule_ids
        assert "DIS-ESK-RESOLVED" in rule_ids
        assert "DIS-ESK-BP40" in rule_ids

    def test_discharge_after_120_minutes_with_effects_resolved(
        self, client, session, ctx
    ):
        start(client, ctx, minutes_ago=125)
        first_dose = client.get(ctx["url"], headers=ctx["nurse"]).json()[
            "first_dose_at"
        ]
        from datetime import datetime

        taken = (datetime.fromisoformat(first_dose) + timedelta(minutes=40)).isoformat()
        client.post(
            f"{ctx['url']}/vitals",
            json={"taken_at": taken, "systolic_mmhg": 130, "diastolic_mmhg": 80},
            headers=ctx["nurse"],
        )
        ready = client.post(f"{ctx['url']}/ready", json=RESOLVED, headers=ctx["nurse"])
        assert ready.status_code == 200, ready.text
        assert ready.json()["status"] == "ready"
        done = client.post(f"{ctx['url']}/discharge", headers=ctx["nurse"])
        assert done.status_code == 200, done.text
        assert done.json()["status"] == "discharged"
        assert done.json()["discharge"]["minutes_observed"] >= 120
        assert audited(session, ctx["patient"].id, "session", "discharge")

    def test_ready_with_an_unresolved_effect_is_409(self, client, ctx):
        start(client, ctx)
        response = client.post(
            f"{ctx['url']}/ready",
            json={**RESOLVED, "sedation_resolved": False},
            headers=ctx["nurse"],
        )
        assert response.status_code == 409
        assert response.json()["findings"][0]["field"] == "sedation_resolved"

    def test_ready_missing_a_field_is_422(self, client, ctx):
        response = client.post(
            f"{ctx['url']}/ready",
            json={"sedation_resolved": True},
            headers=ctx["nurse"],
        )
        assert response.json()["errors"][0]["field"] == "dissociation_resolved"

    def test_discharge_of_a_scheduled_session_is_409(self, client, ctx):
        response = client.post(f"{ctx['url']}/discharge", headers=ctx["nurse"])
        assert response.status_code == 409
        assert "scheduled" in response.json()["detail"]

    def test_without_login_is_401(self, client, ctx):
        assert client.post(f"{ctx['url']}/discharge").status_code == 401
        assert client.post(f"{ctx['url']}/ready", json=RESOLVED).status_code == 401

    def test_front_desk_is_403(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.FRONT_DESK)
        )
        assert (
            client.post(f"{ctx['url']}/discharge", headers=headers).status_code == 403
        )
        assert (
            client.post(
                f"{ctx['url']}/ready", json=RESOLVED, headers=headers
            ).status_code
            == 403
        )


class TestScheduleAndCancel:
    def test_front_desk_moves_a_session_and_it_is_audited(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.FRONT_DESK)
        )
        second = ctx["sessions"][1]
        response = client.patch(
            f"/api/v1/sessions/{second.id}/schedule",
            json={"date": "2025-03-05", "time": "14:00"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["scheduled_date"] == "2025-03-05"
        assert audited(session, ctx["patient"].id, "session", "update")

    def test_moving_onto_a_consecutive_day_is_422_naming_the_rule(self, client, ctx):
        second = ctx["sessions"][1]
        response = client.patch(
            f"/api/v1/sessions/{second.id}/schedule",
            json={"date": "2025-03-04"},
            headers=ctx["nurse"],
        )
        assert response.status_code == 422
        assert response.json()["rule"] == "PROT-SPACING-01"
        assert response.json()["field"] == "date"

    def test_bad_time_is_422(self, client, ctx):
        response = client.patch(
            f"{ctx['url']}/schedule", json={"time": "25:00"}, headers=ctx["nurse"]
        )
        assert response.json()["errors"][0]["field"] == "time"

    def test_therapist_may_not_reschedule(self, client, session, ctx):
        headers = bearer_for(
            session, make_user(session, ctx["clinic"], role=Role.THERAPIST)
        )
        response = client.patch(
            f"{ctx['url']}/schedule", json={"time": "10:00"}, headers=headers
        )
        assert response.status_code == 403

    def test_cancel_with_reason(self, client, session, ctx):
        response = client.post(
            f"{ctx['url']}/cancel",
            json={"reason": "patient unwell"},
            headers=ctx["nurse"],
        )
        assert response.status_code == 200
        assert response.json()["status"] == "cancelled"
        assert audited(session, ctx["patient"].id, "session", "cancel")

    def test_cancel_without_reason_is_422(self, client, ctx):
        response = client.post(f"{ctx['url']}/cancel", json={}, headers=ctx["nurse"])
        assert response.json()["errors"][0]["field"] == "reason"

    def test_cancel_after_dosing_is_409(self, client, ctx):
        start(client, ctx)
        response = client.post(
            f"{ctx['url']}/cancel",
            json={"reason": "patient unwell"},
            headers=ctx["nurse"],
        )
        assert response.status_code == 409

    def test_without_login_is_401(self, client, ctx):
        assert (
            client.post(f"{ctx['url']}/cancel", json={"reason": "x y z"}).status_code
            == 401
        )
        assert client.patch(f"{ctx['url']}/schedule", json={}).status_code == 401
