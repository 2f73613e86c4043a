"""Alert queries: the clinic inbox, a patient's alerts, and the escalation worker's queue."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import CursorResult, Select, case, func, select, update

from ketapath.db.models import Alert, AlertKind, AlertSeverity, Patient
from ketapath.db.repositories.base import Repository

__all__ = ["AlertRepository", "AlertStatus"]

AlertStatus = Literal["open", "acknowledged", "all"]

# Most severe first; the inbox orders by this, then newest first.
_SEVERITY_RANK = case(
    (Alert.severity == AlertSeverity.CRITICAL, 0),
    (Alert.severity == AlertSeverity.HIGH, 1),
    (Alert.severity == AlertSeverity.MODERATE, 2),
    else_=3,
)


S = TypeVar("S", bound=Select[*tuple[Any, ...]])


def _filtered(statement: S, status: AlertStatus, kind: AlertKind | None) -> S:
    """Restrict ``statement`` to alerts of this status (open / acknowledged / all) and kind."""
    if status == "open":
        statement = statement.where(Alert.acknowledged_at.is_(None))
    elif status == "acknowledged":
        statement = statement.where(Alert.acknowledged_at.is_not(None))
    if kind is not None:
        statement = statement.where(Alert.kind == kind)
    return statement


class AlertRepository(Repository[Alert]):
    """Alerts of a clinic's patients."""

    model = Alert

    def inbox(
        self,
        *,
        clinic_id: uuid.UUID,
        status: AlertStatus,
        kind: AlertKind | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[tuple[Alert, Patient]], int]:
        """The clinic's alerts with their patient: most severe first, then newest first."""
        statement = _filtered(
            select(Alert, Patient)
            .join(Patient, Patient.id == Alert.patient_id)
            .where(Patient.clinic_id == clinic_id),
            status,
            kind,
        )
        total = (
            self.session.scalar(select(func.count()).select_from(statement.subquery()))
            or 0
        )
        rows = self.session.execute(
            statement.order_by(_SEVERITY_RANK, Alert.raised_at.desc(), Alert.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return [(alert, patient) for alert, patient in rows], total

    def for_patient(
        self,
        *,
        patient_id: uuid.UUID,
        status: AlertStatus,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[Alert], int]:
        """One patient's alerts, newest first."""
        statement = _filtered(
            select(Alert).where(Alert.patient_id == patient_id), status, None
        )
        total = (
            self.session.scalar(select(func.count()).select_from(statement.subquery()))
            or 0
        )
        rows = self.session.scalars(
            statement.order_by(Alert.raised_at.desc(), _SEVERITY_RANK, Alert.id)
            .limit(limit)
            .offset(offset)
        ).all()
        return rows, total

    def for_measurement(self, measurement_id: uuid.UUID) -> Sequence[Alert]:
        """Alerts a measurement raised."""
        return self.session.scalars(
            select(Alert)
            .where(Alert.measurement_id == measurement_id)
            .order_by(Alert.raised_at, Alert.id)
        ).all()

    def due_for_escalation(
        self, *, older_than: datetime, limit: int = 500
    ) -> Sequence[Alert]:
        """Open, not yet escalated alerts raised at or before ``older_than``, oldest first.

        Spans every clinic: the escalation worker runs once per deployment.
        """
        return self.session.scalars(
            select(Alert)
            .where(
                Alert.acknowledged_at.is_(None),
                Alert.escalated_at.is_(None),
                Alert.raised_at <= older_than,
            )
            .order_by(Alert.raised_at, Alert.id)
            .limit(limit)
        ).all()

    def mark_escalated(self, alert_id: uuid.UUID, *, at: datetime) -> bool:
        """Set ``escalated_at`` if the alert is still open and unescalated.

        One conditional UPDATE, so two workers cannot both escalate the same alert; returns
        whether this call did it.
        """
        result = self.session.execute(
            update(Alert)
            .where(
                Alert.id == alert_id,
                Alert.acknowledged_at.is_(None),
                Alert.escalated_at.is_(None),
            )
            .values(escalated_at=at)
            .execution_options(synchronize_session="fetch")
        )
        assert isinstance(result, CursorResult)
        return result.rowcount == 1
