"""Web views: the controlled-substance ledger (stock, receipts, administrations, counts, DEA).

- ``GET  /ledger``: products, lots with balance, expiry and location, open discrepancies, and
  theft/loss reports with their DEA deadlines (1 business day, 45 days) marked due or overdue;
  the add-product and receive-stock forms (admins and prescribers).
- ``GET  /ledger/lots/{id}``: every entry of one lot (who, witness, running balance, hash) and
  the disposal, transfer and count forms.
- ``GET  /ledger/administer?session_id=``: draw for a session (given + wasted), the waste
  witnessed by a second clinician chosen from the staff who confirms it.
- ``POST`` routes parse into the API's schemas (``schemas.ledger``) and call the same services.

Quantities are entered without a unit suffix (``quantity``, ``given``, ``wasted``, ``counted``):
the view names them ``<field>_mg`` or ``<field>_devices`` from the lot's product, and maps the
service's messages back beside the input. A refused form is rolled back and the page re-rendered
with each message beside its field (422 bad input or a rule, 409 a state conflict); nothing is
written. Success redirects (Post/Redirect/Get) with a "saved" banner.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel
from starlette.responses import RedirectResponse, Response

from ketapath.core.errors import ClinicalError, RuleViolationError
from ketapath.core.ledger import CountKind, LedgerUnit
from ketapath.db.models import User
from ketapath.db.repositories.ledger import LotRow
from ketapath.http import SessionDep
from ketapath.schemas.ledger import (
    AdministrationCreate,
    CountCreate,
    DiscrepancyResolve,
    DisposalCreate,
    Form106Filed,
    NoticeSent,
    ProductCreate,
    ReceiptCreate,
    TheftLossCreate,
    TransferCreate,
)
from ketapath.services import clinic as clinic_service
from ketapath.services import ledger as ledger_service
from ketapath.services import ledger_reports
from ketapath.services import sessions as session_service
from ketapath.services.errors import ServiceError
from ketapath.web.deps import WebAuth, WebUser
from ketapath.web.forms import FormErrors, error_for, form_values, parse_form
from ketapath.web.templating import render

__all__ = ["FORM_FIELDS", "SAVED_MESSAGES", "router"]

router = APIRouter()

FORM_FIELDS: dict[str, frozenset[str]] = {
    "product": frozenset(
        (
            "name",
            "substance",
            "ndc",
            "finished_form",
            "unit",
            "units_per_container",
            "mg_per_ml",
            "mg_per_device",
        )
    ),
    "receipt": frozenset(
        (
            "product_id",
            "lot_number",
            "expiry_date",
            "storage_location",
            "containers",
            "quantity",
            "supplier_name",
            "supplier_address",
            "supplier_dea_number",
            "occurred_at",
            "note",
        )
    ),
    "administration": frozenset(
        (
            "lot_id",
            "given",
            "wasted",
            "witness_id",
            "witness_confirmed",
            "occurred_at",
            "note",
        )
    ),
    "disposal": frozenset(
        ("quantity", "manner", "witness_id", "witness_confirmed", "occurred_at", "note")
    ),
    "transfer": frozenset(
        (
            "direction",
            "quantity",
            "counterparty_name",
            "counterparty_address",
            "counterparty_dea_number",
            "occurred_at",
            "note",
        )
    ),
    "count": frozenset(("count_kind", "counted", "estimated", "occurred_at", "note")),
    "resolve": frozenset(("reason", "adjust_balance")),
    "theft_loss": frozenset(
        ("kind", "discovered_at", "description", "lot_id", "quantity")
    ),
    "notice": frozenset(("sent_at",)),
    "form106": frozenset(("filed_at", "reference")),
}
"""The inputs of each form: a message about any other field goes to the top of the form."""

SAVED_MESSAGES: dict[str, str] = {
    "product": "Product added.",
    "receipt": "Stock received and recorded in the ledger.",
    "administration": "Administration recorded in the ledger.",
    "disposal": "Disposal recorded.",
    "transfer": "Transfer recorded.",
    "count": "Count recorded.",
    "count_discrepancy": "Count recorded: it differs from the balance, so a discrepancy was opened.",
    "resolve": "Discrepancy resolved.",
    "theft_loss": "Theft/loss report recorded: note both DEA deadlines.",
    "notice": "DEA notice recorded as sent.",
    "form106": "Form 106 recorded as filed.",
}

QUANTITY_FIELDS = ("quantity", "given", "wasted", "counted")
"""Inputs entered without a unit: the view appends ``_mg`` or ``_devices``."""
_WITNESS_CONFIRM = (
    "The witness must confirm that they saw the waste or destruction (tick the box)."
)
_INTEGER = re.compile(r"^[+-]?\d{1,9}$")
_YES = frozenset({"yes", "on", "true", "1"})


async def _form_data(request: Request) -> dict[str, Any]:
    """The posted form with blank inputs dropped (missing is never zero)."""
    return form_values(await request.form())


FormData = Annotated[dict[str, Any], Depends(_form_data)]


# form → schema values ---------------------------------------------------------------------
def _zone(web: WebAuth) -> ZoneInfo:
    try:
        return ZoneInfo(web.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _aware(values: dict[str, Any], names: Iterable[str], web: WebAuth) -> None:
    """``datetime-local`` inputs are clinic-local times: give them the clinic's zone."""
    for name in names:
        raw = values.get(name)
        if not isinstance(raw, str):
            continue
        try:
            moment = datetime.fromisoformat(raw)
        except ValueError:
            continue  # the schema names the field
        if moment.tzinfo is None:
            values[name] = moment.replace(tzinfo=_zone(web)).isoformat()


def _with_unit(values: dict[str, Any], unit: LedgerUnit | None) -> dict[str, Any]:
    """``quantity`` → ``quantity_mg`` / ``quantity_devices`` (devices are whole numbers)."""
    data = dict(values)
    for name in QUANTITY_FIELDS:
        if name not in data:
            continue
        raw = data.pop(name)
        if unit is None:
            data[f"{name}_mg"] = (
                raw  # no lot chosen: the schema or service names the lot
            )
        elif unit is LedgerUnit.DEVICES:
            is_int = isinstance(raw, str) and _INTEGER.match(raw)
            data[f"{name}_devices"] = int(raw) if is_int else raw
        else:
            data[f"{name}_mg"] = raw
    return data


def _ints(values: dict[str, Any], names: Iterable[str]) -> dict[str, Any]:
    data = dict(values)
    for name in names:
        raw = data.get(name)
        if isinstance(raw, str) and _INTEGER.match(raw):
            data[name] = int(raw)
    return data


def _checkbox(values: Mapping[str, Any], name: str) -> bool:
    return str(values.get(name, "")).lower() in _YES


def _without(values: Mapping[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in values.items() if k not in names}


def _place(errors: FormErrors, form: str) -> FormErrors:
    """Each message beside its input (``given_mg`` → ``given``); anything else at the top."""
    fields = FORM_FIELDS[form]
    placed: FormErrors = {}
    general: list[str] = []
    for raw_field, message in errors.items():
        field = re.sub(r"_(mg|devices)$", "", raw_field)
        if field not in QUANTITY_FIELDS and field not in fields:
            field = raw_field
        text = "This answer is required." if message == "Field required" else message
        if field in fields:
            placed.setdefault(field, text)
        else:
            general.append(
                text if field in ("__all__", "status") else f"{field}: {text}"
            )
    if general:
        placed["__all__"] = " ".join(general)
    return placed


def _attempt(
    parsed: tuple[BaseModel | None, FormErrors], action: Callable[[Any], object]
) -> tuple[object, FormErrors, int]:
    """Run ``action`` on the parsed form; a refusal becomes messages and a status code."""
    data, errors = parsed
    if errors or data is None:
        return None, errors, 422
    try:
        return action(data), {}, 200
    except RuleViolationError as error:
        errors = error_for(error)
        field = next(iter(errors))
        if error.rule_id not in errors[field]:
            errors[field] = f"{errors[field]} (rule {error.rule_id})"
        return None, errors, 422
    except ClinicalError as error:
        return None, error_for(error), 422
    except ServiceError as error:
        if error.status_code in (401, 403, 404) and error.field is None:
            raise
        status = error.status_code if error.status_code in (409, 422) else 422
        return None, error_for(error), status


# page contexts ----------------------------------------------------------------------------
def _names(session: SessionDep, web: WebAuth) -> dict[uuid.UUID, str]:
    return {
        user.id: user.display_name
        for user in clinic_service.list_staff(session, actor=web.actor)
    }


def _witnesses(session: SessionDep, web: WebAuth) -> list[User]:
    """Second clinicians who may witness: active prescribers and nurses, not the recorder."""
    return [
        user
        for user in clinic_service.list_staff(session, actor=web.actor)
        if user.role in ledger_service.WITNESS_ROLES and user.id != web.actor.user_id
    ]


def _can_manage(web: WebAuth) -> bool:
    return web.actor.role in ledger_service.MANAGE_ROLES


def _overview_context(session: SessionDep, web: WebAuth) -> dict[str, Any]:
    lots = ledger_service.list_lots(session, actor=web.actor)
    discrepancies = ledger_service.list_discrepancies(
        session, actor=web.actor, open_only=True
    )
    lot_by_id = {row.lot.id: row for row in lots}
    open_by_lot: dict[uuid.UUID, int] = {}
    for d in discrepancies:
        open_by_lot[d.lot_id] = open_by_lot.get(d.lot_id, 0) + 1
    return {
        "products": ledger_service.list_products(session, actor=web.actor),
        "lots": lots,
        "lot_by_id": lot_by_id,
        "open_by_lot": open_by_lot,
        "discrepancies": discrepancies,
        "reports": ledger_reports.list_theft_loss_reports(session, actor=web.actor),
        "names": _names(session, web),
        "can_manage": _can_manage(web),
        "count_kinds": [k.value for k in CountKind],
        "form": None,
        "errors": {},
        "values": {},
        "target": None,
        "saved": None,
    }


def _lot_context(
    session: SessionDep, web: WebAuth, lot_id: uuid.UUID
) -> dict[str, Any]:
    row = ledger_service.get_lot(session, actor=web.actor, lot_id=lot_id)
    entries = ledger_service.list_entries(
        session, actor=web.actor, lot_id=lot_id, limit=1000
    )
    discrepancies = [
        d
        for d in ledger_service.list_discrepancies(session, actor=web.actor)
        if d.lot_id == lot_id
    ]
    return {
        "row": row,
        "unit": row.product.unit.value,
        "entries": entries,
        "discrepancies": discrepancies,
        "names": _names(session, web),
        "witnesses": _witnesses(session, web),
        "can_manage": _can_manage(web),
        "count_kinds": [k.value for k in CountKind],
        "form": None,
        "errors": {},
        "values": {},
        "target": None,
        "saved": None,
    }


def _administer_context(
    session: SessionDep, web: WebAuth, session_id: uuid.UUID
) -> dict[str, Any]:
    record = session_service.get_session(
        session, actor=web.actor, session_id=session_id
    )
    substance = ledger_service.substance_for_route(record.route)
    lots = [
        row
        for row in ledger_service.list_lots(session, actor=web.actor)
        if row.product.substance is substance
    ]
    return {
        "record": record,
        "lots": lots,
        "witnesses": _witnesses(session, web),
        "form": None,
        "errors": {},
        "values": {},
        "saved": None,
    }


def _refused(
    request: Request,
    session: SessionDep,
    *,
    template: str,
    context: Callable[[], dict[str, Any]],
    form: str,
    values: Mapping[str, Any],
    errors: FormErrors,
    status_code: int,
    target: uuid.UUID | None = None,
) -> Response:
    """Roll back whatever the refused request did and show the page with the messages."""
    session.rollback()
    page = context()
    page.update(
        form=form,
        errors=_place(errors, form),
        values=dict(values),
        target=target,
    )
    return render(request, template, page, status_code=status_code)


def _lot_unit(lots: Sequence[LotRow], lot_id: object) -> LedgerUnit | None:
    for row in lots:
        if str(row.lot.id) == str(lot_id):
            return row.product.unit
    return None


# the overview -----------------------------------------------------------------------------
@router.get("/ledger")
def overview(
    request: Request,
    session: SessionDep,
    web: WebUser,
    saved: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Stock by lot, open discrepancies and theft/loss reports with their DEA deadlines."""
    context = _overview_context(session, web)
    context["saved"] = SAVED_MESSAGES.get(saved or "")
    return render(request, "ledger/overview.html", context)


def _overview_post(
    request: Request,
    session: SessionDep,
    web: WebAuth,
    *,
    form: str,
    values: Mapping[str, Any],
    parsed: tuple[BaseModel | None, FormErrors],
    action: Callable[[Any], object],
    target: uuid.UUID | None = None,
    success: Callable[[object], str] | None = None,
) -> Response:
    result, errors, status = _attempt(parsed, action)
    if not errors:
        where = success(result) if success else f"/ledger?saved={form}"
        return RedirectResponse(where, status_code=303)
    return _refused(
        request,
        session,
        template="ledger/overview.html",
        context=lambda: _overview_context(session, web),
        form=form,
        values=values,
        errors=errors,
        status_code=status,
        target=target,
    )


@router.post("/ledger/products")
def add_product(
    request: Request, session: SessionDep, web: WebUser, form: FormData
) -> Response:
    """A stocked product: ketamine counted in mg, esketamine in devices."""
    return _overview_post(
        request,
        session,
        web,
        form="product",
        values=form,
        parsed=parse_form(ProductCreate, form),
        action=lambda data: ledger_service.create_product(
            session, actor=web.actor, data=data
        ),
    )


@router.post("/ledger/receipts")
def receive_stock(
    request: Request, session: SessionDep, web: WebUser, form: FormData
) -> Response:
    """Stock received from a supplier (name, address, DEA number); creates the lot if new."""
    products = ledger_service.list_products(session, actor=web.actor)
    unit = next(
        (p.unit for p in products if str(p.id) == str(form.get("product_id"))), None
    )
    values = _ints(_with_unit(form, unit), ("containers",))
    _aware(values, ("occurred_at",), web)
    return _overview_post(
        request,
        session,
        web,
        form="receipt",
        values=form,
        parsed=parse_form(ReceiptCreate, values),
        action=lambda data: ledger_service.record_receipt(
            session, actor=web.actor, data=data
        ),
        success=lambda entry: (
            f"/ledger/lots/{getattr(entry, 'lot_id', '')}?saved=receipt"
        ),
    )


@router.post("/ledger/discrepancies/{discrepancy_id}/resolve")
def resolve_discrepancy(
    request: Request,
    session: SessionDep,
    web: WebUser,
    discrepancy_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Close a discrepancy with a reason (by default correcting the balance to the count)."""
    values = {
        **form,
        "adjust_balance": _checkbox(form, "adjust_balance"),
    }
    return _overview_post(
        request,
        session,
        web,
        form="resolve",
        values=values,
        parsed=parse_form(DiscrepancyResolve, values),
        action=lambda data: ledger_service.resolve_discrepancy(
            session, actor=web.actor, discrepancy_id=discrepancy_id, data=data
        ),
        target=discrepancy_id,
    )


@router.post("/ledger/theft-loss")
def report_theft_loss(
    request: Request, session: SessionDep, web: WebUser, form: FormData
) -> Response:
    """A theft or significant loss: the DEA notice is due in 1 business day, Form 106 in 45."""
    lots = ledger_service.list_lots(session, actor=web.actor)
    values = _with_unit(form, _lot_unit(lots, form.get("lot_id")))
    _aware(values, ("discovered_at",), web)
    return _overview_post(
        request,
        session,
        web,
        form="theft_loss",
        values=form,
        parsed=parse_form(TheftLossCreate, values),
        action=lambda data: ledger_reports.report_theft_loss(
            session, actor=web.actor, data=data
        ),
    )


@router.post("/ledger/theft-loss/{report_id}/notice-sent")
def notice_sent(
    request: Request,
    session: SessionDep,
    web: WebUser,
    report_id: uuid.UUID,
    form: FormData,
) -> Response:
    """The written DEA notice went out (default: now)."""
    values = dict(form)
    _aware(values, ("sent_at",), web)
    return _overview_post(
        request,
        session,
        web,
        form="notice",
        values=form,
        parsed=parse_form(NoticeSent, values),
        action=lambda data: ledger_reports.mark_notice_sent(
            session, actor=web.actor, report_id=report_id, data=data
        ),
        target=report_id,
    )


@router.post("/ledger/theft-loss/{report_id}/form-106-filed")
def form_106_filed(
    request: Request,
    session: SessionDep,
    web: WebUser,
    report_id: uuid.UUID,
    form: FormData,
) -> Response:
    """DEA Form 106 was filed (default: now), with the DEA's reference if given."""
    values = dict(form)
    _aware(values, ("filed_at",), web)
    return _overview_post(
        request,
        session,
        web,
        form="form106",
        values=form,
        parsed=parse_form(Form106Filed, values),
        action=lambda data: ledger_reports.mark_form_106_filed(
            session, actor=web.actor, report_id=report_id, data=data
        ),
        target=report_id,
    )


# one lot ----------------------------------------------------------------------------------
@router.get("/ledger/lots/{lot_id}")
def lot_history(
    request: Request,
    session: SessionDep,
    web: WebUser,
    lot_id: uuid.UUID,
    saved: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Every entry of one lot with who, witness, running balance and hash."""
    context = _lot_context(session, web, lot_id)
    context["saved"] = SAVED_MESSAGES.get(saved or "")
    return render(request, "ledger/lot.html", context)


def _lot_post(
    request: Request,
    session: SessionDep,
    web: WebAuth,
    lot_id: uuid.UUID,
    *,
    form: str,
    values: Mapping[str, Any],
    parsed: tuple[BaseModel | None, FormErrors],
    action: Callable[[Any], object],
) -> Response:
    result, errors, status = _attempt(parsed, action)
    if not errors:
        saved = form
        if form == "count" and isinstance(result, tuple) and result[1] is not None:
            saved = "count_discrepancy"
        return RedirectResponse(f"/ledger/lots/{lot_id}?saved={saved}", status_code=303)
    return _refused(
        request,
        session,
        template="ledger/lot.html",
        context=lambda: _lot_context(session, web, lot_id),
        form=form,
        values=values,
        errors=errors,
        status_code=status,
    )


def _unit_of(session: SessionDep, web: WebAuth, lot_id: uuid.UUID) -> LedgerUnit:
    return ledger_service.get_lot(session, actor=web.actor, lot_id=lot_id).product.unit


def _witness_confirmed(values: Mapping[str, Any]) -> FormErrors:
    """A chosen witness confirms on this screen that they saw it (the service checks who)."""
    if values.get("witness_id") and not _checkbox(values, "witness_confirmed"):
        return {"witness_confirmed": _WITNESS_CONFIRM}
    return {}


@router.post("/ledger/lots/{lot_id}/disposals")
def dispose(
    request: Request,
    session: SessionDep,
    web: WebUser,
    lot_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Other disposal (expired or damaged stock): date, manner, quantity, witness."""
    values = {
        **_with_unit(
            _without(form, "witness_confirmed"), _unit_of(session, web, lot_id)
        ),
        "lot_id": str(lot_id),
    }
    _aware(values, ("occurred_at",), web)
    data, errors = parse_form(DisposalCreate, values)
    errors = {**errors, **_witness_confirmed(form)}
    return _lot_post(
        request,
        session,
        web,
        lot_id,
        form="disposal",
        values=form,
        parsed=(None if errors else data, errors),
        action=lambda data: ledger_service.record_disposal(
            session, actor=web.actor, data=data
        ),
    )


@router.post("/ledger/lots/{lot_id}/transfers")
def transfer(
    request: Request,
    session: SessionDep,
    web: WebUser,
    lot_id: uuid.UUID,
    form: FormData,
) -> Response:
    """Stock moved in from, or out to, another registrant (name, address, DEA number)."""
    values = {**_with_unit(form, _unit_of(session, web, lot_id)), "lot_id": str(lot_id)}
    _aware(values, ("occurred_at",), web)
    return _lot_post(
        request,
        session,
        web,
        lot_id,
        form="transfer",
        values=form,
        parsed=parse_form(TransferCreate, values),
        action=lambda data: ledger_service.record_transfer(
            session, actor=web.actor, data=data
        ),
    )


@router.post("/ledger/lots/{lot_id}/counts")
def count(
    request: Request,
    session: SessionDep,
    web: WebUser,
    lot_id: uuid.UUID,
    form: FormData,
) -> Response:
    """An inventory count; a count that differs from the balance opens a discrepancy."""
    values = {
        **_with_unit(form, _unit_of(session, web, lot_id)),
        "lot_id": str(lot_id),
        "estimated": _checkbox(form, "estimated"),
    }
    _aware(values, ("occurred_at",), web)
    return _lot_post(
        request,
        session,
        web,
        lot_id,
        form="count",
        values=form,
        parsed=parse_form(CountCreate, values),
        action=lambda data: ledger_service.record_count(
            session, actor=web.actor, data=data
        ),
    )


# administration for a session -------------------------------------------------------------
@router.get("/ledger/administer")
def administer_page(
    request: Request,
    session: SessionDep,
    web: WebUser,
    session_id: uuid.UUID,
    saved: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    """Draw for a session: the lots of the session's substance, given, wasted and a witness."""
    context = _administer_context(session, web, session_id)
    context["saved"] = SAVED_MESSAGES.get(saved or "")
    return render(request, "ledger/administer.html", context)


@router.post("/ledger/administrations")
def administer(
    request: Request, session: SessionDep, web: WebUser, form: FormData
) -> Response:
    """Given + wasted leave the lot; waste is witnessed by a second clinician who confirms."""
    raw_session = form.get("session_id")
    try:
        session_id = uuid.UUID(str(raw_session))
    except ValueError:
        return render(
            request,
            "errors/error.html",
            {"title": "Check the form", "message": "no session chosen", "status": 422},
            status_code=422,
        )
    lots = ledger_service.list_lots(session, actor=web.actor)
    values = _with_unit(
        _without(form, "witness_confirmed"), _lot_unit(lots, form.get("lot_id"))
    )
    _aware(values, ("occurred_at",), web)
    data, errors = parse_form(AdministrationCreate, values)
    errors = {**errors, **_witness_confirmed(form)}
    result, errors, status = _attempt(
        (None if errors else data, errors),
        lambda data: ledger_service.record_administration(
            session, actor=web.actor, data=data
        ),
    )
    if not errors:
        lot_id = getattr(result, "lot_id", "")
        return RedirectResponse(
            f"/ledger/lots/{lot_id}?saved=administration", status_code=303
        )
    session.rollback()
    page = _administer_context(session, web, session_id)
    page.update(
        form="administration",
        errors=_place(errors, "administration"),
        values=dict(form),
    )
    return render(request, "ledger/administer.html", page, status_code=status)
