"""/api/v1 measurements and outcomes: scoring by the core, alerts, roles, scope, audit."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from tests.factories import bearer_for, make_clinic, make_patient, make_user

from ketapath.db.models import Alert, AuditEntry, Measurement, MeasurementItem, Role
from ketapath.services import alerts as alert_service

PHQ9_NO_RISK = [2, 2, 2, 2, 2, 2, 2, 2, 0]
PHQ9_ITEM9_POSITIVE = [1, 1, 1, 1, 1, 1, 1, 1, 1]
CSSRS_HIGH = [1, 1, 0, 1, 0, 0, None]  # Q4: intent without plan
CSSRS_LOW = [1, 0, None, None, None, 0, None]


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


def login(session, clinic, role, patient=None):
    return bearer_for(session, make_user(session, clinic, role=role, patient=patient))


def url(patient_id):
    return f"/api/v1/patients/{patient_id}/measurements"


def count(session, model, patient_id):
    return session.scalar(
        select(func.count()).select_from(model).where(model.patient_id == patient_id)
    )


def alerts_of(session, patient_id):
    return session.scalars(
        select(Alert).where(Alert.patient_id == patient_id).order_by(Alert.raised_at)
    ).all()


def audit_entries(session, patient_id, action, entity):
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.patient_id == patient_id,
            AuditEntry.action == action,
            AuditEntry.entity == entity,
        )
    ).all()


def at(days):
    return (datetime(2025, 1, 6, 15, 0, tzinfo=UTC) + timedelta(days=days)).isoformat()


class TestRecordMeasurement:
    def test_nurse_records_phq9_scored_by_the_core_with_items_stored(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": PHQ9_NO_RISK},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["total"] == 16
        assert body["severity"] == "moderately_severe"
        assert body["rule_id"] == "PHQ9-SCORE"
        assert body["source"] == "clinician"
        assert body["alerts"] == []
        assert [(i["item_id"], i["value"]) for i in body["items"]] == [
            (f"phq9_{n}", v) for n, v in zip(range(1, 10), PHQ9_NO_RISK, strict=True)
        ]
        stored = session.scalars(
            select(MeasurementItem).where(
                MeasurementItem.measurement_id == uuid.UUID(body["id"])
            )
        ).all()
        assert len(stored) == 9

    def test_responses_keyed_by_item_id_are_accepted(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.THERAPIST)
        responses = {f"gad7_{n}": 1 for n in range(1, 8)}
        response = client.post(
            url(patient.id),
            json={"instrument": "gad7", "responses": responses},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["total"] == 7

    def test_write_is_audited_without_clinical_values(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        body = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": PHQ9_ITEM9_POSITIVE},
            headers=headers,
        ).json()
        (entry,) = audit_entries(session, patient.id, "create", "measurement")
        assert entry.entity_id == body["id"]
        # Ids and field names only: no answers, total, severity or risk.
        assert entry.detail == {
            "fields": ["instrument", "responses"],
            "alert_ids": [body["alerts"][0]["id"]],
        }
        assert len(audit_entries(session, patient.id, "create", "alert")) == 1

    def test_phq9_item9_positive_raises_a_suicide_alert_every_time(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        for expected in (1, 2):
            response = client.post(
                url(patient.id),
                json={"instrument": "phq9", "responses": PHQ9_ITEM9_POSITIVE},
                headers=headers,
            )
            assert response.status_code == 201
            (alert,) = response.json()["alerts"]
            assert alert["kind"] == "suicide_risk"
            assert alert["severity"] == "high"
            assert alert["rule_id"] == "PHQ9-ITEM9"
            assert "same-day C-SSRS" in alert["message"]
            assert len(alerts_of(session, patient.id)) == expected

    def test_phq9_item9_zero_raises_no_alert(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": PHQ9_NO_RISK},
            headers=headers,
        )
        assert response.status_code == 201
        assert alerts_of(session, patient.id) == []

    def test_cssrs_high_risk_raises_a_critical_alert_that_holds_dosing(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.post(
            url(patient.id),
            json={"instrument": "cssrs", "responses": CSSRS_HIGH},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        assert body["risk"] == "high"
        assert body["total"] is None
        (alert,) = body["alerts"]
        assert (alert["kind"], alert["severity"], alert["rule_id"]) == (
            "suicide_risk",
            "critical",
            "CSSRS-RISK",
        )
        assert "urgent" in alert["message"]
        assert "hold" in alert["message"]

    def test_cssrs_low_risk_raises_a_high_alert(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.NURSE)
        body = client.post(
            url(patient.id),
            json={"instrument": "cssrs", "responses": CSSRS_LOW},
            headers=headers,
        ).json()
        assert [a["severity"] for a in body["alerts"]] == ["high"]

    def test_moaas_zero_raises_a_critical_sedation_alert(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        body = client.post(
            url(patient.id),
            json={"instrument": "moaas", "responses": [0], "minutes_after_dose": 40},
            headers=headers,
        ).json()
        assert body["minutes_after_dose"] == 40
        assert [(a["kind"], a["severity"], a["rule_id"]) for a in body["alerts"]] == [
            ("sedation", "critical", "MOAAS-LOC")
        ]

    def test_out_of_range_item_is_422_naming_item_and_range_and_nothing_is_written(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": [1, 1, 1, 1, 1, 1, 1, 1, 4]},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "phq9_9"
        assert response.json()["allowed"] == "0–3"
        assert count(session, Measurement, patient.id) == 0
        assert count(session, Alert, patient.id) == 0
        assert audit_entries(session, patient.id, "create", "measurement") == []

    def test_unanswered_item_is_422_not_a_zero(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": [1, 1, None, 1, 1, 1, 1, 1, 1]},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "phq9_3"
        assert count(session, Measurement, patient.id) == 0
        assert count(session, Alert, patient.id) == 0

    def test_a_client_total_is_refused(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": PHQ9_NO_RISK, "total": 3},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "total"

    def test_unknown_instrument_is_422_naming_instrument(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={"instrument": "bdi2", "responses": [1]},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "instrument"
        assert "phq9" in response.json()["allowed"]

    @pytest.mark.parametrize(
        "taken_at",
        [
            (datetime.now(UTC) + timedelta(hours=2)).isoformat(),
            "2025-01-06T15:00:00",
        ],
        ids=["future", "no-timezone"],
    )
    def test_bad_taken_at_is_422_naming_taken_at(
        self, client, session, clinic, patient, taken_at
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={
                "instrument": "phq9",
                "responses": PHQ9_NO_RISK,
                "taken_at": taken_at,
            },
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "taken_at"

    def test_unknown_session_is_422_naming_session_id(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        response = client.post(
            url(patient.id),
            json={
                "instrument": "phq9",
                "responses": PHQ9_NO_RISK,
                "session_id": str(uuid.uuid4()),
            },
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "session_id"
        assert count(session, Measurement, patient.id) == 0

    def test_without_login_is_401(self, client, patient):
        response = client.post(
            url(patient.id), json={"instrument": "phq9", "responses": PHQ9_NO_RISK}
        )
        assert response.status_code == 401

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
    def test_front_desk_and_admin_may_not_enter_measurements(
        self, client, session, clinic, patient, role
    ):
        response = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": PHQ9_NO_RISK},
            headers=login(session, clinic, role),
        )
        assert response.status_code == 403
        assert count(session, Measurement, patient.id) == 0

    def test_patient_submits_own_phq9_by_bearer_token_and_the_alert_is_raised(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.post(
            url(patient.id),
            json={"instrument": "phq9", "responses": PHQ9_ITEM9_POSITIVE},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        assert response.json()["source"] == "patient"
        (alert,) = alerts_of(session, patient.id)
        assert alert.kind.value == "suicide_risk"
        assert str(alert.measurement_id) == response.json()["id"]

    def test_patient_may_not_enter_a_clinician_rated_scale(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.post(
            url(patient.id),
            json={"instrument": "madrs", "responses": [1] * 10},
            headers=headers,
        )
        assert response.status_code == 403
        assert response.json()["field"] == "instrument"

    def test_patient_cannot_submit_for_another_patient(
        self, client, session, clinic, patient
    ):
        other = make_patient(session, clinic, given_name="Other")
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.post(
            url(other.id),
            json={"instrument": "phq9", "responses": PHQ9_ITEM9_POSITIVE},
            headers=headers,
        )
        assert response.status_code == 404
        assert count(session, Measurement, other.id) == 0

    def test_another_clinics_patient_is_404(self, client, session, clinic):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        response = client.post(
            url(elsewhere.id),
            json={"instrument": "phq9", "responses": PHQ9_NO_RISK},
            headers=login(session, clinic, Role.NURSE),
        )
        assert response.status_code == 404

    def test_a_failure_raising_the_alert_leaves_no_measurement(
        self, client, session, clinic, patient, monkeypatch
    ):
        def crash(*_args, **_kwargs):
            raise RuntimeError("simulated crash while raising alerts")

        monkeypatch.setattr(alert_service, "raise_for_measurement", crash)
        headers = login(session, clinic, Role.NURSE)
        with pytest.raises(RuntimeError):
            client.post(
                url(patient.id),
                json={"instrument": "phq9", "responses": PHQ9_ITEM9_POSITIVE},
                headers=headers,
            )
        assert count(session, Measurement, patient.id) == 0
        assert count(session, Alert, patient.id) == 0


def record(client, headers, patient_id, instrument, responses, taken_at):
    response = client.post(
        url(patient_id),
        json={"instrument": instrument, "responses": responses, "taken_at": taken_at},
        headers=headers,
    )
    assert response.status_code == 201, response.text
    return response.json()


def phq9_totalling(total):
    """Nine answers (item 9 = 0) that add up to ``total`` (0–24)."""
    answers = [0] * 9
    for index in range(8):
        answers[index] = min(3, total - sum(answers))
    return answers


class TestListMeasurements:
    def test_newest_first_with_items_and_instrument_filter(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        old = record(client, headers, patient.id, "phq9", phq9_totalling(20), at(0))
        new = record(client, headers, patient.id, "phq9", phq9_totalling(10), at(7))
        record(client, headers, patient.id, "gad7", [1] * 7, at(3))
        body = client.get(
            url(patient.id), params={"instrument": "phq9"}, headers=headers
        ).json()
        assert [m["id"] for m in body["items"]] == [new["id"], old["id"]]
        assert body["total"] == 2
        assert len(body["items"][0]["items"]) == 9
        everything = client.get(url(patient.id), headers=headers).json()
        assert everything["total"] == 3

    def test_list_read_is_audited_with_ids(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.THERAPIST)
        made = record(client, headers, patient.id, "gad7", [1] * 7, at(0))
        client.get(url(patient.id), headers=headers)
        (entry,) = audit_entries(session, patient.id, "read", "measurement")
        assert entry.detail == {"measurement_ids": [made["id"]]}

    def test_patient_reads_own_list(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        assert client.get(url(patient.id), headers=headers).status_code == 200

    def test_patient_cannot_list_another_patients_measurements(
        self, client, session, clinic, patient
    ):
        other = make_patient(session, clinic, given_name="Other")
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        assert client.get(url(other.id), headers=headers).status_code == 404

    def test_front_desk_may_not_read_scores(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.FRONT_DESK)
        assert client.get(url(patient.id), headers=headers).status_code == 403

    def test_limit_out_of_range_is_422(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.NURSE)
        response = client.get(url(patient.id), params={"limit": 0}, headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"

    def test_without_login_is_401(self, client, patient):
        assert client.get(url(patient.id)).status_code == 401


class TestGetMeasurement:
    def test_read_with_items_is_audited(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.NURSE)
        made = record(client, headers, patient.id, "phq9", PHQ9_NO_RISK, at(0))
        response = client.get(f"/api/v1/measurements/{made['id']}", headers=headers)
        assert response.status_code == 200
        assert len(response.json()["items"]) == 9
        (entry,) = audit_entries(session, patient.id, "read", "measurement")
        assert entry.entity_id == made["id"]

    def test_patient_cannot_read_another_patients_measurement(
        self, client, session, clinic, patient
    ):
        other = make_patient(session, clinic, given_name="Other")
        made = record(
            client,
            login(session, clinic, Role.NURSE),
            other.id,
            "phq9",
            PHQ9_NO_RISK,
            at(0),
        )
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(f"/api/v1/measurements/{made['id']}", headers=headers)
        assert response.status_code == 404
        assert response.json()["detail"] == "measurement not found"

    def test_front_desk_is_403(self, client, session, clinic, patient):
        made = record(
            client,
            login(session, clinic, Role.NURSE),
            patient.id,
            "phq9",
            PHQ9_NO_RISK,
            at(0),
        )
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.get(f"/api/v1/measurements/{made['id']}", headers=headers)
        assert response.status_code == 403

    def test_malformed_id_is_422_naming_it(self, client, session, clinic):
        headers = login(session, clinic, Role.NURSE)
        response = client.get("/api/v1/measurements/nope", headers=headers)
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "measurement_id"

    def test_without_login_is_401(self, client):
        assert client.get(f"/api/v1/measurements/{uuid.uuid4()}").status_code == 401


class TestGetOutcomes:
    def test_phq9_baseline_latest_response_and_remission(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        first = record(client, headers, patient.id, "phq9", phq9_totalling(20), at(0))
        record(client, headers, patient.id, "phq9", phq9_totalling(12), at(7))
        last = record(client, headers, patient.id, "phq9", phq9_totalling(4), at(14))
        response = client.get(
            f"/api/v1/patients/{patient.id}/outcomes", headers=headers
        )
        assert response.status_code == 200, response.text
        (phq9,) = response.json()["instruments"]
        assert phq9["instrument"] == "phq9"
        assert phq9["baseline"]["measurement_id"] == first["id"]
        assert phq9["latest"]["measurement_id"] == last["id"]
        assert (phq9["change"], phq9["percent_change"]) == (-16, "-80.0")
        assert phq9["response"] is True
        assert phq9["remission"] is True
        assert phq9["remission_definition"] == "phq9-lt5"
        assert phq9["remission_definition_label"] == "PHQ-9 < 5"
        assert phq9["relapse"] is None
        assert phq9["trend"] == "improving"
        assert phq9["weeks_since_baseline"] == 2
        assert [p["total"] for p in phq9["points"]] == [20, 12, 4]
        assert phq9["points"][0]["on"] == "2025-01-06"

    def test_instruments_without_outcomes_are_left_out(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.NURSE)
        record(client, headers, patient.id, "moaas", [5], at(0))
        record(client, headers, patient.id, "gad7", [2] * 7, at(0))
        body = client.get(
            f"/api/v1/patients/{patient.id}/outcomes", headers=headers
        ).json()
        assert [i["instrument"] for i in body["instruments"]] == ["gad7"]
        assert body["instruments"][0]["remission"] is None

    def test_madrs_reports_sustain1_relapse(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.PRESCRIBER)
        record(client, headers, patient.id, "madrs", [3] * 10, at(0))
        record(client, headers, patient.id, "madrs", [1] * 10, at(14))
        record(client, headers, patient.id, "madrs", [3] * 10, at(28))
        record(client, headers, patient.id, "madrs", [3] * 10, at(35))
        (madrs,) = client.get(
            f"/api/v1/patients/{patient.id}/outcomes", headers=headers
        ).json()["instruments"]
        assert madrs["relapse"]["relapsed"] is True
        assert madrs["relapse"]["confirmed_on"] == "2025-02-10"
        assert madrs["relapse"]["rule_id"] == "OUT-RELAPSE-SUSTAIN1"

    def test_a_chosen_baseline_replaces_the_first_measurement(
        self, client, session, clinic, patient
    ):
        headers = login(session, clinic, Role.PRESCRIBER)
        record(client, headers, patient.id, "phq9", phq9_totalling(8), at(0))
        chosen = record(client, headers, patient.id, "phq9", phq9_totalling(20), at(7))
        record(client, headers, patient.id, "phq9", phq9_totalling(10), at(14))
        (phq9,) = client.get(
            f"/api/v1/patients/{patient.id}/outcomes",
            params={"baseline_measurement_id": chosen["id"]},
            headers=headers,
        ).json()["instruments"]
        assert phq9["baseline"]["total"] == 20
        assert phq9["response"] is True
        assert len(phq9["points"]) == 2

    def test_unknown_baseline_is_422_naming_it(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.PRESCRIBER)
        response = client.get(
            f"/api/v1/patients/{patient.id}/outcomes",
            params={"baseline_measurement_id": str(uuid.uuid4())},
            headers=headers,
        )
        assert response.status_code == 422
        assert response.json()["field"] == "baseline_measurement_id"

    def test_patient_reads_own_outcomes_and_the_read_is_audited(
        self, client, session, clinic, patient
    ):
        record(
            client,
            login(session, clinic, Role.NURSE),
            patient.id,
            "phq9",
            PHQ9_NO_RISK,
            at(0),
        )
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(
            f"/api/v1/patients/{patient.id}/outcomes", headers=headers
        )
        assert response.status_code == 200
        assert len(response.json()["instruments"]) == 1
        assert len(audit_entries(session, patient.id, "read", "outcome")) == 1

    def test_patient_cannot_read_another_patients_outcomes(
        self, client, session, clinic, patient
    ):
        other = make_patient(session, clinic, given_name="Other")
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        response = client.get(f"/api/v1/patients/{other.id}/outcomes", headers=headers)
        assert response.status_code == 404

    def test_front_desk_is_403(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.FRONT_DESK)
        response = client.get(
            f"/api/v1/patients/{patient.id}/outcomes", headers=headers
        )
        assert response.status_code == 403

    def test_without_login_is_401(self, client, patient):
        assert client.get(f"/api/v1/patients/{patient.id}/outcomes").status_code == 401
