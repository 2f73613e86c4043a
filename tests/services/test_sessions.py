"""Session flows through the service layer, with the clock passed in (``now``)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from ketapath.core.errors import DoseNotAllowedError, RuleViolationError
from ketapath.db.base import utcnow
from ketapath.db.models import Alert, AlertKind, AuditEntry, Role, TreatmentSession
from ketapath.schemas.course import CourseCreate, SessionCancel, SessionReschedule
from ketapath.schemas.session import (
    CheckInCreate,
    DoseCreate,
    ReadyCreate,
    ScaleCreate,
    VitalSignCreate,
)
from ketapath.services import courses as course_service
from ketapath.services import session_flows as flows
from ketapath.services import sessions as session_service
from ketapath.services.courses import GateClosedError
from ketapath.services.errors import ConflictError
from tests.factories import (
    actor_for,
    make_clinic,
    make_patient,
    make_site_with_chairs,
    make_user,
)
from tests.factories_sessions import make_assessment, make_course, make_override

CHECK_IN = {
    "systolic_mmhg": 150,
    "diastolic_mmhg": 95,
    "heart_rate_bpm": 72,
    "spo2_pct": 98,
    "hours_since_food": "3",
    "minutes_since_liquids": 45,
    "pulse_oximeter_available": True,
    "transport_arranged": True,
}


@pytest.fixture
def world(session):
    clinic = make_clinic(session)
    _site, chairs = make_site_with_chairs(session, clinic)
    patient = make_patient(session, clinic)
    patient.rems_enrolled = True
    prescriber = make_user(session, clinic, role=Role.PRESCRIBER)
    nurse = make_user(session, clinic, role=Role.NURSE)
    session.flush()
    return clinic, chairs, patient, prescriber, nurse


class TestEsketamineSession:
    def test_full_session_from_check_in_to_discharge(self, session, world):
        _clinic, chairs, patient, prescriber, nurse = world
        _course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
        first = sessions[0]
        nurse_actor, prescriber_actor = actor_for(nurse), actor_for(prescriber)
        t0 = utcnow() - timedelta(hours=3)

        # BP 150/95 is a caution: the nurse cannot sign it off, nor can an unacknowledged check-in.
        with pytest.raises(GateClosedError) as refused:
            flows.check_in(
                session,
                actor=nurse_actor,
                session_id=first.id,
                data=CheckInCreate.model_validate(
                    {**CHECK_IN, "acknowledge_cautions": True}
                ),
                now=t0,
            )
        assert "BP-ESK-01" in {f["rule_id"] for f in refused.value.findings}
        with pytest.raises(GateClosedError):
            flows.check_in(
                session,
                actor=prescriber_actor,
                session_id=first.id,
                data=CheckInCreate.model_validate(CHECK_IN),
                now=t0,
            )
        checked = flows.check_in(
            session,
            actor=prescriber_actor,
            session_id=first.id,
            data=CheckInCreate.model_validate(
                {**CHECK_IN, "acknowledge_cautions": True}
            ),
            now=t0,
        )
        assert checked.status == "checked_in"
        assert checked.predose_acknowledged_by_id == prescriber.id
        assert checked.predose_check is not None
        assert checked.predose_check["status"] == "caution"

        # Day 1: 84 mg is refused naming the rule; 56 mg is given.
        with pytest.raises(DoseNotAllowedError) as forbidden:
            flows.give_dose(
                session,
                actor=nurse_actor,
                session_id=first.id,
                data=DoseCreate.model_validate({"dose_mg": "84"}),
                now=t0,
            )
        assert forbidden.value.rule_id == "ESK-DOSE-84-AFTER-56"
        assert forbidden.value.field == "dose_mg"
        dosed = flows.give_dose(
            session,
            actor=nurse_actor,
            session_id=first.id,
            data=DoseCreate.model_validate(
                {"dose_mg": "56", "given_at": t0.isoformat()}
            ),
            now=t0,
        )
        assert dosed.status == "monitoring"
        assert [d.dose_mg for d in dosed.doses] == [56]
        assert dosed.next_due is not None
        assert dosed.next_due.label == "BP at 40 min"

        vital, alert = flows.record_vitals(
            session,
            actor=nurse_actor,
            session_id=first.id,
            data=VitalSignCreate.model_validate(
                {"systolic_mmhg": 138, "diastolic_mmhg": 85, "spo2_pct": 97}
            ),
            now=t0 + timedelta(minutes=40),
        )
        assert vital.minutes_after_dose == 40
        assert alert is None
        recorded = flows.record_scale(
            session,
            actor=nurse_actor,
            session_id=first.id,
            data=ScaleCreate.model_validate({"instrument": "moaas", "responses": [4]}),
            now=t0 + timedelta(minutes=45),
        )
        assert recorded.measurement.session_id == first.id
        assert recorded.measurement.minutes_after_dose == 45

        with pytest.raises(GateClosedError) as early:
            flows.discharge(
                session,
                actor=nurse_actor,
                session_id=first.id,
                now=t0 + timedelta(minutes=100),
            )
        messages = " ".join(f["message"] for f in early.value.findings)
        assert "100 min since the first device" in messages
        assert "DIS-ESK-120" in {f["rule_id"] for f in early.value.findings}
        assert "DIS-ESK-RESOLVED" in {f["rule_id"] for f in early.value.findings}

        ready = flows.mark_ready(
            session,
            actor=nurse_actor,
            session_id=first.id,
            data=ReadyCreate(
                sedation_resolved=True, dissociation_resolved=True, respiratory_ok=True
            ),
            now=t0 + timedelta(minutes=100),
        )
        assert ready.status == "ready"
        with pytest.raises(GateClosedError) as still_early:
            flows.discharge(
                session,
                actor=nurse_actor,
                session_id=first.id,
                now=t0 + timedelta(minutes=119),
            )
        assert [f["rule_id"] for f in still_early.value.findings] == ["DIS-ESK-120"]
        done = flows.discharge(
            session,
            actor=nurse_actor,
            session_id=first.id,
            now=t0 + timedelta(minutes=120),
        )
        assert done.status == "discharged"
        assert done.discharged_by_id == nurse.id
        assert done.discharge is not None
        assert done.discharge["minutes_observed"] == 120
        assert done.discharge["ready_after_minutes"] == 100

    def test_84_mg_is_allowed_in_a_later_session_after_56(self, session, world):
        _clinic, chairs, patient, prescriber, _nurse = world
        _course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
        actor = actor_for(prescriber)
        t0 = utcnow() - timedelta(days=3)
        for number, (treatment, dose) in enumerate(
            zip(sessions[:2], ("56", "84"), strict=True)
        ):
            moment = t0 + timedelta(days=number * 2)
            flows.check_in(
                session,
                actor=actor,
                session_id=treatment.id,
                data=CheckInCreate.model_validate(
                    {**CHECK_IN, "systolic_mmhg": 120, "diastolic_mmhg": 80}
                ),
                now=moment,
            )
            read = flows.give_dose(
                session,
                actor=actor,
                session_id=treatment.id,
                data=DoseCreate.model_validate({"dose_mg": dose}),
                now=moment,
            )
            assert read.doses[0].dose_mg == int(dose)

    def test_high_bp_during_monitoring_raises_a_vitals_alert(self, session, world):
        _clinic, chairs, patient, prescriber, nurse = world
        _course, sessions = make_course(session, patient, prescriber, chair=chairs[0])
        actor = actor_for(prescriber)
        flows.check_in(
            session,
            actor=actor,
            session_id=sessions[0].id,
            data=CheckInCreate.model_validate(
                {**CHECK_IN, "systolic_mmhg": 120, "diastolic_mmhg": 80}
            ),
        )
        flows.give_dose(
            session, actor=actor, session_id=sessions[0].id, data=DoseCreate()
        )
        _vital, alert = flows.record_vitals(
            session,
            actor=actor_for(nurse),
            session_id=sessions[0].id,
            data=VitalSignCreate(systolic_mmhg=165, diastolic_mmhg=100),
        )
        assert alert is not None
        assert alert.kind is AlertKind.VITALS
        assert alert.rule_id == "BP-ESK-01"
        stored = session.scalars(
            select(Alert).where(Alert.session_id == sessions[0].id)
        ).all()
        assert [a.id for a in stored] == [alert.id]


class TestCourses:
    def test_contraindicated_route_is_refused_until_overridden(self, session, world):
        _clinic, _chairs, patient, prescriber, _nurse = world
        assessment = make_assessment(
            session, patient, contraindicated={"esketamine": ["SPV-CI-01", "SPV-CI-02"]}
        )
        data = CourseCreate.model_validate(
            {"protocol": "esketamine_trd", "start_date": "2025-03-03"}
        )
        actor = actor_for(prescriber)
        with pytest.raises(GateClosedError) as refused:
            course_service.create_course(
                session, actor=actor, patient_id=patient.id, data=data
            )
        assert [f["rule_id"] for f in refused.value.findings] == [
            "SPV-CI-01",
            "SPV-CI-02",
        ]
        make_override(
            session, assessment, route="esketamine", rule_id="SPV-CI-01", by=prescriber
        )
        with pytest.raises(GateClosedError) as still:
            course_service.create_course(
                session, actor=actor, patient_id=patient.id, data=data
            )
        assert [f["rule_id"] for f in still.value.findings] == ["SPV-CI-02"]
        make_override(
            session, assessment, route="esketamine", rule_id="SPV-CI-02", by=prescriber
        )
        course, _ = course_service.create_course(
            session, actor=actor, patient_id=patient.id, data=data
        )
        assert len(course.sessions) == 12
        # Another route of the same assessment is unaffected.
        iv = CourseCreate.model_validate(
            {"protocol": "iv_induction", "start_date": "2025-03-03"}
        )
        iv_course, _ = course_service.create_course(
            session, actor=actor, patient_id=patient.id, data=iv
        )
        assert iv_course.sessions[0].planned_dose_mg == 35

    def test_reschedule_onto_the_next_day_breaks_the_spacing_rule(self, session, world):
        _clinic, _chairs, patient, prescriber, _nurse = world
        _course, sessions = make_course(
            session, patient, prescriber, start=date(2025, 3, 3)
        )
        second = sessions[1]
        assert second.scheduled_date == date(2025, 3, 6)
        with pytest.raises(RuleViolationError) as error:
            course_service.reschedule_session(
                session,
                actor=actor_for(prescriber),
                session_id=second.id,
                data=SessionReschedule(date=date(2025, 3, 4)),
            )
        assert error.value.rule_id == "PROT-SPACING-01"
        assert error.value.field == "date"
        moved = course_service.reschedule_session(
            session,
            actor=actor_for(prescriber),
            session_id=second.id,
            data=SessionReschedule(date=date(2025, 3, 5), time="10:30"),
        )
        assert (moved.scheduled_date, moved.scheduled_time) == (
            date(2025, 3, 5),
            "10:30",
        )


class TestStatusChanges:
    def test_illegal_transition_names_the_current_status(self, session, world):
        _clinic, _chairs, patient, prescriber, _nurse = world
        _course, sessions = make_course(session, patient, prescriber)
        with pytest.raises(ConflictError) as error:
            flows.discharge(
                session, actor=actor_for(prescriber), session_id=sessions[0].id
            )
        assert "scheduled" in error.value.message

    def test_a_stale_version_is_a_409_not_a_lost_update(self, session, world):
        _clinic, _chairs, patient, prescriber, _nurse = world
        _course, sessions = make_course(session, patient, prescriber)
        treatment = sessions[0]
        # Someone else checks the patient in behind this session's back.
        session.execute(
            update(TreatmentSession)
            .where(TreatmentSession.id == treatment.id)
            .values(status="checked_in", version=treatment.version + 1)
            .execution_options(synchronize_session=False)
        )
        with pytest.raises(ConflictError) as error:
            course_service.cancel_session(
                session,
                actor=actor_for(prescriber),
                session_id=treatment.id,
                data=SessionCancel(reason="patient unwell"),
            )
        assert error.value.message == "session changed, reload"

    def test_reading_a_session_is_audited(self, session, world):
        _clinic, _chairs, patient, prescriber, nurse = world
        _course, sessions = make_course(session, patient, prescriber)
        read = session_service.get_session(
            session, actor=actor_for(nurse), session_id=sessions[0].id
        )
        assert read.status == "scheduled"
        session.flush()
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.patient_id == patient.id, AuditEntry.entity == "session"
            )
        ).all()
        assert [e.action for e in entries] == ["read"]
