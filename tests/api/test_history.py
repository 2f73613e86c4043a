"""/api/v1 history: conditions, medications, trials and the whole history.

For every endpoint: success, 422 naming the field, 401, 403 for a wrong role, another patient's
record 404, and audit entries (ids and field names only).
"""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from tests.factories import bearer_for, make_clinic, make_patient, make_user
from tests.factories_history import make_condition, make_medication, make_trial

from ketapath.db.models import AuditEntry, Condition, Role

TRIAL = {
    "drug": "sertraline",
    "drug_class": "ssri",
    "daily_dose_mg": "150",
    "weeks": "8",
    "improvement_pct": "20",
    "remission": False,
}


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


def login(session, clinic, role, patient=None):
    return bearer_for(session, make_user(session, clinic, role=role, patient=patient))


def audit_entries(session, patient_id, action, entity):
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.patient_id == patient_id,
            AuditEntry.action == action,
            AuditEntry.entity == entity,
        )
    ).all()


def other_patients_login(session, clinic):
    """A patient user whose own record is not ``patient``."""
    me = make_patient(session, clinic, given_name="Other")
    return login(session, clinic, Role.PATIENT, patient=me)


class TestAddCondition:
    def url(self, patient):
        return f"/api/v1/patients/{patient.id}/conditions"

    @pytest.mark.parametrize("role", [Role.PRESCRIBER, Role.NURSE, Role.THERAPIST])
    def test_clinician_records_a_condition_and_the_write_is_audited(
        self, client, session, clinic, patient, role
    ):
        headers = login(session, clinic, role)
        response = client.post(
            self.url(patient),
            json={"code": "hypertension", "note": "on amlodipine"},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["code"] == "hypertension"
        [entry] = audit_entries(session, patient.id, "create", "condition")
        assert entry.entity_id == body["id"]
        assert "hypertension" not in str(entry.detail)

    def test_unknown_code_is_422_naming_code_and_listing_the_vocabulary(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            self.url(patient), json={"code": "hypertensoin"}, headers=headers
        )
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "code"
        assert "aneurysmal_vascular_disease" in error["message"]
        assert "hypertension" in error["message"]
        assert session.scalars(select(Condition)).all() == []

    def test_the_same_condition_twice_is_409_naming_code(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        make_condition(session, patient, code="hypertension")
        response = client.post(
            self.url(patient), json={"code": "hypertension"}, headers=headers
        )
        assert response.status_code == 409
        assert response.json()["field"] == "code"

    def test_without_login_is_401(self, client, patient):
        assert (
            client.post(self.url(patient), json={"code": "hypertension"}).status_code
            == 401
        )

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN, Role.PATIENT])
    def test_non_clinicians_may_not_write_history(
        self, client, session, clinic, patient, role
    ):
        headers = login(
            session, clinic, role, patient=patient if role is Role.PATIENT else None
        )
        response = client.post(
            self.url(patient), json={"code": "hypertension"}, headers=headers
        )
        assert response.status_code == 403

    def test_another_clinics_patient_is_404(self, client, session, clinic):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            self.url(elsewhere), json={"code": "hypertension"}, headers=headers
        )
        assert response.status_code == 404


class TestListConditions:
    def test_staff_read_is_audited(self, client, session, clinic, patient):
        make_condition(session, patient, code="hypertension")
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.get(
            f"/api/v1/patients/{patient.id}/conditions", headers=headers
        )
        assert response.status_code == 200
        assert [c["code"] for c in response.json()] == ["hypertension"]
        [entry] = audit_entries(session, patient.id, "read", "condition")
        assert entry.detail == {"count": 1}

    def test_patient_reads_their_own(self, client, session, clinic, patient):
        make_condition(session, patient, code="hypertension")
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(
            f"/api/v1/patients/{patient.id}/conditions", headers=headers
        )
        assert response.status_code == 200
        assert len(response.json()) == 1

    def test_patient_cannot_read_another_patients_conditions(
        self, client, session, clinic, patient
    ):
        headers = other_patients_login(session, clinic)
        response = client.get(
            f"/api/v1/patients/{patient.id}/conditions", headers=headers
        )
        assert response.status_code == 404

    def test_malformed_patient_id_is_422(self, client, session, clinic):
        headers = login(session, clinic, Role.NURSE)
        response = client.get("/api/v1/patients/nope/conditions", headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "patient_id"

    def test_without_login_is_401(self, client, patient):
        assert (
            client.get(f"/api/v1/patients/{patient.id}/conditions").status_code == 401
        )


class TestDeleteCondition:
    def test_removing_resolves_the_condition_keeps_the_row_and_is_audited(
        self, client, session, clinic, patient
    ):
        condition = make_condition(session, patient, code="hypertension")
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.delete(
            f"/api/v1/patients/{patient.id}/conditions/{condition.id}", headers=headers
        )
        assert response.status_code == 204
        [kept] = session.scalars(select(Condition)).all()
        assert kept.resolved_at is not None
        listed = client.get(
            f"/api/v1/patients/{patient.id}/conditions", headers=headers
        ).json()
        assert listed == [] or listed.get("items", []) == []
        [entry] = audit_entries(session, patient.id, "resolve", "condition")
        assert entry.entity_id == str(condition.id)

    def test_recording_a_resolved_condition_again_reopens_it(
        self, client, session, clinic, patient
    ):
        condition = make_condition(session, patient, code="hypertension")
        headers = login(session, clinic, Role.PRESCRIBER)
        client.delete(
            f"/api/v1/patients/{patient.id}/conditions/{condition.id}", headers=headers
        )
        response = client.post(
            f"/api/v1/patients/{patient.id}/conditions",
            json={"code": "hypertension"},
            headers=headers,
        )
        assert response.status_code == 201
        assert response.json()["id"] == str(condition.id)
        assert response.json()["resolved_at"] is None

    def test_a_condition_of_another_patient_is_404(
        self, client, session, clinic, patient
    ):
        other = make_patient(session, clinic, given_name="Other")
        condition = make_condition(session, other, code="hypertension")
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.delete(
            f"/api/v1/patients/{patient.id}/conditions/{condition.id}", headers=headers
        )
        assert response.status_code == 404
        assert len(session.scalars(select(Condition)).all()) == 1

    def test_malformed_condition_id_is_422(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.delete(
            f"/api/v1/patients/{patient.id}/conditions/x", headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "condition_id"

    def test_front_desk_may_not_delete(self, client, session, clinic, patient):
        condition = make_condition(session, patient, code="hypertension")
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.delete(
            f"/api/v1/patients/{patient.id}/conditions/{condition.id}", headers=headers
        )
        assert response.status_code == 403

    def test_without_login_is_401(self, client, session, patient):
        condition = make_condition(session, patient, code="hypertension")
        response = client.delete(
            f"/api/v1/patients/{patient.id}/conditions/{condition.id}"
        )
        assert response.status_code == 401


class TestMedications:
    def url(self, patient):
        return f"/api/v1/patients/{patient.id}/medications"

    def test_nurse_records_a_medication_and_the_write_is_audited(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            self.url(patient),
            json={
                "name": "lorazepam",
                "drug_class": "benzodiazepine",
                "daily_dose_mg": "1",
            },
            headers=headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["active"] is True
        assert audit_entries(session, patient.id, "create", "medication")

    def test_unknown_drug_class_is_422_naming_the_field(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            self.url(patient),
            json={"name": "x", "drug_class": "benzo"},
            headers=headers,
        )
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "drug_class"
        assert "benzodiazepine" in error["message"]

    def test_zero_dose_is_422_naming_daily_dose_mg(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            self.url(patient),
            json={"name": "x", "drug_class": "other", "daily_dose_mg": "0"},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "daily_dose_mg"

    def test_list_is_audited_and_the_patient_sees_their_own(
        self, client, session, clinic, patient
    ):
        make_medication(session, patient)
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(self.url(patient), headers=headers)
        assert response.status_code == 200
        assert [m["name"] for m in response.json()] == ["lorazepam"]
        assert audit_entries(session, patient.id, "read", "medication")

    def test_patient_cannot_list_another_patients_medications(
        self, client, session, clinic, patient
    ):
        headers = other_patients_login(session, clinic)
        assert client.get(self.url(patient), headers=headers).status_code == 404

    def test_therapist_may_record_front_desk_may_not(
        self, client, session, clinic, patient
    ):
        body = {"name": "x", "drug_class": "other"}
        therapist = login(session, clinic, Role.THERAPIST)
        front_desk = login(session, clinic, Role.FRONT_DESK)
        assert (
            client.post(self.url(patient), json=body, headers=therapist).status_code
            == 201
        )
        assert (
            client.post(self.url(patient), json=body, headers=front_desk).status_code
            == 403
        )

    def test_without_login_is_401(self, client, patient):
        assert client.get(self.url(patient)).status_code == 401


class TestUpdateMedication:
    def test_stopping_a_medication_is_audited_with_the_field_name(
        self, client, session, clinic, patient
    ):
        medication = make_medication(session, patient)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/medications/{medication.id}",
            json={"active": False},
            headers=headers,
        )
        assert response.status_code == 200, response.text
        assert response.json()["active"] is False
        [entry] = audit_entries(session, patient.id, "update", "medication")
        assert entry.detail == {"fields": ["active"]}

    def test_null_active_is_422_naming_active(self, client, session, clinic, patient):
        medication = make_medication(session, patient)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/medications/{medication.id}",
            json={"active": None},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "active"

    def test_negative_dose_is_422_naming_daily_dose_mg(
        self, client, session, clinic, patient
    ):
        medication = make_medication(session, patient)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/medications/{medication.id}",
            json={"daily_dose_mg": "-1"},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "daily_dose_mg"

    def test_patient_may_not_stop_their_medication(
        self, client, session, clinic, patient
    ):
        medication = make_medication(session, patient)
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.patch(
            f"/api/v1/medications/{medication.id}",
            json={"active": False},
            headers=headers,
        )
        assert response.status_code == 403

    def test_another_clinics_medication_is_404(self, client, session, clinic):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        medication = make_medication(session, elsewhere)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/medications/{medication.id}",
            json={"active": False},
            headers=headers,
        )
        assert response.status_code == 404

    def test_unknown_medication_is_404(self, client, session, clinic):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/medications/{uuid.uuid4()}",
            json={"active": False},
            headers=headers,
        )
        assert response.status_code == 404

    def test_without_login_is_401(self, client, session, patient):
        medication = make_medication(session, patient)
        response = client.patch(
            f"/api/v1/medications/{medication.id}", json={"active": False}
        )
        assert response.status_code == 401


class TestTrials:
    def url(self, patient):
        return f"/api/v1/patients/{patient.id}/trials"

    def test_recorded_trial_carries_the_core_adequacy_verdict(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.post(self.url(patient), json=TRIAL, headers=headers)
        assert response.status_code == 201, response.text
        adequacy = response.json()["adequacy"]
        assert adequacy["ruleset"] == "seed"
        assert adequacy["verdict"] == "adequate"
        assert adequacy["adequate"] is True
        rules = {r["rule"] for r in adequacy["reasons"]}
        assert {"TRD-ADEQ-DOSE", "TRD-ADEQ-DURATION"} <= rules
        assert all(r["sources"] for r in adequacy["reasons"])
        assert audit_entries(session, patient.id, "create", "antidepressant_trial")

    def test_a_four_week_trial_is_inadequate_under_the_seed_rule_set(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.post(
            self.url(patient), json={**TRIAL, "weeks": "4"}, headers=headers
        )
        adequacy = response.json()["adequacy"]
        assert adequacy["verdict"] == "inadequate"
        assert adequacy["adequate"] is False

    @pytest.mark.parametrize(
        ("field", "value"),
        [
            ("weeks", "521"),
            ("weeks", "-1"),
            ("daily_dose_mg", "0"),
            ("improvement_pct", "101"),
            ("improvement_pct", "-101"),
            ("drug_class", "benzodiazepine"),
        ],
    )
    def test_out_of_range_values_are_422_naming_the_field(
        self, client, session, clinic, patient, field, value
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.post(
            self.url(patient), json={**TRIAL, field: value}, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    def test_an_adequacy_override_without_a_reason_is_422_naming_override_reason(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.post(
            self.url(patient),
            json={**TRIAL, "adequacy_override": True},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "override_reason"

    def test_list_is_audited_and_patient_reads_their_own(
        self, client, session, clinic, patient
    ):
        make_trial(session, patient)
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(self.url(patient), headers=headers)
        assert response.status_code == 200
        [trial] = response.json()
        assert trial["adequacy"]["verdict"] == "adequate"
        # Fixed-point on both databases (a normalised NUMERIC would print "1.5E+2").
        assert (trial["daily_dose_mg"], trial["weeks"]) == ("150", "8")
        assert audit_entries(session, patient.id, "read", "antidepressant_trial")

    def test_patient_cannot_list_another_patients_trials(
        self, client, session, clinic, patient
    ):
        headers = other_patients_login(session, clinic)
        assert client.get(self.url(patient), headers=headers).status_code == 404

    def test_front_desk_may_not_record(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.FRONT_DESK)
        assert (
            client.post(self.url(patient), json=TRIAL, headers=headers).status_code
            == 403
        )

    def test_without_login_is_401(self, client, patient):
        assert client.post(self.url(patient), json=TRIAL).status_code == 401


class TestUpdateTrial:
    def test_override_with_reason_changes_the_verdict_and_is_audited(
        self, client, session, clinic, patient
    ):
        trial = make_trial(session, patient, weeks=None)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/trials/{trial.id}",
            json={
                "adequacy_override": True,
                "override_reason": "8 weeks per pharmacy record",
            },
            headers=headers,
        )
        assert response.status_code == 200, response.text
        adequacy = response.json()["adequacy"]
        assert adequacy["verdict"] == "adequate"
        assert [r["rule"] for r in adequacy["reasons"]] == ["TRD-ADEQ-OVERRIDE"]
        [entry] = audit_entries(session, patient.id, "update", "antidepressant_trial")
        assert entry.detail == {"fields": ["adequacy_override", "override_reason"]}

    def test_override_without_reason_is_422_and_nothing_changes(
        self, client, session, clinic, patient
    ):
        trial = make_trial(session, patient)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/trials/{trial.id}",
            json={"adequacy_override": False},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "override_reason"
        session.refresh(trial)
        assert trial.adequacy_override is None

    def test_clearing_the_override_clears_its_reason(
        self, client, session, clinic, patient
    ):
        trial = make_trial(session, patient)
        trial.adequacy_override = False
        trial.override_reason = "subtherapeutic levels"
        session.flush()
        headers = login(session, clinic, Role.NURSE)
        response = client.patch(
            f"/api/v1/trials/{trial.id}",
            json={"adequacy_override": None},
            headers=headers,
        )
        assert response.status_code == 200
        assert response.json()["override_reason"] is None
        assert response.json()["adequacy"]["verdict"] == "adequate"

    def test_weeks_out_of_range_is_422_naming_weeks(
        self, client, session, clinic, patient
    ):
        trial = make_trial(session, patient)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/trials/{trial.id}", json={"weeks": "600"}, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "weeks"

    def test_front_desk_may_not_update(self, client, session, clinic, patient):
        trial = make_trial(session, patient)
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.patch(
            f"/api/v1/trials/{trial.id}", json={"weeks": "10"}, headers=headers
        )
        assert response.status_code == 403

    def test_another_clinics_trial_is_404(self, client, session, clinic):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        trial = make_trial(session, elsewhere)
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.patch(
            f"/api/v1/trials/{trial.id}", json={"weeks": "10"}, headers=headers
        )
        assert response.status_code == 404

    def test_without_login_is_401(self, client, session, patient):
        trial = make_trial(session, patient)
        assert (
            client.patch(f"/api/v1/trials/{trial.id}", json={"weeks": "10"}).status_code
            == 401
        )


class TestGetHistory:
    def test_history_returns_all_three_and_the_episode_and_is_audited(
        self, client, session, clinic, patient
    ):
        patient.episode_duration_months = 18
        patient.episode_severity = "severe"
        patient.augmentation_used = True
        session.flush()
        make_condition(session, patient, code="hypertension")
        make_medication(session, patient)
        make_medication(session, patient, name="zolpidem", active=False)
        make_trial(session, patient)
        headers = login(session, clinic, Role.THERAPIST)
        response = client.get(f"/api/v1/patients/{patient.id}/history", headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["episode_duration_months"] == 18
        assert body["episode_severity"] == "severe"
        assert body["augmentation_used"] is True
        assert body["ect_used"] is False
        assert [c["code"] for c in body["conditions"]] == ["hypertension"]
        assert [(m["name"], m["active"]) for m in body["medications"]] == [
            ("lorazepam", True),
            ("zolpidem", False),
        ]
        assert body["trials"][0]["adequacy"]["verdict"] == "adequate"
        assert audit_entries(session, patient.id, "read", "history")

    def test_patient_cannot_read_another_patients_history(
        self, client, session, clinic, patient
    ):
        headers = other_patients_login(session, clinic)
        response = client.get(f"/api/v1/patients/{patient.id}/history", headers=headers)
        assert response.status_code == 404

    def test_unknown_patient_is_404_and_malformed_id_is_422(
        self, client, session, clinic
    ):
        headers = login(session, clinic, Role.NURSE)
        assert (
            client.get(
                f"/api/v1/patients/{uuid.uuid4()}/history", headers=headers
            ).status_code
            == 404
        )
        response = client.get("/api/v1/patients/1/history", headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "patient_id"

    def test_without_login_is_401(self, client, patient):
        assert client.get(f"/api/v1/patients/{patient.id}/history").status_code == 401
