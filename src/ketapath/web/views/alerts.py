"""The alert inbox (clinicians): open alerts first, most severe first; acknowledge with a note.

- ``GET  /alerts?status=open|acknowledged|all&patient_id=``: the clinic's alerts (or one
  patient's, for links from the chart), each with patient name and MRN, kind, severity, raised
  time, message and rule id, and who acknowledged it, when, with what note.
- ``POST /alerts/{id}/acknowledge``: a required note (3–2000 characters, ``AlertAcknowledge``).
  From the inbox's ``data-partial`` form the answer is the alert's acknowledgement region
  (``#ack-<id>``): the acknowledgement, or the form again with the message beside the note.
  Without script, success redirects to the acknowledged list and an error re-renders the inbox.

Reads and acknowledgements are audited by :mod:`ketapath.services.alerts`.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from starlette.responses import RedirectResponse, Response

from ketapath.db.models import Alert, AlertSeverity, Patient
from ketapath.http import SessionDep
from ketapath.schemas.alert import AlertAcknowledge, AlertStatusFilter
from ketapath.services import alerts as alert_service
from ketapath.services import clinic as clinic_service
from ketapath.services import patients as patient_service
from ketapath.services.errors import ConflictError
from ketapath.web.deps import WebUser
from ketapath.web.forms import FormErrors, form_values, parse_form
from ketapath.web.templating import render

router = APIRouter()

PAGE_SIZE = 100
STATUS_LABELS: tuple[tuple[str, str], ...] = (
    ("open", "Open"),
    ("acknowledged", "Acknowledged"),
    ("all", "All"),
)
_SEVERITY_ORDER = {
    AlertSeverity.CRITICAL: 0,
    AlertSeverity.HIGH: 1,
    AlertSeverity.MODERATE: 2,
    AlertSeverity.LOW: 3,
}


def _open_first(rows: Sequence[tuple[Alert, Patient]]) -> list[tuple[Alert, Patient]]:
    """Open before acknowledged, then most severe, then newest (the page's reading order)."""
    return sorted(
        rows,
        key=lambda row: (
            row[0].acknowledged_at is not None,
            _SEVERITY_ORDER[row[0].severity],
            -row[0].raised_at.timestamp(),
        ),
    )


def _staff_names(session: SessionDep, web: WebUser) -> dict[uuid.UUID, str]:
    """Who acknowledged: the clinic's staff directory by id."""
    return {
        user.id: user.display_name
        for user in clinic_service.list_staff(session, actor=web.actor)
    }


def _inbox(
    request: Request,
    session: SessionDep,
    web: WebUser,
    *,
    status: AlertStatusFilter,
    patient_id: uuid.UUID | None,
    offset: int,
    ack_errors: dict[uuid.UUID, FormErrors] | None = None,
    ack_values: dict[uuid.UUID, str] | None = None,
    status_code: int = 200,
) -> Response:
    patient: Patient | None = None
    if patient_id is not None:
        patient = patient_service.get_patient(
            session, actor=web.actor, patient_id=patient_id
        )
        alerts, total = alert_service.list_patient_alerts(
            session,
            actor=web.actor,
            patient_id=patient_id,
            status=status,
            limit=PAGE_SIZE,
            offset=offset,
        )
        rows: Sequence[tuple[Alert, Patient]] = [(a, patient) for a in alerts]
    else:
        rows, total = alert_service.list_inbox(
            session,
            actor=web.actor,
            status=status,
            kind=None,
            limit=PAGE_SIZE,
            offset=offset,
        )
    context: dict[str, Any] = {
        "rows": _open_first(rows),
        "total": total,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "status": status,
        "statuses": STATUS_LABELS,
        "patient": patient,
        "names": _staff_names(session, web),
        "ack_errors": ack_errors or {},
        "ack_values": ack_values or {},
    }
    return render(request, "alerts/inbox.html", context, status_code=status_code)


@router.get("/alerts")
def inbox(
    request: Request,
    session: SessionDep,
    web: WebUser,
    status: AlertStatusFilter = "open",
    patient_id: uuid.UUID | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Response:
    """The alert inbox."""
    return _inbox(
        request, session, web, status=status, patient_id=patient_id, offset=offset
    )


def _ack_region(
    request: Request,
    *,
    alert_id: uuid.UUID,
    alert: Alert | None,
    names: dict[uuid.UUID, str],
    errors: FormErrors,
    note: str,
    status: AlertStatusFilter,
    patient_id: uuid.UUID | None,
    status_code: int,
) -> Response:
    return render(
        request,
        "alerts/_ack.html",
        {
            "alert_id": alert_id,
            "alert": alert,
            "names": names,
            "errors": errors,
            "note": note,
            "status": status,
            "patient_filter": patient_id,
        },
        status_code=status_code,
    )


def _status(value: object, default: AlertStatusFilter) -> AlertStatusFilter:
    """A posted status filter, or ``default`` when it is not one of the three."""
    if value == "open":
        return "open"
    if value == "acknowledged":
        return "acknowledged"
    if value == "all":
        return "all"
    return default


@router.post("/alerts/{alert_id}/acknowledge")
async def acknowledge(
    request: Request, session: SessionDep, web: WebUser, alert_id: uuid.UUID
) -> Response:
    """Acknowledge one alert with a note; the clinician and the time are recorded."""
    form = await request.form()
    values = form_values(form, drop=("csrf_token", "status", "patient_id"))
    note = str(values.get("note", ""))
    partial = request.headers.get("X-Partial") == "1"
    status = _status(form.get("status"), "open")
    raw_patient = form.get("patient_id")
    try:
        patient_id = uuid.UUID(raw_patient) if isinstance(raw_patient, str) else None
    except ValueError:
        patient_id = None
    conflict = False
    data, errors = parse_form(AlertAcknowledge, values)
    if data is None:
        errors = {"note": _note_message(errors.get("note", "invalid note"), note)}
    else:
        try:
            alert = alert_service.acknowledge_alert(
                session, actor=web.actor, alert_id=alert_id, data=data
            )
        except ConflictError as error:
            conflict = True
            errors = {"note": f"{error.message}: reload to see who acknowledged it."}
        else:
            if partial:
                return _ack_region(
                    request,
                    alert_id=alert_id,
                    alert=alert,
                    names={web.actor.user_id: web.actor.display_name},
                    errors={},
                    note="",
                    status=status,
                    patient_id=patient_id,
                    status_code=200,
                )
            # Open alerts no longer list it: show it among the acknowledged ones.
            back = "all" if status == "all" else "acknowledged"
            target = f"/alerts?status={back}"
            if patient_id is not None:
                target += f"&patient_id={patient_id}"
            return RedirectResponse(f"{target}#alert-{alert_id}", status_code=303)
    status_code = 409 if conflict else 422
    if partial:
        return _ack_region(
            request,
            alert_id=alert_id,
            alert=None,
            names={},
            errors=errors,
            note=note,
            status=status,
            patient_id=patient_id,
            status_code=status_code,
        )
    return _inbox(
        request,
        session,
        web,
        status=status,
        patient_id=patient_id,
        offset=0,
        ack_errors={alert_id: errors},
        ack_values={alert_id: note},
        status_code=status_code,
    )


def _note_message(message: str, note: str) -> str:
    """Plain words for the note's validation message."""
    if note.strip() == "":
        return "Write a note saying what you did (at least 3 characters)."
    if len(note.strip()) < 3:
        return "The note must be at least 3 characters."
    return message
