"""Escalate unacknowledged alerts to the on-call clinician by e-mail (REFERENCE §7).

An alert still open ``escalation_minutes`` (setting, default 30) after it was raised is sent to
the clinic's on-call clinicians (active users with ``on_call``); when nobody is on call, to the
clinic's active prescribers. Suicide-risk and critical alerts go first. Each alert is escalated
once: :meth:`AlertRepository.mark_escalated` is one conditional UPDATE, so two workers cannot
both claim it. Claim and send happen inside a savepoint: when the mail server refuses, the claim
is undone and the next run tries again (at-least-once delivery). An alert of a clinic with no
recipient at all stays unescalated (and is logged without patient data) until someone is on call.

Minimal PHI: the subject names only the alert kind and severity; the body adds the MRN and a
link to the inbox, never a name or clinical detail.

Runs in ``ketapath worker`` (one process per deployment) or in-process via
:func:`start_background_escalation`. Services flush only; :func:`run_once` commits through
:func:`ketapath.db.engine.session_scope`, the same one place the CLI commits.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.orm import Session, sessionmaker

from ketapath.config import Settings
from ketapath.db.base import utcnow
from ketapath.db.engine import session_scope
from ketapath.db.models import Alert, AlertKind, AlertSeverity, Patient, Role, User
from ketapath.db.repositories.alerts import AlertRepository
from ketapath.db.repositories.patients import PatientRepository
from ketapath.db.repositories.users import UserRepository
from ketapath.services import audit
from ketapath.services.mailer import Mailer, MailerError, MailMessage, SmtpMailer

__all__ = [
    "BackgroundEscalation",
    "escalate_due_alerts",
    "escalation_message",
    "run_once",
    "start_background_escalation",
]

log = logging.getLogger("ketapath.escalation")

_SEVERITY_ORDER = {
    AlertSeverity.CRITICAL: 0,
    AlertSeverity.HIGH: 1,
    AlertSeverity.MODERATE: 2,
    AlertSeverity.LOW: 3,
}


def _priority(alert: Alert) -> tuple[int, int, datetime]:
    """Suicide-risk and critical alerts first, then by severity, then oldest first."""
    urgent = alert.kind is AlertKind.SUICIDE_RISK or (
        alert.severity is AlertSeverity.CRITICAL
    )
    return (0 if urgent else 1, _SEVERITY_ORDER[alert.severity], alert.raised_at)


def _recipients(users: UserRepository, clinic_id: uuid.UUID) -> Sequence[User]:
    """On-call clinicians; when none, every active prescriber of the clinic."""
    on_call = users.on_call(clinic_id=clinic_id)
    if on_call:
        return on_call
    return [
        u for u in users.list(clinic_id=clinic_id, role=Role.PRESCRIBER) if u.active
    ]


def escalation_message(
    alert: Alert, patient: Patient, recipients: Sequence[str], *, base_url: str
) -> MailMessage:
    """The e-mail: kind and severity in the subject; MRN and the inbox link in the body."""
    kind = alert.kind.value.replace("_", " ")
    severity = alert.severity.value
    link = f"{base_url.rstrip('/')}/alerts?patient_id={patient.id}"
    body = (
        "An alert needs acknowledgement by a clinician.\n\n"
        f"Kind: {kind}\n"
        f"Severity: {severity}\n"
        f"Raised: {alert.raised_at:%Y-%m-%d %H:%M} UTC\n"
        f"Patient MRN: {patient.mrn}\n\n"
        f"Open the alert inbox to review and acknowledge it:\n{link}\n\n"
        "You receive this because you are on call (or a prescriber when nobody is on call).\n"
    )
    return MailMessage(
        to=tuple(recipients),
        subject=f"[ketapath] Alert needs acknowledgement: {kind} ({severity})",
        body=body,
    )


def escalate_due_alerts(
    session: Session,
    *,
    now: datetime,
    minutes: int,
    mailer: Mailer,
    base_url: str = "",
) -> list[uuid.UUID]:
    """E-mail and mark every open alert older than ``minutes``; return the escalated ids."""
    alerts = AlertRepository(session)
    patients = PatientRepository(session)
    users = UserRepository(session)
    due = sorted(
        alerts.due_for_escalation(older_than=now - timedelta(minutes=minutes)),
        key=_priority,
    )
    escalated: list[uuid.UUID] = []
    for alert in due:
        patient = patients.get(alert.patient_id)
        if patient is None:
            continue
        recipients = _recipients(users, patient.clinic_id)
        if not recipients:
            log.warning(
                "alert %s: no on-call clinician or prescriber to e-mail", alert.id
            )
            continue
        try:
            with session.begin_nested():
                if not alerts.mark_escalated(alert.id, at=now):
                    continue  # acknowledged or escalated by another worker meanwhile
                mailer.send(
                    escalation_message(
                        alert,
                        patient,
                        [u.email for u in recipients],
                        base_url=base_url,
                    )
                )
                audit.record(
                    session,
                    actor=None,
                    action="escalate",
                    entity="alert",
                    entity_id=alert.id,
                    patient_id=patient.id,
                    clinic_id=patient.clinic_id,
                    detail={
                        "recipient_ids": [str(u.id) for u in recipients],
                        "minutes": minutes,
                    },
                )
        except MailerError as error:
            log.warning("alert %s: escalation e-mail failed (%s)", alert.id, error)
            continue
        escalated.append(alert.id)
    return escalated


def run_once(
    factory: sessionmaker[Session],
    *,
    settings: Settings,
    mailer: Mailer,
    base_url: str = "",
    now: datetime | None = None,
) -> list[uuid.UUID]:
    """One escalation pass in its own committed transaction (the worker's unit of work)."""
    with session_scope(factory) as session:
        return escalate_due_alerts(
            session,
            now=now or utcnow(),
            minutes=settings.escalation_minutes,
            mailer=mailer,
            base_url=base_url,
        )


class _HasState(Protocol):
    @property
    def state(self) -> Any: ...


@dataclass
class BackgroundEscalation:
    """A daemon thread running :func:`run_once` every ``interval_s``; :meth:`stop` ends it."""

    thread: threading.Thread
    stopping: threading.Event

    def stop(self, timeout_s: float = 10.0) -> None:
        """Ask the thread to finish its current pass and wait for it."""
        self.stopping.set()
        self.thread.join(timeout=timeout_s)


def start_background_escalation(
    app: _HasState,
    *,
    interval_s: float = 60.0,
    mailer: Mailer | None = None,
    base_url: str = "",
    on_error: Callable[[Exception], None] | None = None,
) -> BackgroundEscalation:
    """Run escalation inside the web process (single-process deployments).

    Uses ``app.state.session_factory`` and ``app.state.settings`` (set by ``create_app``) and an
    :class:`SmtpMailer` from the settings unless ``mailer`` is given. Call it from the app's
    lifespan start-up and call ``.stop()`` at shutdown. With several web workers, run
    ``ketapath worker`` instead (one per deployment); running both is safe, only wasteful,
    because each alert is claimed once.
    """
    factory: sessionmaker[Session] = app.state.session_factory
    settings: Settings = app.state.settings
    chosen = mailer or SmtpMailer.from_settings(settings)
    stopping = threading.Event()

    def loop() -> None:
        while not stopping.is_set():
            try:
                run_once(factory, settings=settings, mailer=chosen, base_url=base_url)
            except Exception as error:  # keep the loop alive; the next pass retries
                log.warning("escalation pass failed: %s", type(error).__name__)
                if on_error is not None:
                    on_error(error)
            stopping.wait(interval_s)

    thread = threading.Thread(target=loop, name="ketapath-escalation", daemon=True)
    thread.start()
    return BackgroundEscalation(thread, stopping)
