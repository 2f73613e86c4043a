"""Patient portal on a phone, and a clinician entering a MADRS on a laptop, in a real browser."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ketapath.db.models import Role
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.services import measurements as measurement_service
from tests.e2e.conftest import ARTIFACTS, DESKTOP, PHONE, sign_in
from tests.factories import (
    TEST_PASSWORD,
    actor_for,
    make_clinic,
    make_patient,
    make_user,
)
from tests.factories_sessions import make_course


def _clinic_with_patient(session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic, given_name="Grace", family_name="Hopper")
    prescriber = make_user(
        session, clinic, role=Role.PRESCRIBER, email="prescriber@example.org"
    )
    return clinic, patient, prescriber


def test_patient_on_a_phone_sees_progress_sessions_and_instructions(
    live_server, browser, shot
):
    def build(session):
        clinic, patient, prescriber = _clinic_with_patient(session)
        make_user(
            session,
            clinic,
            role=Role.PATIENT,
            patient=patient,
            email="grace@example.org",
        )
        start = datetime.now(UTC) - timedelta(days=21)
        for days, items in (
            (0, [3, 3, 3, 3, 3, 2, 2, 2, 0]),
            (7, [2, 2, 2, 2, 2, 2, 1, 1, 0]),
            (14, [1, 1, 1, 1, 1, 1, 1, 1, 1]),
        ):
            measurement_service.record_measurement(
                session,
                actor=actor_for(prescriber),
                patient_id=patient.id,
                data=MeasurementCreate(
                    instrument="phq9",
                    responses=list[int | None](items),
                    taken_at=start + timedelta(days=days),
                ),
            )
        make_course(
            session,
            patient,
            prescriber,
            protocol="esketamine_trd",
            start=(datetime.now(UTC) + timedelta(days=2)).date(),
        )

    live_server.setup(build)
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        sign_in(page, live_server, "grace@example.org", TEST_PASSWORD)
        assert page.url.endswith("/portal")
        assert page.get_by_role("heading", name="My care").is_visible()
        chart = page.locator('svg[role="img"]').first
        assert chart.is_visible()
        assert chart.bounding_box()["width"] <= PHONE["width"]
        assert page.get_by_text("Your PHQ-9 went from 21 to 9").is_visible()
        sessions = page.get_by_role("region", name="My upcoming sessions")
        assert sessions.get_by_text("Esketamine nasal spray session").first.is_visible()
        assert page.get_by_text("Do not eat for 2 hours").is_visible()
        assert page.get_by_role("heading", name="Sources").is_visible()
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= PHONE["width"], f"horizontal overflow: {scroll_width}px"
        shot(page, "portal-phone")
        page.get_by_role("region", name="My progress").screenshot(
            path=str(ARTIFACTS / "portal-phone-progress.png")
        )
        page.get_by_text("PHQ-9 scores as a table").click()
        assert page.get_by_role("cell", name="21").first.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        shot(page, "portal-phone-table")
    finally:
        context.close()


def test_clinician_enters_a_madrs_on_a_laptop(live_server, browser, shot):
    def build(session):
        _clinic, patient, _prescriber = _clinic_with_patient(session)
        return patient.id

    patient_id = live_server.setup(build)
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        sign_in(page, live_server, "prescriber@example.org", TEST_PASSWORD)
        page.goto(f"{live_server.url}/patients/{patient_id}/measurements")
        page.get_by_label("Instrument", exact=True).select_option("madrs")
        page.get_by_role("button", name="Open form").click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_role("heading", name="Enter MADRS").is_visible()
        for n in range(1, 11):
            if n == 5:
                continue  # left out: the form must say so beside the item
            page.locator(
                f'input[name="madrs_{n}"][value="{3 if n < 10 else 0}"]'
            ).check()
        page.get_by_role("button", name="Score and save").click()
        page.wait_for_load_state("networkidle")
        item5 = page.locator("#item-madrs_5")
        assert "answer this item (allowed 0–6)" in item5.inner_text()
        assert page.locator('input[name="madrs_4"][value="3"]').is_checked()
        shot(page, "madrs-missing-item")
        page.locator('input[name="madrs_5"][value="2"]').check()
        page.get_by_role("button", name="Score and save").click()
        page.wait_for_load_state("networkidle")
        assert page.get_by_role("heading", name="MADRS saved").is_visible()
        assert "26" in page.get_by_role("region", name="Result").inner_text()
        shot(page, "madrs-result")
        page.goto(f"{live_server.url}/patients/{patient_id}/outcomes")
        assert page.locator('svg[role="img"]').first.is_visible()
        shot(page, "madrs-outcomes")
    finally:
        context.close()
