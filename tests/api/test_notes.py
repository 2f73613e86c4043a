"""/api/v1 notes: write, list, edit, sign; author only, signed notes immutable, audit."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import select
from tests.factories import bearer_for, make_clinic, make_patient, make_user

from ketapath.db.models import AuditEntry, Note, Role

BODY = "Integration session: patient describes less rumination since infusion 3."


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


@pytest.fixture
def therapist(session, clinic):
    return make_user(session, clinic, role=Role.THERAPIST)


def login(session, clinic, role, patient=None):
    return bearer_for(session, make_user(session, clinic, role=role, patient=patient))


def notes_url(patient_id):
    return f"/api/v1/patients/{patient_id}/notes"


def write_note(client, headers, patient_id, body=BODY, kind="therapy"):
    response = client.post(
        notes_url(patient_id), json={"kind": kind, "body": body}, headers=headers
    )
    assert response.status_code == 201, response.text
    return response.json()


def audit_entries(session, patient_id, action):
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.patient_id == patient_id,
            AuditEntry.action == action,
            AuditEntry.entity == "note",
        )
    ).all()


class TestCreateNote:
    def test_clinician_writes_an_unsigned_note_and_the_write_is_audited(
        self, client, session, patient, therapist
    ):
        note = write_note(client, bearer_for(session, therapist), patient.id)
        assert note["author_id"] == str(therapist.id)
        assert note["signed_at"] is None
        assert note["body"] == BODY
        (entry,) = audit_entries(session, patient.id, "create")
        assert entry.entity_id == note["id"]
        assert entry.detail == {"fields": ["body", "kind"]}

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"kind": "therapy"}, "body"),
            ({"kind": "therapy", "body": ""}, "body"),
            ({"kind": "therapy", "body": "x" * 20_001}, "body"),
            ({"kind": "diary", "body": BODY}, "kind"),
            ({"kind": "therapy", "body": BODY, "signed_at": "2025-01-01"}, "signed_at"),
        ],
        ids=["missing-body", "empty-body", "too-long", "unknown-kind", "extra-field"],
    )
    def test_bad_input_is_422_naming_the_field_and_nothing_is_written(
        self, client, session, patient, therapist, payload, field
    ):
        response = client.post(
            notes_url(patient.id), json=payload, headers=bearer_for(session, therapist)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field
        assert (
            session.scalars(select(Note).where(Note.patient_id == patient.id)).all()
            == []
        )

    def test_unknown_session_is_422(self, client, session, patient, therapist):
        response = client.post(
            notes_url(patient.id),
            json={"kind": "session", "body": BODY, "session_id": str(uuid.uuid4())},
            headers=bearer_for(session, therapist),
        )
        assert response.status_code == 422
        assert response.json()["field"] == "session_id"

    @pytest.mark.parametrize("role", [Role.PATIENT, Role.FRONT_DESK, Role.ADMIN])
    def test_non_clinicians_are_403(self, client, session, clinic, patient, role):
        headers = login(
            session, clinic, role, patient=patient if role is Role.PATIENT else None
        )
        response = client.post(
            notes_url(patient.id),
            json={"kind": "general", "body": BODY},
            headers=headers,
        )
        assert response.status_code == 403

    def test_another_clinics_patient_is_404(self, client, session, therapist):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        response = client.post(
            notes_url(elsewhere.id),
            json={"kind": "general", "body": BODY},
            headers=bearer_for(session, therapist),
        )
        assert response.status_code == 404

    def test_without_login_is_401(self, client, patient):
        response = client.post(
            notes_url(patient.id), json={"kind": "general", "body": BODY}
        )
        assert response.status_code == 401


class TestListNotes:
    def test_newest_first_and_the_read_is_audited_with_ids_only(
        self, client, session, clinic, patient, therapist
    ):
        headers = bearer_for(session, therapist)
        first = write_note(client, headers, patient.id, body="first")
        second = write_note(client, headers, patient.id, body="second")
        response = client.get(
            notes_url(patient.id), headers=login(session, clinic, Role.PRESCRIBER)
        )
        assert response.status_code == 200
        body = response.json()
        assert {n["id"] for n in body["items"]} == {first["id"], second["id"]}
        assert body["total"] == 2
        (entry,) = audit_entries(session, patient.id, "read")
        assert sorted(entry.detail["note_ids"]) == sorted([first["id"], second["id"]])
        assert "first" not in str(entry.detail)

    def test_patient_user_is_403(self, client, session, clinic, patient):
        headers = login(session, clinic, Role.PATIENT, patient=patient)
        assert client.get(notes_url(patient.id), headers=headers).status_code == 403

    def test_another_clinics_patient_is_404(self, client, session, therapist):
        elsewhere = make_patient(session, make_clinic(session, name="Elsewhere"))
        response = client.get(
            notes_url(elsewhere.id), headers=bearer_for(session, therapist)
        )
        assert response.status_code == 404

    def test_limit_out_of_range_is_422(self, client, session, patient, therapist):
        response = client.get(
            notes_url(patient.id),
            params={"limit": 500},
            headers=bearer_for(session, therapist),
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "limit"

    def test_without_login_is_401(self, client, patient):
        assert client.get(notes_url(patient.id)).status_code == 401


class TestSignNote:
    def test_author_signs_and_the_signature_is_audited(
        self, client, session, patient, therapist
    ):
        headers = bearer_for(session, therapist)
        note = write_note(client, headers, patient.id)
        response = client.post(f"/api/v1/notes/{note['id']}/sign", headers=headers)
        assert response.status_code == 200, response.text
        assert response.json()["signed_at"] is not None
        assert len(audit_entries(session, patient.id, "sign")) == 1

    def test_signing_twice_is_409(self, client, session, patient, therapist):
        headers = bearer_for(session, therapist)
        note = write_note(client, headers, patient.id)
        assert (
            client.post(f"/api/v1/notes/{note['id']}/sign", headers=headers).status_code
            == 200
        )
        again = client.post(f"/api/v1/notes/{note['id']}/sign", headers=headers)
        assert again.status_code == 409

    def test_only_the_author_signs(self, client, session, clinic, patient, therapist):
        note = write_note(client, bearer_for(session, therapist), patient.id)
        response = client.post(
            f"/api/v1/notes/{note['id']}/sign",
            headers=login(session, clinic, Role.PRESCRIBER),
        )
        assert response.status_code == 403

    def test_another_clinics_note_is_404(self, client, session, clinic):
        other_clinic = make_clinic(session, name="Elsewhere")
        elsewhere = make_patient(session, other_clinic)
        author = make_user(session, other_clinic, role=Role.THERAPIST)
        note = write_note(client, bearer_for(session, author), elsewhere.id)
        response = client.post(
            f"/api/v1/notes/{note['id']}/sign",
            headers=login(session, clinic, Role.THERAPIST),
        )
        assert response.status_code == 404

    def test_malformed_id_is_422(self, client, session, therapist):
        response = client.post(
            "/api/v1/notes/nope/sign", headers=bearer_for(session, therapist)
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "note_id"

    def test_front_desk_is_403(self, client, session, clinic, patient, therapist):
        note = write_note(client, bearer_for(session, therapist), patient.id)
        response = client.post(
            f"/api/v1/notes/{note['id']}/sign",
            headers=login(session, clinic, Role.FRONT_DESK),
        )
        assert response.status_code == 403

    def test_without_login_is_401(self, client):
        assert client.post(f"/api/v1/notes/{uuid.uuid4()}/sign").status_code == 401


class TestUpdateNote:
    def test_author_edits_an_unsigned_note_and_audit_lists_fields(
        self, client, session, patient, therapist
    ):
        headers = bearer_for(session, therapist)
        note = write_note(client, headers, patient.id)
        response = client.patch(
            f"/api/v1/notes/{note['id']}", json={"body": "corrected"}, headers=headers
        )
        assert response.status_code == 200, response.text
        assert response.json()["body"] == "corrected"
        assert response.json()["kind"] == "therapy"
        (entry,) = audit_entries(session, patient.id, "update")
        assert entry.detail == {"fields": ["body"]}

    def test_a_signed_note_cannot_be_edited(self, client, session, patient, therapist):
        headers = bearer_for(session, therapist)
        note = write_note(client, headers, patient.id)
        client.post(f"/api/v1/notes/{note['id']}/sign", headers=headers)
        response = client.patch(
            f"/api/v1/notes/{note['id']}", json={"body": "changed"}, headers=headers
        )
        assert response.status_code == 409
        stored = session.get(Note, uuid.UUID(note["id"]))
        session.refresh(stored)
        assert stored.body == BODY

    @pytest.mark.parametrize(
        ("payload", "field"),
        [
            ({"body": None}, "body"),
            ({"body": ""}, "body"),
            ({"author_id": "x"}, "author_id"),
        ],
        ids=["null", "empty", "unknown-field"],
    )
    def test_bad_edit_is_422_naming_the_field(
        self, client, session, patient, therapist, payload, field
    ):
        headers = bearer_for(session, therapist)
        note = write_note(client, headers, patient.id)
        response = client.patch(
            f"/api/v1/notes/{note['id']}", json=payload, headers=headers
        )
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == field

    def test_only_the_author_edits(self, client, session, clinic, patient, therapist):
        note = write_note(client, bearer_for(session, therapist), patient.id)
        response = client.patch(
            f"/api/v1/notes/{note['id']}",
            json={"body": "mine now"},
            headers=login(session, clinic, Role.THERAPIST),
        )
        assert response.status_code == 403

    def test_patient_user_is_403(self, client, session, clinic, patient, therapist):
        note = write_note(client, bearer_for(session, therapist), patient.id)
        response = client.patch(
            f"/api/v1/notes/{note['id']}",
            json={"body": "x"},
            headers=login(session, clinic, Role.PATIENT, patient=patient),
        )
        assert response.status_code == 403

    def test_unknown_note_is_404(self, client, session, therapist):
        response = client.patch(
            f"/api/v1/notes/{uuid.uuid4()}",
            json={"body": "x"},
            headers=bearer_for(session, therapist),
        )
        assert response.status_code == 404

    def test_without_login_is_401(self, client):
        response = client.patch(f"/api/v1/notes/{uuid.uuid4()}", json={"body": "x"})
        assert response.status_code == 401
