"""/api/v1 alerts: inbox, a patient's alerts, acknowledgement; roles, scope, audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.factories import bearer_for, make_clinic, make_patient, make_user

from ketapath.db.models import Alert, AlertKind, AlertSeverity, AuditEntry, Role

PHQ9_ITEM9_POSITIVE = [1, 1, 1, 1, 1, 1, 1, 1, 1]


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


def login(session, clinic, role, patient=None):
    return bearer_for(session, make_user(session, clinic, role=role, patient=patient))


def make_alert(
    session,
    patient,
    *,
    severity=AlertSeverity.HIGH,
    kind=AlertKind.SUICIDE_RISK,
    minutes_ago=0,
):
    alert = Alert(
        patient_id=patient.id,
        kind=kind,
        severity=severity,
        message="test alert",
        rule_id="TEST-RULE",
        raised_at=datetime.now(UTC) - timedelta(minutes=minutes_ago),
    )
    session.add(alert)
    session.flush()
    return alert


def submit_positive_phq9(client, headers, patient_id):
    response = client.post(
        f"/api/v1/patients/{patient_id}/measurements",
        json={"instrument": "phq9", "responses": PHQ9_ITEM9_POSITIVE},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    (alert,) = response.json()["alerts"]
    return alert


def audit_entries(session, patient_id, action):
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.patient_id == patient_id,
            AuditEntry.action == action,
            AuditEntry.entity == "alert",
        )
    ).all()


class TestListInbox:
    def test_most_severe_then_newest_first_with_patient_name_and_mrn(
        self, client, session, clinic, patient
    ):
        other = make_patient(session, clinic, given_name="Alan", family_name="Turing")
        old_high = make_alert(session, patient, minutes_ago=30)
        new_high = make_alert(session, other, minutes_ago=5)
        critical = make_alert(
            session, patient, severity=AlertSeverity.CRITICAL, minutes_ago=60
        )
        headers = login(session, clinic, Role.NURSE)
        response = client.get("/api/v1/alerts", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert [a["id"] for a in body["items"]] == [
            str(critical.id),
            str(new_high.id),
            str(old_high.id),
        ]
        assert body["total"] == 3
        assert body["items"][1]["patient_family_name"] == "Turing"
        assert body["items"][1]["patient_mrn"] == other.mrn

    def test_only_the_actors_clinic(self, client, session, clinic, patient):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        make_alert(session, elsewhere)
        mine = make_alert(session, patient)
        headers = login(session, clinic, Role.THERAPIST)
        body = client.get("/api/v1/alerts", headers=headers).json()
        assert [a["id"] for a in body["items"]] == [str(mine.id)]

    def test_status_and_kind_filters(self, client, session, clinic, patient):
        nurse = make_user(session, clinic, role=Role.NURSE)
        done = make_alert(session, patient)
        done.acknowledged_by_id = nurse.id
        done.acknowledged_at = datetime.now(UTC)
        done.acknowledgement_note = "seen"
        sedation = make_alert(
            session, patient, kind=AlertKind.SEDATION, severity=AlertSeverity.CRITICAL
        )
        session.flush()
        headers = bearer_for(session, nurse)
        open_ids = [
            a["id"]
            for a in client.get("/api/v1/alerts", headers=headers).json()["items"]
        ]
        assert open_ids == [str(sedation.id)]
        acknowledged = client.get(
            "/api/v1/alerts", params={"status": "acknowledged"}, headers=headers
        ).json()
        assert [a["id"] for a in acknowledged["items"]] == [str(done.id)]
        everything = client.get(
            "/api/v1/alerts",
            params={"status": "all", "kind": "suicide_risk"},
            headers=headers,
        ).json()
        assert [a["id"] for a in everything["items"]] == [str(done.id)]

    def test_reading_the_inbox_is_audited_per_patient(
        self, client, session, clinic, patient
    ):
        alert = make_alert(session, patient)
        client.get("/api/v1/alerts", headers=login(session, clinic, Role.NURSE))
        (entry,) = audit_entries(session, patient.id, "read")
        assert entry.detail == {"view": "inbox", "alert_ids": [str(alert.id)]}

    @pytest.mark.parametrize("param", ["status", "kind"])
    def test_unknown_filter_value_is_422_naming_it(
        self, client, session, clinic, param
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.get(
            "/api/v1/alerts", params={param: "bogus"}, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == param

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.FRONT_DESK, Role.ADMIN])
    def test_non_clinicians_are_403(self, client, session, clinic, patient, role):
        headers = login(
            session, clinic, role, patient=patient if role is Role.PATIENT else None
        )
        assert client.get("/api/v1/alerts", headers=headers).status_code == 403

    def test_without_login_is_401(self, client):
        assert client.get("/api/v1/alerts").status_code == 401


class TestListPatientAlerts:
    def test_clinician_lists_a_patients_alerts_and_the_read_is_audited(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        first = submit_positive_phq9(client, headers, patient.id)
        second = submit_positive_phq9(client, headers, patient.id)
        response = client.get(f"/api/v1/patients/{patient.id}/alerts", headers=headers)
        assert response.status_code == 200
        ids = {a["id"] for a in response.json()["items"]}
        assert ids == {first["id"], second["id"]}
        (entry,) = audit_entries(session, patient.id, "read")
        assert sorted(entry.detail["alert_ids"]) == sorted(ids)

    def test_another_clinics_patient_is_404(self, client, session, clinic):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        make_alert(session, elsewhere)
        headers = login(session, clinic, Role.NURSE)
        response = client.get(
            f"/api/v1/patients/{elsewhere.id}/alerts", headers=headers
        )
        assert response.status_code == 404

    def test_patient_user_is_403(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(f"/api/v1/patients/{patient.id}/alerts", headers=headers)
        assert response.status_code == 403

    def test_malformed_patient_id_is_422(self, client, session, clinic):
        headers = login(session, clinic, Role.NURSE)
        response = client.get("/api/v1/patients/xyz/alerts", headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "patient_id"

    def test_without_login_is_401(self, client, patient):
        assert client.get(f"/api/v1/patients/{patient.id}/alerts").status_code == 401


def ack_url(alert_id):
    return f"/api/v1/alerts/{alert_id}/acknowledge"


class TestAcknowledgeAlert:
    def test_records_who_when_and_the_note(self, client, session, clinic, patient):
        nurse = make_user(session, clinic, role=Role.NURSE)
        headers = bearer_for(session, nurse)
        alert = submit_positive_phq9(client, headers, patient.id)
        before = datetime.now(UTC)
        response = client.post(
            ack_url(alert["id"]),
            json={"note": "C-SSRS done same day: low risk, safety plan reviewed"},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["acknowledged_by_id"] == str(nurse.id)
        assert datetime.fromisoformat(body["acknowledged_at"]) >= before - timedelta(
            seconds=1
        )
        stored = session.get(Alert, uuid.UUID(alert["id"]))
        session.refresh(stored)
        assert stored.acknowledged_by_id == nurse.id
        assert stored.acknowledged_at is not None
        assert stored.acknowledgement_note.startswith("C-SSRS done")

    def test_acknowledgement_is_audited_without_the_note(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        alert = make_alert(session, patient)
        client.post(ack_url(alert.id), json={"note": "called patient"}, headers=headers)
        (entry,) = audit_entries(session, patient.id, "acknowledge")
        assert entry.entity_id == str(alert.id)
        assert "called patient" not in str(entry.detail)

    def test_acknowledging_twice_is_409(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.NURSE)
        alert = make_alert(session, patient)
        first = client.post(ack_url(alert.id), json={"note": "seen"}, headers=headers)
        assert first.status_code == 200
        again = client.post(
            ack_url(alert.id), json={"note": "seen again"}, headers=headers
        )
        assert again.status_code == 409
        session.refresh(alert)
        assert alert.acknowledgement_note == "seen"

    @pytest.mark.parametrize(
        "body", [{}, {"note": "ok"}, {"note": "   "}], ids=["missing", "short", "blank"]
    )
    def test_note_is_required_422_naming_note(
        self, client, session, clinic, patient, body
    ):
        headers = login(session, clinic, Role.NURSE)
        alert = make_alert(session, patient)
        response = client.post(ack_url(alert.id), json=body, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "note"
        session.refresh(alert)
        assert alert.acknowledged_at is None

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.FRONT_DESK])
    def test_patients_and_front_desk_are_403(
        self, client, session, clinic, patient, role
    ):
        headers = login(
            session, clinic, role, patient=patient if role is Role.PATIENT else None
        )
        alert = make_alert(session, patient)
        response = client.post(
            ack_url(alert.id), json={"note": "seen"}, headers=headers
        )
        assert response.status_code == 403

    def test_another_clinics_alert_is_404(self, client, session, clinic):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        alert = make_alert(session, elsewhere)
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            ack_url(alert.id), json={"note": "seen"}, headers=headers
        )
        assert response.status_code == 404
        session.refresh(alert)
        assert alert.acknowledged_at is None

    def test_unknown_alert_is_404(self, client, session, clinic):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            ack_url(uuid.uuid4()), json={"note": "seen"}, headers=headers
        )
        assert response.status_code == 404

    def test_without_login_is_401(self, client, session, patient):
        alert = make_alert(session, patient)
        assert client.post(ack_url(alert.id), json={"note": "seen"}).status_code == 401
