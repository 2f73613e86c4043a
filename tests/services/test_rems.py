"""REMS Patient Monitoring Form: pre-fill, completion, signing, immutability, amendments, queue."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ketapath.db.base import utcnow
from ketapath.db.models import (
    AuditEntry,
    Medication,
    RemsMonitoringForm,
    Role,
    TreatmentSession,
)
from ketapath.schemas.rems import (
    RemsCertificationSet,
    RemsEnrolmentSet,
    RemsFormAmend,
    RemsFormSubmitted,
    RemsFormValues,
)
from ketapath.schemas.session import (
    AdverseEventCreate,
    CheckInCreate,
    DoseCreate,
    ReadyCreate,
    VitalSignCreate,
)
from ketapath.services import rems as rems_service
from ketapath.services import session_flows as flows
from ketapath.services.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from ketapath.services.rems import RemsFormIncompleteError, queue_state
from tests.factories import (
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_course

CHECK_IN = {
    "systolic_mmhg": 128,
    "diastolic_mmhg": 82,
    "heart_rate_bpm": 70,
    "spo2_pct": 98,
    "hours_since_food": "3",
    "minutes_since_liquids": 45,
    "pulse_oximeter_available": True,
    "transport_arranged": True,
}

CLINICIAN_ENTRIES = {
    "hcp_phone": "555-010-2000",
    "setting_city": "New Haven",
    "setting_state": "CT",
    "setting_zip": "06510",
    "setting_address_1": "1 Chapel St",
    "benzodiazepines": False,
    "non_benzodiazepine_hypnotics": False,
    "psychostimulants": False,
    "opioids": False,
    "vitals_in_range_before": True,
    "vitals_in_range_at_end": True,
    "dissociation": False,
    "respiratory_depression": False,
    "serious_adverse_events": False,
}


def run_esketamine_session(
    session,
    treatment: TreatmentSession,
    *,
    prescriber,
    nurse,
    dose: str = "56",
    lot: str = "LOT-A1",
    discharge: bool = True,
):
    """Check in (128/82), give ``dose`` mg, BP at 40 (142/88) and 115 min (126/80), ready at
    100 min, discharge at 125 min by the nurse; returns the first-dose time."""
    t0 = utcnow() - timedelta(hours=3)
    flows.check_in(
        session,
        actor=actor_for(prescriber),
        session_id=treatment.id,
        data=CheckInCreate.model_validate(CHECK_IN),
        now=t0 - timedelta(minutes=10),
    )
    flows.give_dose(
        session,
        actor=actor_for(nurse),
        session_id=treatment.id,
        data=DoseCreate.model_validate(
            {"dose_mg": dose, "lot_number": lot, "given_at": t0.isoformat()}
        ),
        now=t0,
    )
    for minutes, (systolic, diastolic) in ((40, (142, 88)), (115, (126, 80))):
        flows.record_vitals(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=VitalSignCreate.model_validate(
                {"systolic_mmhg": systolic, "diastolic_mmhg": diastolic, "spo2_pct": 97}
            ),
            now=t0 + timedelta(minutes=minutes),
        )
    if discharge:
        flows.mark_ready(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=ReadyCreate(
                sedation_resolved=True, dissociation_resolved=True, respiratory_ok=True
            ),
            now=t0 + timedelta(minutes=100),
        )
        flows.discharge(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            now=t0 + timedelta(minutes=125),
        )
    session.expire_all()  # later calls load the session as a new request would
    return t0


@pytest.fixture
def world(session):
    clinic = make_clinic(session)
    site, chairs = make_site_with_chairs(session, clinic)
    site.address = "1 Chapel St"
    patient = make_patient(session, clinic, given_name="Grace", family_name="Hopper")
    patient.rems_enrolled = True
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    prescriber.display_name = "Paula Prescriber"
    prescriber.npi = "1234567893"
    nurse = make_user(session, clinic, role=Role.NURSE)
    nurse.display_name = "Nina Nurse"
    session.flush()
    _course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
    return clinic, site, patient, prescriber, nurse, sessions


class TestGetForm:
    def test_prefills_what_the_session_knows(self, session, world):
        _clinic, site, patient, prescriber, nurse, sessions = world
        session.add(
            Medication(
                patient_id=patient.id, name="lorazepam", drug_class="benzodiazepine"
            )
        )
        session.flush()
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        form = rems_service.get_form(
            session, actor=actor_for(nurse), session_id=treatment.id
        )
        v = form.values
        assert form.status == "not_started"
        assert (v.patient_given_name, v.patient_family_name) == ("Grace", "Hopper")
        assert v.patient_birth_date == date(1980, 5, 17)
        assert v.patient_sex == "female"
        assert v.patient_enrolled is True
        assert v.first_treatment is True
        assert v.dose == "56"
        assert v.lot_number == "LOT-A1"
        assert v.total_monitoring_minutes == 125
        assert v.ready_without_two_hour_rule_minutes == 100
        assert (v.bp_before_systolic_mmhg, v.bp_before_diastolic_mmhg) == (128, 82)
        assert (v.bp_40_min_systolic_mmhg, v.bp_40_min_diastolic_mmhg) == (142, 88)
        assert (v.bp_before_end_systolic_mmhg, v.bp_before_end_diastolic_mmhg) == (
            126,
            80,
        )
        assert v.benzodiazepines is True
        # Not on the medication list is not a "No": the clinician must answer it.
        assert v.opioids is None
        assert "opioids" in form.missing
        assert (v.hcp_given_name, v.hcp_family_name) == ("Nina", "Nurse")
        assert v.setting_name == site.name
        assert v.treatment_date == treatment.scheduled_date
        assert form.due_on == treatment.scheduled_date + timedelta(days=7)
        assert "dose" in form.prefilled
        assert "hcp_phone" in form.missing

    def test_adverse_events_prefill_the_effect_questions(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(
            session, treatment, prescriber=prescriber, nurse=nurse, discharge=False
        )
        flows.record_adverse_event(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=AdverseEventCreate(
                kind="respiratory_depression",
                severity="serious",
                description="SpO2 88% for 3 min",
            ),
        )
        session.expire_all()  # as a new request would load it
        v = rems_service.get_form(
            session, actor=actor_for(nurse), session_id=treatment.id
        ).values
        assert v.respiratory_depression is True
        assert v.serious_adverse_events is True
        assert "SpO2 88%" in (v.serious_adverse_events_description or "")
        assert v.dissociation is None

    def test_an_iv_session_has_no_rems_form(self, session, world):
        _clinic, _site, patient, prescriber, nurse, _sessions = world
        _course, iv_sessions = make_course(
            session, patient, prescriber, protocol="iv_induction"
        )
        with pytest.raises(ConflictError, match="esketamine"):
            rems_service.get_form(
                session, actor=actor_for(nurse), session_id=iv_sessions[0].id
            )

    def test_front_desk_may_not_read_forms(self, session, world):
        clinic, _site, _patient, _prescriber, _nurse, sessions = world
        desk = make_user(session, clinic, role=Role.FRONT_DESK)
        with pytest.raises(ForbiddenError):
            rems_service.get_form(
                session, actor=actor_for(desk), session_id=sessions[0].id
            )

    def test_another_clinics_session_is_not_found(self, session, world):
        _clinic, _site, _patient, _prescriber, _nurse, sessions = world
        other = make_user(session, make_clinic(session, name="Other"), role=Role.NURSE)
        with pytest.raises(NotFoundError):
            rems_service.get_form(
                session, actor=actor_for(other), session_id=sessions[0].id
            )


def _complete(session, nurse, treatment):
    return rems_service.update_form(
        session,
        actor=actor_for(nurse),
        session_id=treatment.id,
        data=RemsFormValues.model_validate({**CLINICIAN_ENTRIES, "maois": False}),
    )


class TestSignForm:
    def test_refused_naming_every_missing_field(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues.model_validate(CLINICIAN_ENTRIES),
        )
        with pytest.raises(RemsFormIncompleteError) as refused:
            rems_service.sign_form(
                session, actor=actor_for(nurse), session_id=treatment.id
            )
        assert refused.value.status_code == 409
        assert refused.value.missing == ["maois", "sedation"]
        assert "maois" in refused.value.message
        assert "sedation" in refused.value.message

    def test_allowed_when_complete_and_then_immutable(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        draft = rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues.model_validate(
                {**CLINICIAN_ENTRIES, "maois": False, "sedation": False}
            ),
        )
        assert draft.missing == []
        assert draft.status == "draft"
        signed = rems_service.sign_form(
            session, actor=actor_for(nurse), session_id=treatment.id
        )
        assert signed.status == "signed"
        assert signed.signed_by_id == nurse.id
        stored = session.get(RemsMonitoringForm, signed.id)
        assert stored.fields["dose"] == "56"
        assert stored.fields["bp_40_min_systolic_mmhg"] == 142
        with pytest.raises(ConflictError, match="cannot change"):
            rems_service.update_form(
                session,
                actor=actor_for(nurse),
                session_id=treatment.id,
                data=RemsFormValues(hcp_phone="555-999-0000"),
            )
        with pytest.raises(ConflictError):
            rems_service.sign_form(
                session, actor=actor_for(nurse), session_id=treatment.id
            )
        # A later reading does not change the signed form.
        flows_vitals = rems_service.get_form(
            session, actor=actor_for(nurse), session_id=treatment.id
        )
        assert flows_vitals.values.hcp_phone == "555-010-2000"
        assert flows_vitals.prefilled == []

    def test_monitoring_under_120_minutes_is_refused(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues.model_validate(
                {
                    **CLINICIAN_ENTRIES,
                    "maois": False,
                    "sedation": False,
                    "total_monitoring_minutes": 119,
                }
            ),
        )
        with pytest.raises(RemsFormIncompleteError) as refused:
            rems_service.sign_form(
                session, actor=actor_for(nurse), session_id=treatment.id
            )
        assert refused.value.missing == []
        assert [p.field for p in refused.value.problems] == ["total_monitoring_minutes"]

    def test_before_discharge_is_refused(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(
            session, treatment, prescriber=prescriber, nurse=nurse, discharge=False
        )
        with pytest.raises(RemsFormIncompleteError) as refused:
            rems_service.sign_form(
                session, actor=actor_for(nurse), session_id=treatment.id
            )
        assert "session" in [p.field for p in refused.value.problems]
        assert "total_monitoring_minutes" in refused.value.missing

    def test_null_reverts_an_entry_to_the_prefilled_value(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        changed = rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues(lot_number="LOT-B2"),
        )
        assert changed.values.lot_number == "LOT-B2"
        assert "lot_number" in changed.entered
        reverted = rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues.model_validate({"lot_number": None}),
        )
        assert reverted.values.lot_number == "LOT-A1"
        assert "lot_number" in reverted.prefilled


class TestAmendAndSubmit:
    def _signed(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        _complete(session, nurse, treatment)
        rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues(sedation=False),
        )
        return treatment, rems_service.sign_form(
            session, actor=actor_for(nurse), session_id=treatment.id
        )

    def test_a_correction_is_a_new_form_referencing_the_signed_one(
        self, session, world
    ):
        nurse = world[4]
        treatment, signed = self._signed(session, world)
        amended = rems_service.amend_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormAmend(reason="wrong lot number"),
        )
        assert amended.amends_id == signed.id
        assert amended.status == "draft"
        assert amended.values.lot_number == "LOT-A1"
        fixed = rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues(lot_number="LOT-C3"),
        )
        assert fixed.id == amended.id
        original = session.get(RemsMonitoringForm, signed.id)
        assert original.fields["lot_number"] == "LOT-A1"
        assert original.status == "signed"

    def test_submitted_only_after_signing_and_once(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        with pytest.raises(ConflictError, match="sign"):
            rems_service.mark_submitted(
                session,
                actor=actor_for(nurse),
                session_id=treatment.id,
                data=RemsFormSubmitted(submitted_on=treatment.scheduled_date),
            )
        _complete(session, nurse, treatment)
        rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues(sedation=False),
        )
        rems_service.sign_form(session, actor=actor_for(nurse), session_id=treatment.id)
        with pytest.raises(UnprocessableError):
            rems_service.mark_submitted(
                session,
                actor=actor_for(nurse),
                session_id=treatment.id,
                data=RemsFormSubmitted(
                    submitted_on=treatment.scheduled_date - timedelta(days=1)
                ),
            )
        done = rems_service.mark_submitted(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormSubmitted(submitted_on=treatment.scheduled_date),
        )
        assert done.submitted_on == treatment.scheduled_date
        with pytest.raises(ConflictError, match="already"):
            rems_service.mark_submitted(
                session,
                actor=actor_for(nurse),
                session_id=treatment.id,
                data=RemsFormSubmitted(submitted_on=treatment.scheduled_date),
            )
        session.flush()
        assert (
            session.query(AuditEntry)
            .filter_by(entity="rems_form", action="submit")
            .count()
            == 1
        )


class TestQueueState:
    @pytest.mark.parametrize(
        ("days_after_session", "expected"),
        [
            (0, "pending"),
            (4, "pending"),
            (5, "due_soon"),
            (7, "due_soon"),
            (8, "overdue"),
        ],
        ids=["session-day", "day-4", "day-5", "day-7-due-today", "day-8"],
    )
    def test_boundaries_around_day_7(self, days_after_session, expected):
        assert queue_state(7 - days_after_session, 2) == expected


class TestQueue:
    def test_lists_unsubmitted_forms_with_due_and_overdue(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        day = treatment.scheduled_date
        on_day_7 = rems_service.queue(
            session, actor=actor_for(nurse), as_of=day + timedelta(days=7)
        )
        assert [i.session_id for i in on_day_7.items] == [treatment.id]
        item = on_day_7.items[0]
        assert (item.state, item.days_until_due, item.form_status) == (
            "due_soon",
            0,
            "not_started",
        )
        assert item.due_on == day + timedelta(days=7)
        on_day_8 = rems_service.queue(
            session, actor=actor_for(nurse), as_of=day + timedelta(days=8)
        )
        assert on_day_8.items[0].state == "overdue"
        assert on_day_8.items[0].days_until_due == -1
        # Undosed sessions are not in the queue.
        assert sessions[1].id not in {i.session_id for i in on_day_8.items}

    def test_a_submitted_form_leaves_the_queue(self, session, world):
        _clinic, _site, _patient, prescriber, nurse, sessions = world
        treatment = sessions[0]
        run_esketamine_session(session, treatment, prescriber=prescriber, nurse=nurse)
        _complete(session, nurse, treatment)
        rems_service.update_form(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormValues(sedation=False),
        )
        rems_service.sign_form(session, actor=actor_for(nurse), session_id=treatment.id)
        queued = rems_service.queue(
            session, actor=actor_for(nurse), as_of=treatment.scheduled_date
        )
        assert queued.items[0].form_status == "signed"
        rems_service.mark_submitted(
            session,
            actor=actor_for(nurse),
            session_id=treatment.id,
            data=RemsFormSubmitted(submitted_on=treatment.scheduled_date),
        )
        assert (
            rems_service.queue(
                session, actor=actor_for(nurse), as_of=treatment.scheduled_date
            ).items
            == []
        )

    def test_patients_may_not_read_the_queue(self, session, world):
        clinic, _site, patient, _prescriber, _nurse, _sessions = world
        user = make_user(session, clinic, role=Role.PATIENT, patient=patient)
        with pytest.raises(ForbiddenError):
            rems_service.queue(session, actor=actor_for(user))


class TestEnrolmentAndCertification:
    def test_ids_are_stored_and_prefilled(self, session, world):
        clinic, site, patient, prescriber, nurse, sessions = world
        admin = make_user(session, clinic, role=Role.ADMIN)
        rems_service.set_patient_enrolment(
            session,
            actor=actor_for(nurse),
            patient_id=patient.id,
            data=RemsEnrolmentSet(
                rems_patient_id="P-778", enrolled_on=date(2025, 2, 1)
            ),
        )
        rems_service.set_site_certification(
            session,
            actor=actor_for(admin),
            site_id=site.id,
            data=RemsCertificationSet(certification_id="S-991"),
        )
        with pytest.raises(ForbiddenError):
            rems_service.set_site_certification(
                session,
                actor=actor_for(nurse),
                site_id=site.id,
                data=RemsCertificationSet(certification_id="S-1"),
            )
        v = rems_service.get_form(
            session, actor=actor_for(prescriber), session_id=sessions[0].id
        ).values
        assert v.rems_patient_id == "P-778"
        assert v.setting_certification_id == "S-991"
