"""REMS boundary models: the Patient Monitoring Form's fields, updates, queue, enrolment ids.

Fields follow the Spravato REMS Patient Monitoring Form, Janssen 11/2021 edition (REFERENCE.md
§6 [S]; evidence-notes.md §1.10: transcriptions of the form and the J&J overview video [V]).
Opioids come from the 2024 REMS material; they are asked here as well.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import EmailStr, Field, StrictBool, StrictInt

from ketapath.schemas.base import Schema

__all__ = [
    "MIN_MONITORING_MINUTES",
    "REMS_DUE_DAYS",
    "REMS_FIELDS",
    "RemsCertificationSet",
    "RemsEnrolmentSet",
    "RemsFieldProblem",
    "RemsFormAmend",
    "RemsFormRead",
    "RemsFormSubmitted",
    "RemsFormValues",
    "RemsQueueItem",
    "RemsQueueRead",
]

REMS_DUE_DAYS = 7
"""The form is submitted within 7 days of the session (form instructions [S])."""
MIN_MONITORING_MINUTES = 120
"""Total minutes from the first device to the end of monitoring must be ≥120 (REMS [V])."""

REMS_FIELDS: tuple[tuple[str, str, bool], ...] = (
    # (field, label as on the form, required)
    ("patient_given_name", "Patient first name", True),
    ("patient_middle_initial", "Patient middle initial", False),
    ("patient_family_name", "Patient last name", True),
    ("patient_birth_date", "Patient birth date", True),
    ("patient_sex", "Patient sex", True),
    ("first_treatment", "First treatment", True),
    ("patient_enrolled", "Patient enrolled in the REMS", True),
    ("rems_patient_id", "REMS patient id", False),
    ("benzodiazepines", "Concomitant benzodiazepines", True),
    (
        "non_benzodiazepine_hypnotics",
        "Concomitant non-benzodiazepine sedative hypnotics",
        True,
    ),
    ("psychostimulants", "Concomitant psychostimulants", True),
    ("maois", "Concomitant MAOIs", True),
    ("opioids", "Concomitant opioids", True),
    ("hcp_given_name", "Monitoring HCP first name", True),
    ("hcp_family_name", "Monitoring HCP last name", True),
    ("hcp_phone", "Monitoring HCP telephone", True),
    ("hcp_email", "Monitoring HCP email", True),
    ("setting_name", "Healthcare setting name", True),
    ("setting_certification_id", "Setting REMS certification id", False),
    ("setting_address_1", "Setting address 1", True),
    ("setting_address_2", "Setting address 2", False),
    ("setting_city", "Setting city", True),
    ("setting_state", "Setting state", True),
    ("setting_zip", "Setting ZIP", True),
    ("treatment_date", "Treatment date", True),
    ("dose", "Dose administered (56 mg / 84 mg / other)", True),
    ("dose_other_mg", "Other dose (mg)", False),
    ("lot_number", "Lot number", True),
    (
        "total_monitoring_minutes",
        "Total minutes from first device to end of monitoring (>=120)",
        True,
    ),
    (
        "ready_without_two_hour_rule_minutes",
        "Minutes until ready to leave without the 2-hour rule",
        True,
    ),
    ("vitals_in_range_before", "Vital signs in range before administration", True),
    ("vitals_in_range_at_end", "Vital signs in range before session completion", True),
    ("bp_before_systolic_mmhg", "BP before administration, systolic", True),
    ("bp_before_diastolic_mmhg", "BP before administration, diastolic", True),
    ("bp_40_min_systolic_mmhg", "BP 40 min after administration, systolic", True),
    ("bp_40_min_diastolic_mmhg", "BP 40 min after administration, diastolic", True),
    ("bp_before_end_systolic_mmhg", "BP before session completion, systolic", True),
    ("bp_before_end_diastolic_mmhg", "BP before session completion, diastolic", True),
    ("sedation", "Sedation", True),
    ("dissociation", "Dissociation", True),
    ("respiratory_depression", "Respiratory depression", True),
    ("serious_adverse_events", "Serious adverse events", True),
    (
        "serious_adverse_events_description",
        "Serious adverse events: description",
        False,
    ),
)
"""Every field of the form, in the form's order. Conditional ones: ``dose_other_mg`` when the
dose is ``other``; ``serious_adverse_events_description`` when there were serious events."""

_Bp = Field(default=None, ge=20, le=300)
_Text = Field(default=None, min_length=1, max_length=200)


class RemsFormValues(Schema):
    """The form's values; every field optional until the form is signed."""

    patient_given_name: str | None = _Text
    patient_middle_initial: str | None = Field(default=None, min_length=1, max_length=1)
    patient_family_name: str | None = _Text
    patient_birth_date: date | None = None
    patient_sex: Literal["female", "male"] | None = None
    first_treatment: StrictBool | None = None
    patient_enrolled: StrictBool | None = None
    rems_patient_id: str | None = Field(default=None, min_length=1, max_length=64)
    benzodiazepines: StrictBool | None = None
    non_benzodiazepine_hypnotics: StrictBool | None = None
    psychostimulants: StrictBool | None = None
    maois: StrictBool | None = None
    opioids: StrictBool | None = None
    hcp_given_name: str | None = _Text
    hcp_family_name: str | None = _Text
    hcp_phone: str | None = Field(
        default=None, min_length=7, max_length=40, pattern=r"^[0-9+(). -]+$"
    )
    hcp_email: EmailStr | None = None
    setting_name: str | None = _Text
    setting_certification_id: str | None = Field(
        default=None, min_length=1, max_length=64
    )
    setting_address_1: str | None = _Text
    setting_address_2: str | None = _Text
    setting_city: str | None = _Text
    setting_state: str | None = Field(default=None, min_length=2, max_length=40)
    setting_zip: str | None = Field(default=None, pattern=r"^[0-9]{5}(-[0-9]{4})?$")
    treatment_date: date | None = None
    dose: Literal["56", "84", "other"] | None = None
    dose_other_mg: Decimal | None = Field(default=None, gt=0, le=1000)
    lot_number: str | None = Field(
        default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9./, -]+$"
    )
    total_monitoring_minutes: StrictInt | None = Field(default=None, ge=0, le=1440)
    ready_without_two_hour_rule_minutes: StrictInt | None = Field(
        default=None, ge=0, le=1440
    )
    vitals_in_range_before: StrictBool | None = None
    vitals_in_range_at_end: StrictBool | None = None
    bp_before_systolic_mmhg: StrictInt | None = _Bp
    bp_before_diastolic_mmhg: StrictInt | None = _Bp
    bp_40_min_systolic_mmhg: StrictInt | None = _Bp
    bp_40_min_diastolic_mmhg: StrictInt | None = _Bp
    bp_before_end_systolic_mmhg: StrictInt | None = _Bp
    bp_before_end_diastolic_mmhg: StrictInt | None = _Bp
    sedation: StrictBool | None = None
    dissociation: StrictBool | None = None
    respiratory_depression: StrictBool | None = None
    serious_adverse_events: StrictBool | None = None
    serious_adverse_events_description: str | None = Field(
        default=None, min_length=1, max_length=2000
    )


class RemsFieldProblem(Schema):
    """A value that is present but not acceptable for signing."""

    field: str
    message: str


class RemsFormRead(Schema):
    """The form for one session: values, where they came from, and what is still missing.

    ``status`` is ``not_started`` until something is saved. ``prefilled`` names the values taken
    from the session, the patient's history or the setting; ``entered`` the clinician's.
    """

    id: uuid.UUID | None
    session_id: uuid.UUID
    patient_id: uuid.UUID
    status: Literal["not_started", "draft", "signed"]
    amends_id: uuid.UUID | None
    amendment_reason: str | None
    treatment_date: date
    due_on: date
    values: RemsFormValues
    prefilled: list[str]
    entered: list[str]
    missing: list[str]
    problems: list[RemsFieldProblem]
    signed_at: datetime | None
    signed_by_id: uuid.UUID | None
    submitted_on: date | None
    submitted_by_id: uuid.UUID | None


class RemsFormSubmitted(Schema):
    """The date the signed form was submitted to the REMS (online or by fax)."""

    submitted_on: date


class RemsFormAmend(Schema):
    """Why a signed form is being corrected."""

    reason: str = Field(min_length=3, max_length=1000)


class RemsQueueItem(Schema):
    """A session whose form is not yet submitted."""

    session_id: uuid.UUID
    form_id: uuid.UUID | None
    patient_id: uuid.UUID
    patient_name: str
    treatment_date: date
    due_on: date
    days_until_due: int
    state: Literal["overdue", "due_soon", "pending"]
    form_status: Literal["not_started", "draft", "signed"]


class RemsQueueRead(Schema):
    """The deadline queue, most urgent first."""

    as_of: date
    soon_days: int
    items: list[RemsQueueItem]


class RemsEnrolmentSet(Schema):
    """A patient's REMS enrolment id and date."""

    rems_patient_id: str | None = Field(default=None, min_length=1, max_length=64)
    enrolled_on: date | None = None


class RemsCertificationSet(Schema):
    """A site's REMS certification id and date."""

    certification_id: str | None = Field(default=None, min_length=1, max_length=64)
    certified_on: date | None = None
