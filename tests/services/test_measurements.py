"""services.measurements: scoring by the core, items, alerts in the same transaction."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ketapath.core.errors import ClinicalError, ResponseOutOfRangeError
from ketapath.db.models import Alert, Measurement, MeasurementSource, Role
from ketapath.schemas.measurement import MeasurementCreate
from ketapath.services import measurements as measurement_service
from ketapath.services.errors import ForbiddenError, NotFoundError
from tests.factories import actor_for, make_clinic, make_patient, make_user


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)


@pytest.fixture
def nurse(session, clinic):
    return actor_for(make_user(session, clinic, role=Role.NURSE))


def answers(*values: int | None) -> list[int | None]:
    return list(values)


def rows(session, model, patient_id):
    return session.scalar(
        select(func.count()).select_from(model).where(model.patient_id == patient_id)
    )


class TestRecordMeasurement:
    def test_stores_items_total_rule_and_flags_from_the_core(
        self, session, patient, nurse
    ):
        recorded = measurement_service.record_measurement(
            session,
            actor=nurse,
            patient_id=patient.id,
            data=MeasurementCreate(instrument="phq9", responses=answers(*[3] * 9)),
        )
        measurement = recorded.measurement
        assert measurement.total == 27
        assert measurement.severity == "severe"
        assert (measurement.rule_id, measurement.rule_version) == ("PHQ9-SCORE", "1")
        assert measurement.flags == ["suicidal_ideation"]
        assert measurement.source is MeasurementSource.CLINICIAN
        assert [(i.position, i.item_id, i.value) for i in measurement.items] == [
            (n, f"phq9_{n}", 3) for n in range(1, 10)
        ]
        assert [a.measurement_id for a in recorded.alerts] == [measurement.id]
        assert any(f.rule_id == "PHQ9-ITEM9" for f in recorded.findings)

    def test_keeps_the_unscored_difficulty_item(self, session, patient, nurse):
        recorded = measurement_service.record_measurement(
            session,
            actor=nurse,
            patient_id=patient.id,
            data=MeasurementCreate(instrument="phq9", responses=answers(*[1] * 9, 2)),
        )
        assert recorded.measurement.total == 9
        assert recorded.measurement.items[-1].item_id == "phq9_10"

    def test_a_core_error_writes_nothing(self, session, patient, nurse):
        with pytest.raises(ResponseOutOfRangeError) as raised:
            measurement_service.record_measurement(
                session,
                actor=nurse,
                patient_id=patient.id,
                data=MeasurementCreate(
                    instrument="phq9", responses=answers(*[1] * 8, 9)
                ),
            )
        assert (raised.value.field, raised.value.allowed) == ("phq9_9", "0–3")
        assert rows(session, Measurement, patient.id) == 0
        assert rows(session, Alert, patient.id) == 0

    def test_unknown_instrument_is_a_clinical_error_naming_instrument(
        self, session, patient, nurse
    ):
        with pytest.raises(ClinicalError) as raised:
            measurement_service.record_measurement(
                session,
                actor=nurse,
                patient_id=patient.id,
                data=MeasurementCreate(instrument="bdi2", responses=[1]),
            )
        assert raised.value.field == "instrument"

    def test_patient_records_a_self_report_as_patient_source(
        self, session, clinic, patient
    ):
        actor = actor_for(
            make_user(session, clinic, role=Role.PATIENT, patient=patient)
        )
        recorded = measurement_service.record_measurement(
            session,
            actor=actor,
            patient_id=patient.id,
            data=MeasurementCreate(instrument="gad7", responses=[0] * 7),
        )
        assert recorded.measurement.source is MeasurementSource.PATIENT

    @pytest.mark.parametrize("instrument", ["madrs", "hamd17", "moaas"])
    def test_patient_may_not_record_clinician_rated_scales(
        self, session, clinic, patient, instrument
    ):
        actor = actor_for(
            make_user(session, clinic, role=Role.PATIENT, patient=patient)
        )
        with pytest.raises(ForbiddenError):
            measurement_service.record_measurement(
                session,
                actor=actor,
                patient_id=patient.id,
                data=MeasurementCreate(instrument=instrument, responses=[0]),
            )

    def test_patient_cannot_reach_another_patient(self, session, clinic, patient):
        other = make_patient(session, clinic, given_name="Other")
        actor = actor_for(
            make_user(session, clinic, role=Role.PATIENT, patient=patient)
        )
        with pytest.raises(NotFoundError):
            measurement_service.record_measurement(
                session,
                actor=actor,
                patient_id=other.id,
                data=MeasurementCreate(instrument="phq9", responses=[0] * 9),
            )

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
    def test_front_desk_and_admin_are_forbidden(self, session, clinic, patient, role):
        actor = actor_for(make_user(session, clinic, role=role))
        with pytest.raises(ForbiddenError):
            measurement_service.record_measurement(
                session,
                actor=actor,
                patient_id=patient.id,
                data=MeasurementCreate(instrument="phq9", responses=[0] * 9),
            )


class TestListMeasurements:
    def test_instrument_filter_and_items_are_loaded(self, session, patient, nurse):
        for instrument, count in (("phq9", 9), ("gad7", 7)):
            measurement_service.record_measurement(
                session,
                actor=nurse,
                patient_id=patient.id,
                data=MeasurementCreate(
                    instrument=instrument, responses=answers(*[0] * count)
                ),
            )
        session.expunge_all()
        found, total = measurement_service.list_measurements(
            session,
            actor=nurse,
            patient_id=patient.id,
            instrument="gad7",
            limit=10,
            offset=0,
        )
        assert total == 1
        assert [len(m.items) for m in found] == [7]


class TestGetMeasurement:
    def test_items_are_eager_loaded(self, session, patient, nurse):
        made = measurement_service.record_measurement(
            session,
            actor=nurse,
            patient_id=patient.id,
            data=MeasurementCreate(instrument="gad7", responses=[1] * 7),
        ).measurement
        session.expunge_all()
        read = measurement_service.get_measurement(
            session, actor=nurse, measurement_id=made.id
        )
        assert [i.value for i in read.items] == [1] * 7
