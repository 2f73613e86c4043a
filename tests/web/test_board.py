"""The session board page and its self-refreshing card grid."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ketapath.db.base import utcnow
from ketapath.db.models import Role
from ketapath.schemas.session import CheckInCreate, DoseCreate, VitalSignCreate
from ketapath.services import board as board_service
from ketapath.services import session_flows as flows
from ketapath.services.errors import ForbiddenError
from tests.factories import (
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course

DAY = date(2025, 3, 3)


@pytest.fixture
def world(session):
    clinic = make_clinic(session)
    site, chairs = make_site_with_chairs(session, clinic)
    patient = make_patient(
        session, clinic, mrn="MRN-BOARD-1", given_name="Grace", family_name="Hopper"
    )
    patient.rems_enrolled = True
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    session.flush()
    _course, sessions = make_course(
        session, patient, prescriber, chair=chairs[0], start=DAY
    )
    return clinic, site, chairs, patient, sessions[0]


def monitoring(session, treatment, nurse, *, minutes_ago: int) -> None:
    given = utcnow() - timedelta(minutes=minutes_ago)
    actor = actor_for(nurse)
    flows.check_in(
        session,
        actor=actor,
        session_id=treatment.id,
        data=CheckInCreate.model_validate(
            {
                "systolic_mmhg": 128,
                "diastolic_mmhg": 82,
                "hours_since_food": "3",
                "minutes_since_liquids": 45,
                "pulse_oximeter_available": True,
                "transport_arranged": True,
            }
        ),
        now=given - timedelta(minutes=5),
    )
    flows.give_dose(
        session,
        actor=actor,
        session_id=treatment.id,
        data=DoseCreate.model_validate(
            {"dose_mg": "56", "given_at": given.isoformat()}
        ),
        now=given,
    )


class TestBoardPage:
    @pytest.mark.parametrize(
        "role", [Role.NURSE, Role.PRESCRIBER, Role.FRONT_DESK, Role.ADMIN]
    )
    def test_staff_see_a_card_per_session(self, session, world, sign_in_as, role):
        clinic, _site, _chairs, patient, treatment = world
        user = sign_in_as(clinic, role)
        response = user.client.get(f"/board?date={DAY.isoformat()}")
        assert response.status_code == 200
        html = response.text
        assert "Grace Hopper" in html
        assert patient.mrn in html
        assert "Chair 1" in html
        assert f'href="/sessions/{treatment.id}"' in html
        assert 'class="chair phase-checklist"' in html
        assert f'data-refresh="/board/cards?date={DAY.isoformat()}"' in html
        assert 'data-every="10"' in html
        assert '<nav aria-label="Main">' in html

    def test_patient_is_refused(self, session, world, sign_in_as):
        clinic, _site, _chairs, patient, _treatment = world
        user = sign_in_as(clinic, Role.PATIENT, patient=patient)
        assert user.client.get("/board").status_code == 403
        assert user.client.get("/board/cards").status_code == 403

    def test_therapist_gets_what_the_service_decides(self, session, world, sign_in_as):
        clinic, *_ = world
        therapist = sign_in_as(clinic, Role.THERAPIST)
        try:
            board_service.get_board(session, actor=actor_for(therapist.user), day=DAY)
            expected = 200
        except ForbiddenError:
            expected = 403
        assert therapist.client.get(f"/board?date={DAY}").status_code == expected

    def test_signed_out_visitor_is_sent_to_sign_in(self, client, world):
        response = client.get("/board", follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"].startswith("/login?next=/board")

    def test_malformed_date_is_422_naming_the_field(self, session, world, sign_in_as):
        clinic, *_ = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get("/board?date=03/03/2025")
        assert response.status_code == 422
        assert "YYYY-MM-DD" in response.text

    def test_site_filter_keeps_only_that_sites_sessions(
        self, session, world, sign_in_as
    ):
        clinic, site, _chairs, _patient, _treatment = world
        other_site, _ = make_site_with_chairs(session, clinic, chairs=1)
        nurse = sign_in_as(clinic, Role.NURSE)
        shown = nurse.client.get(f"/board?date={DAY}&site_id={site.id}")
        assert "Grace Hopper" in shown.text
        assert f'<option value="{site.id}" selected>' in shown.text
        hidden = nurse.client.get(f"/board?date={DAY}&site_id={other_site.id}")
        assert hidden.status_code == 200
        assert "Grace Hopper" not in hidden.text
        assert "No sessions on this day" in hidden.text


class TestBoardCards:
    def test_fragment_is_the_card_grid_only(self, session, world, sign_in_as):
        clinic, *_ = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(f"/board/cards?date={DAY}")
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section id="board-cards"')
        assert "<html" not in response.text
        assert "Grace Hopper" in response.text

    def test_partial_request_to_the_board_gets_the_fragment(
        self, session, world, sign_in_as
    ):
        clinic, *_ = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(f"/board?date={DAY}", headers={"X-Partial": "1"})
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<section id="board-cards"')

    def test_monitoring_card_shows_timer_overdue_bp_vitals_and_alerts(
        self, session, world, sign_in_as
    ):
        clinic, _site, _chairs, _patient, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        monitoring(session, treatment, nurse.user, minutes_ago=52)
        flows.record_vitals(
            session,
            actor=actor_for(nurse.user),
            session_id=treatment.id,
            data=VitalSignCreate.model_validate(
                {"systolic_mmhg": 186, "diastolic_mmhg": 112, "spo2_pct": 96}
            ),
            now=utcnow()
            - timedelta(minutes=20),  # 32 min after the dose: 40-min BP still due
        )
        html = nurse.client.get(f"/board/cards?date={DAY}").text
        assert "phase-monitoring has-alert" in html
        assert 'class="alert-flash"' in html
        assert "1 open alert" in html
        assert 'class="timer" data-since="' in html
        assert ">52 min<" in html
        assert 'class="due overdue"' in html
        assert "BP at 40 min" in html
        assert "BP 186/112" in html
        assert "Discharge gate closed" in html

    def test_card_without_alerts_does_not_flash(self, session, world, sign_in_as):
        clinic, _site, _chairs, _patient, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        monitoring(session, treatment, nurse.user, minutes_ago=10)
        html = nurse.client.get(f"/board/cards?date={DAY}").text
        assert "has-alert" not in html
        assert "alert-flash" not in html
        assert 'class="due"' in html
        assert "in 30 min" in html


def test_a_board_page_is_audited_once_and_writes_nothing_else(
    world, session, sign_in_as
):
    """Web reads run without the writer lock; their one audit entry is still written."""
    from sqlalchemy import func, select

    from ketapath.db.models import AuditEntry, VitalSign

    clinic, *_ = world
    nurse = sign_in_as(clinic, Role.NURSE)

    def count(model):
        return session.scalar(select(func.count()).select_from(model))

    audit_before, vitals_before = count(AuditEntry), count(VitalSign)
    response = nurse.client.get(f"/board?date={DAY.isoformat()}")
    assert response.status_code == 200
    assert "Hopper" in response.text
    assert count(AuditEntry) == audit_before + 1
    assert count(VitalSign) == vitals_before
    newest = session.scalars(
        select(AuditEntry).order_by(AuditEntry.occurred_at.desc()).limit(1)
    ).one()
    assert (newest.entity, newest.action, newest.actor_id) == (
        "board",
        "read",
        nurse.user.id,
    )
