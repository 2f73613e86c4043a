"""services.alerts and the alert repository: mapping, acknowledgement, escalation queue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketapath.core.instruments import score
from ketapath.db.models import Alert, AlertKind, AlertSeverity, Role
from ketapath.db.repositories.alerts import AlertRepository
from ketapath.schemas.alert import AlertAcknowledge
from ketapath.services import alerts as alert_service
from ketapath.services.errors import ConflictError, ForbiddenError
from tests.factories import actor_for, make_clinic, make_patient, make_user

NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)


class TestAlertsForResult:
    @pytest.mark.parametrize(
        ("instrument", "responses", "expected"),
        [
            ("phq9", [0] * 8 + [1], [("suicide_risk", "high", "PHQ9-ITEM9")]),
            ("phq9", [3] * 8 + [0], []),
            ("madrs", [0] * 9 + [2], [("suicide_risk", "high", "MADRS-ITEM10")]),
            (
                "hamd17",
                [0, 0, 1] + [0] * 14,
                [("suicide_risk", "high", "HAMD17-ITEM3")],
            ),
            (
                "cssrs",
                [1, 1, 0, 0, 1, 0, None],
                [("suicide_risk", "critical", "CSSRS-RISK")],
            ),
            (
                "cssrs",
                [1, 1, 1, 0, 0, 0, None],
                [("suicide_risk", "high", "CSSRS-RISK")],
            ),
            (
                "cssrs",
                [0, 0, None, None, None, 1, 0],
                [("suicide_risk", "high", "CSSRS-RISK")],
            ),
            ("cssrs", [0, 0, None, None, None, 0, None], []),
            ("moaas", [0], [("sedation", "critical", "MOAAS-LOC")]),
            ("moaas", [1], []),
        ],
        ids=[
            "phq9-item9",
            "phq9-item9-zero",
            "madrs-item10",
            "hamd17-item3",
            "cssrs-high",
            "cssrs-moderate",
            "cssrs-behaviour-long-ago",
            "cssrs-none",
            "moaas-0",
            "moaas-1",
        ],
    )
    def test_mapping(self, instrument, responses, expected):
        specs = alert_service.alerts_for_result(score(instrument, responses))
        assert [(s.kind.value, s.severity.value, s.rule_id) for s in specs] == expected

    def test_qids_suicide_item_raises_an_alert(self):
        responses = [0] * 16
        responses[11] = 1
        (spec,) = alert_service.alerts_for_result(score("qids_sr16", responses))
        assert spec.kind is AlertKind.SUICIDE_RISK
        assert spec.rule_id == "QIDS-SR16-ITEM12"

    def test_every_suicide_message_asks_for_a_same_day_assessment_or_urgent_pathway(
        self,
    ):
        for responses in ([0] * 8 + [1], [3] * 9):
            (spec,) = alert_service.alerts_for_result(score("phq9", responses))
            assert "same-day C-SSRS" in spec.message
            assert "acknowledge" in spec.message
        (high,) = alert_service.alerts_for_result(
            score("cssrs", [1, 1, 0, 1, 0, 0, None])
        )
        assert "urgent" in high.message
        assert "hold" in high.message


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


def make_alert(session, patient, *, raised_at=NOW, **fields):
    alert = Alert(
        patient_id=patient.id,
        kind=AlertKind.SUICIDE_RISK,
        severity=AlertSeverity.HIGH,
        message="m",
        rule_id="PHQ9-ITEM9",
        raised_at=raised_at,
        **fields,
    )
    session.add(alert)
    session.flush()
    return alert


class TestAcknowledgeAlert:
    def test_records_who_when_and_note(self, session, clinic, patient):
        user = make_user(session, clinic, role=Role.PRESCRIBER)
        alert = make_alert(session, patient)
        acknowledged = alert_service.acknowledge_alert(
            session,
            actor=actor_for(user),
            alert_id=alert.id,
            data=AlertAcknowledge(note="C-SSRS done: low risk"),
        )
        assert acknowledged.acknowledged_by_id == user.id
        assert acknowledged.acknowledged_at is not None
        assert acknowledged.acknowledgement_note == "C-SSRS done: low risk"

    def test_second_acknowledgement_is_a_conflict(self, session, clinic, patient):
        actor = actor_for(make_user(session, clinic, role=Role.NURSE))
        alert = make_alert(session, patient)
        note = AlertAcknowledge(note="seen it")
        alert_service.acknowledge_alert(
            session, actor=actor, alert_id=alert.id, data=note
        )
        with pytest.raises(ConflictError):
            alert_service.acknowledge_alert(
                session, actor=actor, alert_id=alert.id, data=note
            )

    def test_front_desk_may_not_acknowledge(self, session, clinic, patient):
        actor = actor_for(make_user(session, clinic, role=Role.FRONT_DESK))
        alert = make_alert(session, patient)
        with pytest.raises(ForbiddenError):
            alert_service.acknowledge_alert(
                session,
                actor=actor,
                alert_id=alert.id,
                data=AlertAcknowledge(note="seen it"),
            )


class TestDueForEscalation:
    def test_returns_only_open_unescalated_alerts_old_enough(
        self, session, clinic, patient
    ):
        user = make_user(session, clinic, role=Role.NURSE)
        due = make_alert(session, patient, raised_at=NOW - timedelta(minutes=30))
        make_alert(session, patient, raised_at=NOW - timedelta(minutes=1))
        make_alert(
            session,
            patient,
            raised_at=NOW - timedelta(minutes=30),
            acknowledged_by_id=user.id,
            acknowledged_at=NOW,
        )
        make_alert(
            session,
            patient,
            raised_at=NOW - timedelta(minutes=30),
            escalated_at=NOW - timedelta(minutes=5),
        )
        found = AlertRepository(session).due_for_escalation(
            older_than=NOW - timedelta(minutes=15)
        )
        assert [a.id for a in found] == [due.id]


class TestMarkEscalated:
    def test_escalates_once(self, session, patient):
        alert = make_alert(session, patient)
        repository = AlertRepository(session)
        assert repository.mark_escalated(alert.id, at=NOW) is True
        assert repository.mark_escalated(alert.id, at=NOW) is False
        session.refresh(alert)
        assert alert.escalated_at == NOW
        assert repository.due_for_escalation(older_than=NOW) == []

    def test_an_acknowledged_alert_is_not_escalated(self, session, clinic, patient):
        user = make_user(session, clinic, role=Role.NURSE)
        alert = make_alert(
            session, patient, acknowledged_by_id=user.id, acknowledged_at=NOW
        )
        assert AlertRepository(session).mark_escalated(alert.id, at=NOW) is False
