"""Web: patient list and enrolment, the chart and its history forms, eligibility and overrides."""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ketapath.db.models import (
    AntidepressantTrial,
    Assessment,
    AssessmentOverride,
    Clinic,
    Condition,
    Medication,
    Patient,
    Role,
)
from ketapath.schemas.assessment import AssessmentCreate
from ketapath.schemas.history import ConditionCreate, TrialCreate
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.schemas.patient import PatientUpdate
from ketapath.services import assessments, history, measurements, patients
from tests.factories import actor_for, make_clinic, make_patient, make_user
from tests.web.conftest import SignedIn


def beside(html: str, name: str) -> str:
    """The field block (label, input, hint, error) of the input with id ``f-<name>``."""
    start = html.index(f'<label for="f-{name}">')
    block_start = html.rindex('<div class="field', 0, start)
    return html[block_start : html.index("</div>", start)]


def assert_error_beside(html: str, name: str, label: str, message: str) -> None:
    block = beside(html, name)
    assert "has-error" in block[:40]
    assert label in block
    assert 'aria-invalid="true"' in block
    error = re.search(r'<p class="error" id="e-[^"]+" role="alert">([^<]*)</p>', block)
    assert error is not None, block
    assert message in error.group(1)


def count(session: Session, model: Any, **where: Any) -> int:
    statement = select(func.count()).select_from(model)
    for key, value in where.items():
        statement = statement.where(getattr(model, key) == value)
    return int(session.scalar(statement) or 0)


def failed_trials(session: Session, clinic: Clinic, patient: Patient) -> None:
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
    patients.update_patient(
        session,
        actor=actor,
        patient_id=patient.id,
        data=PatientUpdate(episode_duration_months=14, episode_severity="severe"),
    )


# --- list and enrol ---------------------------------------------------------------------


def test_list_searches_by_name_and_mrn(sign_in_as, session):
    clinic = make_clinic(session)
    make_patient(session, clinic, given_name="Ada", family_name="Lovelace", mrn="A-1")
    make_patient(session, clinic, given_name="Grace", family_name="Hopper", mrn="G-2")
    signed = sign_in_as(clinic, Role.FRONT_DESK)
    page = signed.client.get("/patients")
    assert page.status_code == 200
    assert "Lovelace, Ada" in page.text
    assert "Hopper, Grace" in page.text
    assert "New patient" in page.text
    found = signed.client.get("/patients", params={"q": "g-2"})
    assert "Hopper, Grace" in found.text
    assert "Lovelace, Ada" not in found.text
    partial = signed.client.get(
        "/patients", params={"q": "lovelace"}, headers={"X-Partial": "1"}
    )
    assert partial.text.lstrip().startswith('<div id="results">')
    assert "<html" not in partial.text


def test_list_pages(sign_in_as, session):
    clinic = make_clinic(session)
    for i in range(23):
        make_patient(session, clinic, family_name=f"Family{i:02d}")
    signed = sign_in_as(clinic, Role.NURSE)
    first = signed.client.get("/patients")
    assert "page 1 of 2" in first.text
    assert "Family00" in first.text
    assert "Family22" not in first.text
    second = signed.client.get("/patients", params={"page": 2})
    assert "page 2 of 2" in second.text
    assert "Family22" in second.text
    assert "Family00" not in second.text


def test_enrol_opens_the_chart(sign_in_as, session):
    clinic = make_clinic(session)
    signed = sign_in_as(clinic, Role.FRONT_DESK)
    response = signed.post(
        "/patients",
        {
            "mrn": "NEW-7",
            "given_name": "Mary",
            "family_name": "Somerville",
            "birth_date": "1985-12-26",
            "sex": "female",
            "weight_kg": "64.5",
            "height_cm": "165",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    patient = session.scalars(select(Patient).where(Patient.mrn == "NEW-7")).one()
    assert response.headers["location"] == f"/patients/{patient.id}"
    chart = signed.client.get(response.headers["location"])
    assert chart.status_code == 200
    assert "Somerville, Mary" in chart.text
    assert "64.5 kg" in chart.text


def test_enrol_rejects_weight_900_beside_the_field_and_stores_nothing(
    sign_in_as, session
):
    clinic = make_clinic(session)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = signed.post(
        "/patients",
        {
            "mrn": "HEAVY-1",
            "given_name": "Too",
            "family_name": "Heavy",
            "birth_date": "1985-12-26",
            "sex": "male",
            "weight_kg": "900",
        },
    )
    assert response.status_code == 422
    assert_error_beside(
        response.text, "weight_kg", "Weight (kg)", "less than or equal to 350"
    )
    assert 'value="HEAVY-1"' in response.text  # the form keeps what was typed
    assert count(session, Patient, mrn="HEAVY-1") == 0


def test_enrol_duplicate_mrn_is_a_conflict_beside_the_field(sign_in_as, session):
    clinic = make_clinic(session)
    make_patient(session, clinic, mrn="DUP-1")
    signed = sign_in_as(clinic, Role.FRONT_DESK)
    response = signed.post(
        "/patients",
        {
            "mrn": "DUP-1",
            "given_name": "Second",
            "family_name": "Copy",
            "birth_date": "1990-01-01",
            "sex": "female",
        },
    )
    assert response.status_code == 409
    assert_error_beside(response.text, "mrn", "MRN", "MRN DUP-1 is already in use")
    assert count(session, Patient, mrn="DUP-1") == 1


def test_enrol_without_csrf_is_refused_and_stores_nothing(sign_in_as, session):
    clinic = make_clinic(session)
    signed = sign_in_as(clinic, Role.FRONT_DESK)
    response = signed.client.post(
        "/patients",
        data={
            "mrn": "NOCSRF-1",
            "given_name": "No",
            "family_name": "Token",
            "birth_date": "1990-01-01",
            "sex": "female",
        },
    )
    assert response.status_code == 403
    assert count(session, Patient, mrn="NOCSRF-1") == 0


def test_patient_users_never_reach_staff_pages(sign_in_as, session):
    clinic = make_clinic(session)
    own = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PATIENT, patient=own)
    for url in (
        "/patients",
        f"/patients/{own.id}",
        f"/patients/{own.id}/eligibility",
    ):
        response = signed.client.get(url)
        assert response.status_code in (403, 404), url
        assert own.family_name not in response.text
    refused = signed.post(
        f"/patients/{own.id}/trials", {"drug": "x", "drug_class": "ssri"}
    )
    assert refused.status_code == 403
    assert count(session, AntidepressantTrial, patient_id=own.id) == 0


def test_other_clinics_patient_is_not_found(sign_in_as, session):
    other = make_patient(session, make_clinic(session, name="Other"))
    signed = sign_in_as(make_clinic(session), Role.PRESCRIBER)
    assert signed.client.get(f"/patients/{other.id}").status_code == 404
    assert signed.client.get(f"/patients/{uuid.uuid4()}").status_code == 404


# --- the chart --------------------------------------------------------------------------


def test_chart_summary_shows_course_scores_and_alerts(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    failed_trials(session, clinic, patient)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    measurements.record_measurement(
        session,
        actor=actor_for(signed.user),
        patient_id=patient.id,
        data=MeasurementCreate(
            instrument="phq9", responses=[2, 2, 2, 2, 2, 2, 2, 2, 1]
        ),
    )
    page = signed.client.get(f"/patients/{patient.id}")
    assert page.status_code == 200
    text = page.text
    assert "Lovelace, Ada" in text
    assert "age " in text
    assert "PHQ9" in text
    assert ">17<" not in text
    assert "17" in text
    assert "moderately severe" in text
    assert "1 open" in text  # item 9 raised a suicide-risk alert
    assert "sertraline" in text
    assert "TRD-ADEQ-DURATION" in text
    assert f'href="/patients/{patient.id}/measurements"' in text
    assert f'href="/patients/{patient.id}/eligibility"' in text


def test_front_desk_chart_hides_scores_and_alerts(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.FRONT_DESK)
    page = signed.client.get(f"/patients/{patient.id}")
    assert page.status_code == 200
    assert "Scores are shown to clinicians." in page.text


def test_add_trial_shows_the_adequacy_verdict(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = signed.post(
        f"/patients/{patient.id}/trials",
        {
            "drug": "citalopram",
            "drug_class": "ssri",
            "daily_dose_mg": "10",
            "weeks": "3",
            "improvement_pct": "5",
        },
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert response.headers["location"] == f"/patients/{patient.id}#trials"
    assert count(session, AntidepressantTrial, patient_id=patient.id) == 1
    chart = signed.client.get(f"/patients/{patient.id}").text
    trials = chart[chart.index('id="trials"') :]
    assert "citalopram" in trials
    assert "inadequate" in trials  # 10 mg for 3 weeks is neither dose nor duration
    assert "TRD-ADEQ-DURATION" in trials


def test_add_trial_partial_returns_the_section(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.NURSE)
    response = signed.post(
        f"/patients/{patient.id}/trials",
        {"drug": "bupropion", "drug_class": "ndri"},
        headers={"X-Partial": "1"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section id="trials"')
    assert "bupropion" in response.text
    assert "<html" not in response.text


def test_trial_improvement_150_is_refused_beside_the_field(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = signed.post(
        f"/patients/{patient.id}/trials",
        {"drug": "sertraline", "drug_class": "ssri", "improvement_pct": "150"},
    )
    assert response.status_code == 422
    assert_error_beside(
        response.text,
        "improvement_pct",
        "Improvement (%)",
        "less than or equal to 100",
    )
    assert 'value="150"' in response.text
    assert count(session, AntidepressantTrial, patient_id=patient.id) == 0
    partial = signed.post(
        f"/patients/{patient.id}/trials",
        {"drug": "sertraline", "drug_class": "ssri", "improvement_pct": "150"},
        headers={"X-Partial": "1"},
    )
    assert partial.status_code == 422
    assert partial.text.lstrip().startswith('<section id="trials"')
    assert_error_beside(
        partial.text, "improvement_pct", "Improvement (%)", "less than or equal"
    )


def test_front_desk_may_not_write_history(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.FRONT_DESK)
    response = signed.post(
        f"/patients/{patient.id}/trials", {"drug": "sertraline", "drug_class": "ssri"}
    )
    assert response.status_code == 403
    section = response.text[response.text.index('id="trials"') :]
    assert "may not history:write" in section
    assert count(session, AntidepressantTrial, patient_id=patient.id) == 0


def test_add_condition_and_reject_unknown_code(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    ok = signed.post(
        f"/patients/{patient.id}/conditions",
        {"code": "hypertension", "note": "on amlodipine"},
        follow_redirects=True,
    )
    assert ok.status_code == 200
    conditions = ok.text[ok.text.index('id="conditions"') :]
    assert "hypertension" in conditions
    assert "on amlodipine" in conditions
    bad = signed.post(f"/patients/{patient.id}/conditions", {"code": "gout"})
    assert bad.status_code == 422
    assert_error_beside(bad.text, "code", "Condition", "Input should be")
    again = signed.post(f"/patients/{patient.id}/conditions", {"code": "hypertension"})
    assert again.status_code == 409
    assert_error_beside(again.text, "code", "Condition", "already recorded")
    assert count(session, Condition, patient_id=patient.id) == 1


def test_add_medication_and_reject_a_bad_dose(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.NURSE)
    ok = signed.post(
        f"/patients/{patient.id}/medications",
        {"med_name": "lorazepam", "med_drug_class": "benzodiazepine"},
        follow_redirects=True,
    )
    assert ok.status_code == 200
    meds = ok.text[ok.text.index('id="medications"') :]
    assert "lorazepam" in meds
    assert "benzodiazepine" in meds
    bad = signed.post(
        f"/patients/{patient.id}/medications",
        {"med_name": "x", "med_drug_class": "opioid", "med_daily_dose_mg": "-5"},
    )
    assert bad.status_code == 422
    assert_error_beside(
        bad.text, "med_daily_dose_mg", "Medication daily dose (mg)", "greater than 0"
    )
    assert count(session, Medication, patient_id=patient.id) == 1


def test_episode_update_and_weight_900_rejected(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    ok = signed.post(
        f"/patients/{patient.id}/episode",
        {
            "episode_duration_months": "14",
            "episode_severity": "severe",
            "augmentation_used": "true",
        },
        follow_redirects=False,
    )
    assert ok.status_code == 303
    session.refresh(patient)
    assert patient.episode_duration_months == 14
    assert patient.augmentation_used
    bad = signed.post(
        f"/patients/{patient.id}/episode",
        {"episode_duration_months": "20", "weight_kg": "900"},
    )
    assert bad.status_code == 422
    assert_error_beside(
        bad.text, "weight_kg", "Weight (kg)", "less than or equal to 350"
    )
    session.refresh(patient)
    assert patient.episode_duration_months == 14
    assert patient.weight_kg == Decimal("70")


# --- eligibility ------------------------------------------------------------------------


def test_eligibility_runs_and_shows_reasons_findings_and_sources(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    failed_trials(session, clinic, patient)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    history.add_condition(
        session,
        actor=actor_for(signed.user),
        patient_id=patient.id,
        data=ConditionCreate(code="hypertension"),
    )
    empty = signed.client.get(f"/patients/{patient.id}/eligibility")
    assert empty.status_code == 200
    assert "Not assessed yet." in empty.text
    response = signed.post(
        f"/patients/{patient.id}/eligibility",
        {"trd_ruleset": "seed", "jurisdiction": "us"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    assert count(session, Assessment, patient_id=patient.id) == 1
    page = signed.client.get(f"/patients/{patient.id}/eligibility").text
    assert "TRD met" in page
    assert "TRD-SEED-01" in page
    assert "MSM score" in page
    assert "Thase–Rush" in page
    assert "CI-CARDIAC" in page
    assert "Sources" in page
    assert 'class="badge status-caution"' in page
    assert "Override CI-CARDIAC" in page


def test_eligibility_rejects_an_unknown_rule_set(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = signed.post(
        f"/patients/{patient.id}/eligibility", {"trd_ruleset": "made-up"}
    )
    assert response.status_code == 422
    assert_error_beside(response.text, "trd_ruleset", "TRD rule set", "Input should be")
    assert count(session, Assessment, patient_id=patient.id) == 0


def _assessed(session: Session, clinic: Clinic, patient: Patient, code: str) -> Any:
    actor = actor_for(make_user(session, clinic, role=Role.PRESCRIBER))
    history.add_condition(
        session,
        actor=actor,
        patient_id=patient.id,
        data=ConditionCreate.model_validate({"code": code}),
    )
    return assessments.create_assessment(
        session, actor=actor, patient_id=patient.id, data=AssessmentCreate()
    )


def _override(
    signed: SignedIn, patient: Patient, assessment: Any, rule: str, reason: str
) -> Any:
    return signed.post(
        f"/patients/{patient.id}/eligibility/{assessment.id}/overrides",
        {"route": "esketamine", "rule_id": rule, "reason": reason},
        follow_redirects=False,
    )


def test_override_reason_too_short_is_refused_beside_the_field(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessment = _assessed(session, clinic, patient, "hypertension")
    signed = sign_in_as(clinic, Role.NURSE)
    response = _override(signed, patient, assessment, "CI-CARDIAC", "ok")
    assert response.status_code == 422
    fid = "ov-esketamine-CI-CARDIAC"
    block = response.text[response.text.index(f'<label for="{fid}">') :]
    block = block[: block.index("</div>")]
    assert "Reason for overriding CI-CARDIAC" in block
    assert 'aria-invalid="true"' in block
    assert "at least 10 characters" in block
    assert count(session, AssessmentOverride) == 0


def test_nurse_overrides_a_caution_but_not_a_contraindication(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessment = _assessed(session, clinic, patient, "aneurysmal_vascular_disease")
    rules = [
        f["rule"]
        for f in assessment.decision["routes"]["esketamine"]["findings"]
        if f["severity"] == "contraindicated"
    ]
    assert rules
    nurse = sign_in_as(clinic, Role.NURSE)
    refused = _override(nurse, patient, assessment, rules[0], "benefit outweighs risk")
    assert refused.status_code == 403
    form = refused.text[
        refused.text.index(f'aria-label="Override {rules[0]} for esketamine"') :
    ]
    form = form[: form.index("</form>")]
    assert "may not assessment:override_contraindication" in form, form
    assert count(session, AssessmentOverride) == 0
    prescriber = sign_in_as(clinic, Role.PRESCRIBER)
    ok = _override(prescriber, patient, assessment, rules[0], "benefit outweighs risk")
    assert ok.status_code == 303
    assert count(session, AssessmentOverride) == 1
    page = prescriber.client.get(f"/patients/{patient.id}/eligibility").text
    assert "“benefit outweighs risk”" in page


def test_override_without_csrf_is_refused(sign_in_as, session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    assessment = _assessed(session, clinic, patient, "hypertension")
    signed = sign_in_as(clinic, Role.PRESCRIBER)
    response = signed.client.post(
        f"/patients/{patient.id}/eligibility/{assessment.id}/overrides",
        data={"route": "esketamine", "rule_id": "CI-CARDIAC", "reason": "x" * 20},
    )
    assert response.status_code == 403
    assert count(session, AssessmentOverride) == 0
