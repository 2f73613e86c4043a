"""services.questionnaire_links: hashed token, expiry, one answer per instrument, scope, audit."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from pydantic import ValidationError
from sqlalchemy import func, select

from ketapath.db.base import utcnow
from ketapath.db.models import (
    Alert,
    AlertKind,
    AuditEntry,
    Measurement,
    MeasurementSource,
    Role,
)
from ketapath.db.models.questionnaire_link import QuestionnaireLink
from ketapath.schemas.questionnaire_link import QuestionnaireLinkCreate
from ketapath.services import questionnaire_links as link_service
from ketapath.services.errors import (
    ConflictError,
    ForbiddenError,
    NotFoundError,
    UnprocessableError,
)
from tests.factories import actor_for, make_clinic, make_patient, make_user

PHQ9_ITEM9_POSITIVE = {f"phq9_{n}": "0" for n in range(1, 9)} | {"phq9_9": "2"}
PHQ9_NEGATIVE = {f"phq9_{n}": "1" for n in range(1, 9)} | {"phq9_9": "0"}
GAD7_ANSWERS = {f"gad7_{n}": "1" for n in range(1, 8)}


@pytest.fixture
def setup(session):
    clinic = make_clinic(session)
    patient = make_patient(session, clinic)
    nurse = make_user(session, clinic, role=Role.NURSE)
    return clinic, patient, nurse


def _issue(session, nurse, patient, instruments=("phq9",), hours=72):
    return link_service.create_link(
        session,
        actor=actor_for(nurse),
        patient_id=patient.id,
        data=QuestionnaireLinkCreate(
            instruments=list(instruments), expires_in_hours=hours
        ),
    )


def _submit(session, issued, instrument, answers, *, nonce=None, now=None):
    return link_service.submit_answers(
        session,
        token=issued.token,
        form_nonce=issued.link.form_nonce if nonce is None else nonce,
        instrument=instrument,
        answers=answers,
        now=now or utcnow(),
    )


def _audit(session, link_id, action):
    session.flush()
    return session.scalars(
        select(AuditEntry).where(
            AuditEntry.entity == "questionnaire_link",
            AuditEntry.entity_id == str(link_id),
            AuditEntry.action == action,
        )
    ).all()


class TestCreateLink:
    def test_only_a_sha256_of_the_token_is_stored(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        stored = session.get(QuestionnaireLink, issued.link.id)
        assert stored.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
        assert issued.token not in {stored.token_hash, stored.form_nonce}
        assert len(issued.token) >= 40

    def test_default_expiry_is_72_hours(self, session, setup):
        _, patient, nurse = setup
        link = link_service.create_link(
            session,
            actor=actor_for(nurse),
            patient_id=patient.id,
            data=QuestionnaireLinkCreate(instruments=["phq9"]),
        ).link
        assert link.expires_at - link.created_at == timedelta(hours=72)

    @pytest.mark.parametrize("hours", [0, 337, -1])
    def test_expiry_outside_1_to_336_hours_is_refused(self, hours):
        with pytest.raises(ValidationError, match="expires_in_hours"):
            QuestionnaireLinkCreate(instruments=["phq9"], expires_in_hours=hours)

    def test_only_self_report_instruments_once_each(self):
        with pytest.raises(ValidationError):
            QuestionnaireLinkCreate.model_validate({"instruments": ["madrs"]})
        with pytest.raises(ValidationError, match="once"):
            QuestionnaireLinkCreate(instruments=["phq9", "phq9"])
        with pytest.raises(ValidationError):
            QuestionnaireLinkCreate(instruments=[])

    @pytest.mark.parametrize("role", [Role.FRONT_DESK, Role.ADMIN])
    def test_non_clinicians_may_not_send_links(self, session, setup, role):
        clinic, patient, _ = setup
        user = make_user(session, clinic, role=role)
        with pytest.raises(ForbiddenError):
            _issue(session, user, patient)

    def test_a_patient_may_not_send_links_even_for_themselves(self, session, setup):
        clinic, patient, _ = setup
        user = make_user(session, clinic, role=Role.PATIENT, patient=patient)
        with pytest.raises(ForbiddenError):
            _issue(session, user, patient)

    def test_another_clinics_patient_is_not_found(self, session, setup):
        _, _, nurse = setup
        other = make_patient(session, make_clinic(session, name="Other"))
        with pytest.raises(NotFoundError):
            _issue(session, nurse, other)

    def test_creation_is_audited(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        (entry,) = _audit(session, issued.link.id, "create")
        assert entry.actor_id == nurse.id
        assert entry.patient_id == patient.id
        assert issued.token not in str(entry.detail)


class TestOpenLink:
    def test_open_shows_pending_instruments_in_order_and_is_audited(
        self, session, setup
    ):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient, ("gad7", "phq9"))
        opened = link_service.open_link(session, token=issued.token, now=utcnow())
        assert [i.key for i in opened.pending] == ["gad7", "phq9"]
        (entry,) = _audit(session, issued.link.id, "read")
        assert entry.actor_id is None
        assert entry.patient_id == patient.id
        assert entry.detail == {"link_id": str(issued.link.id)}

    def test_unknown_token_is_404_and_audited_without_a_patient(self, session, setup):
        with pytest.raises(link_service.LinkNotFoundError) as raised:
            link_service.open_link(session, token="nope", now=utcnow())
        assert raised.value.status_code == 404
        assert raised.value.keep_writes  # the refusal's audit entry survives
        session.flush()
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "read_refused")
        ).one()
        assert entry.patient_id is None
        assert entry.detail["reason"] == "unknown"

    def test_expired_link_is_410(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient, hours=1)
        later = issued.link.created_at + timedelta(hours=1)
        with pytest.raises(link_service.LinkGoneError) as raised:
            link_service.open_link(session, token=issued.token, now=later)
        assert raised.value.status_code == 410
        (entry,) = _audit(session, issued.link.id, "read_refused")
        assert entry.detail["reason"] == "expired"
        link_service.open_link(
            session, token=issued.token, now=later - timedelta(seconds=1)
        )


class TestSubmitAnswers:
    def test_phq9_item9_raises_the_suicide_alert_as_the_patient(self, session, setup):
        clinic, patient, nurse = setup
        patient_user = make_user(session, clinic, role=Role.PATIENT, patient=patient)
        issued = _issue(session, nurse, patient)
        done = _submit(session, issued, "phq9", PHQ9_ITEM9_POSITIVE)
        assert done.suicide_risk is True
        (alert,) = done.recorded.alerts
        assert alert.kind is AlertKind.SUICIDE_RISK
        assert alert.rule_id == "PHQ9-ITEM9"
        measurement = done.recorded.measurement
        assert measurement.source is MeasurementSource.PATIENT
        assert measurement.recorded_by_id == patient_user.id
        session.flush()
        created = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "measurement", AuditEntry.action == "create"
            )
        ).one()
        assert created.actor_role == "patient"
        assert created.actor_id == patient_user.id

    def test_without_a_patient_login_the_issuer_is_named_with_role_patient(
        self, session, setup
    ):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        done = _submit(session, issued, "phq9", PHQ9_NEGATIVE)
        assert done.suicide_risk is False
        assert done.recorded.alerts == []
        assert done.recorded.measurement.source is MeasurementSource.PATIENT
        assert done.recorded.measurement.recorded_by_id == nurse.id
        (entry,) = _audit(session, issued.link.id, "submit")
        assert entry.actor_id is None
        assert entry.detail["instrument"] == "phq9"
        assert entry.detail["measurement_id"] == str(done.recorded.measurement.id)

    def test_each_instrument_once_then_the_link_is_used(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient, ("phq9", "gad7"))
        first = _submit(session, issued, "phq9", PHQ9_NEGATIVE)
        assert [i.key for i in first.pending] == ["gad7"]
        assert first.link.completed_at is None
        with pytest.raises(ConflictError):
            _submit(session, issued, "phq9", PHQ9_NEGATIVE)
        second = _submit(session, issued, "gad7", GAD7_ANSWERS)
        assert second.pending == ()
        assert second.link.completed_at is not None
        assert second.link.completed_instruments == ["phq9", "gad7"]
        with pytest.raises(link_service.LinkGoneError):
            link_service.open_link(session, token=issued.token, now=utcnow())
        with pytest.raises(link_service.LinkGoneError):
            _submit(session, issued, "gad7", GAD7_ANSWERS)

    def test_every_unanswered_item_is_named_and_nothing_is_stored(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        answers = dict(PHQ9_NEGATIVE) | {"phq9_3": "", "phq9_9": "", "phq9_5": "x"}
        with pytest.raises(link_service.AnswersInvalidError) as raised:
            _submit(session, issued, "phq9", answers)
        assert set(raised.value.errors) == {"phq9_3", "phq9_5", "phq9_9"}
        assert raised.value.errors["phq9_3"] == "Please answer this question."
        assert session.scalar(select(func.count()).select_from(Measurement)) == 0
        assert session.scalar(select(func.count()).select_from(Alert)) == 0
        assert (
            session.get(QuestionnaireLink, issued.link.id).completed_instruments == []
        )

    def test_out_of_range_answer_is_refused_with_the_allowed_range(
        self, session, setup
    ):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        with pytest.raises(link_service.AnswersInvalidError) as raised:
            _submit(session, issued, "phq9", PHQ9_NEGATIVE | {"phq9_2": "7"})
        assert raised.value.errors == {
            "phq9_2": "Please choose one of the answers (0–3)."
        }

    def test_cssrs_skip_logic_comes_from_the_core(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient, ("cssrs",))
        done = _submit(
            session,
            issued,
            "cssrs",
            {"cssrs_1": "0", "cssrs_2": "0", "cssrs_6": "0"},
        )
        assert done.suicide_risk is False

    def test_wrong_form_nonce_is_refused_and_audited(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient)
        with pytest.raises(ForbiddenError) as raised:
            _submit(session, issued, "phq9", PHQ9_NEGATIVE, nonce="forged")
        assert raised.value.keep_writes
        (entry,) = _audit(session, issued.link.id, "submit_refused")
        assert entry.detail["reason"] == "form_nonce"
        assert session.scalar(select(func.count()).select_from(Measurement)) == 0

    def test_instrument_not_on_the_link_is_refused(self, session, setup):
        _, patient, nurse = setup
        issued = _issue(session, nurse, patient, ("gad7",))
        with pytest.raises(UnprocessableError):
            _submit(session, issued, "phq9", PHQ9_NEGATIVE)


class TestListLinks:
    def test_newest_first_and_audited(self, session, setup):
        _, patient, nurse = setup
        first = _issue(session, nurse, patient)
        second = _issue(session, nurse, patient, ("gad7",))
        second.link.created_at = first.link.created_at + timedelta(seconds=1)
        session.flush()
        rows, total = link_service.list_links(
            session, actor=actor_for(nurse), patient_id=patient.id, limit=10, offset=0
        )
        assert total == 2
        assert [r.id for r in rows] == [second.link.id, first.link.id]
        session.flush()
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "questionnaire_link", AuditEntry.action == "read"
            )
        ).one()
        assert entry.actor_id == nurse.id
