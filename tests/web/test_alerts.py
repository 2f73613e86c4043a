"""The /alerts inbox: order, filters, acknowledgement with a required note, roles, CSRF, audit."""

from __future__ import annotations

import re
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from ketapath.db.base import utcnow
from ketapath.db.models import Alert, AlertKind, AlertSeverity, AuditEntry, Role
from tests.factories import make_clinic, make_patient


@pytest.fixture
def setup(session):
    clinic = make_clinic(session)
    patient = make_patient(
        session, clinic, given_name="Grace", family_name="Hopper", mrn="MRN-GH-1"
    )
    return clinic, patient


def _alert(
    session,
    patient,
    *,
    minutes_ago=10,
    kind=AlertKind.SUICIDE_RISK,
    severity=AlertSeverity.HIGH,
    rule_id="PHQ9-ITEM9",
    message="PHQ-9: the suicide item is positive.",
):
    alert = Alert(
        patient_id=patient.id,
        kind=kind,
        severity=severity,
        rule_id=rule_id,
        message=message,
        raised_at=utcnow() - timedelta(minutes=minutes_ago),
    )
    session.add(alert)
    session.flush()
    return alert


def _positions(text, *needles):
    return [text.index(n) for n in needles]


class TestInbox:
    def test_open_alerts_most_severe_first_with_patient_kind_rule_and_message(
        self, session, setup, sign_in_as
    ):
        clinic, patient = setup
        high = _alert(session, patient, minutes_ago=5)
        critical = _alert(
            session,
            patient,
            minutes_ago=50,
            kind=AlertKind.SEDATION,
            severity=AlertSeverity.CRITICAL,
            rule_id="MOAAS-LOC",
            message="MOAA/S 0: loss of consciousness.",
        )
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get("/alerts")
        assert response.status_code == 200
        text = response.text
        first, second = _positions(
            text, f'id="alert-{critical.id}"', f'id="alert-{high.id}"'
        )
        assert first < second
        assert f'href="/patients/{patient.id}">Grace Hopper</a>' in text
        assert "MRN-GH-1" in text
        assert "PHQ9-ITEM9" in text
        assert "MOAAS-LOC" in text
        assert "Suicide risk" in text
        assert "MOAA/S 0: loss of consciousness." in text
        assert 'data-partial="#ack-' in text

    def test_filters_and_open_before_acknowledged(self, session, setup, sign_in_as):
        clinic, patient = setup
        nurse = sign_in_as(clinic, Role.NURSE)
        done = _alert(session, patient, severity=AlertSeverity.CRITICAL)
        done.acknowledged_by_id = nurse.user.id
        done.acknowledged_at = utcnow()
        done.acknowledgement_note = "Called the patient"
        open_ = _alert(
            session, patient, severity=AlertSeverity.LOW, kind=AlertKind.VITALS
        )
        session.flush()
        opened = nurse.client.get("/alerts?status=open").text
        assert f"alert-{open_.id}" in opened
        assert f"alert-{done.id}" not in opened
        acked = nurse.client.get("/alerts?status=acknowledged").text
        assert f"alert-{done.id}" in acked
        assert f"alert-{open_.id}" not in acked
        assert "Called the patient" in acked
        assert nurse.user.display_name in acked
        every = nurse.client.get("/alerts?status=all").text
        first, second = _positions(
            every, f'id="alert-{open_.id}"', f'id="alert-{done.id}"'
        )
        assert first < second
        assert nurse.client.get("/alerts?status=nonsense").status_code == 422

    def test_patient_filter_from_the_chart(self, session, setup, sign_in_as):
        clinic, patient = setup
        other = make_patient(session, clinic, given_name="Alan", family_name="Turing")
        mine = _alert(session, patient)
        theirs = _alert(session, other)
        nurse = sign_in_as(clinic, Role.NURSE)
        text = nurse.client.get(f"/alerts?patient_id={patient.id}").text
        assert f"alert-{mine.id}" in text
        assert f"alert-{theirs.id}" not in text
        assert nurse.client.get(f"/alerts?patient_id={uuid.uuid4()}").status_code == 404

    def test_reading_the_inbox_is_audited_per_patient(self, session, setup, sign_in_as):
        clinic, patient = setup
        alert = _alert(session, patient)
        nurse = sign_in_as(clinic, Role.NURSE)
        nurse.client.get("/alerts")
        session.flush()
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "alert",
                AuditEntry.action == "read",
                AuditEntry.actor_id == nurse.user.id,
            )
        ).one()
        assert entry.patient_id == patient.id
        assert entry.detail["alert_ids"] == [str(alert.id)]

    def test_signed_out_goes_to_sign_in(self, client):
        response = client.get("/alerts", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
    def test_non_clinicians_are_403(self, setup, sign_in_as, role):
        clinic, _ = setup
        assert sign_in_as(clinic, role).client.get("/alerts").status_code == 403


class TestAcknowledge:
    def test_note_records_who_and_when_and_redirects_to_acknowledged(
        self, session, setup, sign_in_as
    ):
        clinic, patient = setup
        alert = _alert(session, patient)
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/alerts/{alert.id}/acknowledge",
            {"note": "Called; same-day C-SSRS done", "status": "open"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"] == (
            f"/alerts?status=acknowledged#alert-{alert.id}"
        )
        session.refresh(alert)
        assert alert.acknowledged_by_id == nurse.user.id
        assert alert.acknowledged_at is not None
        assert alert.acknowledgement_note == "Called; same-day C-SSRS done"
        page = nurse.client.get("/alerts?status=acknowledged").text
        assert re.search(r"by <strong>Test nurse</strong>", page)
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "acknowledge")
        ).one()
        assert entry.actor_id == nurse.user.id
        assert entry.entity_id == str(alert.id)

    def test_partial_answer_is_the_acknowledgement_region(
        self, session, setup, sign_in_as
    ):
        clinic, patient = setup
        alert = _alert(session, patient)
        nurse = sign_in_as(clinic, Role.PRESCRIBER)
        response = nurse.post(
            f"/alerts/{alert.id}/acknowledge",
            {"note": "Seen in clinic"},
            headers={"X-Partial": "1"},
        )
        assert response.status_code == 200
        assert response.text.lstrip().startswith(f'<div id="ack-{alert.id}"')
        assert "Acknowledged" in response.text
        assert "Test prescriber" in response.text
        assert "Seen in clinic" in response.text

    @pytest.mark.parametrize("partial", [False, True], ids=["page", "partial"])
    def test_missing_note_is_422_beside_the_field_and_nothing_stored(
        self, session, setup, sign_in_as, partial
    ):
        clinic, patient = setup
        alert = _alert(session, patient)
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/alerts/{alert.id}/acknowledge",
            {"note": "  "},
            headers={"X-Partial": "1"} if partial else {},
        )
        assert response.status_code == 422
        assert re.search(
            rf'id="e-note-{alert.id}"[^>]*>Write a note saying what you did',
            response.text,
        )
        assert (
            f'aria-describedby="h-note-{alert.id} e-note-{alert.id}"' in response.text
        )
        session.refresh(alert)
        assert alert.acknowledged_at is None

    def test_second_acknowledgement_is_409(self, session, setup, sign_in_as):
        clinic, patient = setup
        alert = _alert(session, patient)
        nurse = sign_in_as(clinic, Role.NURSE)
        first = nurse.post(
            f"/alerts/{alert.id}/acknowledge", {"note": "done"}, follow_redirects=False
        )
        assert first.status_code == 303
        again = nurse.post(
            f"/alerts/{alert.id}/acknowledge",
            {"note": "done again"},
            headers={"X-Partial": "1"},
        )
        assert again.status_code == 409
        assert "already acknowledged" in again.text

    def test_another_clinics_alert_is_404(self, session, setup, sign_in_as):
        clinic, _ = setup
        other = make_patient(session, make_clinic(session, name="Other"))
        alert = _alert(session, other)
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(f"/alerts/{alert.id}/acknowledge", {"note": "not mine"})
        assert response.status_code == 404
        session.refresh(alert)
        assert alert.acknowledged_at is None

    def test_front_desk_is_403(self, session, setup, sign_in_as):
        clinic, patient = setup
        alert = _alert(session, patient)
        desk = sign_in_as(clinic, Role.FRONT_DESK)
        response = desk.post(f"/alerts/{alert.id}/acknowledge", {"note": "hello"})
        assert response.status_code == 403

    def test_without_csrf_token_is_403(self, session, setup, sign_in_as):
        clinic, patient = setup
        alert = _alert(session, patient)
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.post(
            f"/alerts/{alert.id}/acknowledge", data={"note": "no token"}
        )
        assert response.status_code == 403
        session.refresh(alert)
        assert alert.acknowledged_at is None
