"""A patient answers PHQ-9 by link on a phone; a clinician acknowledges the suicide-risk alert."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from ketapath.db.models import Role
from ketapath.schemas.questionnaire_link import QuestionnaireLinkCreate
from ketapath.services import questionnaire_links as link_service
from tests.e2e.conftest import DESKTOP, PHONE, sign_in
from tests.factories import (
    TEST_PASSWORD,
    actor_for,
    make_clinic,
    make_patient,
    make_user,
)


def test_patient_link_positive_item_9_alert_acknowledged_by_clinician(
    live_server, browser, shot
):
    def build(session):
        clinic = make_clinic(session)
        patient = make_patient(
            session, clinic, given_name="Grace", family_name="Hopper", mrn="MRN-E2E-9"
        )
        nurse = make_user(session, clinic, role=Role.NURSE, email="nurse@example.org")
        issued = link_service.create_link(
            session,
            actor=actor_for(nurse),
            patient_id=patient.id,
            data=QuestionnaireLinkCreate(instruments=["phq9"]),
        )
        return issued.token, nurse.email

    token, email = live_server.setup(build)

    phone = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        patient_page = phone.new_page()
        patient_page.goto(f"{live_server.url}/q/{token}")
        expect(patient_page.get_by_role("heading", level=1)).to_contain_text("PHQ-9")
        expect(
            patient_page.get_by_text(
                "Thoughts that you would be better off dead, or of hurting yourself in some way"
            )
        ).to_be_visible()
        # Nothing on the page names the patient or the clinic's navigation.
        assert "Hopper" not in patient_page.content()
        # The page fits a phone: no horizontal scrolling.
        assert patient_page.evaluate(
            "document.documentElement.scrollWidth <= window.innerWidth"
        )
        shot(patient_page, "1-phone-questionnaire")
        for n in range(1, 9):
            patient_page.locator(f'input[name="phq9_{n}"][value="0"]').check()
        patient_page.locator('input[name="phq9_9"][value="1"]').check()
        shot(patient_page, "2-phone-answered")
        patient_page.get_by_role("button", name="Send my answers").click()
        patient_page.wait_for_load_state("networkidle")
        expect(
            patient_page.get_by_role("heading", name="Please get support now")
        ).to_be_visible()
        expect(patient_page.get_by_text("Contact your clinic now")).to_be_visible()
        expect(patient_page.get_by_role("heading", name="Thank you")).to_be_visible()
        shot(patient_page, "3-phone-thanks-crisis-guidance")
        patient_page.goto(f"{live_server.url}/q/{token}")
        expect(patient_page.get_by_role("heading", level=1)).to_have_text(
            "This link has expired or has been used"
        )
        shot(patient_page, "4-phone-link-used")
    finally:
        phone.close()

    desk = browser.new_context(viewport=DESKTOP)
    try:
        page = desk.new_page()
        sign_in(page, live_server, email, TEST_PASSWORD)
        page.goto(f"{live_server.url}/alerts")
        card = page.locator("li.alert-card").filter(has_text="Suicide risk")
        expect(card).to_have_count(1)
        expect(card).to_contain_text("Grace Hopper")
        expect(card).to_contain_text("MRN-E2E-9")
        expect(card).to_contain_text("PHQ9-ITEM9")
        shot(page, "5-clinician-inbox")
        card.get_by_role("button", name="Acknowledge").click()
        expect(card.locator(".error")).to_contain_text("Write a note")
        shot(page, "6-clinician-note-required")
        card.get_by_label("Acknowledgement note").fill(
            "Phoned the patient; same-day C-SSRS booked"
        )
        card.get_by_role("button", name="Acknowledge").click()
        expect(card.get_by_role("status")).to_contain_text("Acknowledged")
        expect(card).to_contain_text("by Test nurse")
        expect(card).to_contain_text("Phoned the patient; same-day C-SSRS booked")
        shot(page, "7-clinician-acknowledged")
        page.goto(f"{live_server.url}/alerts?status=acknowledged")
        acknowledged = page.locator("li.alert-card").filter(has_text="Suicide risk")
        expect(acknowledged).to_contain_text(
            re.compile(r"Acknowledged\s+by Test nurse")
        )
        shot(page, "8-clinician-acknowledged-list")
    finally:
        desk.close()
