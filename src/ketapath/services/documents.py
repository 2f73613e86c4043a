"""Documents: session record, REMS form and superbill PDFs, and the controlled-substance reports.

Each function checks role and scope through the service that owns the data, assembles plain
models, calls a renderer in :mod:`ketapath.documents` and audits the download.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session

from ketapath import documents
from ketapath.db.base import utcnow
from ketapath.db.models import TreatmentSession, User
from ketapath.db.repositories.rems import RemsRepository
from ketapath.db.repositories.sessions import SessionRepository
from ketapath.documents import fmt
from ketapath.schemas.billing import SuperbillRead
from ketapath.schemas.documents import (
    DocumentRow,
    SessionRecordDocument,
    SignatureLine,
)
from ketapath.services import audit, ledger_reports
from ketapath.services import billing as billing_service
from ketapath.services import ledger as ledger_service
from ketapath.services import rems as rems_service
from ketapath.services.clinic import load_clinic, today_in
from ketapath.services.courses import load_session
from ketapath.services.errors import UnprocessableError
from ketapath.services.permissions import Actor, Capability

__all__ = [
    "RenderedDocument",
    "dispensing_log",
    "inventory",
    "rems_form_pdf",
    "session_record_pdf",
    "superbill",
    "superbill_pdf",
]

PDF = "application/pdf"
CSV = "text/csv; charset=utf-8"


@dataclass(frozen=True, slots=True)
class RenderedDocument:
    """A rendered file; ``missing`` names what the document could not fill (e.g. a fee)."""

    filename: str
    media_type: str
    content: bytes
    missing: list[str] = field(default_factory=list)


def _audit_download(
    session: Session,
    actor: Actor,
    entity: str,
    entity_id: uuid.UUID | str | None,
    patient_id: uuid.UUID | None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit.record(
        session,
        actor=actor,
        action="download",
        entity=entity,
        entity_id=entity_id,
        patient_id=patient_id,
        detail=detail,
    )


def _name(users: dict[uuid.UUID, User], user_id: uuid.UUID | None) -> str:
    if user_id is None:
        return "—"
    user = users.get(user_id)
    return user.display_name if user is not None else str(user_id)


def _signatures(
    treatment: TreatmentSession, users: dict[uuid.UUID, User]
) -> list[SignatureLine]:
    lines: list[SignatureLine] = []
    predose = [v for v in treatment.vitals if v.minutes_after_dose is None]
    if treatment.checked_in_at is not None:
        lines.append(
            SignatureLine(
                action="Checked in (pre-dose vitals)",
                name=_name(users, predose[0].recorded_by_id if predose else None),
                at=treatment.checked_in_at,
            )
        )
    if treatment.predose_acknowledged_by_id is not None:
        lines.append(
            SignatureLine(
                action="Pre-dose cautions acknowledged",
                name=_name(users, treatment.predose_acknowledged_by_id),
                at=treatment.checked_in_at,
            )
        )
    for dose in treatment.doses:
        lines.append(
            SignatureLine(
                action=f"Dose given ({fmt(dose.dose_mg)} mg {dose.drug})",
                name=_name(users, dose.given_by_id),
                at=dose.given_at,
            )
        )
    ready_by = (treatment.discharge or {}).get("ready_confirmed_by_id")
    if treatment.ready_at is not None:
        lines.append(
            SignatureLine(
                action="Ready (effects resolved)",
                name=_name(users, uuid.UUID(ready_by))
                if isinstance(ready_by, str)
                else "—",
                at=treatment.ready_at,
            )
        )
    if treatment.discharged_at is not None:
        lines.append(
            SignatureLine(
                action="Discharged",
                name=_name(users, treatment.discharged_by_id),
                at=treatment.discharged_at,
            )
        )
    return lines


def _discharge_rows(discharge: dict[str, Any] | None) -> list[DocumentRow]:
    if not discharge:
        return []
    rows: list[DocumentRow] = []
    for name, value in (discharge.get("effects") or {}).items():
        rows.append(DocumentRow(cells=[name.replace("_", " "), fmt(value)]))
    for key, label in (
        ("minutes_observed", "minutes observed after first dose"),
        ("ready_after_minutes", "ready after (minutes)"),
        ("drug_given", "drug given"),
    ):
        if key in discharge:
            rows.append(DocumentRow(cells=[label, fmt(discharge[key])]))
    for finding in discharge.get("findings") or []:
        if isinstance(finding, dict):
            rows.append(
                DocumentRow(
                    cells=[
                        f"finding {finding.get('rule_id') or ''}".strip(),
                        str(finding.get("message", "")),
                    ]
                )
            )
    return rows


def session_record_pdf(
    session: Session,
    *,
    actor: Actor,
    session_id: uuid.UUID,
    now: datetime | None = None,
) -> RenderedDocument:
    """The record of one session of any route as a PDF (nurses and prescribers; audited)."""
    treatment, patient = load_session(
        session, actor=actor, session_id=session_id, capability=Capability.SESSION_RUN
    )
    repository = SessionRepository(session)
    course = repository.course_of(treatment)
    rems = RemsRepository(session)
    site = rems.site_of_chair(treatment.chair_id)
    clinic = load_clinic(session, clinic_id=patient.clinic_id)
    scales = repository.scales(treatment.id)
    users = rems.users(
        [treatment.predose_acknowledged_by_id, treatment.discharged_by_id]
        + [d.given_by_id for d in treatment.doses]
        + [v.recorded_by_id for v in treatment.vitals]
        + [
            uuid.UUID(x)
            for x in [(treatment.discharge or {}).get("ready_confirmed_by_id")]
            if isinstance(x, str)
        ]
    )
    record = SessionRecordDocument(
        clinic_name=clinic.name,
        site_name=site.name if site is not None else None,
        patient_name=f"{patient.given_name} {patient.family_name}",
        patient_mrn=patient.mrn,
        patient_birth_date=patient.birth_date,
        session_date=treatment.scheduled_date,
        route=course.route.value,
        protocol=course.protocol,
        session_number=treatment.number,
        phase=treatment.phase,
        kind=treatment.kind,
        status=treatment.status.value,
        planned_dose_mg=treatment.planned_dose_mg,
        predose_status=(treatment.predose_check or {}).get("status"),
        doses=[
            DocumentRow(
                cells=[
                    fmt(d.given_at),
                    d.drug,
                    fmt(d.dose_mg),
                    fmt(d.devices),
                    fmt(d.infusion_minutes),
                    fmt(d.lot_number),
                    fmt(d.rule_id),
                ]
            )
            for d in treatment.doses
        ],
        vitals=[
            DocumentRow(
                cells=[
                    fmt(v.taken_at),
                    "pre-dose"
                    if v.minutes_after_dose is None
                    else str(v.minutes_after_dose),
                    f"{fmt(v.systolic_mmhg)}/{fmt(v.diastolic_mmhg)}",
                    fmt(v.heart_rate_bpm),
                    fmt(v.spo2_pct),
                    fmt(v.respiratory_rate_per_min),
                ]
            )
            for v in treatment.vitals
        ],
        scales=[
            DocumentRow(
                cells=[
                    fmt(m.taken_at),
                    m.instrument,
                    fmt(m.minutes_after_dose),
                    fmt(m.total),
                    fmt(m.severity),
                    ", ".join(str(f) for f in m.flags) or "—",
                ]
            )
            for m in scales
        ],
        adverse_events=[
            DocumentRow(
                cells=[
                    fmt(a.onset_at),
                    a.kind,
                    a.severity,
                    fmt(a.resolved_at),
                    fmt(a.description),
                ]
            )
            for a in treatment.adverse_events
        ],
        discharge=_discharge_rows(treatment.discharge),
        signatures=_signatures(treatment, users),
        generated_at=now or utcnow(),
    )
    content = documents.session_record_pdf(record)
    _audit_download(session, actor, "session_record_pdf", treatment.id, patient.id)
    return RenderedDocument(
        filename=f"session-{treatment.scheduled_date.isoformat()}-{patient.mrn}.pdf",
        media_type=PDF,
        content=content,
    )


def rems_form_pdf(
    session: Session, *, actor: Actor, session_id: uuid.UUID
) -> RenderedDocument:
    """The session's current REMS Patient Monitoring Form as a PDF (audited)."""
    form, patient = rems_service.load_form(session, actor=actor, session_id=session_id)
    signer = (
        RemsRepository(session).users([form.signed_by_id]).get(form.signed_by_id)
        if form.signed_by_id is not None
        else None
    )
    content = documents.rems_form_pdf(
        form, signed_by=signer.display_name if signer is not None else None
    )
    _audit_download(session, actor, "rems_form_pdf", form.id or session_id, patient.id)
    return RenderedDocument(
        filename=f"rems-form-{form.treatment_date.isoformat()}-{patient.mrn}.pdf",
        media_type=PDF,
        content=content,
        missing=list(form.missing),
    )


def superbill(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
    session_id: uuid.UUID | None = None,
) -> SuperbillRead:
    """The superbill as data (staff, or the patient for themself; audited)."""
    bill, patient = billing_service.build_superbill(
        session,
        actor=actor,
        patient_id=patient_id,
        start=start,
        end=end,
        session_id=session_id,
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="superbill",
        patient_id=patient.id,
        detail={"start": bill.start.isoformat(), "end": bill.end.isoformat()},
    )
    return bill


def superbill_pdf(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
    session_id: uuid.UUID | None = None,
) -> RenderedDocument:
    """The superbill as a PDF; ``missing`` lists unset fees, codes and NPIs (audited)."""
    bill, patient = billing_service.build_superbill(
        session,
        actor=actor,
        patient_id=patient_id,
        start=start,
        end=end,
        session_id=session_id,
    )
    content = documents.superbill_pdf(bill)
    _audit_download(
        session,
        actor,
        "superbill_pdf",
        session_id,
        patient.id,
        {"start": bill.start.isoformat(), "end": bill.end.isoformat()},
    )
    return RenderedDocument(
        filename=f"superbill-{bill.start.isoformat()}-{bill.end.isoformat()}-{patient.mrn}.pdf",
        media_type=PDF,
        content=content,
        missing=list(bill.missing),
    )


def dispensing_log(
    session: Session,
    *,
    actor: Actor,
    start: date | None,
    end: date | None,
    output: str,
) -> RenderedDocument:
    """The dispensing log from the ledger as ``csv`` or ``pdf`` (the ledger checks roles).

    The role is checked before the dates, so a caller without access gets 403, not 422.
    """
    ledger_service.require_role(
        actor, ledger_service.READ_ROLES, "read the controlled-substance ledger"
    )
    if start is None or end is None:
        raise UnprocessableError(
            "give start and end (clinic-local dates)",
            field="start" if start is None else "end",
        )
    rows = ledger_reports.dispensing_log(session, actor=actor, start=start, end=end)
    name = f"dispensing-log-{start.isoformat()}-{end.isoformat()}"
    if output == "csv":
        content, media_type = documents.dispensing_log_csv(rows), CSV
    else:
        clinic = load_clinic(session, clinic_id=actor.clinic_id)
        content = documents.dispensing_log_pdf(
            rows, clinic_name=clinic.name, start=start, end=end
        )
        media_type = PDF
    _audit_download(
        session,
        actor,
        f"dispensing_log_{output}",
        None,
        None,
        {"start": start.isoformat(), "end": end.isoformat(), "rows": len(rows)},
    )
    return RenderedDocument(
        filename=f"{name}.{output}", media_type=media_type, content=content
    )


def inventory(
    session: Session, *, actor: Actor, as_of: date | None = None
) -> RenderedDocument:
    """The inventory report as a PDF, as of the end of ``as_of`` (default: clinic today)."""
    clinic = load_clinic(session, clinic_id=actor.clinic_id)
    day = as_of or today_in(clinic)
    rows = ledger_reports.inventory_report(session, actor=actor, as_of=day)
    content = documents.inventory_pdf(rows, clinic_name=clinic.name, as_of=day)
    _audit_download(
        session, actor, "inventory_pdf", None, None, {"as_of": day.isoformat()}
    )
    return RenderedDocument(
        filename=f"inventory-{day.isoformat()}.pdf", media_type=PDF, content=content
    )
