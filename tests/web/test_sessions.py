"""The session run screen: each form's success path, its refusals, and nothing written on error."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ketapath.db.base import utcnow
from ketapath.db.models import (
    AdverseEvent,
    Dose,
    Measurement,
    Role,
    TreatmentSession,
    VitalSign,
)
from ketapath.schemas.session import (
    CheckInCreate,
    DoseCreate,
    VitalSignCreate,
)
from ketapath.services import session_flows as flows
from tests.factories import (
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course

CHECK_IN = {
    "systolic_mmhg": "128",
    "diastolic_mmhg": "82",
    "heart_rate_bpm": "72",
    "spo2_pct": "98",
    "respiratory_rate_per_min": "14",
    "hours_since_food": "3",
    "minutes_since_liquids": "45",
    "pulse_oximeter_available": "yes",
    "transport_arranged": "yes",
}


@pytest.fixture
def world(session):
    clinic = make_clinic(session)
    _site, chairs = make_site_with_chairs(session, clinic)
    patient = make_patient(session, clinic)
    patient.rems_enrolled = True
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    session.flush()
    _course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
    return clinic, patient, prescriber, sessions[0]


def count(session, model, treatment) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(model)
            .where(model.session_id == treatment.id)
        )
    )


def status_of(session, treatment) -> str:
    session.expire_all()
    return str(session.get(TreatmentSession, treatment.id).status.value)


def error_beside(html: str, field: str) -> str:
    """The message shown beside ``field`` (the <p id="e-field"> the input points at)."""
    match = re.search(
        rf'<p class="error" id="e-{field}" role="alert">([^<]*)</p>', html
    )
    assert match, f"no error beside {field}"
    return match.group(1)


def checked_in(session, treatment, nurse, *, at=None):
    flows.check_in(
        session,
        actor=actor_for(nurse),
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
        now=at,
    )


def dosed(session, treatment, nurse, *, minutes_ago: int, bp_at_40: bool = False):
    """Check in and give 56 mg ``minutes_ago`` (the services take the clock as ``now``)."""
    given = utcnow() - timedelta(minutes=minutes_ago)
    checked_in(session, treatment, nurse, at=given - timedelta(minutes=10))
    flows.give_dose(
        session,
        actor=actor_for(nurse),
        session_id=treatment.id,
        data=DoseCreate.model_validate(
            {"dose_mg": "56", "given_at": given.isoformat()}
        ),
        now=given,
    )
    if bp_at_40:
        flows.record_vitals(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=VitalSignCreate.model_validate(
                {
                    "systolic_mmhg": 132,
                    "diastolic_mmhg": 84,
                    "taken_at": (given + timedelta(minutes=40)).isoformat(),
                }
            ),
            now=given + timedelta(minutes=40),
        )


class TestSessionPage:
    def test_nurse_sees_the_check_in_checklist(self, session, world, sign_in_as):
        clinic, patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(f"/sessions/{treatment.id}")
        assert response.status_code == 200
        assert patient.mrn in response.text
        assert "Check-in checklist" in response.text
        assert 'id="session-panel"' in response.text
        assert "<html" in response.text

    def test_partial_request_gets_only_the_panel(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.get(
            f"/sessions/{treatment.id}", headers={"X-Partial": "1"}
        )
        assert response.status_code == 200
        assert response.text.lstrip().startswith('<div id="session-panel"')
        assert "<html" not in response.text

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.THERAPIST])
    def test_staff_who_do_not_run_sessions_are_refused(
        self, session, world, sign_in_as, role
    ):
        clinic, _patient, _prescriber, treatment = world
        other = sign_in_as(clinic, role)
        assert other.client.get(f"/sessions/{treatment.id}").status_code == 403


class TestCheckIn:
    def test_valid_checklist_checks_in_and_stores_the_pre_dose_vitals(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(f"/sessions/{treatment.id}/check-in", CHECK_IN)
        assert response.status_code == 200
        assert "Checked in" in response.text
        assert status_of(session, treatment) == "checked_in"
        assert count(session, VitalSign, treatment) == 1

    def test_systolic_400_is_refused_beside_the_field_and_nothing_is_stored(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/sessions/{treatment.id}/check-in",
            {**CHECK_IN, "systolic_mmhg": "400"},
            headers={"X-Partial": "1"},
        )
        assert response.status_code == 422
        assert "allowed: 50–300" in error_beside(response.text, "systolic_mmhg")
        assert 'value="400"' in response.text  # the nurse's entry is kept to correct
        assert count(session, VitalSign, treatment) == 0
        assert status_of(session, treatment) == "scheduled"

    def test_unanswered_transport_is_required_not_assumed(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        data = {k: v for k, v in CHECK_IN.items() if k != "transport_arranged"}
        response = nurse.post(f"/sessions/{treatment.id}/check-in", data)
        assert response.status_code == 422
        assert error_beside(response.text, "transport_arranged")
        assert count(session, VitalSign, treatment) == 0

    def test_caution_needs_a_prescriber_so_a_nurse_gets_409_with_the_rule(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.post(
            f"/sessions/{treatment.id}/check-in",
            {**CHECK_IN, "systolic_mmhg": "150", "diastolic_mmhg": "95"},
        )
        assert response.status_code == 409
        assert "BP-ESK-01" in response.text
        assert "prescriber" in response.text
        assert count(session, VitalSign, treatment) == 0
        assert status_of(session, treatment) == "scheduled"

    def test_prescriber_acknowledges_the_caution(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        prescriber = sign_in_as(clinic, Role.PRESCRIBER)
        response = prescriber.post(
            f"/sessions/{treatment.id}/check-in",
            {
                **CHECK_IN,
                "systolic_mmhg": "150",
                "diastolic_mmhg": "95",
                "acknowledge_cautions": "yes",
            },
        )
        assert response.status_code == 200
        assert status_of(session, treatment) == "checked_in"
        assert "Pre-dose check: caution" in response.text

    def test_missing_csrf_token_is_403_and_nothing_is_stored(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        response = nurse.client.post(
            f"/sessions/{treatment.id}/check-in", data=CHECK_IN
        )
        assert response.status_code == 403
        assert count(session, VitalSign, treatment) == 0


class TestDose:
    def test_56_mg_starts_monitoring(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        checked_in(session, treatment, nurse.user)
        response = nurse.post(
            f"/sessions/{treatment.id}/dose", {"dose_mg": "56", "lot_number": "LOT-42"}
        )
        assert response.status_code == 200
        assert status_of(session, treatment) == "monitoring"
        assert "LOT-42" in response.text
        assert "data-since=" in response.text
        assert "BP at 40 min" in response.text

    def test_forbidden_dose_names_the_rule_beside_the_field(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        checked_in(session, treatment, nurse.user)
        response = nurse.post(f"/sessions/{treatment.id}/dose", {"dose_mg": "84"})
        assert response.status_code == 422
        assert "ESK-DOSE-84-AFTER-56" in error_beside(response.text, "dose_mg")
        assert count(session, Dose, treatment) == 0
        assert status_of(session, treatment) == "checked_in"

    def test_malformed_lot_number_is_refused(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        checked_in(session, treatment, nurse.user)
        response = nurse.post(
            f"/sessions/{treatment.id}/dose", {"dose_mg": "56", "lot_number": "<b>"}
        )
        assert response.status_code == 422
        assert error_beside(response.text, "lot_number")
        assert count(session, Dose, treatment) == 0


class TestVitals:
    def test_reading_is_stored_and_shown(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=40)
        response = nurse.post(
            f"/sessions/{treatment.id}/vitals",
            {"systolic_mmhg": "131", "diastolic_mmhg": "83", "spo2_pct": "97"},
            headers={"X-Partial": "1"},
        )
        assert response.status_code == 200
        assert "131/83" in response.text
        assert "Vitals saved" in response.text
        assert count(session, VitalSign, treatment) == 2

    def test_systolic_400_is_refused_beside_the_field_and_no_row_is_stored(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=20)
        response = nurse.post(
            f"/sessions/{treatment.id}/vitals",
            {"systolic_mmhg": "400", "diastolic_mmhg": "80"},
            headers={"X-Partial": "1"},
        )
        assert response.status_code == 422
        message = error_beside(response.text, "systolic_mmhg")
        assert "allowed: 50–300" in message
        assert count(session, VitalSign, treatment) == 1  # only the check-in reading

    def test_threshold_alert_is_shown_prominently(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=40)
        response = nurse.post(
            f"/sessions/{treatment.id}/vitals",
            {"systolic_mmhg": "182", "diastolic_mmhg": "112"},
        )
        assert response.status_code == 200
        assert 'class="alert-flash"' in response.text
        assert "1 open alert" in response.text


class TestScales:
    def test_moaas_is_scored(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=30)
        response = nurse.post(
            f"/sessions/{treatment.id}/scales", {"instrument": "moaas", "moaas_1": "4"}
        )
        assert response.status_code == 200
        assert "MOAAS" in response.text
        assert count(session, Measurement, treatment) == 1

    def test_cadss_23_items_are_scored(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=40)
        items = {f"cadss_{n}": "1" for n in range(1, 24)}
        response = nurse.post(
            f"/sessions/{treatment.id}/scales", {"instrument": "cadss", **items}
        )
        assert response.status_code == 200
        assert ">23<" in response.text  # the total
        assert count(session, Measurement, treatment) == 1

    def test_cadss_unanswered_item_is_an_error_beside_it_not_a_zero(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=40)
        items = {f"cadss_{n}": "1" for n in range(1, 24) if n != 7}
        response = nurse.post(
            f"/sessions/{treatment.id}/scales", {"instrument": "cadss", **items}
        )
        assert response.status_code == 422
        assert error_beside(response.text, "cadss_7")
        assert count(session, Measurement, treatment) == 0

    def test_cadss_item_out_of_range_is_refused(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=40)
        items = {f"cadss_{n}": "1" for n in range(1, 24)}
        response = nurse.post(
            f"/sessions/{treatment.id}/scales",
            {"instrument": "cadss", **items, "cadss_3": "9"},
        )
        assert response.status_code == 422
        assert error_beside(response.text, "cadss_3")
        assert count(session, Measurement, treatment) == 0


class TestAdverseEvents:
    def test_event_is_listed(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=30)
        response = nurse.post(
            f"/sessions/{treatment.id}/adverse-events",
            {"kind": "nausea", "severity": "mild", "description": "Settled with rest"},
        )
        assert response.status_code == 200
        assert "Settled with rest" in response.text
        assert count(session, AdverseEvent, treatment) == 1

    def test_unknown_kind_is_refused_beside_the_field(self, session, world, sign_in_as):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=30)
        response = nurse.post(
            f"/sessions/{treatment.id}/adverse-events",
            {"kind": "hiccups", "severity": "mild"},
        )
        assert response.status_code == 422
        assert error_beside(response.text, "kind")
        assert count(session, AdverseEvent, treatment) == 0


class TestReadyAndDischarge:
    def test_unconfirmed_effects_are_refused_with_each_one_named(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=60)
        shown = {
            f"{n}__shown": "1"
            for n in ("sedation_resolved", "dissociation_resolved", "respiratory_ok")
        }
        response = nurse.post(
            f"/sessions/{treatment.id}/ready", {**shown, "sedation_resolved": "yes"}
        )
        assert response.status_code == 409
        assert "dissociation_resolved is not confirmed" in response.text
        assert "respiratory_ok is not confirmed" in response.text
        assert status_of(session, treatment) == "monitoring"

    def test_discharge_at_100_minutes_is_refused_with_every_reason(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=100)
        response = nurse.post(
            f"/sessions/{treatment.id}/discharge", {}, headers={"X-Partial": "1"}
        )
        assert response.status_code == 409
        assert "Discharge refused" in response.text
        assert "monitor at least 120 min" in response.text
        reasons = re.search(r'id="discharge-refused">(.*?)</div>', response.text, re.S)
        assert reasons
        assert reasons.group(1).count("<li>") >= 2
        assert status_of(session, treatment) == "monitoring"

    def test_after_121_minutes_with_effects_resolved_the_patient_is_discharged(
        self, session, world, sign_in_as
    ):
        clinic, _patient, _prescriber, treatment = world
        nurse = sign_in_as(clinic, Role.NURSE)
        dosed(session, treatment, nurse.user, minutes_ago=125, bp_at_40=True)
        shown = {
            f"{n}__shown": "1"
            for n in ("sedation_resolved", "dissociation_resolved", "respiratory_ok")
        }
        ready = nurse.post(
            f"/sessions/{treatment.id}/ready",
            {
                **shown,
                "sedation_resolved": "yes",
                "dissociation_resolved": "yes",
                "respiratory_ok": "yes",
            },
        )
        assert ready.status_code == 200
        assert status_of(session, treatment) == "ready"
        response = nurse.post(f"/sessions/{treatment.id}/discharge", {})
        assert response.status_code == 200
        assert status_of(session, treatment) == "discharged"
        assert "Discharge summary" in response.text
        assert re.search(r"12[56] min from the first dose", response.text)
