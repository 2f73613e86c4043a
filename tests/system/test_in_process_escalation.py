"""With SMTP configured, the server itself e-mails the on-call clinician about an overdue alert."""

from __future__ import annotations

import time
from datetime import timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select
from tests.factories import make_clinic, make_patient, make_user
from tests.services.test_escalation import smtp_server  # noqa: F401  (fixture: a real SMTP server)

from ketapath.app import create_app
from ketapath.config import Settings
from ketapath.db import migrate
from ketapath.db.base import utcnow
from ketapath.db.engine import make_engine, make_session_factory, session_scope
from ketapath.db.models import Alert, AlertKind, AlertSeverity, Role


def test_server_escalates_overdue_alert_by_email(tmp_path: Path, smtp_server) -> None:  # noqa: F811
    inbox, port = smtp_server
    url = f"sqlite:///{tmp_path / 'k.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with session_scope(make_session_factory(engine)) as session:
        clinic = make_clinic(session)
        patient = make_patient(session, clinic, mrn="MRN-ESC-9")
        make_user(
            session,
            clinic,
            role=Role.PRESCRIBER,
            on_call=True,
            email="oncall@clinic.test",
        )
        session.add(
            Alert(
                patient_id=patient.id,
                kind=AlertKind.SUICIDE_RISK,
                severity=AlertSeverity.HIGH,
                rule_id="PHQ9-ITEM9",
                message="PHQ-9 item 9 positive",
                raised_at=utcnow() - timedelta(minutes=45),
            )
        )
    settings = Settings(
        data_dir=tmp_path,
        database_url=url,
        smtp_host="127.0.0.1",
        smtp_port=port,
        escalation_minutes=30,
    )
    with TestClient(create_app(settings, engine=engine)):
        deadline = time.monotonic() + 20
        while not inbox.messages and time.monotonic() < deadline:
            time.sleep(0.1)
    assert [rcpt for rcpt, _message in inbox.messages] == [["oncall@clinic.test"]]
    with engine.connect() as connection:
        assert connection.execute(select(Alert.escalated_at)).scalar_one() is not None
    engine.dispose()
