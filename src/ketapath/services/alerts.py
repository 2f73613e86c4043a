"""Raise, list and acknowledge clinical alerts; every access is audited.

Suicide safety (REFERENCE §7): every measurement whose core result carries a suicide flag
(``suicidal_ideation`` / ``suicidal_behaviour``: PHQ-9 item 9, MADRS item 10, QIDS-SR16 item 12,
HAM-D17 item 3, C-SSRS Q1–Q6) or a C-SSRS risk of low, moderate or high raises one
``suicide_risk`` alert, every time: alerts are never de-duplicated against earlier open alerts,
because each positive answer is a new signal that a named clinician must acknowledge.

Severity mapping (the flags and risk levels come from the core; only urgency is set here):

=====================================================  ==========  ======================
signal                                                 severity    rule_id
=====================================================  ==========  ======================
C-SSRS risk ``high``                                   critical    CSSRS-RISK
C-SSRS risk ``moderate``                               high        CSSRS-RISK
C-SSRS risk ``low``                                    high        CSSRS-RISK
positive suicide item (PHQ-9 9, MADRS 10, QIDS 12,     high        the item rule, e.g.
HAM-D 3)                                                           PHQ9-ITEM9
MOAA/S 0 (``loss_of_consciousness``) → ``sedation``    critical    MOAAS-LOC
=====================================================  ==========  ======================

A screen never lowers urgency below ``high``: the risk level decides the pathway only after a
clinician has assessed the patient. The message says what to do next: a same-day C-SSRS risk
assessment; at high risk, the urgent pathway with dosing held pending evaluation.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ketapath.core.instruments import (
    LOSS_OF_CONSCIOUSNESS,
    SUICIDAL_BEHAVIOUR,
    SUICIDAL_IDEATION,
    InstrumentResult,
    get_instrument,
)
from ketapath.db.base import utcnow
from ketapath.db.models import Alert, AlertKind, AlertSeverity, Measurement, Patient
from ketapath.db.repositories.alerts import AlertRepository
from ketapath.schemas.alert import AlertAcknowledge, AlertKindName, AlertStatusFilter
from ketapath.services import audit
from ketapath.services.errors import ConflictError, NotFoundError
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "AlertSpec",
    "acknowledge_alert",
    "alerts_for_result",
    "list_inbox",
    "list_patient_alerts",
    "raise_for_measurement",
]

_SUICIDE_FLAGS = frozenset({SUICIDAL_IDEATION, SUICIDAL_BEHAVIOUR})
_CSSRS_SEVERITY = {
    "high": AlertSeverity.CRITICAL,
    "moderate": AlertSeverity.HIGH,
    "low": AlertSeverity.HIGH,
}
_ACKNOWLEDGE = "A named clinician must acknowledge this alert."
_SAME_DAY = (
    "Complete a same-day C-SSRS suicide risk assessment with the patient. If the risk is "
    "high, start the urgent pathway and hold ketamine/esketamine dosing pending evaluation."
)


@dataclass(frozen=True, slots=True)
class AlertSpec:
    """An alert to raise: what, how urgent, why (rule id) and what to do next."""

    kind: AlertKind
    severity: AlertSeverity
    rule_id: str
    message: str


def _flag_rule_id(result: InstrumentResult, flags: frozenset[str]) -> str:
    """The rule id of the finding that raised one of ``flags`` (the scoring rule otherwise)."""
    for finding in result.findings:
        if finding.details.get("flag") in flags:
            return finding.rule_id
    return result.rule_id


def _suicide_alert(result: InstrumentResult) -> AlertSpec | None:
    title = get_instrument(result.instrument).title
    if result.risk in _CSSRS_SEVERITY:
        risk = result.risk
        if risk == "high":
            message = (
                f"{title} risk HIGH. Start the urgent suicide-risk pathway now: immediate "
                "safety precautions and mental-health evaluation; hold ketamine/esketamine "
                f"dosing pending evaluation. {_ACKNOWLEDGE}"
            )
        else:
            message = (
                f"{title} risk {risk}. Same-day clinician evaluation (further evaluation or "
                f"referral) is needed. {_SAME_DAY} {_ACKNOWLEDGE}"
            )
        return AlertSpec(
            AlertKind.SUICIDE_RISK, _CSSRS_SEVERITY[risk], result.rule_id, message
        )
    flagged = _SUICIDE_FLAGS.intersection(result.flags)
    if not flagged:
        return None
    return AlertSpec(
        AlertKind.SUICIDE_RISK,
        AlertSeverity.HIGH,
        _flag_rule_id(result, frozenset(flagged)),
        f"{title}: the suicide item is positive. {_SAME_DAY} {_ACKNOWLEDGE}",
    )


def alerts_for_result(result: InstrumentResult) -> list[AlertSpec]:
    """The alerts a scored instrument raises (see the module docstring for the mapping)."""
    specs: list[AlertSpec] = []
    suicide = _suicide_alert(result)
    if suicide is not None:
        specs.append(suicide)
    if LOSS_OF_CONSCIOUSNESS in result.flags:
        specs.append(
            AlertSpec(
                AlertKind.SEDATION,
                AlertSeverity.CRITICAL,
                _flag_rule_id(result, frozenset({LOSS_OF_CONSCIOUSNESS})),
                "MOAA/S 0: loss of consciousness. Attend the patient now, follow the "
                "session's sedation procedure (airway, vital signs, continuous monitoring) "
                f"and record it. {_ACKNOWLEDGE}",
            )
        )
    return specs


def raise_for_measurement(
    session: Session,
    *,
    actor: Actor,
    measurement: Measurement,
    result: InstrumentResult,
) -> list[Alert]:
    """Store the alerts ``result`` raises, in the caller's transaction (no commit here)."""
    repository = AlertRepository(session)
    raised: list[Alert] = []
    for spec in alerts_for_result(result):
        alert = repository.add(
            Alert(
                patient_id=measurement.patient_id,
                session_id=measurement.session_id,
                measurement_id=measurement.id,
                kind=spec.kind,
                severity=spec.severity,
                rule_id=spec.rule_id,
                message=spec.message,
                raised_at=utcnow(),
            )
        )
        audit.record(
            session,
            actor=actor,
            action="create",
            entity="alert",
            entity_id=alert.id,
            patient_id=alert.patient_id,
            detail={"measurement_id": str(measurement.id)},
        )
        raised.append(alert)
    return raised


def list_inbox(
    session: Session,
    *,
    actor: Actor,
    status: AlertStatusFilter,
    kind: AlertKindName | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[tuple[Alert, Patient]], int]:
    """The clinic's alert inbox; one audit entry per patient shown."""
    require(actor, Capability.ALERT_READ)
    rows, total = AlertRepository(session).inbox(
        clinic_id=actor.clinic_id,
        status=status,
        kind=AlertKind(kind) if kind is not None else None,
        limit=limit,
        offset=offset,
    )
    shown: dict[uuid.UUID, list[str]] = {}
    for alert, _patient in rows:
        shown.setdefault(alert.patient_id, []).append(str(alert.id))
    for patient_id, alert_ids in shown.items():
        audit.record(
            session,
            actor=actor,
            action="read",
            entity="alert",
            patient_id=patient_id,
            detail={"view": "inbox", "alert_ids": alert_ids},
        )
    return rows, total


def list_patient_alerts(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    status: AlertStatusFilter,
    limit: int,
    offset: int,
) -> tuple[Sequence[Alert], int]:
    """One patient's alerts, newest first (audited)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=Capability.ALERT_READ
    )
    rows, total = AlertRepository(session).for_patient(
        patient_id=patient.id, status=status, limit=limit, offset=offset
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="alert",
        patient_id=patient.id,
        detail={"alert_ids": [str(a.id) for a in rows]},
    )
    return rows, total


def acknowledge_alert(
    session: Session, *, actor: Actor, alert_id: uuid.UUID, data: AlertAcknowledge
) -> Alert:
    """Record who acknowledged the alert, when, and their note; a second acknowledgement is 409."""
    require(actor, Capability.ALERT_ACK)
    alert = AlertRepository(session).get_for_update(alert_id)
    if alert is None:
        raise NotFoundError("alert not found")
    try:
        load_patient(
            session,
            actor=actor,
            patient_id=alert.patient_id,
            capability=Capability.ALERT_ACK,
        )
    except NotFoundError:
        raise NotFoundError("alert not found") from None
    if alert.acknowledged_at is not None:
        raise ConflictError("alert is already acknowledged", field="alert_id")
    alert.acknowledged_by_id = actor.user_id
    alert.acknowledged_at = utcnow()
    alert.acknowledgement_note = data.note
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="acknowledge",
        entity="alert",
        entity_id=alert.id,
        patient_id=alert.patient_id,
        detail={
            "fields": ["acknowledged_at", "acknowledged_by_id", "acknowledgement_note"]
        },
    )
    return alert
