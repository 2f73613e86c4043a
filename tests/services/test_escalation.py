"""services.escalation: unacknowledged alerts e-mailed to the on-call clinician, once.

One test sends through a real SMTP server (aiosmtpd, in-process on 127.0.0.1).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from ketapath.db.models import Alert, AlertKind, AlertSeverity, Role
from ketapath.services.escalation import escalate_due_alerts
from ketapath.services.mailer import RecordingMailer, SmtpMailer
from tests.factories import make_clinic, make_patient, make_user

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
WINDOW = 30


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class _Inbox:
    """aiosmtpd handler keeping every message it receives."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], Message]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.messages.append(
            (list(envelope.rcpt_tos), message_from_bytes(envelope.content))
        )
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp_server() -> Iterator[tuple[_Inbox, int]]:
    inbox = _Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


@pytest.fixture
def clinic_setup(session):
    clinic = make_clinic(session)
    patient = make_patient(
        session, clinic, given_name="Ada", family_name="Lovelace", mrn="MRN-ESC-1"
    )
    on_call = make_user(
        session, clinic, role=Role.NURSE, on_call=True, email="oncall@example.org"
    )
    prescriber = make_user(
        session, clinic, role=Role.PRESCRIBER, email="prescriber@example.org"
    )
    return clinic, patient, on_call, prescriber


def _alert(
    session,
    patient,
    *,
    minutes_ago: int,
    kind: AlertKind = AlertKind.SUICIDE_RISK,
    severity: AlertSeverity = AlertSeverity.HIGH,
) -> Alert:
    alert = Alert(
        patient_id=patient.id,
        kind=kind,
        severity=severity,
        rule_id="PHQ9-ITEM9",
        message="PHQ-9: the suicide item is positive.",
        raised_at=NOW - timedelta(minutes=minutes_ago),
    )
    session.add(alert)
    session.flush()
    return alert


class TestEscalateDueAlerts:
    def test_sends_through_a_real_smtp_server_to_the_on_call_clinician(
        self, session, clinic_setup, smtp_server
    ):
        _, patient, on_call, _ = clinic_setup
        inbox, port = smtp_server
        alert = _alert(session, patient, minutes_ago=45)
        mailer = SmtpMailer(host="127.0.0.1", port=port, sender="ketapath@clinic.test")
        escalated = escalate_due_alerts(
            session,
            now=NOW,
            minutes=WINDOW,
            mailer=mailer,
            base_url="https://clinic.test",
        )
        assert escalated == [alert.id]
        assert len(inbox.messages) == 1
        recipients, message = inbox.messages[0]
        assert recipients == [on_call.email]
        assert message["To"] == on_call.email
        assert message["From"] == "ketapath@clinic.test"
        subject = message["Subject"]
        assert "suicide risk" in subject
        assert "high" in subject
        body = message.get_payload(decode=True).decode()
        for text in (subject, body):
            assert "Ada" not in text
            assert "Lovelace" not in text
        assert "MRN-ESC-1" not in subject
        assert "Patient MRN: MRN-ESC-1" in body
        assert f"https://clinic.test/alerts?patient_id={patient.id}" in body
        assert "PHQ" not in body  # no clinical detail beyond kind and severity
        session.refresh(alert)
        assert alert.escalated_at == NOW

    def test_an_alert_is_escalated_only_once(self, session, clinic_setup):
        _, patient, _, _ = clinic_setup
        alert = _alert(session, patient, minutes_ago=45)
        mailer = RecordingMailer()
        assert escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=mailer) == [
            alert.id
        ]
        later = NOW + timedelta(minutes=30)
        assert (
            escalate_due_alerts(session, now=later, minutes=WINDOW, mailer=mailer) == []
        )
        assert len(mailer.sent) == 1

    def test_acknowledged_alerts_never_escalate(self, session, clinic_setup):
        _, patient, on_call, _ = clinic_setup
        alert = _alert(session, patient, minutes_ago=120)
        alert.acknowledged_by_id = on_call.id
        alert.acknowledged_at = NOW - timedelta(minutes=100)
        alert.acknowledgement_note = "Called the patient"
        session.flush()
        mailer = RecordingMailer()
        assert (
            escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=mailer) == []
        )
        assert mailer.sent == []

    def test_only_after_the_escalation_window(self, session, clinic_setup):
        _, patient, _, _ = clinic_setup
        young = _alert(session, patient, minutes_ago=WINDOW - 1)
        due = _alert(session, patient, minutes_ago=WINDOW)
        mailer = RecordingMailer()
        assert escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=mailer) == [
            due.id
        ]
        assert young.escalated_at is None

    def test_suicide_risk_and_critical_first(self, session, clinic_setup):
        _, patient, _, _ = clinic_setup
        vitals = _alert(
            session,
            patient,
            minutes_ago=90,
            kind=AlertKind.VITALS,
            severity=AlertSeverity.MODERATE,
        )
        suicide = _alert(session, patient, minutes_ago=40)
        sedation = _alert(
            session,
            patient,
            minutes_ago=35,
            kind=AlertKind.SEDATION,
            severity=AlertSeverity.CRITICAL,
        )
        mailer = RecordingMailer()
        escalated = escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=mailer)
        assert escalated == [sedation.id, suicide.id, vitals.id]

    def test_without_anyone_on_call_all_prescribers_are_emailed(
        self, session, clinic_setup
    ):
        clinic, patient, on_call, prescriber = clinic_setup
        on_call.on_call = False
        second = make_user(session, clinic, role=Role.PRESCRIBER)
        session.flush()
        _alert(session, patient, minutes_ago=45)
        mailer = RecordingMailer()
        escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=mailer)
        (message,) = mailer.sent
        assert set(message.to) == {prescriber.email, second.email}

    def test_a_refused_send_leaves_the_alert_for_the_next_run(
        self, session, clinic_setup
    ):
        _, patient, _, _ = clinic_setup
        alert = _alert(session, patient, minutes_ago=45)
        closed = SmtpMailer(
            host="127.0.0.1", port=_free_port(), sender="k@test", timeout_s=2
        )
        assert (
            escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=closed) == []
        )
        session.refresh(alert)
        assert alert.escalated_at is None
        mailer = RecordingMailer()
        assert escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=mailer) == [
            alert.id
        ]

    def test_escalation_is_audited_without_an_actor(self, session, clinic_setup):
        from sqlalchemy import select

        from ketapath.db.models import AuditEntry

        _, patient, on_call, _ = clinic_setup
        alert = _alert(session, patient, minutes_ago=45)
        escalate_due_alerts(session, now=NOW, minutes=WINDOW, mailer=RecordingMailer())
        session.flush()
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "escalate")
        ).one()
        assert entry.entity_id == str(alert.id)
        assert entry.actor_id is None
        assert entry.patient_id == patient.id
        assert entry.detail["recipient_ids"] == [str(on_call.id)]
