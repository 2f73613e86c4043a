"""/api/v1 courses: success, validation, 401, 403, another patient's record, audit, safety gate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select
from tests.factories import (
    bearer_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_assessment, make_override

from ketapath.db.models import AuditEntry, Role

COURSE = {
    "protocol": "esketamine_trd",
    "start_date": "2025-03-03",
    "weekdays": ["mon", "thu"],
}


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    patient = make_patient(session, clinic)
    make_assessment(session, patient)
    return patient


@pytest.fixture
def prescriber(session, clinic):
    return bearer_for(session, make_user(session, clinic, role=Role.PRESCRIBER))


class TestCreateCourse:
    def test_prescriber_plans_a_course_and_the_write_is_audited(
        self, client, session, clinic, patient, prescriber
    ):
        _site, chairs = make_site_with_chairs(session, clinic)
        response = client.post(
            f"/api/v1/patients/{patient.id}/courses",
            json={**COURSE, "chair_id": str(chairs[0].id), "scheduled_time": "09:30"},
            headers=prescriber,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["route"] == "esketamine"
        assert len(body["sessions"]) == 12
        first = body["sessions"][0]
        assert (first["number"], first["phase"], first["status"]) == (
            1,
            "induction",
            "scheduled",
        )
        assert first["planned_dose_mg"] == "56"
        assert first["planned_chair_minutes"] == 120
        assert first["scheduled_time"] == "09:30"
        assert {f["rule_id"] for f in body["findings"]} >= {"PROT-SPACING-01"}
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.patient_id == patient.id, AuditEntry.entity == "course"
            )
        ).one()
        assert entry.action == "create"
        assert "protocol" in entry.detail["fields"]

    def test_iv_course_counts_and_dose_from_weight(
        self, client, session, patient, prescriber
    ):
        response = client.post(
            f"/api/v1/patients/{patient.id}/courses",
            json={
                "protocol": "iv_induction",
                "start_date": "2025-03-03",
                "sessions": 4,
                "weekdays": ["mon", "wed", "fri"],
            },
            headers=prescriber,
        )
        assert response.status_code == 201, response.text
        sessions = response.json()["sessions"]
        assert len(sessions) == 4
        assert Decimal(sessions[0]["planned_dose_mg"]) == 35
        assert sessions[0]["kind"] == "infusion"

    def test_unknown_protocol_is_422_naming_the_field(
        self, client, patient, prescriber
    ):
        response = client.post(
            f"/api/v1/patients/{patient.id}/courses",
            json={**COURSE, "protocol": "ecstasy"},
            headers=prescriber,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "protocol"

    def test_weekdays_that_break_spacing_are_422_naming_weekdays(
        self, client, patient, prescriber
    ):
        response = client.post(
            f"/api/v1/patients/{patient.id}/courses",
            json={**COURSE, "weekdays": ["mon", "tue"]},
            headers=prescriber,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "weekdays"

    def test_sessions_count_for_esketamine_is_422(self, client, patient, prescriber):
        response = client.post(
            f"/api/v1/patients/{patient.id}/courses",
            json={**COURSE, "sessions": 4},
            headers=prescriber,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "sessions"

    def test_contraindicated_route_is_409_naming_rules_until_overridden(
        self, client, session, clinic
    ):
        patient = make_patient(session, clinic)
        doctor = make_user(session, clinic, role=Role.PRESCRIBER)
        headers = bearer_for(session, doctor)
        assessment = make_assessment(
            session, patient, contraindicated={"esketamine": ["SPV-CI-02"]}
        )
        url = f"/api/v1/patients/{patient.id}/courses"
        refused = client.post(url, json=COURSE, headers=headers)
        assert refused.status_code == 409
        assert [f["rule_id"] for f in refused.json()["findings"]] == ["SPV-CI-02"]
        assert "SPV-CI-02" in refused.json()["detail"]
        make_override(
            session, assessment, route="esketamine", rule_id="SPV-CI-02", by=doctor
        )
        assert client.post(url, json=COURSE, headers=headers).status_code == 201

    def test_without_an_assessment_is_409(self, client, session, clinic, prescriber):
        patient = make_patient(session, clinic)
        response = client.post(
            f"/api/v1/patients/{patient.id}/courses", json=COURSE, headers=prescriber
        )
        assert response.status_code == 409
        assert response.json()["findings"][0]["rule_id"] == "ELIGIBILITY-REQUIRED"

    def test_without_login_is_401(self, client, patient):
        assert (
            client.post(
                f"/api/v1/patients/{patient.id}/courses", json=COURSE
            ).status_code
            == 401
        )

    def test_nurse_may_not_plan_a_course(self, client, session, clinic, patient):
        headers = bearer_for(session, make_user(session, clinic, role=Role.NURSE))
        response = client.post(
            f"/api/v1/patients/{patient.id}/courses", json=COURSE, headers=headers
        )
        assert response.status_code == 403


class TestReadCourses:
    def test_list_and_get_are_audited(
        self, client, session, clinic, patient, prescriber
    ):
        created = client.post(
            f"/api/v1/patients/{patient.id}/courses", json=COURSE, headers=prescriber
        ).json()
        nurse = bearer_for(session, make_user(session, clinic, role=Role.NURSE))
        listing = client.get(f"/api/v1/patients/{patient.id}/courses", headers=nurse)
        assert listing.status_code == 200
        assert [c["id"] for c in listing.json()] == [created["id"]]
        one = client.get(f"/api/v1/courses/{created['id']}", headers=nurse)
        assert one.status_code == 200
        assert len(one.json()["sessions"]) == 12
        session.flush()
        reads = session.scalars(
            select(AuditEntry).where(
                AuditEntry.patient_id == patient.id,
                AuditEntry.entity == "course",
                AuditEntry.action == "read",
            )
        ).all()
        assert len(reads) == 2

    def test_patient_cannot_see_another_patients_courses(
        self, client, session, clinic, patient
    ):
        me = make_patient(session, clinic)
        headers = bearer_for(
            session, make_user(session, clinic, role=Role.PATIENT, patient=me)
        )
        assert (
            client.get(
                f"/api/v1/patients/{patient.id}/courses", headers=headers
            ).status_code
            == 404
        )

    def test_malformed_course_id_is_422(self, client, prescriber):
        response = client.get("/api/v1/courses/nope", headers=prescriber)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "course_id"

    def test_without_login_is_401(self, client, patient):
        assert client.get(f"/api/v1/patients/{patient.id}/courses").status_code == 401

    def test_patient_reads_own_courses_but_not_another_patients(
        self, client, session, clinic, patient
    ):
        headers = bearer_for(
            session, make_user(session, clinic, role=Role.PATIENT, patient=patient)
        )
        assert (
            client.get(
                f"/api/v1/patients/{patient.id}/courses", headers=headers
            ).status_code
            == 200
        )
        other = make_patient(session, clinic, given_name="Other")
        assert (
            client.get(
                f"/api/v1/patients/{other.id}/courses", headers=headers
            ).status_code
            == 404
        )
