"""Reports and documents: the page per role, the files (PDF/CSV with Content-Disposition), and a
refused date range shown beside its field.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from ketapath.db.models import Role
from ketapath.services.clinic import today_in
from tests.factories import make_patient
from tests.services.test_ledger import (
    administer,
    iv_session,
    ketamine_product,
    make_clinicians,
    receive,
)


@pytest.fixture
def people(session):
    return make_clinicians(session)


@pytest.fixture
def dispensed(session, people):
    product = ketamine_product(session, people.doctor)
    entry = receive(session, people.doctor, product.id)
    treatment = iv_session(session, people)
    administer(session, people.rn, entry.lot_id, treatment.id, given_mg=35)
    return treatment


def _error_beside(html: str, field: str) -> str:
    match = re.search(rf'id="e-{field}"[^>]*>([^<]+)<', html)
    assert match, f"no error beside {field}"
    return match.group(1)


class TestPage:
    def test_prescriber_finds_a_patient_and_their_session_documents(
        self, session, people, dispensed, sign_in_as
    ):
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        found = doctor.client.get("/reports?q=Ketamine")
        assert found.status_code == 200
        assert f"/reports?patient_id={dispensed.patient_id}" in found.text
        page = doctor.client.get(f"/reports?patient_id={dispensed.patient_id}")
        assert f"/reports/sessions/{dispensed.id}/record.pdf" in page.text
        assert f"/reports/patients/{dispensed.patient_id}/superbill.pdf" in page.text
        assert "/reports/dispensing-log.pdf" in page.text
        assert "/reports/inventory.pdf" in page.text

    def test_front_desk_sees_the_superbill_but_not_the_ledger(
        self, session, people, sign_in_as
    ):
        patient = make_patient(session, people.clinic)
        desk = sign_in_as(people.clinic, Role.FRONT_DESK)
        page = desk.client.get(f"/reports?patient_id={patient.id}")
        assert page.status_code == 200
        assert "superbill.pdf" in page.text
        assert "dispensing-log" not in page.text

    def test_patients_are_refused(self, session, people, sign_in_as):
        patient = make_patient(session, people.clinic)
        user = sign_in_as(people.clinic, Role.PATIENT, patient=patient)
        assert user.client.get("/reports").status_code in (403, 404)
        assert user.client.get(
            "/reports/dispensing-log.csv?start=2030-01-01&end=2030-01-02"
        ).status_code in (403, 404)


class TestFiles:
    def test_dispensing_log_csv_and_pdf(self, people, dispensed, sign_in_as):
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        start = (today_in(people.clinic) - timedelta(days=2)).isoformat()
        end = (today_in(people.clinic) + timedelta(days=2)).isoformat()
        csv = doctor.client.get(f"/reports/dispensing-log.csv?start={start}&end={end}")
        assert csv.status_code == 200
        assert csv.headers["content-type"].startswith("text/csv")
        assert "attachment" in csv.headers["content-disposition"]
        assert "Ketamine" in csv.text
        pdf = doctor.client.get(f"/reports/dispensing-log.pdf?start={start}&end={end}")
        assert pdf.status_code == 200
        assert pdf.content.startswith(b"%PDF")

    def test_a_superbill_without_dates_is_refused_beside_them(
        self, session, people, sign_in_as
    ):
        patient = make_patient(session, people.clinic)
        desk = sign_in_as(people.clinic, Role.FRONT_DESK)
        response = desk.client.get(f"/reports/patients/{patient.id}/superbill.pdf")
        assert response.status_code == 422
        assert "give start and end" in _error_beside(response.text, "start")

    def test_an_end_before_the_start_is_shown_beside_it(self, people, sign_in_as):
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        response = doctor.client.get(
            "/reports/dispensing-log.pdf?start=2030-02-01&end=2030-01-01"
        )
        assert response.status_code == 422
        assert "before start" in _error_beside(response.text, "end")

    def test_inventory_session_record_and_superbill(
        self, people, dispensed, sign_in_as
    ):
        doctor = sign_in_as(people.clinic, Role.PRESCRIBER)
        for url in (
            "/reports/inventory.pdf",
            f"/reports/sessions/{dispensed.id}/record.pdf",
            f"/reports/patients/{dispensed.patient_id}/superbill.pdf"
            f"?start={today_in(people.clinic) - timedelta(days=30)}&end={today_in(people.clinic) + timedelta(days=30)}",
        ):
            response = doctor.client.get(url)
            assert response.status_code == 200, (url, response.text[:300])
            assert response.content.startswith(b"%PDF"), url
            assert "attachment" in response.headers["content-disposition"]

    def test_another_clinics_session_record_is_not_found(
        self, session, people, sign_in_as
    ):
        treatment = iv_session(session, make_clinicians(session))
        nurse = sign_in_as(people.clinic, Role.NURSE)
        response = nurse.client.get(f"/reports/sessions/{treatment.id}/record.pdf")
        assert response.status_code == 404
