"""services.assessments: the profile built from the record, stored decisions, re-derivation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from typer.testing import CliRunner

from ketapath.cli import app as cli_app
from ketapath.core.eligibility import JURISDICTIONS, ROUTES
from ketapath.core.trd import RULESET_NAMES
from ketapath.db.models import Assessment, Role
from ketapath.schemas.assessment import (
    AssessmentCreate,
    JurisdictionName,
    RouteName,
    TrdRulesetName,
)
from ketapath.schemas.profile import PatientProfileIn
from ketapath.services import assessments as assessment_service
from ketapath.services.errors import NotFoundError
from tests.factories import actor_for, make_clinic, make_patient, make_user
from tests.factories_history import (
    make_condition,
    make_medication,
    make_trial,
    make_two_failed_trials,
    make_vitals,
)

AS_OF = date(2026, 5, 17)


@pytest.fixture
def clinic(session):
    return make_clinic(session)


@pytest.fixture
def patient(session, clinic):
    return make_patient(session, clinic)  # born 1980-05-17, female, 70 kg, 168 cm


@pytest.fixture
def prescriber(session, clinic):
    return actor_for(make_user(session, clinic, role=Role.PRESCRIBER))


class TestAgeInYears:
    @pytest.mark.parametrize(
        ("as_of", "expected"),
        [
            (date(2026, 5, 16), 45),
            (date(2026, 5, 17), 46),
            (date(2026, 12, 31), 46),
        ],
        ids=["day-before-birthday", "birthday", "year-end"],
    )
    def test_whole_years_change_on_the_birthday(self, as_of, expected):
        assert (
            assessment_service.age_in_years(date(1980, 5, 17), as_of=as_of) == expected
        )

    def test_a_29_february_birthday_counts_from_1_march(self):
        born = date(2000, 2, 29)
        assert assessment_service.age_in_years(born, as_of=date(2026, 2, 28)) == 25
        assert assessment_service.age_in_years(born, as_of=date(2026, 3, 1)) == 26


class TestBuildProfile:
    def test_demographics_and_age_as_of_the_given_date(self, session, patient):
        profile = assessment_service.build_profile(
            session, patient_id=patient.id, as_of=date(2026, 5, 16)
        )
        assert profile.age_years == 45
        assert profile.sex == "female"
        assert profile.weight_kg == Decimal("70")
        assert profile.height_cm == Decimal("168")
        assert profile.pregnant is False
        assert profile.blood_pressure is None
        assert profile.current_episode is None
        assert profile.bilateral_ect_failed is None

    def test_only_active_medications_count(self, session, patient):
        make_medication(session, patient, name="lorazepam")
        make_medication(
            session,
            patient,
            name="methylphenidate",
            drug_class="psychostimulant",
            active=False,
        )
        profile = assessment_service.build_profile(
            session, patient_id=patient.id, as_of=AS_OF
        )
        assert [m.name for m in profile.medications] == ["lorazepam"]

    def test_conditions_trials_and_episode_come_from_the_record(self, session, patient):
        patient.episode_duration_months = 26
        patient.episode_severity = "severe"
        patient.augmentation_used = True
        session.flush()
        make_condition(session, patient, code="hypertension")
        make_two_failed_trials(session, patient)
        profile = assessment_service.build_profile(
            session, patient_id=patient.id, as_of=AS_OF
        )
        assert profile.conditions == frozenset({"hypertension"})
        assert [t.drug for t in profile.antidepressant_trials] == [
            "sertraline",
            "venlafaxine",
        ]
        assert profile.current_episode is not None
        assert profile.current_episode.duration_months == Decimal(26)
        assert profile.current_episode.severity == "severe"
        assert profile.augmentation_used is True
        assert profile.ect_used is False

    def test_blood_pressure_is_the_latest_reading_with_both_values(
        self, session, patient
    ):
        make_vitals(
            session,
            patient,
            taken_at=datetime(2026, 5, 1, 9, tzinfo=UTC),
            systolic_mmhg=150,
            diastolic_mmhg=95,
        )
        make_vitals(
            session,
            patient,
            taken_at=datetime(2026, 5, 8, 9, tzinfo=UTC),
            systolic_mmhg=128,
            diastolic_mmhg=82,
        )
        make_vitals(  # newest, but no diastolic: skipped
            session,
            patient,
            taken_at=datetime(2026, 5, 9, 9, tzinfo=UTC),
            systolic_mmhg=170,
            diastolic_mmhg=None,
        )
        other = make_patient(session, make_clinic(session, name="Elsewhere"))
        make_vitals(  # another patient's reading never counts
            session,
            other,
            taken_at=datetime(2026, 5, 10, 9, tzinfo=UTC),
            systolic_mmhg=190,
            diastolic_mmhg=115,
        )
        profile = assessment_service.build_profile(
            session, patient_id=patient.id, as_of=AS_OF
        )
        assert profile.blood_pressure is not None
        assert (
            profile.blood_pressure.systolic_mmhg,
            profile.blood_pressure.diastolic_mmhg,
        ) == (128, 82)

    def test_unknown_patient_is_not_found(self, session):
        import uuid

        with pytest.raises(NotFoundError):
            assessment_service.build_profile(
                session, patient_id=uuid.uuid4(), as_of=AS_OF
            )


class TestCreateAssessment:
    def test_trd_met_with_rule_ids_and_sources_stored(
        self, session, patient, prescriber
    ):
        make_two_failed_trials(session, patient)
        read = assessment_service.create_assessment(
            session, actor=prescriber, patient_id=patient.id, data=AssessmentCreate()
        )
        row = session.get(Assessment, read.id)
        assert row is not None
        assert row.trd_met is True
        assert row.decision["trd"]["met"] is True
        summary = row.decision["trd"]["reasons"][0]
        assert summary["rule"] == "TRD-SEED-01"
        assert summary["sources"]
        assert row.decision["rulesets"]["trd"] == {
            "name": "seed",
            "version": row.decision["trd"]["ruleset_version"],
        }

    def test_msm_score_and_band_are_stored(self, session, patient, prescriber):
        patient.episode_duration_months = 26  # 3
        patient.episode_severity = "severe"  # 4
        patient.augmentation_used = True  # 1
        session.flush()
        make_two_failed_trials(session, patient)  # 2 failed: 1; ECT no: 0
        read = assessment_service.create_assessment(
            session, actor=prescriber, patient_id=patient.id, data=AssessmentCreate()
        )
        assert (read.msm_score, read.msm_band) == (9, "moderate")
        assert read.decision["staging"]["msm"]["score"] == 9

    def test_a_recent_high_blood_pressure_is_judged(self, session, patient, prescriber):
        make_vitals(
            session,
            patient,
            taken_at=datetime(2026, 5, 8, 9, tzinfo=UTC),
            systolic_mmhg=185,
            diastolic_mmhg=112,
        )
        read = assessment_service.create_assessment(
            session, actor=prescriber, patient_id=patient.id, data=AssessmentCreate()
        )
        assert read.profile["blood_pressure"] == {"systolic": 185, "diastolic": 112}
        assert read.status["iv_ketamine"] == "contraindicated"

    def test_clinic_settings_choose_the_default_rule_sets(
        self, session, clinic, patient, prescriber
    ):
        clinic.settings = {"trd_ruleset": "eu-pearl-2022", "jurisdiction": "eu-au"}
        session.flush()
        read = assessment_service.create_assessment(
            session, actor=prescriber, patient_id=patient.id, data=AssessmentCreate()
        )
        assert (read.trd_ruleset, read.jurisdiction) == ("eu-pearl-2022", "eu-au")


class TestReDerivation:
    """The stored profile reproduces the stored decision, through the CLI as well."""

    def _stored(self, session, patient, prescriber):
        patient.episode_duration_months = 14
        patient.episode_severity = "moderate"
        session.flush()
        make_condition(session, patient, code="aneurysmal_vascular_disease")
        make_medication(session, patient)
        make_two_failed_trials(session, patient)
        make_trial(session, patient, drug="mirtazapine", drug_class="nassa", weeks=None)
        make_vitals(
            session,
            patient,
            taken_at=datetime(2026, 5, 8, 9, tzinfo=UTC),
            systolic_mmhg=142,
            diastolic_mmhg=91,
        )
        read = assessment_service.create_assessment(
            session, actor=prescriber, patient_id=patient.id, data=AssessmentCreate()
        )
        return session.get(Assessment, read.id)

    def test_the_stored_profile_is_a_valid_profile_document(
        self, session, patient, prescriber
    ):
        row = self._stored(session, patient, prescriber)
        rebuilt = PatientProfileIn.model_validate(row.profile).to_core()
        as_of = date.fromisoformat(row.decision["as_of"])
        assert rebuilt == assessment_service.build_profile(
            session, patient_id=patient.id, as_of=as_of
        )

    def test_ketapath_assess_on_the_stored_profile_prints_the_stored_decision(
        self, session, patient, prescriber, tmp_path
    ):
        row = self._stored(session, patient, prescriber)
        path = tmp_path / "profile.json"
        path.write_text(json.dumps(row.profile), encoding="utf-8")
        result = CliRunner().invoke(
            cli_app,
            [
                "assess",
                str(path),
                "--ruleset",
                row.trd_ruleset,
                "--jurisdiction",
                row.jurisdiction,
            ],
        )
        assert result.exit_code == 0, result.output
        printed = json.loads(result.stdout)
        stored = {k: v for k, v in row.decision.items() if k in printed}
        assert set(printed) <= set(row.decision)
        assert stored == printed
        assert set(row.decision) - set(printed) == {"rulesets", "as_of"}


class TestVocabulariesMatchTheCore:
    """The request Literals are copies of core tuples; this keeps them in step."""

    def test_literals(self):
        from typing import get_args

        assert set(get_args(TrdRulesetName)) == set(RULESET_NAMES)
        assert set(get_args(JurisdictionName)) == set(JURISDICTIONS)
        assert set(get_args(RouteName)) == set(ROUTES)
