"""In the browser: receive controlled stock, record a witnessed waste, sign a REMS form."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from ketapath.db.models import Role
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
from tests.services.test_ledger import SUPPLIER_DEA, ketamine_product
from tests.services.test_rems import run_esketamine_session


def build(session) -> dict[str, str]:
    clinic = make_clinic(session, name="Riverside Ketamine Clinic")
    site, chairs = make_site_with_chairs(session, clinic, chairs=2)
    site.address = "1 Chapel St"
    prescriber = make_user(
        session, clinic, role=Role.PRESCRIBER, email="doctor@example.org"
    )
    prescriber.display_name = "Paula Prescriber"
    nurse = make_user(session, clinic, role=Role.NURSE, email="nurse@example.org")
    nurse.display_name = "Nina Nurse"
    witness = make_user(session, clinic, role=Role.NURSE, email="wit@example.org")
    witness.display_name = "Walt Witness"
    iv_patient = make_patient(
        session, clinic, given_name="Ada", family_name="Lovelace", mrn="MRN-IV-1"
    )
    iv_patient.address = "12 Analytical Way"
    spravato_patient = make_patient(
        session, clinic, given_name="Grace", family_name="Hopper", mrn="MRN-ES-1"
    )
    spravato_patient.rems_enrolled = True
    session.flush()
    _c, iv_sessions = make_course(
        session, iv_patient, prescriber, protocol="iv_induction", chair=chairs[0]
    )
    _c, es_sessions = make_course(
        session, spravato_patient, prescriber, chair=chairs[1]
    )
    run_esketamine_session(session, es_sessions[0], prescriber=prescriber, nurse=nurse)
    product = ketamine_product(session, actor_for(prescriber))
    return {
        "iv_session": str(iv_sessions[0].id),
        "es_session": str(es_sessions[0].id),
        "product": str(product.id),
        "witness": str(witness.id),
    }


def _group(page: Page, legend: str):
    return page.get_by_role("group", name=re.compile(rf"^{re.escape(legend)}"))


def test_receive_waste_with_witness_and_sign_rems(live_server, page, shot):
    ids = live_server.setup(build)
    page.set_viewport_size(DESKTOP)

    # 1. The prescriber receives stock.
    sign_in(page, live_server, "doctor@example.org", TEST_PASSWORD)
    page.goto(f"{live_server.url}/ledger")
    expect(page.get_by_role("heading", name="Controlled substances")).to_be_visible()
    shot(page, "01-ledger-empty")
    receive = page.get_by_role("form", name="Receive stock")
    receive.get_by_label("Product (NDC)").select_option(ids["product"])
    receive.get_by_label("Lot number").fill("KX-2031")
    receive.get_by_label("Expiry date").fill("2032-06-30")
    receive.get_by_label("Storage location").fill("Safe A, shelf 1")
    receive.get_by_label("Containers").fill("2")
    receive.get_by_label("Supplier name").fill("Henry Schein")
    receive.get_by_label("Supplier DEA number").fill("AB1234567")  # wrong check digit
    receive.get_by_label("Supplier address").fill("135 Duryea Rd, Melville NY 11747")
    receive.get_by_role("button", name="Record receipt").click()
    expect(page.locator("#e-supplier_dea_number")).to_contain_text("check digit")
    shot(page, "02-receipt-refused-dea-number")
    page.get_by_label("Supplier DEA number").fill(SUPPLIER_DEA)
    page.get_by_role("button", name="Record receipt").click()
    expect(page.get_by_role("status")).to_contain_text("Stock received")
    expect(page.locator("#balance")).to_have_text("1000 mg")
    shot(page, "03-lot-after-receipt")
    lot_url = page.url.split("?")[0]

    # 2. A nurse records a draw with waste; a second nurse witnesses it.
    page.context.clear_cookies()
    sign_in(page, live_server, "nurse@example.org", TEST_PASSWORD)
    page.goto(f"{live_server.url}/ledger/administer?session_id={ids['iv_session']}")
    expect(
        page.get_by_role("heading", name=re.compile("Record administration"))
    ).to_be_visible()
    page.get_by_label("Given (mg)").fill("35")
    page.get_by_label("Wasted (mg)").fill("15")
    page.get_by_role("button", name="Record in ledger").click()
    expect(page.locator("#e-witness_id")).to_contain_text("witnessed by a second user")
    shot(page, "04-waste-refused-without-witness")
    page.get_by_label("Waste witness").select_option(ids["witness"])
    page.get_by_label("The witness watched the waste").check()
    page.get_by_role("button", name="Record in ledger").click()
    expect(page.get_by_role("status")).to_contain_text("Administration recorded")
    assert page.url.split("?")[0] == lot_url
    expect(page.locator("#balance")).to_have_text("950 mg")
    expect(page.locator("tbody")).to_contain_text("Walt Witness")
    expect(page.locator("tbody")).to_contain_text("given 35, wasted 15 mg")
    shot(page, "05-lot-after-witnessed-waste")

    # 3. The REMS form: refused listing what is missing, then completed and signed.
    page.goto(f"{live_server.url}/rems")
    expect(page.locator(f"#rems-{ids['es_session']}")).to_contain_text("Grace Hopper")
    shot(page, "06-rems-queue")
    page.goto(f"{live_server.url}/rems/sessions/{ids['es_session']}")
    expect(page.locator("#pre-lot_number")).to_contain_text("LOT-A1")
    shot(page, "07-rems-form-prefilled")
    page.get_by_role("button", name="Save and sign").click()
    summary = page.locator(".banner.danger")
    expect(summary).to_contain_text("The form cannot be signed yet. Missing")
    expect(summary).to_contain_text("Concomitant MAOIs")
    expect(page.locator("#e-maois")).to_have_text("Required to sign.")
    expect(page.locator("#e-setting_zip")).to_have_text("Required to sign.")
    shot(page, "08-rems-sign-refused-missing-fields")

    for legend in (
        "Concomitant benzodiazepines",
        "Concomitant non-benzodiazepine",
        "Concomitant psychostimulants",
        "Concomitant MAOIs",
        "Concomitant opioids",
        "Vital signs in range before administration",
        "Vital signs in range before session completion",
        "Sedation",
        "Dissociation",
        "Respiratory depression",
        "Serious adverse events",
    ):
        group = _group(page, legend)
        if group.count():
            group.first.get_by_label("No").check()
    in_range = (
        "Vital signs in range before administration",
        "Vital signs in range before session completion",
    )
    for legend in in_range:
        if _group(page, legend).count():
            _group(page, legend).first.get_by_label("Yes").check()
    for label, value in (
        ("Monitoring HCP telephone", "555-010-2000"),
        ("Setting city", "New Haven"),
        ("Setting state", "CT"),
        ("Setting ZIP", "06510"),
    ):
        page.get_by_role("textbox", name=label, exact=True).fill(value)
    shot(page, "09-rems-form-completed")
    page.get_by_role("button", name="Save and sign").click()
    expect(page.get_by_role("status")).to_contain_text("Signed.")
    expect(page.locator("#form-status")).to_have_text("signed")
    expect(page.get_by_role("heading", name="Signed values")).to_be_visible()
    expect(page.get_by_role("link", name="Download PDF")).to_have_attribute(
        "href", f"/reports/sessions/{ids['es_session']}/rems-form.pdf"
    )
    assert page.locator('input[name="maois"]').count() == 0  # read-only now
    shot(page, "10-rems-signed-read-only")
