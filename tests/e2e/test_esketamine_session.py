"""A full esketamine session in the browser: board → check-in → dose → vitals → discharge gate."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import Page, expect

from ketapath.db.base import utcnow
from ketapath.db.models import Role
from ketapath.schemas.session import CheckInCreate, DoseCreate, VitalSignCreate
from ketapath.services import session_flows as flows
from ketapath.services.clinic import today_in
from tests.e2e.conftest import DESKTOP, sign_in
from tests.factories import (
    TEST_PASSWORD,
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course

CHECK_IN = {
    "systolic_mmhg": 126,
    "diastolic_mmhg": 80,
    "hours_since_food": "3",
    "minutes_since_liquids": 60,
    "pulse_oximeter_available": True,
    "transport_arranged": True,
}


def _dosed(session, treatment_id, nurse, minutes_ago: int, *, bp_at_40: bool) -> None:
    """Check in and give 56 mg ``minutes_ago`` through the services (their clock is ``now``)."""
    given = utcnow() - timedelta(minutes=minutes_ago)
    actor = actor_for(nurse)
    flows.check_in(
        session,
        actor=actor,
        session_id=treatment_id,
        data=CheckInCreate.model_validate(CHECK_IN),
        now=given - timedelta(minutes=10),
    )
    flows.give_dose(
        session,
        actor=actor,
        session_id=treatment_id,
        data=DoseCreate.model_validate(
            {"dose_mg": "56", "given_at": given.isoformat()}
        ),
        now=given,
    )
    if bp_at_40:
        at_40 = given + timedelta(minutes=40)
        flows.record_vitals(
            session,
            actor=actor,
            session_id=treatment_id,
            data=VitalSignCreate.model_validate(
                {
                    "systolic_mmhg": 134,
                    "diastolic_mmhg": 86,
                    "taken_at": at_40.isoformat(),
                }
            ),
            now=at_40,
        )


def build(session) -> dict[str, str]:
    clinic = make_clinic(session, name="Riverside Ketamine Clinic")
    _site, chairs = make_site_with_chairs(session, clinic, chairs=3)
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    nurse = make_user(session, clinic, role=Role.NURSE, email="nurse@example.org")
    today = today_in(clinic)
    ids: dict[str, str] = {"email": nurse.email}
    people = (
        ("fresh", "Rosalind", "Franklin", "MRN-E2E-1"),
        ("at100", "Ada", "Lovelace", "MRN-E2E-2"),
        ("at125", "Grace", "Hopper", "MRN-E2E-3"),
    )
    for chair, (key, given, family, mrn) in zip(chairs, people, strict=True):
        patient = make_patient(
            session, clinic, mrn=mrn, given_name=given, family_name=family
        )
        patient.rems_enrolled = True
        session.flush()
        _course, sessions = make_course(
            session, patient, prescriber, start=today, chair=chair
        )
        # The plan books weekdays; the test runs on any day, so hold session 1 today.
        sessions[0].scheduled_date = today
        ids[key] = str(sessions[0].id)
    session.flush()
    for key, minutes_ago in (("at100", 100), ("at125", 125)):
        _dosed(session, uuid.UUID(ids[key]), nurse, minutes_ago, bp_at_40=True)
    return ids


def _panel(page: Page):
    return page.locator("#session-panel")


def test_esketamine_session_from_check_in_to_discharge(live_server, page, shot):
    ids = live_server.setup(build)
    page.set_viewport_size(DESKTOP)
    sign_in(page, live_server, ids["email"], TEST_PASSWORD)
    assert page.url.endswith("/board")

    # The board: one card per chair, live timers, and a link into each session.
    board = page.locator("#board-cards")
    expect(board.locator("article.chair")).to_have_count(3)
    expect(board).to_contain_text("Rosalind Franklin")
    expect(board).to_contain_text("MRN-E2E-1")
    expect(board.locator(".timer")).to_have_count(2)
    shot(page, "board-1280x800")

    page.get_by_role("link", name="Open session: Rosalind Franklin, Chair 1").click()
    page.wait_for_url(f"**/sessions/{ids['fresh']}")
    expect(page.get_by_role("heading", name="Check-in checklist")).to_be_visible()
    shot(page, "session-opened")

    # Check-in: systolic 400 first — refused beside the field, nothing saved.
    page.get_by_label("Systolic BP").fill("400")
    page.get_by_label("Diastolic BP").fill("80")
    page.get_by_label("Heart rate").fill("72")
    page.get_by_label("SpO₂").fill("98")
    page.get_by_label("Resp. rate").fill("14")
    page.get_by_label("Hours since food").fill("3")
    page.get_by_label("Minutes since liquids").fill("60")
    page.get_by_role("group", name="Pulse oximeter available").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("group", name="Transport home arranged").get_by_label(
        "Yes"
    ).check()
    page.get_by_role("button", name="Check in").click()
    error = page.locator("#e-systolic_mmhg")
    expect(error).to_contain_text("allowed: 50–300")
    expect(page.get_by_label("Systolic BP")).to_have_attribute("aria-invalid", "true")
    expect(_panel(page)).to_have_attribute("data-status", "scheduled")
    shot(page, "check-in-systolic-400")

    page.get_by_label("Systolic BP").fill("126")
    page.get_by_role("button", name="Check in").click()
    expect(_panel(page)).to_have_attribute("data-status", "checked_in")
    expect(_panel(page)).to_contain_text("Checked in")
    shot(page, "checked-in")

    # Dose: 56 mg (the planned default), with a lot number.
    dose = page.get_by_label("Esketamine dose (mg)")
    expect(dose).to_have_value("56")
    page.get_by_label("Lot number").fill("SPV-2291")
    page.get_by_role("button", name="Give dose").click()
    expect(_panel(page)).to_have_attribute("data-status", "monitoring")
    expect(_panel(page)).to_contain_text("BP at 40 min")
    expect(_panel(page).locator(".timer[data-since]")).to_be_visible()
    shot(page, "dosed-56mg")

    # Vitals in a few seconds: one inline row.
    page.get_by_label("Systolic", exact=True).fill("132")
    page.get_by_label("Diastolic", exact=True).fill("84")
    page.get_by_label("HR", exact=True).fill("76")
    page.get_by_label("SpO₂", exact=True).fill("97")
    page.get_by_role("button", name="Save vitals").click()
    expect(_panel(page)).to_contain_text("Vitals saved")
    expect(_panel(page).locator("table").first).to_contain_text("132/84")
    shot(page, "vitals-recorded")

    # 100 minutes after the first device: the gate refuses, listing every reason.
    page.goto(f"{live_server.url}/sessions/{ids['at100']}")
    page.get_by_role("button", name="Discharge").click()
    refused = page.locator("#discharge-refused")
    expect(refused).to_contain_text("Discharge refused")
    expect(refused).to_contain_text("monitor at least 120 min")
    expect(refused.locator("li")).not_to_have_count(0)
    expect(_panel(page)).to_have_attribute("data-status", "monitoring")
    shot(page, "discharge-refused-at-100-min")

    # 125 minutes: effects resolved, then the gate opens and the patient is discharged.
    page.goto(f"{live_server.url}/sessions/{ids['at125']}")
    page.get_by_label("Sedation resolved").check()
    page.get_by_label("Dissociation resolved").check()
    page.get_by_label("No respiratory depression").check()
    page.get_by_role("button", name="Effects resolved").click()
    expect(_panel(page)).to_have_attribute("data-status", "ready")
    expect(_panel(page)).to_contain_text("The discharge gate is open")
    shot(page, "effects-resolved")
    page.get_by_role("button", name="Discharge").click()
    expect(_panel(page)).to_have_attribute("data-status", "discharged")
    expect(_panel(page)).to_contain_text("Discharge summary")
    shot(page, "discharged")

    # Back on the board, the discharged session shows its phase.
    page.goto(f"{live_server.url}/board")
    expect(page.locator("article.phase-discharged")).to_have_count(1)
    shot(page, "board-after")
