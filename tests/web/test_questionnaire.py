"""Questionnaire links on the web (clinician side and the patient's /q/ pages) and in the API."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ketapath.api import questionnaire_links as link_api
from ketapath.db.base import utcnow
from ketapath.db.models import Alert, AlertKind, AuditEntry, Measurement, Role
from ketapath.db.models.questionnaire_link import QuestionnaireLink
from ketapath.schemas.questionnaire_link import QuestionnaireLinkCreate
from ketapath.services import questionnaire_links as link_service
from tests.factories import actor_for, bearer_for, make_clinic, make_patient, make_user

PHQ9_ITEM9_POSITIVE = {f"phq9_{n}": "0" for n in range(1, 9)} | {"phq9_9": "1"}
PHQ9_NEGATIVE = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "0"}
TOKEN_IN_PAGE = re.compile(r"/q/([A-Za-z0-9_-]{20,})")


@pytest.fixture
def setup(session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic, given_name="Grace", family_name="Hopper")
    nurse = make_user(session, clinic, role=Role.NURSE)
    return clinic, patient, nurse


@pytest.fixture
def api_client(client):
    """The API router for links, mounted the way api/router.py will mount it."""
    paths = {getattr(r, "path", "") for r in client.app.routes}
    if "/api/v1/patients/{patient_id}/questionnaire-links" not in paths:
        client.app.include_router(link_api.router, prefix="/api/v1")
    return client


def _issue(session, nurse, patient, instruments=("phq9",), hours=72):
    return link_service.create_link(
        session,
        actor=actor_for(nurse),
        patient_id=patient.id,
        data=QuestionnaireLinkCreate(
            instruments=list(instruments), expires_in_hours=hours
        ),
    )


def _count(session, model):
    session.flush()
    return session.scalar(select(func.count()).select_from(model))


class TestCreateLinkPage:
    def test_nurse_creates_a_link_and_sees_the_url_once(
        self, session, setup, sign_in_as
    ):
        clinic, patient, _ = setup
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/patients/{patient.id}/questionnaire-links",
            {"instruments": ["phq9", "cssrs"], "expires_in_hours": "48"},
        )
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "no-store"
        found = TOKEN_IN_PAGE.search(response.text)
        assert found is not None
        token = found.group(1)
        assert 'href="mailto:' in response.text
        assert 'href="sms:' in response.text
        link = session.scalars(select(QuestionnaireLink)).one()
        assert link.instruments == ["phq9", "cssrs"]
        assert link.expires_at - link.created_at == timedelta(hours=48)
        assert link.token_hash == link_service.token_digest(token)
        # The message to send carries neither the patient's name nor clinical detail.
        message = re.search(r"<textarea[^>]*>(.*?)</textarea>", response.text, re.S)
        assert message is not None
        assert "Hopper" not in message.group(1)
        assert "PHQ" not in message.group(1)

    def test_partial_answer_is_only_the_section(self, setup, sign_in_as):
        clinic, patient, _ = setup
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/patients/{patient.id}/questionnaire-links",
            {"instruments": "phq9"},
            headers={"X-Partial": "1"},
        )
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section id="questionnaire-link"')

    def test_no_instrument_chosen_is_422_with_the_message_beside_the_field(
        self, session, setup, sign_in_as
    ):
        clinic, patient, _ = setup
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/patients/{patient.id}/questionnaire-links", {"expires_in_hours": "72"}
        )
        assert response.status_code == 422
        assert 'id="e-instruments"' in response.text
        assert _count(session, QuestionnaireLink) == 0

    def test_hours_out_of_range_is_422_beside_the_field(
        self, session, setup, sign_in_as
    ):
        clinic, patient, _ = setup
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/patients/{patient.id}/questionnaire-links",
            {"instruments": "phq9", "expires_in_hours": "337"},
        )
        assert response.status_code == 422
        assert re.search(r'id="e-expires_in_hours"[^>]*>[^<]*336', response.text)
        assert _count(session, QuestionnaireLink) == 0

    def test_signed_out_goes_to_sign_in(self, client, setup):
        _, patient, _ = setup
        response = client.post(
            f"/patients/{patient.id}/questionnaire-links",
            data={"instruments": "phq9"},
            follow_redirects=False,
        )
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login")

    def test_front_desk_is_403(self, setup, sign_in_as):
        clinic, patient, _ = setup
        desk = sign_in_as(clinic, Role.FRONT_DESK)
        response = desk.post(
            f"/patients/{patient.id}/questionnaire-links", {"instruments": "phq9"}
        )
        assert response.status_code == 403

    def test_another_clinics_patient_is_404(self, session, setup, sign_in_as):
        clinic, _, _ = setup
        other = make_patient(session, make_clinic(session, name="Other"))
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/patients/{other.id}/questionnaire-links", {"instruments": "phq9"}
        )
        assert response.status_code == 404

    def test_without_csrf_token_is_403(self, session, setup, sign_in_as):
        clinic, patient, _ = setup
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.post(
            f"/patients/{patient.id}/questionnaire-links", data={"instruments": "phq9"}
        )
        assert response.status_code == 403
        assert _count(session, QuestionnaireLink) == 0

    def test_links_page_lists_links(self, session, setup, sign_in_as):
        clinic, patient, _ = setup
        nurse = sign_in_as(clinic, Role.NURSE)
        _issue(session, nurse.user, patient, ("gad7",))
        response = nurse.client.get(f"/patients/{patient.id}/questionnaire-links")
        assert response.status_code == 200
        assert "gad7" in response.text
        assert "open until" in response.text


class TestPatientQuestionnaire:
    def test_link_opens_with_full_phq9_wording_and_no_clinic_navigation(
        self, client, session, setup
    ):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        response = client.get(f"/q/{issued.token}")
        assert response.status_code == 200
        assert (
            "Thoughts that you would be better off dead, or of hurting yourself in some way"
            in response.text
        )
        assert 'name="form_nonce"' in response.text
        assert 'aria-label="Main"' not in response.text
        assert response.headers["cache-control"] == "no-store"
        assert response.headers["referrer-policy"] == "no-referrer"
        assert "Hopper" not in response.text
        session.flush()
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "questionnaire_link", AuditEntry.action == "read"
            )
        ).one()
        assert entry.actor_id is None
        assert entry.patient_id == patient.id
        assert entry.detail == {"link_id": str(issued.link.id)}

    def test_positive_item_9_raises_the_alert_and_shows_crisis_guidance(
        self, client, session, setup
    ):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        response = client.post(
            f"/q/{issued.token}",
            data={
                "form_nonce": issued.link.form_nonce,
                "instrument": "phq9",
                **PHQ9_ITEM9_POSITIVE,
            },
        )
        assert response.status_code == 200, response.text
        assert "Thank you" in response.text
        assert "Contact your clinic now" in response.text
        assert "emergency" in response.text
        alert = session.scalars(select(Alert)).one()
        assert alert.kind is AlertKind.SUICIDE_RISK
        assert alert.patient_id == patient.id

    def test_negative_answers_thank_without_crisis_guidance(
        self, client, session, setup
    ):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient, ("phq9", "gad7"))
        response = client.post(
            f"/q/{issued.token}",
            data={
                "form_nonce": issued.link.form_nonce,
                "instrument": "phq9",
                **PHQ9_NEGATIVE,
            },
        )
        assert response.status_code == 200
        assert "Please get support now" not in response.text
        assert "Continue to the next questionnaire" in response.text
        assert _count(session, Alert) == 0
        nxt = client.get(f"/q/{issued.token}")
        assert "Questionnaire 2 of 2" in nxt.text
        assert 'value="gad7"' in nxt.text

    def test_unanswered_item_is_422_with_the_message_beside_it_and_nothing_stored(
        self, client, session, setup
    ):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        answers = dict(PHQ9_ITEM9_POSITIVE)
        del answers["phq9_4"]
        response = client.post(
            f"/q/{issued.token}",
            data={
                "form_nonce": issued.link.form_nonce,
                "instrument": "phq9",
                **answers,
            },
        )
        assert response.status_code == 422
        assert re.search(
            r'id="e-phq9_4"[^>]*>Please answer this question.', response.text
        )
        assert re.search(r'name="phq9_9" value="1"\s+checked', response.text)
        assert _count(session, Measurement) == 0
        assert _count(session, Alert) == 0

    def test_wrong_form_nonce_is_403_and_nothing_stored(self, client, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        response = client.post(
            f"/q/{issued.token}",
            data={"form_nonce": "forged", "instrument": "phq9", **PHQ9_NEGATIVE},
        )
        assert response.status_code == 403
        assert _count(session, Measurement) == 0

    def test_unknown_link_is_404_without_patient_details(self, client):
        response = client.get("/q/not-a-real-token-at-all")
        assert response.status_code == 404
        assert "This link is not valid" in response.text

    def test_expired_link_is_410(self, client, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient, hours=1)
        issued.link.expires_at = utcnow() - timedelta(minutes=1)
        session.flush()
        response = client.get(f"/q/{issued.token}")
        assert response.status_code == 410
        assert "expired or has been used" in response.text
        assert "Hopper" not in response.text
        posted = client.post(
            f"/q/{issued.token}",
            data={
                "form_nonce": issued.link.form_nonce,
                "instrument": "phq9",
                **PHQ9_NEGATIVE,
            },
        )
        assert posted.status_code == 410

    def test_used_link_is_410(self, client, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        data = {
            "form_nonce": issued.link.form_nonce,
            "instrument": "phq9",
            **PHQ9_NEGATIVE,
        }
        assert client.post(f"/q/{issued.token}", data=data).status_code == 200
        assert client.get(f"/q/{issued.token}").status_code == 410
        assert client.post(f"/q/{issued.token}", data=data).status_code == 410
        assert _count(session, Measurement) == 1


class TestLinksApi:
    def test_create_and_list(self, api_client, session, setup):
        _, patient, nurse = setup
        headers = bearer_for(session, nurse)
        response = api_client.post(
            f"/api/v1/patients/{patient.id}/questionnaire-links",
            json={"instruments": ["phq9", "gad7"]},
            headers=headers,
        )
        assert response.status_code == 201, response.text
        body = response.json()
        token = body["url"].rsplit("/q/", 1)[1]
        assert body["instruments"] == ["phq9", "gad7"]
        assert "token_hash" not in body
        assert "form_nonce" not in body
        assert api_client.get(f"/q/{token}").status_code == 200
        listed = api_client.get(
            f"/api/v1/patients/{patient.id}/questionnaire-links", headers=headers
        )
        assert listed.status_code == 200
        assert listed.json()["total"] == 1
        assert "url" not in listed.json()["items"][0]
        session.flush()
        actions = session.scalars(
            select(AuditEntry.action).where(
                AuditEntry.entity == "questionnaire_link",
                AuditEntry.actor_id == nurse.id,
            )
        ).all()
        assert sorted(actions) == ["create", "read"]

    def test_errors(self, api_client, session, setup):
        clinic, patient, nurse = setup
        url = f"/api/v1/patients/{patient.id}/questionnaire-links"
        assert api_client.post(url, json={"instruments": ["phq9"]}).status_code == 401
        desk = bearer_for(session, make_user(session, clinic, role=Role.FRONT_DESK))
        assert (
            api_client.post(
                url, json={"instruments": ["phq9"]}, headers=desk
            ).status_code
            == 403
        )
        assert api_client.get(url, headers=desk).status_code == 403
        headers = bearer_for(session, nurse)
        other = make_patient(session, make_clinic(session, name="Other"))
        assert (
            api_client.post(
                f"/api/v1/patients/{other.id}/questionnaire-links",
                json={"instruments": ["phq9"]},
                headers=headers,
            ).status_code
            == 404
        )
        bad = api_client.post(
            url, json={"instruments": ["phq9"], "expires_in_hours": 0}, headers=headers
        )
        assert bad.status_code == 422
        assert "expires_in_hours" in bad.text
        assert _count(session, QuestionnaireLink) == 0
