"""The patient portal: own data only, plain-language progress, sessions, instructions, sources."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ketapath.db.models import Role
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.services import measurements as measurement_service
from tests.factories import actor_for, make_clinic, make_patient, make_user
from tests.factories_sessions import make_course


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


def _phq9(session, patient, user, items, when):
    measurement_service.record_measurement(
        session,
        actor=actor_for(user),
        patient_id=patient.id,
        data=MeasurementCreate(instrument="phq9", responses=items, taken_at=when),
    )


class TestPortal:
    def test_patient_sees_own_trajectory_sessions_instructions_and_sources(
        self, session, sign_in_as, clinic, patient
    ):
        prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
        start = datetime.now(UTC) - timedelta(days=21)
        _phq9(session, patient, prescriber, [3, 3, 3, 3, 3, 2, 2, 2, 0], start)
        _phq9(
            session,
            patient,
            prescriber,
            [1, 1, 1, 1, 1, 1, 1, 1, 1],
            start + timedelta(days=14),
        )
        soon = (datetime.now(UTC) + timedelta(days=3)).date()
        _course, planned = make_course(
            session, patient, prescriber, protocol="esketamine_trd", start=soon
        )
        first = min(s.scheduled_date for s in planned)
        me = sign_in_as(clinic, Role.PATIENT, patient=patient)
        response = me.client.get("/portal")
        assert response.status_code == 200, response.text
        html = response.text
        assert "Your PHQ-9 went from 21 to 9" in html
        assert 'role="img"' in html
        assert 'class="response-line"' in html
        assert "Esketamine nasal spray session" in html
        assert first.strftime("%A %d %B %Y") in html
        assert "Do not eat for 2 hours" in html
        assert "30 minutes" in html
        assert "until the next day after a restful night" in html
        assert "emergency" in html
        assert 'id="src-1"' in html
        assert 'href="#src-4"' in html
        assert "My care" in html

    def test_only_the_patients_own_data_is_shown(
        self, session, sign_in_as, clinic, patient
    ):
        prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
        other = make_patient(session, clinic, given_name="Other")
        _phq9(session, other, prescriber, [3] * 9, datetime.now(UTC))
        me = sign_in_as(clinic, Role.PATIENT, patient=patient)
        html = me.client.get("/portal").text
        assert "27" not in html.split("My progress")[1].split("My upcoming")[0]
        assert "no questionnaire scores yet" in html
        assert "No sessions are booked" in html

    def test_staff_are_refused(self, sign_in_as, clinic):
        nurse = sign_in_as(clinic, Role.NURSE)
        assert nurse.client.get("/portal").status_code == 403

    def test_signed_out_goes_to_sign_in(self, client):
        response = client.get("/portal", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")
