"""Web: plan a course (preview with the core, confirm through the service) and the course page."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketapath.db.models import Clinic, Patient, Role, TreatmentCourse, TreatmentSession
from ketapath.schemas.assessment import AssessmentCreate
from ketapath.schemas.history import ConditionCreate, TrialCreate
from ketapath.services import assessments, history
from ketapath.services.clinic import clinic_today
from tests.factories import (
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.web.test_patients import assert_error_beside


def courses_of(session: Session, patient: Patient) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(TreatmentCourse)
            .where(TreatmentCourse.patient_id == patient.id)
        )
        or 0
    )


def next_monday(session: Session, clinic: Clinic) -> date:
    today = clinic_today(session, clinic_id=clinic.id)
    return today + timedelta(days=7 - today.weekday())


def assessed(
    session: Session, clinic: Clinic, patient: Patient, *conditions: str
) -> None:
    """Two failed adequate trials (TRD met), any conditions, then an assessment."""
    actor = actor_for(make_user(session, clinic, role=Role.PRESCRIBER))
    for drug, cls in (("sertraline", "ssri"), ("venlafaxine", "snri")):
        history.add_trial(
            session,
            actor=actor,
            patient_id=patient.id,
            data=TrialCreate.model_validate(
                {
                    "drug": drug,
                    "drug_class": cls,
                    "daily_dose_mg": Decimal(150),
                    "weeks": Decimal(8),
                    "improvement_pct": Decimal(10),
                }
            ),
        )
    for code in conditions:
        history.add_condition(
            session,
            actor=actor,
            patient_id=patient.id,
            data=ConditionCreate.model_validate({"code": code}),
        )
    assessments.create_assessment(
        session, actor=actor, patient_id=patient.id, data=AssessmentCreate()
    )


def plan(signed: Any, patient: Patient, **fields: Any) -> Any:
    return signed.post(f"/patients/{patient.id}/plan", fields, follow_redirects=False)


def test_plan_page_renders_for_a_prescriber(sign_in_as, session):
    clinic = make_clinic(session)
    make_site_with_chairs(session, clinic)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    page = signed.client.get(f"/patients/{patient.id}/plan")
    assert page.status_code == 200
    for text in ("Plan a course", "esketamine trd", "iv induction", "Chair 1"):
        assert text in page.text
    assert "Not assessed" in page.text
    assert 'name="weekdays" value="mon"' in page.text


def test_esketamine_preview_shows_day_one_dose_and_dates_and_stores_nothing(
    sign_in_as, session
):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    start = next_monday(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="esketamine_trd",
        start_date=start.isoformat(),
        weekdays=["mon", "thu"],
        action="preview",
    )
    assert response.status_code == 200
    text = response.text
    assert "Day-1 dose" in text
    assert "<strong>56 mg</strong>" in text
    assert "12 sessions" in text
    assert start.strftime("%a %d %b %Y") in text
    assert (start + timedelta(days=3)).strftime("%a %d %b %Y") in text
    assert "PROT-ESK-TRD" in text
    assert "PROT-SPACING-01" in text
    assert courses_of(session, patient) == 0
    partial = signed.post(
        f"/patients/{patient.id}/plan",
        {
            "protocol": "esketamine_trd",
            "start_date": start.isoformat(),
            "action": "preview",
        },
        headers={"X-Partial": "1"},
    )
    assert partial.text.lstrip().startswith('<section id="preview"')


def test_iv_preview_shows_dose_dosing_weight_basis_and_rate(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic, weight_kg=Decimal("110"))
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="iv_induction",
        start_date=next_monday(session, clinic).isoformat(),
        weight_basis="adjusted",
        dose_mg_per_kg="0.5",
        infusion_minutes="40",
        action="preview",
    )
    assert response.status_code == 200
    text = response.text
    assert "Dosing weight" in text
    assert "(adjusted body weight)" in text
    assert "DOSE-WT-BASIS" in text
    assert "BMI" in text
    assert "mg/min" in text
    assert "KET-DOSE-01" in text
    assert "infusion" in text
    assert "100" in text


def test_preview_rejects_a_dose_out_of_range_beside_the_field(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="iv_induction",
        start_date=next_monday(session, clinic).isoformat(),
        dose_mg_per_kg="9",
        action="preview",
    )
    assert response.status_code == 422
    assert_error_beside(
        response.text, "dose_mg_per_kg", "Dose (mg/kg)", "less than or equal to 5"
    )
    assert courses_of(session, patient) == 0


def test_preview_rejects_weekdays_the_protocol_cannot_use(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="esketamine_trd",
        start_date=next_monday(session, clinic).isoformat(),
        weekdays=["mon"],
        action="preview",
    )
    assert response.status_code == 422
    weekdays = response.text[response.text.index("<legend>Weekdays") :]
    weekdays = weekdays[: weekdays.index("</fieldset>")]
    assert 'class="error" id="e-weekdays"' in weekdays


def test_confirm_creates_the_course_and_lands_on_its_page(sign_in_as, session):
    clinic = make_clinic(session)
    _, chairs = make_site_with_chairs(session, clinic)
    patient = make_patient(session, clinic)
    assessed(session, clinic, patient)
    start = next_monday(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="esketamine_trd",
        start_date=start.isoformat(),
        weekdays=["mon", "thu"],
        chair_id=str(chairs[0].id),
        scheduled_time="09:30",
        action="confirm",
    )
    assert response.status_code == 303
    course = session.scalars(
        select(TreatmentCourse).where(TreatmentCourse.patient_id == patient.id)
    ).one()
    assert response.headers["location"] == f"/courses/{course.id}"
    page = signed.client.get(response.headers["location"])
    assert page.status_code == 200
    assert 'Sessions <span class="muted">(12)</span>' in page.text
    assert start.strftime("%a %d %b %Y") in page.text
    assert "09:30" in page.text
    assert "56 mg" in page.text
    assert "Chair 1" in page.text
    chart = signed.client.get(f"/patients/{patient.id}").text
    assert f'href="/courses/{course.id}"' in chart
    assert start.strftime("%a %d %b %Y") in chart  # next session
    assert "induction" in chart


def test_confirm_without_assessment_is_refused_naming_the_rule(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="esketamine_trd",
        start_date=next_monday(session, clinic).isoformat(),
        action="confirm",
    )
    assert response.status_code == 409
    assert "Course refused." in response.text
    assert "ELIGIBILITY-REQUIRED" in response.text
    assert courses_of(session, patient) == 0


def test_contraindicated_route_without_override_is_refused(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessed(session, clinic, patient, "aneurysmal_vascular_disease")
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="esketamine_trd",
        start_date=next_monday(session, clinic).isoformat(),
        action="confirm",
    )
    assert response.status_code == 409
    refusal = response.text[response.text.index("Course refused.") :]
    assert "SPV-CI-01" in refusal
    assert "with no override" in refusal
    assert courses_of(session, patient) == 0
    assert session.scalar(select(func.count()).select_from(TreatmentSession)) == 0


def test_nurse_may_not_confirm_a_course(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessed(session, clinic, patient)
    signed = sign_in_as(clinic, Role.NURSE)
    response = plan(
        signed,
        patient,
        protocol="esketamine_trd",
        start_date=next_monday(session, clinic).isoformat(),
        action="confirm",
    )
    assert response.status_code == 403
    assert "may not course:write" in response.text
    assert courses_of(session, patient) == 0


def test_iv_option_on_an_esketamine_course_is_refused_beside_the_field(
    sign_in_as, session
):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessed(session, clinic, patient)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = plan(
        signed,
        patient,
        protocol="esketamine_trd",
        start_date=next_monday(session, clinic).isoformat(),
        infusion_minutes="40",
        action="confirm",
    )
    assert response.status_code == 422
    assert_error_beside(
        response.text, "infusion_minutes", "Infusion minutes", "iv_induction only"
    )
    assert courses_of(session, patient) == 0


def test_confirm_without_csrf_is_refused(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessed(session, clinic, patient)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = signed.client.post(
        f"/patients/{patient.id}/plan",
        data={
            "protocol": "esketamine_trd",
            "start_date": next_monday(session, clinic).isoformat(),
            "action": "confirm",
        },
    )
    assert response.status_code == 403
    assert courses_of(session, patient) == 0


def test_patients_never_reach_plan_or_course_pages(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessed(session, clinic, patient)
    prescriber = sign_in_as(clinic, Role.PRESCRIBER)
    created = plan(
        prescriber,
        patient,
        protocol="esketamine_trd",
        start_date=next_monday(session, clinic).isoformat(),
        action="confirm",
    )
    assert created.status_code == 303
    course_url = created.headers["location"]
    own = sign_in_as(clinic, Role.PATIENT, patient=patient)
    for url in (f"/patients/{patient.id}/plan", course_url):
        response = own.client.get(url)
        assert response.status_code in (403, 404), url
        assert "Sessions" not in response.text
    front_desk = sign_in_as(clinic, Role.FRONT_DESK)
    assert front_desk.client.get(course_url).status_code == 200
