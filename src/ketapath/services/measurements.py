"""Record and read measurements: the core scores item answers; results and alerts are stored together.

Recording runs: check role and scope → score with ``ketapath.core.instruments`` (a bad answer
raises a core error naming the item and its range before anything is written) → store the
measurement with every item answer, the rule id/version, flags and risk → raise alerts
(:mod:`ketapath.services.alerts`) in the same transaction → audit. Nothing commits here.

Who: clinicians (prescriber, nurse, therapist) enter any instrument; a ``patient`` user enters
only the self-report instruments in :data:`SELF_REPORT_INSTRUMENTS`, for themselves. Reading
measurements needs the same capability as entering them (``measurement:write``: clinicians, and
a patient for their own record), so front desk and admin do not see scores.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from ketapath.core.findings import Finding
from ketapath.core.instruments import get_instrument, score
from ketapath.db.base import utcnow
from ketapath.db.models import (
    Alert,
    Measurement,
    MeasurementItem,
    MeasurementSource,
    Role,
)
from ketapath.db.repositories.base import untracked
from ketapath.db.repositories.measurements import (
    MeasurementRepository,
    treatment_session_patient_id,
)
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.services import alerts as alert_service
from ketapath.services import audit
from ketapath.services.errors import (
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from ketapath.services.patients import check_patient, load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "SELF_REPORT_INSTRUMENTS",
    "RecordedMeasurement",
    "get_measurement",
    "list_measurements",
    "record_measurement",
]

SELF_REPORT_INSTRUMENTS: frozenset[str] = frozenset(
    {"phq9", "gad7", "qids_sr16", "cssrs"}
)
"""Instruments a patient may complete themselves (the rest are clinician-rated)."""

READ_CAPABILITY = Capability.MEASUREMENT_WRITE
"""Who may read scores: those who may enter them (no separate read grant exists yet)."""


@dataclass(frozen=True, slots=True)
class RecordedMeasurement:
    """A stored measurement, the core's findings about it, and the alerts it raised."""

    measurement: Measurement
    findings: tuple[Finding, ...]
    alerts: list[Alert]


def record_measurement(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: MeasurementCreate
) -> RecordedMeasurement:
    """Score ``data`` with the core and store it with its items and any alerts."""
    patient_id = check_patient(
        session,
        actor=actor,
        patient_id=patient_id,
        capability=Capability.MEASUREMENT_WRITE,
    )
    if actor.role is Role.PATIENT and data.instrument not in SELF_REPORT_INSTRUMENTS:
        raise ForbiddenError(
            f"patients may complete only {', '.join(sorted(SELF_REPORT_INSTRUMENTS))}",
            field="instrument",
        )
    # Scoring first: a core error (unknown instrument, missing or out-of-range item) is
    # raised before anything is written.
    result = score(data.instrument, data.responses)
    instrument = get_instrument(result.instrument)
    if (
        data.session_id is not None
        and treatment_session_patient_id(session, data.session_id) != patient_id
    ):
        raise UnprocessableError(
            "no such treatment session for this patient", field="session_id"
        )
    measurement = MeasurementRepository(session).add(
        untracked(
            Measurement,
            patient_id=patient_id,
            session_id=data.session_id,
            instrument=result.instrument,
            taken_at=data.taken_at or utcnow(),
            source=(
                MeasurementSource.PATIENT
                if actor.role is Role.PATIENT
                else MeasurementSource.CLINICIAN
            ),
            total=result.total,
            severity=result.severity,
            risk=result.risk,
            flags=list(result.flags),
            rule_id=result.rule_id,
            rule_version=result.rule_version,
            minutes_after_dose=data.minutes_after_dose,
            recorded_by_id=actor.user_id,
            recorded_at=utcnow(),
            items=[
                untracked(
                    MeasurementItem,
                    position=instrument.item(item_id).number,
                    item_id=item_id,
                    value=value,
                )
                for item_id, value in result.responses
            ],
        )
    )
    raised = alert_service.raise_for_measurement(
        session, actor=actor, measurement=measurement, result=result
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="measurement",
        entity_id=measurement.id,
        patient_id=patient_id,
        detail={
            "fields": sorted(data.model_fields_set),
            "alert_ids": [str(a.id) for a in raised],
        },
    )
    return RecordedMeasurement(measurement, result.findings, raised)


def list_measurements(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    instrument: str | None,
    limit: int,
    offset: int,
) -> tuple[Sequence[Measurement], int]:
    """A patient's measurements, newest first, with items (audited)."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=READ_CAPABILITY
    )
    rows, total = MeasurementRepository(session).list_for_patient(
        patient_id=patient.id, instrument=instrument, limit=limit, offset=offset
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="measurement",
        patient_id=patient.id,
        detail={"measurement_ids": [str(m.id) for m in rows]},
    )
    return rows, total


def get_measurement(
    session: Session, *, actor: Actor, measurement_id: uuid.UUID
) -> Measurement:
    """One measurement with its items (audited); out of scope is 404, like missing."""
    require(actor, READ_CAPABILITY)
    measurement = MeasurementRepository(session).get_with_items(measurement_id)
    if measurement is None:
        raise NotFoundError("measurement not found")
    try:
        load_patient(
            session,
            actor=actor,
            patient_id=measurement.patient_id,
            capability=READ_CAPABILITY,
        )
    except NotFoundError:
        raise NotFoundError("measurement not found") from None
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="measurement",
        entity_id=measurement.id,
        patient_id=measurement.patient_id,
    )
    return measurement
