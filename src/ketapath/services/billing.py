"""Billing: CPT/HCPCS codes chosen by rule per session, the clinic's fee schedule, superbills.

Code rules (REFERENCE.md §8; evidence-notes.md §5.5):

======================  ===============================================  ==========
route / dose            codes                                            confidence
======================  ===============================================  ==========
esketamine, ≤56 mg      G2082 (E/M + up to 56 mg + 2 h observation)      [V]
esketamine, >56 mg      G2083 (E/M + more than 56 mg + 2 h observation)  [V]
IV ketamine             96365 (initial hour), 96366 × each additional    [M]
                        hour beyond 30 min past the hour, J3490 (drug)   J3490 [V]
KAP                     none (no code rule in the reference)             —
======================  ===============================================  ==========

The esketamine drug itself (S0013, J0013 from 2026 [S]) is not added: whether the clinic bills
the drug depends on how it was supplied, and the J0013/S0013 change is not confirmed.
Fees come only from the clinic's fee schedule; a code without a fee is "fee not set" and the
superbill reports itself incomplete, naming the code. Never a default fee.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy.orm import Session

from ketapath.db.models import (
    FeeScheduleEntry,
    Patient,
    PatientDiagnosisCode,
    Payment,
    Route,
    TreatmentCourse,
    TreatmentSession,
)
from ketapath.db.repositories.billing import BillingRepository
from ketapath.db.repositories.rems import RemsRepository
from ketapath.schemas.billing import (
    BILLABLE_CODE_PATTERN,
    DiagnosisCodesSet,
    DiagnosisRead,
    FeeRead,
    FeeSet,
    PaymentCreate,
    PaymentRead,
    ProviderRead,
    SuperbillLine,
    SuperbillRead,
)
from ketapath.services import audit
from ketapath.services.errors import NotFoundError, UnprocessableError
from ketapath.services.patients import load_patient
from ketapath.services.permissions import Actor, Capability, require

__all__ = [
    "CODES",
    "ICD10_DESCRIPTIONS",
    "BilledCode",
    "CodeRule",
    "build_superbill",
    "codes_for_session",
    "iv_additional_hours",
    "list_fees",
    "record_payment",
    "set_diagnosis_codes",
    "set_fee",
]

SUPERBILL_CAPABILITY = Capability.PATIENT_READ
"""Staff, and a patient for their own record only (patient scope answers 404 otherwise)."""
BILLING_WRITE = Capability.PATIENT_WRITE
"""Front desk, nurses, prescribers and admins record payments and diagnosis codes."""
FEE_WRITE = Capability.USER_ADMIN
"""Only admins change the clinic's fee schedule."""


@dataclass(frozen=True, slots=True)
class CodeRule:
    """A billing code, its descriptor, the confidence of the rule and its source."""

    code: str
    description: str
    confidence: str
    source: str


CODES: dict[str, CodeRule] = {
    "G2082": CodeRule(
        "G2082",
        "Office/outpatient E/M of an established patient with supervised self-administration "
        "of up to 56 mg esketamine nasal spray, including 2 hours post-administration "
        "observation",
        "V",
        "HCPCS 2020; evidence-notes.md §5.5",
    ),
    "G2083": CodeRule(
        "G2083",
        "Office/outpatient E/M of an established patient with supervised self-administration "
        "of more than 56 mg esketamine nasal spray, including 2 hours post-administration "
        "observation",
        "V",
        "HCPCS 2020; evidence-notes.md §5.5",
    ),
    "96365": CodeRule(
        "96365",
        "IV infusion for therapy/prophylaxis/diagnosis, initial, up to 1 hour",
        "M",
        "CPT; evidence-notes.md §5.5 (unconfirmed)",
    ),
    "96366": CodeRule(
        "96366",
        "IV infusion, each additional hour",
        "M",
        "CPT; evidence-notes.md §5.5 (unconfirmed)",
    ),
    "J3490": CodeRule(
        "J3490",
        "Unclassified drug (ketamine for IV infusion)",
        "V",
        "Blue Cross MA ketamine policy; evidence-notes.md §5.5",
    ),
}
"""Every code a rule may bill, with the descriptor printed on the superbill."""

ICD10_DESCRIPTIONS: dict[str, str] = {
    "F32.0": "Major depressive disorder, single episode, mild",
    "F32.1": "Major depressive disorder, single episode, moderate",
    "F32.2": "Major depressive disorder, single episode, severe without psychotic features",
    "F32.3": "Major depressive disorder, single episode, severe with psychotic features",
    "F32.4": "Major depressive disorder, single episode, in partial remission",
    "F32.5": "Major depressive disorder, single episode, in full remission",
    "F32.89": "Other specified depressive episodes",
    "F32.9": "Major depressive disorder, single episode, unspecified",
    "F32.A": "Depression, unspecified",
    "F33.0": "Major depressive disorder, recurrent, mild",
    "F33.1": "Major depressive disorder, recurrent, moderate",
    "F33.2": "Major depressive disorder, recurrent severe without psychotic features",
    "F33.3": "Major depressive disorder, recurrent, severe with psychotic symptoms",
    "F33.40": "Major depressive disorder, recurrent, in remission, unspecified",
    "F33.41": "Major depressive disorder, recurrent, in partial remission",
    "F33.42": "Major depressive disorder, recurrent, in full remission",
    "F33.8": "Other recurrent depressive disorders",
    "F33.9": "Major depressive disorder, recurrent, unspecified",
}
"""ICD-10-CM depression codes (evidence-notes.md §5.4 [V partial]); there is no TRD code."""

ESKETAMINE_G2082_MAX_MG = Decimal(56)


@dataclass(frozen=True, slots=True)
class BilledCode:
    """A code a session bills, with its units and the rule that chose it."""

    code: str
    units: int
    rule: str


def iv_additional_hours(infusion_minutes: int) -> int:
    """Units of 96366: each further hour counts once more than 30 minutes of it has passed.

    61–90 min → 0; 91–150 → 1; 151–210 → 2 (CPT time rule for add-on infusion hours [M]).
    """
    if infusion_minutes <= 90:
        return 0
    return (infusion_minutes - 31) // 60


def codes_for_session(
    treatment: TreatmentSession, course: TreatmentCourse
) -> tuple[list[BilledCode], list[str]]:
    """The codes a dosed session bills, and notes for what could not be coded."""
    doses = list(treatment.doses)
    if course.route is Route.ESKETAMINE:
        total = sum((d.dose_mg for d in doses), Decimal(0))
        if total <= 0:
            return [], [f"session on {treatment.scheduled_date}: no esketamine dose"]
        code = "G2082" if total <= ESKETAMINE_G2082_MAX_MG else "G2083"
        return [
            BilledCode(
                code,
                1,
                f"esketamine {format(total, 'f')} mg "
                f"{'≤' if code == 'G2082' else '>'} 56 mg → {code}",
            )
        ], []
    if course.route is Route.IV_KETAMINE:
        minutes = sum((d.infusion_minutes or 0) for d in doses)
        if minutes <= 0:
            return [], [
                f"session on {treatment.scheduled_date}: infusion length not recorded, "
                "96365/96366 not coded"
            ]
        codes = [BilledCode("96365", 1, f"IV infusion {minutes} min → 96365")]
        extra = iv_additional_hours(minutes)
        if extra:
            codes.append(
                BilledCode(
                    "96366", extra, f"IV infusion {minutes} min → 96366 × {extra}"
                )
            )
        codes.append(BilledCode("J3490", 1, "IV ketamine drug → J3490"))
        return codes, []
    return [], [
        f"session on {treatment.scheduled_date}: no billing code rule for route "
        f"{course.route.value}"
    ]


def list_fees(session: Session, *, actor: Actor) -> list[FeeRead]:
    """The clinic's fee schedule (staff)."""
    require(actor, Capability.CLINIC_READ)
    return [
        FeeRead(code=e.code, fee=e.fee, currency=e.currency)
        for e in BillingRepository(session).fees(actor.clinic_id).values()
    ]


def set_fee(session: Session, *, actor: Actor, code: str, data: FeeSet) -> FeeRead:
    """Set the clinic's fee for a code this product bills (admins; audited)."""
    require(actor, FEE_WRITE)
    if not re.match(BILLABLE_CODE_PATTERN, code) or code not in CODES:
        raise UnprocessableError(
            f"unknown billing code {code!r} (allowed: {', '.join(sorted(CODES))})",
            field="code",
        )
    repository = BillingRepository(session)
    entry = repository.fees(actor.clinic_id).get(code)
    if entry is None:
        entry = repository.add(
            FeeScheduleEntry(
                clinic_id=actor.clinic_id, code=code, fee=data.fee, currency="USD"
            )
        )
    entry.fee = data.fee
    entry.updated_by_id = actor.user_id
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="fee_schedule",
        entity_id=code,
        detail={"code": code},
    )
    return FeeRead(code=entry.code, fee=data.fee, currency=entry.currency)


def set_diagnosis_codes(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: DiagnosisCodesSet
) -> list[DiagnosisRead]:
    """Replace the patient's billing ICD-10-CM codes (clinical staff who edit patients)."""
    load_patient(session, actor=actor, patient_id=patient_id, capability=BILLING_WRITE)
    require(actor, Capability.HISTORY_WRITE)
    BillingRepository(session).replace_diagnoses(
        patient_id,
        [
            PatientDiagnosisCode(
                patient_id=patient_id,
                code=code,
                rank=i + 1,
                recorded_by_id=actor.user_id,
            )
            for i, code in enumerate(data.codes)
        ],
    )
    audit.record(
        session,
        actor=actor,
        action="update",
        entity="diagnosis_codes",
        patient_id=patient_id,
    )
    return [_diagnosis(code) for code in data.codes]


def record_payment(
    session: Session, *, actor: Actor, patient_id: uuid.UUID, data: PaymentCreate
) -> PaymentRead:
    """Record a payment by the patient (staff who edit patients; audited)."""
    load_patient(session, actor=actor, patient_id=patient_id, capability=BILLING_WRITE)
    if data.session_id is not None:
        rows = BillingRepository(session).billable_sessions(
            patient_id=patient_id,
            start=date.min,
            end=date.max,
            session_id=data.session_id,
        )
        if not rows:
            raise NotFoundError(
                "session not found for this patient", field="session_id"
            )
    payment = BillingRepository(session).add_payment(
        Payment(
            patient_id=patient_id,
            session_id=data.session_id,
            paid_on=data.paid_on,
            amount=data.amount,
            currency="USD",
            method=data.method,
            recorded_by_id=actor.user_id,
        )
    )
    audit.record(
        session,
        actor=actor,
        action="create",
        entity="payment",
        entity_id=payment.id,
        patient_id=patient_id,
    )
    return PaymentRead.model_validate(payment)


def _diagnosis(code: str) -> DiagnosisRead:
    return DiagnosisRead(
        code=code, description=ICD10_DESCRIPTIONS.get(code, "Depressive disorder")
    )


def build_superbill(
    session: Session,
    *,
    actor: Actor,
    patient_id: uuid.UUID,
    start: date | None = None,
    end: date | None = None,
    session_id: uuid.UUID | None = None,
) -> tuple[SuperbillRead, Patient]:
    """A superbill for the patient's dosed sessions in [start, end], or for one session.

    Not audited here: the caller (JSON or PDF) audits what it hands out.
    """
    patient = load_patient(
        session, actor=actor, patient_id=patient_id, capability=SUPERBILL_CAPABILITY
    )
    repository = BillingRepository(session)
    if session_id is None:
        if start is None or end is None:
            raise UnprocessableError("give start and end, or a session", field="start")
        if end < start:
            raise UnprocessableError("end must not be before start", field="end")
    rows = repository.billable_sessions(
        patient_id=patient.id,
        start=start or date.min,
        end=end or date.max,
        session_id=session_id,
    )
    if session_id is not None and not rows:
        raise NotFoundError("session not found", field="session_id")
    clinic = repository.clinic(patient.clinic_id)
    assert clinic is not None  # the foreign key guarantees it
    fees = repository.fees(clinic.id)
    lines: list[SuperbillLine] = []
    notes: list[str] = []
    missing: list[str] = []
    for treatment, course in rows:
        codes, why_not = codes_for_session(treatment, course)
        notes.extend(why_not)
        for billed in codes:
            rule = CODES[billed.code]
            entry = fees.get(billed.code)
            unit_fee = entry.fee if entry is not None else None
            if unit_fee is None and f"fee not set for {billed.code}" not in missing:
                missing.append(f"fee not set for {billed.code}")
            lines.append(
                SuperbillLine(
                    session_id=treatment.id,
                    date_of_service=treatment.scheduled_date,
                    code=billed.code,
                    description=rule.description,
                    units=billed.units,
                    unit_fee=unit_fee,
                    amount=None if unit_fee is None else unit_fee * billed.units,
                    confidence=rule.confidence,
                    rule=billed.rule,
                )
            )
    diagnoses = [_diagnosis(d.code) for d in repository.diagnoses(patient.id)]
    if not diagnoses:
        missing.append("no ICD-10-CM diagnosis code set for the patient")
    prescriber_ids = [c.created_by_id for _t, c in rows]
    users = RemsRepository(session).users(prescriber_ids)
    providers: list[ProviderRead] = []
    for user_id in dict.fromkeys(i for i in prescriber_ids if i is not None):
        user = users.get(user_id)
        if user is None:
            continue
        providers.append(ProviderRead(name=user.display_name, npi=user.npi))
        if user.npi is None:
            missing.append(f"NPI not set for {user.display_name}")
    if rows and not providers:
        missing.append("no prescriber on record")
    first = rows[0][0].scheduled_date if rows else start
    last = rows[-1][0].scheduled_date if rows else end
    period_start = start if session_id is None else first
    period_end = end if session_id is None else last
    assert period_start is not None
    assert period_end is not None
    total = sum((line.amount for line in lines if line.amount is not None), Decimal(0))
    paid = repository.paid(
        patient_id=patient.id, start=period_start, end=period_end, session_id=session_id
    )
    settings = clinic.settings or {}
    address = settings.get("address")
    if not isinstance(address, str) and rows:
        site = RemsRepository(session).site_of_chair(rows[0][0].chair_id)
        address = site.address if site is not None else None
    return (
        SuperbillRead(
            clinic_name=clinic.name,
            clinic_address=address if isinstance(address, str) else None,
            providers=providers,
            patient_id=patient.id,
            patient_name=f"{patient.given_name} {patient.family_name}",
            patient_birth_date=patient.birth_date,
            patient_address=patient.address,
            start=period_start,
            end=period_end,
            diagnoses=diagnoses,
            lines=lines,
            total_charges=total,
            paid=paid,
            balance=total - paid,
            complete=not missing,
            missing=missing,
            notes=notes,
        ),
        patient,
    )
