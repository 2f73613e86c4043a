"""REMS screens: the Patient Monitoring Form (pre-filled, saved, refused until complete, signed
read-only with its PDF), the deadline queue and "mark submitted"; roles and CSRF.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from ketapath.db.models import RemsMonitoringForm, Role
from ketapath.schemas.rems import REMS_FIELDS
from ketapath.services.clinic import today_in
from ketapath.web.views import rems as rems_views
from tests.factories import make_clinic, make_patient, make_site_with_chairs, make_user
from tests.factories_sessions import make_course
from tests.services.test_rems import CLINICIAN_ENTRIES, run_esketamine_session


def _form_entries(values: dict[str, object]) -> dict[str, str]:
    """Schema values as the browser posts them (yes/no radios, numbers as text)."""
    out: dict[str, str] = {}
    for name, value in values.items():
        if isinstance(value, bool):
            out[name] = "yes" if value else "no"
        else:
            out[name] = str(value)
    return out


COMPLETE = _form_entries({**CLINICIAN_ENTRIES, "maois": False, "sedation": False})


def _error_beside(html: str, field: str) -> str:
    match = re.search(rf'id="e-{field}"[^>]*>([^<]+)<', html)
    assert match, f"no error beside {field}"
    return match.group(1)


@pytest.fixture
def world(session):
    clinic = make_clinic(session)
    site, chairs = make_site_with_chairs(session, clinic)
    site.address = "1 Chapel St"
    patient = make_patient(session, clinic, given_name="Grace", family_name="Hopper")
    patient.rems_enrolled = True
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    prescriber.display_name = "Paula Prescriber"
    session.flush()
    _course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
    return clinic, patient, prescriber, sessions


@pytest.fixture
def dosed(session, world, sign_in_as):
    """A discharged esketamine session and the signed-in nurse who ran it."""
    clinic, _patient, prescriber, sessions = world
    nurse = sign_in_as(clinic, Role.NURSE)
    nurse.user.display_name = "Nina Nurse"
    run_esketamine_session(
        session, sessions[0], prescriber=prescriber, nurse=nurse.user
    )
    return nurse, sessions[0]


def test_every_field_is_in_one_section():
    shown = [name for _title, names in rems_views.SECTIONS for name in names]
    assert shown == [name for name, _label, _required in REMS_FIELDS]


def test_inputs_follow_the_schema_types():
    kinds = {name: kind for name, (kind, _choices) in rems_views.FIELD_KINDS.items()}
    assert kinds["maois"] == "bool"
    assert kinds["bp_40_min_systolic_mmhg"] == "int"
    assert kinds["treatment_date"] == "date"
    assert rems_views.FIELD_KINDS["dose"] == ("choice", ("56", "84", "other"))


class TestFormPage:
    def test_prefilled_values_are_shown_and_the_rest_editable(self, dosed):
        nurse, treatment = dosed
        response = nurse.client.get(f"/rems/sessions/{treatment.id}")
        assert response.status_code == 200
        text = response.text
        assert 'id="pre-patient_family_name"' in text
        assert "Hopper" in text
        assert 'id="pre-bp_40_min_systolic_mmhg"' in text
        assert "142" in text
        assert 'id="pre-lot_number"' in text
        assert "LOT-A1" in text
        # Not provable from the record: asked, never pre-filled as "no".
        assert 'id="pre-benzodiazepines"' not in text
        assert re.search(r'name="benzodiazepines"\s+value="yes"', text)
        assert f'href="/reports/sessions/{treatment.id}/rems-form.pdf"' in text

    def test_iv_session_has_no_form(self, session, world, sign_in_as):
        clinic, patient, prescriber, _sessions = world
        _course, iv = make_course(session, patient, prescriber, protocol="iv_induction")
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(f"/rems/sessions/{iv[0].id}")
        assert response.status_code == 409

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.THERAPIST])
    def test_other_staff_are_refused(self, world, dosed, sign_in_as, role):
        _nurse, treatment = dosed
        user = sign_in_as(world[0], role)
        assert user.client.get(f"/rems/sessions/{treatment.id}").status_code == 403
        assert user.client.get("/rems").status_code == 403

    def test_patients_are_refused(self, session, world, dosed, sign_in_as):
        _nurse, treatment = dosed
        user = sign_in_as(world[0], Role.PATIENT, patient=world[1])
        assert user.client.get(f"/rems/sessions/{treatment.id}").status_code in (
            403,
            404,
        )
        assert user.client.get("/rems").status_code in (403, 404)


class TestSaveAndSign:
    def test_save_draft_keeps_entries(self, session, dosed):
        nurse, treatment = dosed
        response = nurse.post(
            f"/rems/sessions/{treatment.id}",
            {"hcp_phone": "555-010-2000", "benzodiazepines": "no"},
            follow_redirects=False,
        )
        assert response.status_code == 303, response.text
        form = session.scalars(select(RemsMonitoringForm)).one()
        assert form.fields["hcp_phone"] == "555-010-2000"
        assert form.fields["benzodiazepines"] is False
        page = nurse.client.get(response.headers["location"])
        assert "Draft saved." in page.text
        assert 'value="555-010-2000"' in page.text

    def test_bad_input_is_shown_beside_it_and_nothing_stored(self, session, dosed):
        nurse, treatment = dosed
        response = nurse.post(
            f"/rems/sessions/{treatment.id}",
            {"setting_zip": "ABCDE", "hcp_phone": "555-010-2000"},
        )
        assert response.status_code == 422
        assert _error_beside(response.text, "setting_zip")
        assert 'value="555-010-2000"' in response.text  # what was typed is kept
        assert session.scalars(select(RemsMonitoringForm)).first() is None

    def test_sign_is_refused_listing_every_missing_field_then_signs(
        self, session, dosed
    ):
        nurse, treatment = dosed
        partial = {k: v for k, v in COMPLETE.items() if k not in ("maois", "opioids")}
        refused = nurse.post(f"/rems/sessions/{treatment.id}/sign", partial)
        assert refused.status_code == 409
        for name in ("maois", "opioids"):
            assert _error_beside(refused.text, name) == "Required to sign."
        assert "Missing (2): Concomitant MAOIs, Concomitant opioids" in refused.text
        assert session.scalars(select(RemsMonitoringForm)).first() is None

        signed = nurse.post(
            f"/rems/sessions/{treatment.id}/sign", COMPLETE, follow_redirects=False
        )
        assert signed.status_code == 303, signed.text
        form = session.scalars(select(RemsMonitoringForm)).one()
        assert form.status == "signed"
        page = nurse.client.get(signed.headers["location"])
        assert "Signed values" in page.text
        assert 'name="benzodiazepines"' not in page.text  # read-only
        pdf = nurse.client.get(f"/reports/sessions/{treatment.id}/rems-form.pdf")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")
        assert "attachment" in pdf.headers["content-disposition"]

    def test_without_the_csrf_token_nothing_is_stored(self, session, dosed):
        nurse, treatment = dosed
        response = nurse.client.post(
            f"/rems/sessions/{treatment.id}", data={"hcp_phone": "555-010-2000"}
        )
        assert response.status_code == 403
        assert session.scalars(select(RemsMonitoringForm)).first() is None


class TestQueue:
    def test_lists_due_and_marks_submitted(self, session, world, dosed):
        nurse, treatment = dosed
        page = nurse.client.get("/rems")
        assert page.status_code == 200
        assert f'id="rems-{treatment.id}"' in page.text
        assert "Grace Hopper" in page.text
        nurse.post(
            f"/rems/sessions/{treatment.id}/sign", COMPLETE, follow_redirects=False
        )
        today = today_in(world[0])
        too_early = (treatment.scheduled_date - timedelta(days=1)).isoformat()
        refused = nurse.post(
            f"/rems/queue/{treatment.id}/submitted", {"submitted_on": too_early}
        )
        assert refused.status_code == 422
        assert _error_beside(refused.text, "submitted_on")
        done = nurse.post(
            f"/rems/queue/{treatment.id}/submitted",
            {"submitted_on": today.isoformat()},
            follow_redirects=False,
        )
        assert done.status_code == 303, done.text
        after = nurse.client.get("/rems")
        assert f'id="rems-{treatment.id}"' not in after.text
        form = session.scalars(select(RemsMonitoringForm)).one()
        assert form.submitted_on == today
