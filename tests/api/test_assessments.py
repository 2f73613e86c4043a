"""/api/v1 assessments and overrides: decisions from the stored record, append-only overrides.

For every endpoint: success, 422 naming the field, 401, 403 for a wrong role, another patient's
record 404, and audit entries.
"""

from __future__ import annotations

import copy
import uuid

import pytest
from sqlalchemy import select
from tests.factories import bearer_for, make_clinic, make_patient, make_user
from tests.factories_history import (
    make_condition,
    make_medication,
    make_two_failed_trials,
)

from ketapath.db.models import Assessment, AuditEntry, Role

REASON = "Vascular surgeon cleared: aneurysm repaired 2019, stable imaging."


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


@pytest.fixture
def aneurysm_patient(session, clinic):
    """SPV-CI-01 (contraindicated) and INT-SEDATIVES (caution) on every route."""
    patient = make_patient(session, clinic, given_name="Vera")
    make_condition(session, patient, code="aneurysmal_vascular_disease")
    make_medication(session, patient, name="lorazepam", drug_class="benzodiazepine")
    return patient


def login(session, clinic, role, patient=None):
    return bearer_for(session, make_user(session, clinic, role=role, patient=patient))


def audit_entries(session, patient_id, action):
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.patient_id == patient_id,
            AuditEntry.action == action,
            AuditEntry.entity == "assessment",
        )
    ).all()


def assess(client, headers, patient, body=None):
    response = client.post(
        f"/api/v1/patients/{patient.id}/assessments", json=body or {}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def override(client, headers, assessment_id, *, route, rule_id, reason=REASON):
    return client.post(
        f"/api/v1/assessments/{assessment_id}/overrides",
        json={"route": route, "rule_id": rule_id, "reason": reason},
        headers=headers,
    )


class TestCreateAssessment:
    def test_two_failed_adequate_trials_of_different_classes_meet_trd(
        self, client, session, clinic, patient
    ):
        make_two_failed_trials(session, patient)
        body = assess(client, login(session, clinic, Role.PRESCRIBER), patient)
        assert body["trd_met"] is True
        assert body["trd_ruleset"] == "seed"
        trd = body["decision"]["trd"]
        assert trd["met"] is True
        assert trd["failed_adequate_trials"] == 2
        [summary, *_] = trd["reasons"]
        assert summary["rule"] == "TRD-SEED-01"
        assert summary["version"]
        assert summary["sources"]
        for trial in trd["trials"]:
            assert trial["counts_as_failure"] is True
            assert all(r["rule"] and r["sources"] for r in trial["reasons"])

    def test_one_failed_trial_does_not_meet_trd(self, client, session, clinic, patient):
        from tests.factories_history import make_trial

        make_trial(session, patient)
        body = assess(client, login(session, clinic, Role.NURSE), patient)
        assert body["trd_met"] is False
        assert body["decision"]["trd"]["met"] is False

    def test_aneurysm_contraindicates_esketamine_and_iv_ketamine_with_spv_ci_01(
        self, client, session, clinic, aneurysm_patient
    ):
        body = assess(client, login(session, clinic, Role.PRESCRIBER), aneurysm_patient)
        for route in ("esketamine", "iv_ketamine"):
            assert body["status"][route] == "contraindicated"
            assert body["effective_status"][route] == "contraindicated"
            decided = body["decision"]["routes"][route]
            assert decided["status"] == "contraindicated"
            [finding] = [f for f in decided["findings"] if f["rule"] == "SPV-CI-01"]
            assert finding["severity"] == "contraindicated"
            assert finding["version"]
            assert finding["sources"]
            assert finding["message"]
        row = session.get(Assessment, uuid.UUID(body["id"]))
        assert row.esketamine_status == "contraindicated"
        assert row.iv_ketamine_status == "contraindicated"
        assert row.profile["conditions"] == ["aneurysmal_vascular_disease"]

    def test_the_decision_records_rule_set_versions_and_the_profile_used(
        self, client, session, clinic, patient
    ):
        body = assess(
            client,
            login(session, clinic, Role.PRESCRIBER),
            patient,
            {"trd_ruleset": "eu-pearl-2022", "jurisdiction": "eu-au"},
        )
        decision = body["decision"]
        assert decision["jurisdiction"] == "eu-au"
        assert decision["rulesets"]["trd"]["name"] == "eu-pearl-2022"
        assert decision["rulesets"]["eligibility"]["name"] == "eu-au"
        assert all(v["version"] for v in decision["rulesets"].values())
        assert body["profile"]["sex"] == "female"
        assert body["profile"]["weight_kg"] == "70"

    def test_the_write_is_audited_without_clinical_values(
        self, client, session, clinic, aneurysm_patient
    ):
        body = assess(client, login(session, clinic, Role.NURSE), aneurysm_patient)
        [entry] = audit_entries(session, aneurysm_patient.id, "create")
        assert entry.entity_id == body["id"]
        assert entry.detail == {"trd_ruleset": "seed", "jurisdiction": "us"}

    def test_unknown_rule_set_is_422_naming_trd_ruleset(
        self, client, session, clinic, patient
    ):
        response = client.post(
            f"/api/v1/patients/{patient.id}/assessments",
            json={"trd_ruleset": "nice"},
            headers=login(session, clinic, Role.PRESCRIBER),
        )
        assert response.status_code == 422
        error = response.json()["errors"][0]
        assert error["field"] == "trd_ruleset"
        assert "eu-pearl-2022" in error["message"]
        assert session.scalars(select(Assessment)).all() == []

    def test_unknown_jurisdiction_is_422_naming_jurisdiction(
        self, client, session, clinic, patient
    ):
        response = client.post(
            f"/api/v1/patients/{patient.id}/assessments",
            json={"jurisdiction": "uk"},
            headers=login(session, clinic, Role.PRESCRIBER),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "jurisdiction"

    def test_a_minor_is_422_naming_age_years(self, client, session, clinic, patient):
        patient.birth_date = patient.birth_date.replace(year=2020)
        session.flush()
        response = client.post(
            f"/api/v1/patients/{patient.id}/assessments",
            json={},
            headers=login(session, clinic, Role.PRESCRIBER),
        )
        assert response.status_code == 422
        assert response.json()["field"] == "age_years"

    @pytest.mark.parametrize(
        "role", [Role.THERAPIST, Role.FRONT_DESK, Role.ADMIN, Role.PATIENT]
    )
    def test_only_prescribers_and_nurses_assess(
        self, client, session, clinic, patient, role
    ):
        headers = login(
            session, clinic, role, patient=patient if role is Role.PATIENT else None
        )
        response = client.post(
            f"/api/v1/patients/{patient.id}/assessments", json={}, headers=headers
        )
        assert response.status_code == 403

    def test_another_clinics_patient_is_404(self, client, session, clinic):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        response = client.post(
            f"/api/v1/patients/{elsewhere.id}/assessments",
            json={},
            headers=login(session, clinic, Role.PRESCRIBER),
        )
        assert response.status_code == 404

    def test_without_login_is_401(self, client, patient):
        response = client.post(f"/api/v1/patients/{patient.id}/assessments", json={})
        assert response.status_code == 401


class TestListAssessments:
    def test_newest_first_and_the_read_is_audited(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        first = assess(client, headers, patient)
        make_two_failed_trials(session, patient)
        second = assess(client, headers, patient)
        response = client.get(
            f"/api/v1/patients/{patient.id}/assessments", headers=headers
        )
        assert response.status_code == 200
        assert [a["id"] for a in response.json()] == [second["id"], first["id"]]
        [entry] = audit_entries(session, patient.id, "read")
        assert entry.detail == {"count": 2}

    def test_patient_reads_their_own(self, client, session, clinic, patient):
        assess(client, login(session, clinic, Role.NURSE), patient)
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(
            f"/api/v1/patients/{patient.id}/assessments", headers=headers
        )
        assert response.status_code == 200
        assert len(response.json()) == 1

    def test_patient_cannot_read_another_patients_assessments(
        self, client, session, clinic, patient
    ):
        assess(client, login(session, clinic, Role.NURSE), patient)
        me = make_patient(session, clinic, given_name="Other")
        headers = login(session, clinic, Role.PATIENT, patient=me)
        response = client.get(
            f"/api/v1/patients/{patient.id}/assessments", headers=headers
        )
        assert response.status_code == 404

    def test_malformed_patient_id_is_422(self, client, session, clinic):
        response = client.get(
            "/api/v1/patients/abc/assessments",
            headers=login(session, clinic, Role.NURSE),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "patient_id"

    def test_without_login_is_401(self, client, patient):
        assert (
            client.get(f"/api/v1/patients/{patient.id}/assessments").status_code == 401
        )


class TestGetAssessment:
    def test_read_returns_the_decision_and_is_audited(
        self, client, session, clinic, patient
    ):
        created = assess(client, login(session, clinic, Role.NURSE), patient)
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.get(f"/api/v1/assessments/{created['id']}", headers=headers)
        assert response.status_code == 200
        assert response.json()["decision"] == created["decision"]
        assert response.json()["overrides"] == []
        [entry] = audit_entries(session, patient.id, "read")
        assert entry.entity_id == created["id"]

    def test_patient_cannot_read_another_patients_assessment(
        self, client, session, clinic, patient
    ):
        created = assess(client, login(session, clinic, Role.NURSE), patient)
        me = make_patient(session, clinic, given_name="Other")
        headers = login(session, clinic, Role.PATIENT, patient=me)
        response = client.get(f"/api/v1/assessments/{created['id']}", headers=headers)
        assert response.status_code == 404

    def test_unknown_is_404_and_malformed_is_422(self, client, session, clinic):
        headers = login(session, clinic, Role.NURSE)
        assert (
            client.get(
                f"/api/v1/assessments/{uuid.uuid4()}", headers=headers
            ).status_code
            == 404
        )
        response = client.get("/api/v1/assessments/zzz", headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "assessment_id"

    def test_without_login_is_401(self, client):
        assert client.get(f"/api/v1/assessments/{uuid.uuid4()}").status_code == 401


class TestAddOverride:
    def test_nurse_cannot_override_a_contraindication(
        self, client, session, clinic, aneurysm_patient
    ):
        nurse = login(session, clinic, Role.NURSE)
        created = assess(client, nurse, aneurysm_patient)
        response = override(
            client, nurse, created["id"], route="esketamine", rule_id="SPV-CI-01"
        )
        assert response.status_code == 403
        assert audit_entries(session, aneurysm_patient.id, "override") == []

    def test_nurse_can_override_a_caution(
        self, client, session, clinic, aneurysm_patient
    ):
        nurse = login(session, clinic, Role.NURSE)
        created = assess(client, nurse, aneurysm_patient)
        response = override(
            client, nurse, created["id"], route="esketamine", rule_id="INT-SEDATIVES"
        )
        assert response.status_code == 201, response.text
        body = response.json()
        [stored] = body["overrides"]
        assert stored["rule_id"] == "INT-SEDATIVES"
        assert stored["severity"] == "caution"
        assert stored["route"] == "esketamine"
        assert stored["overridden_at"]
        # The contraindication still stands.
        assert body["effective_status"]["esketamine"] == "contraindicated"

    def test_prescriber_override_of_a_contraindication_changes_effective_status(
        self, client, session, clinic, aneurysm_patient
    ):
        prescriber_user = make_user(session, clinic, role=Role.PRESCRIBER)
        prescriber = bearer_for(session, prescriber_user)
        created = assess(client, prescriber, aneurysm_patient)
        response = override(
            client, prescriber, created["id"], route="esketamine", rule_id="SPV-CI-01"
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["status"]["esketamine"] == "contraindicated"
        # INT-SEDATIVES (caution) is now the most severe finding not overridden.
        assert body["effective_status"]["esketamine"] == "caution"
        assert body["effective_status"]["iv_ketamine"] == "contraindicated"
        [stored] = body["overrides"]
        assert stored["overridden_by_id"] == str(prescriber_user.id)
        assert stored["severity"] == "contraindicated"
        assert stored["reason"] == REASON
        [entry] = audit_entries(session, aneurysm_patient.id, "override")
        assert entry.actor_id == prescriber_user.id
        assert entry.entity_id == created["id"]
        assert entry.detail["rule_id"] == "SPV-CI-01"
        assert entry.detail["override_id"] == stored["id"]
        assert REASON not in str(entry.detail)

    def test_overriding_every_finding_above_info_makes_the_route_eligible(
        self, client, session, clinic, aneurysm_patient
    ):
        prescriber = login(session, clinic, Role.PRESCRIBER)
        created = assess(client, prescriber, aneurysm_patient)
        for rule_id in ("SPV-CI-01", "INT-SEDATIVES"):
            response = override(
                client, prescriber, created["id"], route="kap", rule_id=rule_id
            )
            assert response.status_code == 201
        assert response.json()["effective_status"]["kap"] == "eligible"

    def test_the_stored_decision_is_unchanged_by_overrides(
        self, client, session, clinic, aneurysm_patient
    ):
        prescriber = login(session, clinic, Role.PRESCRIBER)
        created = assess(client, prescriber, aneurysm_patient)
        row = session.get(Assessment, uuid.UUID(created["id"]))
        before = copy.deepcopy(row.decision)
        override(
            client, prescriber, created["id"], route="esketamine", rule_id="SPV-CI-01"
        )
        session.expire_all()
        row = session.get(Assessment, uuid.UUID(created["id"]))
        assert row.decision == before
        assert row.esketamine_status == "contraindicated"
        reread = client.get(
            f"/api/v1/assessments/{created['id']}", headers=prescriber
        ).json()
        assert reread["decision"] == created["decision"]
        assert reread["effective_status"]["esketamine"] == "caution"
        assert len(reread["overrides"]) == 1

    def test_a_rule_that_is_not_a_finding_of_the_route_is_422_naming_rule_id(
        self, client, session, clinic, aneurysm_patient
    ):
        prescriber = login(session, clinic, Role.PRESCRIBER)
        created = assess(client, prescriber, aneurysm_patient)
        response = override(
            client, prescriber, created["id"], route="esketamine", rule_id="CI-PREG"
        )
        assert response.status_code == 422
        assert response.json()["field"] == "rule_id"
        assert "SPV-CI-01" in response.json()["detail"]

    def test_an_info_finding_is_not_overridden(
        self, client, session, clinic, aneurysm_patient
    ):
        prescriber = login(session, clinic, Role.PRESCRIBER)
        created = assess(client, prescriber, aneurysm_patient)
        response = override(
            client, prescriber, created["id"], route="esketamine", rule_id="CI-HTN"
        )
        assert response.status_code == 422
        assert response.json()["field"] == "rule_id"

    def test_the_same_override_twice_is_409(
        self, client, session, clinic, aneurysm_patient
    ):
        nurse = login(session, clinic, Role.NURSE)
        created = assess(client, nurse, aneurysm_patient)
        args = {"route": "kap", "rule_id": "INT-SEDATIVES"}
        assert override(client, nurse, created["id"], **args).status_code == 201
        response = override(client, nurse, created["id"], **args)
        assert response.status_code == 409
        assert response.json()["field"] == "rule_id"

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            (
                {"route": "kap", "rule_id": "INT-SEDATIVES", "reason": "too short"},
                "reason",
            ),
            (
                {"route": "kap", "rule_id": "INT-SEDATIVES", "reason": " " * 12},
                "reason",
            ),
            ({"route": "oral", "rule_id": "INT-SEDATIVES", "reason": REASON}, "route"),
            ({"route": "kap", "reason": REASON}, "rule_id"),
        ],
    )
    def test_bad_input_is_422_naming_the_field(
        self, client, session, clinic, aneurysm_patient, body, field
    ):
        nurse = login(session, clinic, Role.NURSE)
        created = assess(client, nurse, aneurysm_patient)
        response = client.post(
            f"/api/v1/assessments/{created['id']}/overrides", json=body, headers=nurse
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    @pytest.mark.parametrize("role", [Role.THERAPIST, Role.FRONT_DESK, Role.ADMIN])
    def test_other_staff_may_not_override(
        self, client, session, clinic, aneurysm_patient, role
    ):
        created = assess(client, login(session, clinic, Role.NURSE), aneurysm_patient)
        response = override(
            client,
            login(session, clinic, role),
            created["id"],
            route="kap",
            rule_id="INT-SEDATIVES",
        )
        assert response.status_code == 403

    def test_a_patient_may_not_override_their_own_assessment(
        self, client, session, clinic, aneurysm_patient
    ):
        created = assess(client, login(session, clinic, Role.NURSE), aneurysm_patient)
        headers = login(session, clinic, Role.PATIENT, patient=aneurysm_patient)
        response = override(
            client, headers, created["id"], route="kap", rule_id="INT-SEDATIVES"
        )
        assert response.status_code == 403

    def test_another_clinics_assessment_is_404(
        self, client, session, clinic, aneurysm_patient
    ):
        created = assess(client, login(session, clinic, Role.NURSE), aneurysm_patient)
        elsewhere = make_clinic(session, name="Elsewhere")
        response = override(
            client,
            login(session, elsewhere, Role.PRESCRIBER),
            created["id"],
            route="kap",
            rule_id="INT-SEDATIVES",
        )
        assert response.status_code == 404

    def test_without_login_is_401(self, client):
        response = client.post(
            f"/api/v1/assessments/{uuid.uuid4()}/overrides",
            json={"route": "kap", "rule_id": "INT-SEDATIVES", "reason": REASON},
        )
        assert response.status_code == 401
