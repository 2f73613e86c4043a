"""Sign in and navigation by role, in a real browser."""

from __future__ import annotations

from ketapath.db.models import Role
from tests.e2e.conftest import sign_in
from tests.factories import TEST_PASSWORD, make_clinic, make_user


def test_nurse_signs_in_lands_on_the_board_and_sees_nurse_navigation(
    live_server, page, shot
):
    def build(session):
        clinic = make_clinic(session)
        return make_user(
            session, clinic, role=Role.NURSE, email="nurse@example.org"
        ).email

    email = live_server.setup(build)
    page.goto(f"{live_server.url}/")
    assert "/login" in page.url
    sign_in(page, live_server, email, "wrong password")
    assert page.get_by_role("alert").inner_text() == "Wrong e-mail or password."
    shot(page, "wrong-password")
    sign_in(page, live_server, email, TEST_PASSWORD)
    shot(page, "signed-in")
    nav = page.get_by_role("navigation", name="Main")
    assert nav.get_by_role("link", name="Board").is_visible()
    assert nav.get_by_role("link", name="My care").count() == 0
