"""Measurement pages: list, instrument form, result with alerts, outcomes with charts."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from ketapath.db.models import Alert, Measurement, Role, SessionStatus
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.services import measurements as measurement_service
from tests.factories import actor_for, make_clinic, make_patient
from tests.factories_sessions import make_course

PHQ9_ITEM9_POSITIVE = {f"phq9_{n}": "2" for n in range(1, 9)} | {"phq9_9": "1"}


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic, given_name="Grace", family_name="Hopper")


def _count(session, model, **where):
    query = select(func.count()).select_from(model)
    for key, value in where.items():
        query = query.where(getattr(model, key) == value)
    return session.scalar(query)


def _fieldset(html: str, item_id: str) -> str:
    """The HTML of one item's fieldset on the form."""
    match = re.search(
        rf'<fieldset[^>]*id="item-{item_id}".*?</fieldset>', html, flags=re.S
    )
    assert match, f"no fieldset for {item_id}"
    return match.group(0)


def _record(session, user, patient, instrument, responses, when):
    return measurement_service.record_measurement(
        session,
        actor=actor_for(user),
        patient_id=patient.id,
        data=MeasurementCreate(
            instrument=instrument, responses=responses, taken_at=when
        ),
    )


class TestMeasurementList:
    def test_nurse_sees_measurements_and_the_instrument_picker(
        self, session, sign_in_as, clinic, patient
    ):
        nurse = sign_in_as(clinic, Role.NURSE)
        _record(session, nurse.user, patient, "gad7", [1] * 7, datetime.now(UTC))
        response = nurse.client.get(f"/patients/{patient.id}/measurements")
        assert response.status_code == 200
        assert "Enter instrument" in response.text
        for key in ("phq9", "gad7", "madrs", "qids_sr16", "hamd17", "cssrs"):
            assert f'value="{key}"' in response.text
        assert "GAD-7" in response.text
        assert "<td>7</td>" in response.text
        assert "clinician" in response.text

    def test_front_desk_may_not_see_scores(self, sign_in_as, clinic, patient):
        desk = sign_in_as(clinic, Role.FRONT_DESK)
        response = desk.client.get(f"/patients/{patient.id}/measurements")
        assert response.status_code == 403

    def test_a_patient_gets_404_on_another_patients_measurements(
        self, session, sign_in_as, clinic, patient
    ):
        other = make_patient(session, clinic)
        me = sign_in_as(clinic, Role.PATIENT, patient=other)
        assert me.client.get(f"/patients/{patient.id}/measurements").status_code == 404
        form = me.client.get(
            f"/patients/{patient.id}/measurements/new", params={"instrument": "phq9"}
        )
        assert form.status_code == 404
        assert me.client.get(f"/patients/{patient.id}/outcomes").status_code == 404


class TestInstrumentForm:
    def test_phq9_form_has_every_item_with_its_wording_as_radios(
        self, sign_in_as, clinic, patient
    ):
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(
            f"/patients/{patient.id}/measurements/new", params={"instrument": "phq9"}
        )
        assert response.status_code == 200
        html = response.text
        for n in range(1, 11):
            assert f'id="item-phq9_{n}"' in html
        assert "Thoughts that you would be better off dead" in html
        assert html.count('type="radio" name="phq9_9"') == 4
        assert 'name="csrf_token"' in html

    def test_madrs_form_uses_short_labels_and_range_0_to_6(
        self, sign_in_as, clinic, patient
    ):
        prescriber = sign_in_as(clinic, Role.PRESCRIBER)
        response = prescriber.client.get(
            f"/patients/{patient.id}/measurements/new", params={"instrument": "madrs"}
        )
        assert response.status_code == 200
        assert response.text.count('type="radio" name="madrs_1"') == 7
        assert "Allowed 0–6." in response.text

    def test_unknown_instrument_is_refused_in_words(self, sign_in_as, clinic, patient):
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(
            f"/patients/{patient.id}/measurements/new", params={"instrument": "nope"}
        )
        assert response.status_code == 422
        assert "unknown instrument" in response.text


class TestRecordMeasurement:
    def test_phq9_item9_positive_is_stored_and_the_alert_is_shown(
        self, session, sign_in_as, clinic, patient
    ):
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/patients/{patient.id}/measurements",
            {"instrument": "phq9", **PHQ9_ITEM9_POSITIVE},
        )
        assert response.status_code == 200, response.text
        html = response.text
        assert "Suicide-risk alert raised" in html
        assert "same-day C-SSRS" in html
        assert "<strong>17</strong>" in html  # 8 × 2 + 1
        assert "suicidal ideation" in html
        assert _count(session, Measurement, patient_id=patient.id) == 1
        assert _count(session, Alert, patient_id=patient.id) == 1

    def test_unanswered_item_is_an_error_beside_it_and_nothing_is_stored(
        self, session, sign_in_as, clinic, patient
    ):
        nurse = sign_in_as(clinic, Role.NURSE)
        answers = dict(PHQ9_ITEM9_POSITIVE)
        del answers["phq9_4"]
        del answers["phq9_9"]
        response = nurse.post(
            f"/patients/{patient.id}/measurements", {"instrument": "phq9", **answers}
        )
        assert response.status_code == 422
        html = response.text
        for item_id in ("phq9_4", "phq9_9"):
            assert "answer this item (allowed 0–3)" in _fieldset(html, item_id)
        assert "answer this item" not in _fieldset(html, "phq9_1")
        # Answers given are kept; the optional item 10 is not an error.
        assert "checked" in _fieldset(html, "phq9_1")
        assert "checked" not in _fieldset(html, "phq9_4")
        assert "error" not in _fieldset(html, "phq9_10").split("</legend>")[1]
        assert _count(session, Measurement, patient_id=patient.id) == 0
        assert _count(session, Alert, patient_id=patient.id) == 0

    def test_out_of_range_or_text_answers_are_refused(
        self, session, sign_in_as, clinic, patient
    ):
        nurse = sign_in_as(clinic, Role.NURSE)
        answers = dict(PHQ9_ITEM9_POSITIVE) | {"phq9_2": "7", "phq9_3": "two"}
        response = nurse.post(
            f"/patients/{patient.id}/measurements", {"instrument": "phq9", **answers}
        )
        assert response.status_code == 422
        assert "0–3" in _fieldset(response.text, "phq9_2")
        assert "enter a whole number" in _fieldset(response.text, "phq9_3")
        assert _count(session, Measurement, patient_id=patient.id) == 0

    def test_missing_csrf_token_is_403_and_nothing_is_stored(
        self, session, sign_in_as, clinic, patient
    ):
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.post(
            f"/patients/{patient.id}/measurements",
            data={"instrument": "phq9", **PHQ9_ITEM9_POSITIVE},
        )
        assert response.status_code == 403
        assert _count(session, Measurement, patient_id=patient.id) == 0

    def test_clinician_enters_madrs(self, session, sign_in_as, clinic, patient):
        prescriber = sign_in_as(clinic, Role.PRESCRIBER)
        answers = {f"madrs_{n}": "3" for n in range(1, 11)} | {"madrs_10": "0"}
        response = prescriber.post(
            f"/patients/{patient.id}/measurements", {"instrument": "madrs", **answers}
        )
        assert response.status_code == 200, response.text
        assert "<strong>27</strong>" in response.text
        assert "moderate" in response.text
        assert "alert raised" not in response.text.lower()

    def test_patient_may_not_enter_a_clinician_rated_scale(
        self, session, sign_in_as, clinic, patient
    ):
        me = sign_in_as(clinic, Role.PATIENT, patient=patient)
        answers = {f"madrs_{n}": "1" for n in range(1, 11)}
        response = me.post(
            f"/patients/{patient.id}/measurements", {"instrument": "madrs", **answers}
        )
        assert response.status_code == 422
        assert _count(session, Measurement, patient_id=patient.id) == 0


class TestOutcomesPage:
    def test_chart_summary_markers_and_futility_prompt(
        self, session, sign_in_as, clinic, patient
    ):
        prescriber = sign_in_as(clinic, Role.PRESCRIBER)
        _course, sessions = make_course(
            session,
            patient,
            prescriber.user,
            protocol="iv_induction",
            start=date(2025, 3, 3),
        )
        for held in sessions[:3]:
            held.status = SessionStatus.DISCHARGED
        session.flush()
        start = datetime(2025, 3, 3, 15, tzinfo=UTC)
        for days, item in ((0, 2), (7, 2)):
            _record(
                session,
                prescriber.user,
                patient,
                "phq9",
                [item] * 8 + [0],
                start + timedelta(days=days),
            )
        response = prescriber.client.get(f"/patients/{patient.id}/outcomes")
        assert response.status_code == 200, response.text
        html = response.text
        assert 'role="img"' in html
        assert "<title" in html
        assert "<desc" in html
        assert 'class="response-line"' in html
        assert 'class="remission-line"' in html
        assert html.count('class="session-marker"') == 3
        assert "PHQ-9 &lt; 5" in html or "PHQ-9 < 5" in html
        assert "<dt>Response</dt><dd>no" in html
        assert "No response after 3 infusions" in html
        assert "review due" in html
        assert "<td>2025-03-10</td><td>16</td>" in html

    def test_no_measurements_says_so(self, sign_in_as, clinic, patient):
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(f"/patients/{patient.id}/outcomes")
        assert response.status_code == 200
        assert "No outcome measurements yet" in response.text
