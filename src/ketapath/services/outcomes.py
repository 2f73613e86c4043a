"""Per-instrument outcomes for a patient, computed by ``ketapath.core.outcomes`` (audited).

For each outcome instrument (PHQ-9, GAD-7, MADRS, QIDS-SR16, HAM-D17) the patient has at least
one scored measurement of:

- **baseline** is the first measurement (or the one named by ``baseline_measurement_id``, for
  its instrument; earlier measurements of that instrument are then left out), **latest** the
  most recent. Change, percent change, response and remission (with the definition used) come
  from :func:`ketapath.core.outcomes.assess_outcome` on exactly those two measurements.
- **trajectory**: the core's trajectory and relapse rules take one score per date, so the
  series given to them has one score per clinic-local date: the baseline on its own date, and
  the last score of every later date. Best score, trend and weeks since baseline come from
  :func:`~ketapath.core.outcomes.summarise_trajectory` on that series; ``points`` lists every
  measurement.
- **relapse** where the core has a default rule (MADRS, SUSTAIN-1); other instruments need a
  clinic setting and report ``None``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, date, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from ketapath.core.findings import Finding
from ketapath.core.outcomes import (
    OUTCOME_INSTRUMENTS,
    SUSTAIN1_MADRS,
    DatedScore,
    assess_outcome,
    assess_relapse,
    remission_definition,
    summarise_trajectory,
)
from ketapath.db.models import Measurement
from ketapath.db.repositories.measurements import (
    MeasurementRepository,
    clinic_timezone,
)
from ketapath.schemas.measurement import (
    FindingRead,
    InstrumentOutcomeRead,
    OutcomePoint,
    PatientOutcomesRead,
    RelapseRead,
)
from ketapath.services import audit
from ketapath.services.errors import UnprocessableError
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability

__all__ = ["patient_outcomes"]

READ_CAPABILITY = Capability.MEASUREMENT_WRITE
"""Clinicians, and a patient for their own record (as for reading measurements)."""


def _zone(name: str | None) -> tzinfo:
    if not name:
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def _finding(finding: Finding) -> FindingRead:
    return FindingRead(
        rule_id=finding.rule_id,
        rule_version=finding.rule_version,
        severity=str(finding.severity),
        message=finding.message,
    )


def _point(measurement: Measurement, zone: tzinfo) -> OutcomePoint:
    assert measurement.total is not None
    return OutcomePoint(
        measurement_id=measurement.id,
        taken_at=measurement.taken_at,
        on=measurement.taken_at.astimezone(zone).date(),
        total=measurement.total,
    )


def _one_per_date(points: Sequence[OutcomePoint]) -> dict[date, OutcomePoint]:
    """The baseline on its date, and the last point of every later date."""
    daily: dict[date, OutcomePoint] = {points[0].on: points[0]}
    for point in points[1:]:
        if point.on != points[0].on:
            daily[point.on] = point
    return daily


def _instrument_outcome(
    instrument: str, points: Sequence[OutcomePoint]
) -> InstrumentOutcomeRead:
    baseline, latest = points[0], points[-1]
    outcome = assess_outcome(instrument, baseline=baseline.total, current=latest.total)
    definition = remission_definition(instrument)
    daily = _one_per_date(points)
    dated = [DatedScore(on, point.total) for on, point in daily.items()]
    summary = summarise_trajectory(instrument, dated)
    relapse: RelapseRead | None = None
    findings = [summary.findings[0], *outcome.findings]
    if instrument == SUSTAIN1_MADRS.instrument:
        assessed = assess_relapse(dated, criteria=SUSTAIN1_MADRS)
        relapse = RelapseRead(
            relapsed=assessed.relapsed,
            first_elevated_on=assessed.first_elevated_on,
            confirmed_on=assessed.confirmed_on,
            rule_id=assessed.finding.rule_id,
            message=assessed.finding.message,
        )
        findings.append(assessed.finding)
    return InstrumentOutcomeRead(
        instrument=instrument,
        baseline=baseline,
        latest=latest,
        best=daily[summary.best.on],
        change=outcome.change,
        percent_change=outcome.percent_change,
        response=outcome.response,
        remission=outcome.remission,
        remission_definition=outcome.remission_definition,
        remission_definition_label=definition.label if definition is not None else None,
        relapse=relapse,
        trend=summary.trend,
        weeks_since_baseline=summary.weeks_since_baseline,
        points=list(points),
        findings=[_finding(f) for f in findings],
    )


def patient_outcomes(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    baseline_measurement_id: uuid.UUID | None = None,
) -> PatientOutcomesRead:
    """Outcomes on every outcome instrument the patient has a scored measurement of."""
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=READ_CAPABILITY
    )
    zone = _zone(clinic_timezone(session, patient.clinic_id))
    series = MeasurementRepository(session).scored_series(
        patient_id=patient.id, instruments=OUTCOME_INSTRUMENTS
    )
    by_instrument: dict[str, list[Measurement]] = {}
    for measurement in series:
        by_instrument.setdefault(measurement.instrument, []).append(measurement)
    if baseline_measurement_id is not None:
        chosen = next((m for m in series if m.id == baseline_measurement_id), None)
        if chosen is None:
            raise UnprocessableError(
                "baseline must be a scored outcome measurement of this patient "
                f"({', '.join(OUTCOME_INSTRUMENTS)})",
                field="baseline_measurement_id",
            )
        rows = by_instrument[chosen.instrument]
        by_instrument[chosen.instrument] = rows[rows.index(chosen) :]
    results = [
        _instrument_outcome(
            instrument, [_point(m, zone) for m in by_instrument[instrument]]
        )
        for instrument in OUTCOME_INSTRUMENTS
        if instrument in by_instrument
    ]
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="outcome",
        patient_id=patient.id,
        detail={
            "measurement_count": len(series),
            "baseline_measurement_id": (
                str(baseline_measurement_id) if baseline_measurement_id else None
            ),
        },
    )
    return PatientOutcomesRead(patient_id=patient.id, instruments=results)
