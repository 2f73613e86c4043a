"""Ledger reports, theft/loss deadlines and chain verification.

* :func:`dispensing_log` and :func:`inventory_report` return frozen rows
  (``schemas.ledger.DispensingLogRow`` / ``InventoryRow``) for the document and web layers.
* Theft or significant loss (21 CFR 1301.76(b); 88 FR 40707): the written DEA notice is due one
  business day after discovery (weekends and the clinic's ``ledger_holidays`` skipped), Form 106
  45 days after; both are stored with the report and listed as done, due or overdue.
* :func:`verify_chains` re-walks every clinic's chain: hashes, links, positions, balances, the
  chain head and each lot's stored balance; it names the FIRST bad entry.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from ketapath.core.ledger import (
    ChainEntry,
    LedgerEntryKind,
    LedgerUnit,
    deadline_status,
    form_106_due_on,
    notice_due_on,
    verify_chain,
)
from ketapath.db.base import utcnow
from ketapath.db.models import Clinic, LedgerEntry, TheftLossReport
from ketapath.db.repositories.ledger import LedgerRepository, TheftLossRepository
from ketapath.schemas.ledger import (
    ChainVerification,
    DispensingLogRow,
    Form106Filed,
    InventoryRow,
    NoticeSent,
    TheftLossCreate,
    TheftLossRead,
)
from ketapath.services import audit
from ketapath.services.errors import ConflictError, NotFoundError, UnprocessableError
from ketapath.services.ledger import (
    MANAGE_ROLES,
    READ_ROLES,
    entry_unit,
    hash_fields,
    require_role,
)
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "HOLIDAYS_SETTING",
    "dispensing_log",
    "inventory_report",
    "list_theft_loss_reports",
    "mark_form_106_filed",
    "mark_notice_sent",
    "report_theft_loss",
    "verify_chains",
    "verify_clinic_chain",
]

HOLIDAYS_SETTING = "ledger_holidays"
"""Clinic setting: ISO dates (``["2031-12-25", ...]``) that are not business days."""


def _zone(clinic: Clinic | None) -> ZoneInfo:
    try:
        return ZoneInfo(clinic.timezone if clinic is not None else "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _holidays(clinic: Clinic | None) -> frozenset[date]:
    raw = clinic.settings.get(HOLIDAYS_SETTING, []) if clinic is not None else []
    days: set[date] = set()
    for value in raw if isinstance(raw, list) else []:
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            continue  # a malformed entry is ignored (it cannot make a deadline later)
    return frozenset(days)


def _local_day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone).astimezone(UTC)


# theft and loss ---------------------------------------------------------------------------
def _theft_loss_read(
    report: TheftLossReport, *, zone: ZoneInfo, as_of: date
) -> TheftLossRead:
    def done_on(at: datetime | None) -> date | None:
        return at.astimezone(zone).date() if at is not None else None

    notice = deadline_status(
        report.notice_due_on, completed_on=done_on(report.notice_sent_at), as_of=as_of
    )
    form = deadline_status(
        report.form_106_due_on,
        completed_on=done_on(report.form_106_filed_at),
        as_of=as_of,
    )
    return TheftLossRead(
        id=report.id,
        kind=report.kind,
        lot_id=report.lot_id,
        discrepancy_id=report.discrepancy_id,
        quantity_mg=report.quantity_mg,
        quantity_devices=report.quantity_devices,
        description=report.description,
        discovered_at=report.discovered_at,
        reported_by_id=report.reported_by_id,
        notice_due_on=report.notice_due_on,
        notice_sent_at=report.notice_sent_at,
        notice_status=notice.value,
        form_106_due_on=report.form_106_due_on,
        form_106_filed_at=report.form_106_filed_at,
        form_106_reference=report.form_106_reference,
        form_106_status=form.value,
    )


def report_theft_loss(
    session: Session,
    *,
    actor: Actor,
    data: TheftLossCreate,
    now: datetime | None = None,
) -> TheftLossRead:
    """Record a theft or loss; both DEA deadlines are computed from the clinic-local discovery day."""
    require_role(actor, READ_ROLES, "report a controlled-substance theft or loss")
    repo = LedgerRepository(session)
    unit: LedgerUnit | None = None
    if data.lot_id is not None:
        found = repo.lot(data.lot_id)
        if found is None or found.lot.clinic_id != actor.clinic_id:
            raise NotFoundError("lot not found", field="lot_id")
        unit = found.product.unit
    if data.discrepancy_id is not None:
        discrepancy = repo.discrepancy_for_update(data.discrepancy_id)
        if discrepancy is None or discrepancy.clinic_id != actor.clinic_id:
            raise NotFoundError("discrepancy not found", field="discrepancy_id")
    if unit is not None:
        other = LedgerUnit.DEVICES if unit is LedgerUnit.MG else LedgerUnit.MG
        if getattr(data, f"quantity_{other.value}") is not None:
            raise UnprocessableError(
                f"this lot is counted in {unit.value}: give quantity_{unit.value}",
                field=f"quantity_{other.value}",
            )
    clinic = repo.clinic(actor.clinic_id)
    zone = _zone(clinic)
    discovered_on = data.discovered_at.astimezone(zone).date()
    report = TheftLossRepository(session).add(
        TheftLossReport(
            clinic_id=actor.clinic_id,
            kind=data.kind,
            lot_id=data.lot_id,
            discrepancy_id=data.discrepancy_id,
            quantity_mg=data.quantity_mg,
            quantity_devices=(
                Decimal(data.quantity_devices)
                if data.quantity_devices is not None
                else None
            ),
            description=data.description,
            discovered_at=data.discovered_at,
            notice_due_on=notice_due_on(discovered_on, _holidays(clinic)),
            form_106_due_on=form_106_due_on(discovered_on),
            reported_by_id=actor.user_id,
            created_at=now or utcnow(),
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="theft_loss_report",
        entity_id=report.id,
        detail={"kind": report.kind},
    )
    return _theft_loss_read(
        report, zone=zone, as_of=(now or utcnow()).astimezone(zone).date()
    )


def list_theft_loss_reports(
    session: Session, *, actor: Actor, now: datetime | None = None
) -> list[TheftLossRead]:
    """Every report with where its two deadlines stand today (clinic-local)."""
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    zone = _zone(LedgerRepository(session).clinic(actor.clinic_id))
    as_of = (now or utcnow()).astimezone(zone).date()
    return [
        _theft_loss_read(r, zone=zone, as_of=as_of)
        for r in TheftLossRepository(session).list(clinic_id=actor.clinic_id)
    ]


def _report_for_update(
    session: Session, actor: Actor, report_id: uuid.UUID
) -> TheftLossReport:
    report = TheftLossRepository(session).get_for_update(report_id)
    if report is None or report.clinic_id != actor.clinic_id:
        raise NotFoundError("theft/loss report not found")
    return report


def _completed_at(
    report: TheftLossReport, at: datetime | None, now: datetime | None, field: str
) -> datetime:
    when = at or now or utcnow()
    if when < report.discovered_at:
        raise UnprocessableError("must not be before the discovery time", field=field)
    return when


def mark_notice_sent(
    session: Session,
    *,
    actor: Actor,
    report_id: uuid.UUID,
    data: NoticeSent,
    now: datetime | None = None,
) -> TheftLossRead:
    """Record that the written DEA notice was sent (409 if already recorded)."""
    require_role(actor, MANAGE_ROLES, "record DEA theft/loss filings")
    report = _report_for_update(session, actor, report_id)
    if report.notice_sent_at is not None:
        raise ConflictError(
            "the DEA notice is already recorded as sent", field="sent_at"
        )
    report.notice_sent_at = _completed_at(report, data.sent_at, now, "sent_at")
    report.notice_sent_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="notice_sent",
        entity="theft_loss_report",
        entity_id=report.id,
    )
    zone = _zone(LedgerRepository(session).clinic(actor.clinic_id))
    return _theft_loss_read(
        report, zone=zone, as_of=(now or utcnow()).astimezone(zone).date()
    )


def mark_form_106_filed(
    session: Session,
    *,
    actor: Actor,
    report_id: uuid.UUID,
    data: Form106Filed,
    now: datetime | None = None,
) -> TheftLossRead:
    """Record that DEA Form 106 was filed (409 if already recorded)."""
    require_role(actor, MANAGE_ROLES, "record DEA theft/loss filings")
    report = _report_for_update(session, actor, report_id)
    if report.form_106_filed_at is not None:
        raise ConflictError("Form 106 is already recorded as filed", field="filed_at")
    report.form_106_filed_at = _completed_at(report, data.filed_at, now, "filed_at")
    report.form_106_filed_by_id = actor.user_id
    report.form_106_reference = data.reference
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="form_106_filed",
        entity="theft_loss_report",
        entity_id=report.id,
    )
    zone = _zone(LedgerRepository(session).clinic(actor.clinic_id))
    return _theft_loss_read(
        report, zone=zone, as_of=(now or utcnow()).astimezone(zone).date()
    )


# reports ----------------------------------------------------------------------------------
def dispensing_log(
    session: Session, *, actor: Actor, start: date, end: date
) -> list[DispensingLogRow]:
    """Administrations from ``start`` to ``end`` (clinic-local days, inclusive), oldest first.

    Each row: date, product, NDC, lot, patient name and address, quantities, who administered
    and the waste witness (21 CFR 1304.22(c)). Reading it is audited (it holds patient names).
    """
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    if end < start:
        raise UnprocessableError("end must not be before start", field="end")
    repo = LedgerRepository(session)
    zone = _zone(repo.clinic(actor.clinic_id))
    rows = repo.administrations(
        clinic_id=actor.clinic_id,
        since=_local_day_start(start, zone),
        until=_local_day_start(end + timedelta(days=1), zone),
    )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="dispensing_log",
        detail={"start": start.isoformat(), "end": end.isoformat(), "rows": len(rows)},
    )
    out: list[DispensingLogRow] = []
    for row in rows:
        unit = entry_unit(row.entry)
        given = getattr(row.entry, f"given_{unit.value}") or Decimal(0)
        wasted = getattr(row.entry, f"wasted_{unit.value}") or Decimal(0)
        out.append(
            DispensingLogRow(
                occurred_at=row.entry.occurred_at,
                date=row.entry.occurred_at.astimezone(zone).date(),
                product=row.product.name,
                ndc=row.lot.ndc,
                lot_number=row.lot.lot_number,
                patient_id=row.patient.id,
                patient_name=f"{row.patient.given_name} {row.patient.family_name}",
                patient_address=row.patient.address,
                quantity_unit=unit,
                drawn_quantity=given + wasted,
                given_quantity=given,
                wasted_quantity=wasted,
                administered_by=row.recorded_by.display_name,
                administered_by_id=row.recorded_by.id,
                waste_witness=row.witness.display_name if row.witness else None,
                waste_witness_id=row.witness.id if row.witness else None,
                entry_id=row.entry.id,
            )
        )
    return out


def inventory_report(
    session: Session, *, actor: Actor, as_of: datetime | date
) -> list[InventoryRow]:
    """Every lot's balance as of a time (a date means the end of that clinic-local day).

    The balance is the one stored after the lot's latest entry (chain order) that occurred by
    then; with the last count and the discrepancies open at that time.
    """
    require_role(actor, READ_ROLES, "read the controlled-substance ledger")
    repo = LedgerRepository(session)
    zone = _zone(repo.clinic(actor.clinic_id))
    if isinstance(as_of, datetime):
        if as_of.tzinfo is None:
            raise UnprocessableError("as_of needs a time zone", field="as_of")
        until = as_of
    else:
        until = _local_day_start(as_of + timedelta(days=1), zone) - timedelta(
            microseconds=1
        )
    latest = repo.latest_entries(clinic_id=actor.clinic_id, until=until)
    counts = repo.latest_entries(
        clinic_id=actor.clinic_id, until=until, kind=LedgerEntryKind.COUNT
    )
    open_by_lot: dict[uuid.UUID, int] = {}
    for d in repo.discrepancies(clinic_id=actor.clinic_id):
        if d.opened_at <= until and (d.resolved_at is None or d.resolved_at > until):
            open_by_lot[d.lot_id] = open_by_lot.get(d.lot_id, 0) + 1
    rows: list[InventoryRow] = []
    for lot, product in repo.lots(clinic_id=actor.clinic_id):
        last = latest.get(lot.id)
        count = counts.get(lot.id)
        balance = (
            getattr(last, f"balance_{product.unit.value}")
            if last is not None
            else Decimal(0)
        )
        rows.append(
            InventoryRow(
                lot_id=lot.id,
                product=product.name,
                ndc=lot.ndc,
                finished_form=product.finished_form,
                lot_number=lot.lot_number,
                expiry_date=lot.expiry_date,
                storage_location=lot.storage_location,
                quantity_unit=product.unit,
                balance=balance,
                units_per_container=product.units_per_container,
                last_count_at=count.occurred_at if count else None,
                last_count_kind=count.count_kind if count else None,
                last_count_estimated=count.estimated if count else None,
                open_discrepancies=open_by_lot.get(lot.id, 0),
            )
        )
    audit.record(
        session,
        actor=actor,
        action="read",
        entity="inventory_report",
        detail={"as_of": until.isoformat()},
    )
    return rows


# verification -----------------------------------------------------------------------------
def _chain_entries(entries: Iterator[LedgerEntry]) -> Iterator[ChainEntry]:
    for entry in entries:
        unit = entry_unit(entry)
        yield ChainEntry(
            id=str(entry.id),
            sequence=entry.sequence,
            lot_id=str(entry.lot_id),
            change=getattr(entry, f"change_{unit.value}"),
            balance_after=getattr(entry, f"balance_{unit.value}") or Decimal(0),
            prev_hash=entry.prev_hash,
            entry_hash=entry.entry_hash,
            fields=hash_fields(entry),
        )


def _verify_one(session: Session, clinic_id: uuid.UUID) -> ChainVerification:
    repo = LedgerRepository(session)
    stored = repo.chain(clinic_id)
    try:
        summary = verify_chain(_chain_entries(stored))
    finally:
        stored.close()
    result = ChainVerification(
        clinic_id=clinic_id,
        ok=summary.ok,
        entries=summary.entries,
        head_hash=summary.head_hash,
    )
    if summary.problem is not None:
        return result.model_copy(
            update={
                "bad_entry_id": uuid.UUID(summary.problem.entry_id),
                "bad_position": summary.problem.position,
                "problem": summary.problem.what,
            }
        )
    head = repo.chain_head(clinic_id)
    if head is None or (head.head_sequence, head.head_hash) != (
        summary.entries,
        summary.head_hash,
    ):
        return result.model_copy(
            update={
                "ok": False,
                "problem": "the chain head does not match the last entry "
                f"(head at {head.head_sequence if head else 0}, entries {summary.entries})",
            }
        )
    for lot, product in repo.lots(clinic_id=clinic_id):
        stored = getattr(lot, f"balance_{product.unit.value}")
        derived = summary.balances.get(str(lot.id), Decimal(0))
        if stored != derived:
            return result.model_copy(
                update={
                    "ok": False,
                    "problem": f"lot {lot.lot_number} ({lot.id}) stores balance {stored}, "
                    f"the entries give {derived}",
                }
            )
    return result


def verify_chains(
    session: Session, *, clinic_id: uuid.UUID | None = None
) -> Sequence[ChainVerification]:
    """Verify every clinic's chain (or one clinic's); for the CLI and scheduled checks."""
    repo = LedgerRepository(session)
    ids = [clinic_id] if clinic_id is not None else repo.chain_clinic_ids()
    return [_verify_one(session, cid) for cid in ids]


def verify_clinic_chain(session: Session, *, actor: Actor) -> ChainVerification:
    """An admin re-verifies their clinic's chain (the check is audited)."""
    require(actor, Capability.AUDIT_READ)
    result = _verify_one(session, actor.clinic_id)
    audit.record(
        session,
        actor=actor,
        action="verify",
        entity="ledger_chain",
        detail={"ok": result.ok, "entries": result.entries},
    )
    return result
