"""Intake to plan in a real browser: enrol, history, eligibility, preview and confirm a course."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session

from ketapath.db.models import Role
from ketapath.services.clinic import clinic_today
from tests.e2e.conftest import LiveServer, sign_in
from tests.factories import TEST_PASSWORD, make_clinic, make_site_with_chairs, make_user


def _setup(session: Session) -> dict[str, Any]:
    clinic = make_clinic(session)
    make_site_with_chairs(session, clinic)
    front_desk = make_user(
        session, clinic, role=Role.FRONT_DESK, email="desk@example.org"
    )
    prescriber = make_user(
        session, clinic, role=Role.PRESCRIBER, email="prescriber@example.org"
    )
    today = clinic_today(session, clinic_id=clinic.id)
    return {
        "desk": front_desk.email,
        "prescriber": prescriber.email,
        "monday": today + timedelta(days=7 - today.weekday()),
    }


def _add_trial(page: Page, drug: str, drug_class: str, improvement: str) -> None:
    trials = page.locator("#trials")
    trials.get_by_role("textbox", name="Drug", exact=True).fill(drug)
    trials.get_by_label("Drug class").select_option(drug_class)
    trials.get_by_label("Daily dose (mg)").fill("150")
    trials.get_by_label("Weeks at that dose").fill("8")
    trials.get_by_label("Improvement (%)").fill(improvement)
    trials.get_by_role("button", name="Add trial").click()


def test_enrol_record_history_assess_and_plan_an_esketamine_course(
    live_server: LiveServer, page: Page, shot: Any
) -> None:
    data: Any = live_server.setup(_setup)
    monday: date = data["monday"]

    # Front desk enrols the patient through the form and lands on the chart.
    sign_in(page, live_server, data["desk"], TEST_PASSWORD)
    page.goto(f"{live_server.url}/patients")
    new = page.locator("#new-patient")
    new.get_by_role("textbox", name="MRN").fill("E2E-001")
    new.get_by_role("textbox", name="Given name").fill("Mary")
    new.get_by_role("textbox", name="Family name").fill("Shelley")
    new.get_by_label("Date of birth").fill("1979-08-30")
    new.get_by_label("Sex").select_option("female")
    new.get_by_label("Weight (kg)").fill("68")
    new.get_by_label("Height (cm)").fill("166")
    shot(page, "01-enrol-form")
    new.get_by_role("button", name="Enrol patient").click()
    page.wait_for_url(re.compile(r"/patients/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Shelley, Mary")
    chart_url = page.url
    shot(page, "02-chart-new")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/login"))

    # The prescriber records two failed trials of different classes; 150 % is refused first.
    sign_in(page, live_server, data["prescriber"], TEST_PASSWORD)
    page.goto(chart_url)
    _add_trial(page, "sertraline", "ssri", "150")
    improvement = page.locator("#trials").get_by_label("Improvement (%)")
    expect(improvement).to_have_attribute("aria-invalid", "true")
    error = page.locator("#e-improvement_pct")
    expect(error).to_contain_text("less than or equal to 100")
    field = page.locator("#trials .field.has-error")
    expect(field).to_have_count(1)
    expect(field.locator("label")).to_have_text("Improvement (%)")
    expect(page.locator("#trials table")).to_have_count(0)  # nothing stored
    shot(page, "03-trial-improvement-150-refused")
    _add_trial(page, "sertraline", "ssri", "10")
    expect(page.locator("#trials table")).to_contain_text("sertraline")
    _add_trial(page, "venlafaxine", "snri", "15")
    trials_table = page.locator("#trials table")
    expect(trials_table).to_contain_text("venlafaxine")
    expect(trials_table).to_contain_text("TRD-ADEQ-DURATION")
    episode = page.locator("#episode")
    episode.get_by_label("Episode duration (months)").fill("14")
    episode.get_by_label("Episode severity").select_option("severe")
    episode.get_by_role("button", name="Save episode").click()
    expect(page.locator("#episode").get_by_label("Episode severity")).to_have_value(
        "severe"
    )
    shot(page, "04-history-recorded")

    # Eligibility: TRD met, a finding with its rule id and source.
    page.get_by_role("link", name="Eligibility").click()
    page.get_by_role("button", name="Run assessment").click()
    page.wait_for_url(re.compile(r"/eligibility$"))
    expect(page.locator("#assessment")).to_contain_text("TRD met")
    reason = page.locator("#assessment .finding", has_text="TRD-SEED-01").first
    expect(reason).to_be_visible()
    reason.locator("summary", has_text="Sources").click()
    expect(reason.locator(".sources li").first).to_be_visible()
    shot(page, "05-eligibility")

    # Plan: esketamine TRD, preview (day-1 56 mg and dates), then confirm.
    page.get_by_role("link", name="Plan a course").first.click()
    page.get_by_label("Protocol").select_option("esketamine_trd")
    page.get_by_label("Start date").fill(monday.isoformat())
    page.get_by_label("Mon").check()
    page.get_by_label("Thu").check()
    page.get_by_label("Time").fill("09:30")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_contain_text("Day-1 dose")
    expect(preview.locator("strong", has_text="56 mg")).to_be_visible()
    expect(preview).to_contain_text(monday.strftime("%a %d %b %Y"))
    expect(preview).to_contain_text(
        (monday + timedelta(days=3)).strftime("%a %d %b %Y")
    )
    expect(preview.locator("tbody tr")).to_have_count(12)
    shot(page, "06-plan-preview")
    page.get_by_role("button", name="Confirm course").click()
    page.wait_for_url(re.compile(r"/courses/[0-9a-f-]{36}$"))
    expect(page.get_by_role("heading", name=re.compile("Sessions"))).to_contain_text(
        "(12)"
    )
    expect(page.locator("#sessions")).to_contain_text(monday.strftime("%a %d %b %Y"))
    expect(page.locator("#sessions")).to_contain_text("56 mg")
    shot(page, "07-course")
