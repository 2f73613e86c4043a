"""/api/v1/audit: admins read the log (newest first, filters, paging); reading is audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from tests.factories import bearer_for, make_clinic, make_patient, make_user

from ketapath.db.models import AuditEntry, Role


@pytest.fixture
def clinic(session):
    return make_clinic(session)


def login(session, clinic, role, patient=None):
    return bearer_for(session, make_user(session, clinic, role=role, patient=patient))


def add_entry(session, *, patient=None, occurred_at, action="read", clinic_id=None):
    entry = AuditEntry(
        clinic_id=clinic_id or (patient.clinic_id if patient else None),
        occurred_at=occurred_at,
        action=action,
        entity="patient",
        patient_id=patient.id if patient else None,
        detail={},
    )
    session.add(entry)
    session.flush()
    return entry


class TestListAudit:
    def test_admin_reads_newest_first_and_the_read_is_audited(
        self, client, session, clinic
    ):
        patient = make_patient(session, clinic)
        old = add_entry(
            session, patient=patient, occurred_at=datetime(2026, 1, 1, tzinfo=UTC)
        )
        new = add_entry(
            session, patient=patient, occurred_at=datetime(2026, 2, 1, tzinfo=UTC)
        )
        admin = make_user(session, clinic, role=Role.ADMIN)
        response = client.get(
            "/api/v1/audit",
            params={"patient_id": str(patient.id)},
            headers=bearer_for(session, admin),
        )
        assert response.status_code == 200, response.text
        ids = [e["id"] for e in response.json()["items"]]
        assert ids == [str(new.id), str(old.id)]
        [read] = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "audit_log", AuditEntry.actor_id == admin.id
            )
        ).all()
        assert read.patient_id == patient.id

    def test_an_admin_never_sees_another_clinics_entries(self, client, session, clinic):
        other_clinic = make_clinic(session, name="Other Clinic")
        theirs = add_entry(
            session,
            patient=make_patient(session, other_clinic),
            occurred_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        ours = add_entry(
            session,
            patient=make_patient(session, clinic),
            occurred_at=datetime(2026, 1, 2, tzinfo=UTC),
        )
        admin = make_user(session, clinic, role=Role.ADMIN)
        response = client.get("/api/v1/audit", headers=bearer_for(session, admin))
        ids = {e["id"] for e in response.json()["items"]}
        assert str(ours.id) in ids
        assert str(theirs.id) not in ids

    def test_since_and_paging(self, client, session, clinic):
        start = datetime(2026, 3, 1, tzinfo=UTC)
        patient = make_patient(session, clinic)
        entries = [
            add_entry(session, patient=patient, occurred_at=start + timedelta(days=d))
            for d in range(-1, 3)
        ]
        headers = login(session, clinic, Role.ADMIN)
        response = client.get(
            "/api/v1/audit",
            params={
                "patient_id": str(patient.id),
                "since": start.isoformat(),
                "limit": 2,
                "offset": 1,
            },
            headers=headers,
        )
        assert response.status_code == 200
        body = response.json()
        assert (body["limit"], body["offset"]) == (2, 1)
        assert [e["id"] for e in body["items"]] == [
            str(entries[2].id),
            str(entries[1].id),
        ]

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"limit": 0}, "limit"),
            ({"limit": 501}, "limit"),
            ({"offset": -1}, "offset"),
            ({"patient_id": "nope"}, "patient_id"),
            ({"since": "2026-03-01T00:00:00"}, "since"),
            ({"since": "yesterday"}, "since"),
        ],
    )
    def test_bad_query_is_422_naming_the_field(
        self, client, session, clinic, params, field
    ):
        response = client.get(
            "/api/v1/audit", params=params, headers=login(session, clinic, Role.ADMIN)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    @pytest.mark.parametrize(
        "role", [Role.PRESCRIBER, Role.NURSE, Role.THERAPIST, Role.FRONT_DESK]
    )
    def test_only_admins_read_the_log(self, client, session, clinic, role):
        response = client.get("/api/v1/audit", headers=login(session, clinic, role))
        assert response.status_code == 403

    def test_a_patient_may_not_read_even_their_own_entries(
        self, client, session, clinic
    ):
        patient = make_patient(session, clinic)
        response = client.get(
            "/api/v1/audit",
            params={"patient_id": str(patient.id)},
            headers=login(session, clinic, Role.PATIENT, patient),
        )
        assert response.status_code == 403

    def test_without_login_is_401(self, client):
        assert client.get("/api/v1/audit").status_code == 401


class TestAuditFilterByPatient:
    def test_unknown_patient_is_404_naming_patient_id(self, client, session, clinic):
        import uuid

        admin = make_user(session, clinic, role=Role.ADMIN)
        response = client.get(
            "/api/v1/audit",
            params={"patient_id": str(uuid.uuid4())},
            headers=bearer_for(session, admin),
        )
        assert response.status_code == 404
        assert response.json()["field"] == "patient_id"

    def test_another_clinics_patient_is_404(self, client, session, clinic):
        other = make_patient(session, make_clinic(session, name="Elsewhere"))
        admin = make_user(session, clinic, role=Role.ADMIN)
        response = client.get(
            "/api/v1/audit",
            params={"patient_id": str(other.id)},
            headers=bearer_for(session, admin),
        )
        assert response.status_code == 404
