"""Route eligibility: every rule positive and negative on every route, jurisdictions, BP, status."""

from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketapath.core.eligibility import (
    ELIGIBILITY_RULES,
    ROUTES,
    RULE_SETS,
    EligibilityStatus,
    evaluate_route,
    evaluate_routes,
)
from ketapath.core.errors import UnknownNameError
from ketapath.core.findings import Severity
from ketapath.core.patient import (
    CONDITIONS,
    BloodPressureReading,
    EpisodeInfo,
    Medication,
    PatientProfile,
)

CI, CA = Severity.CONTRAINDICATED, Severity.CAUTION
ALL_CI = {"iv_ketamine": CI, "esketamine": CI, "kap": CI}
ALL_CA = {"iv_ketamine": CA, "esketamine": CA, "kap": CA}
RACEMIC_CI = {"iv_ketamine": CI, "esketamine": CA, "kap": CI}

BASE = PatientProfile(
    age_years=40,
    sex="male",
    blood_pressure=BloodPressureReading(120, 80),
)


def with_conditions(*codes):
    return replace(BASE, conditions=frozenset(codes))


def with_meds(*classes):
    return replace(BASE, medications=tuple(Medication(f"drug-{c}", c) for c in classes))


FEMALE = replace(BASE, sex="female", pregnant=False, breastfeeding=False)

POSITIVE = [
    ("SPV-CI-01", with_conditions("aneurysmal_vascular_disease"), ALL_CI),
    ("SPV-CI-01", with_conditions("arteriovenous_malformation"), ALL_CI),
    ("SPV-CI-02", with_conditions("intracerebral_hemorrhage_history"), ALL_CI),
    ("SPV-CI-03", with_conditions("ketamine_hypersensitivity"), ALL_CI),
    ("CI-HTN", with_conditions("uncontrolled_hypertension"), RACEMIC_CI),
    ("CI-CV-RECENT", with_conditions("recent_cardiovascular_event"), RACEMIC_CI),
    ("CI-CARDIAC", with_conditions("cardiovascular_disease"), ALL_CA),
    ("CI-CARDIAC", with_conditions("arrhythmia"), ALL_CA),
    ("CI-CARDIAC", with_conditions("myocardial_infarction_history"), ALL_CA),
    ("CI-CARDIAC", with_conditions("stroke_history"), ALL_CA),
    ("CI-CARDIAC", with_conditions("hypertension"), ALL_CA),
    ("CI-PSYCHOSIS", with_conditions("psychosis_history"), RACEMIC_CI),
    (
        "CI-PSYCHOSIS",
        replace(BASE, current_episode=EpisodeInfo(None, "severe_with_psychosis")),
        RACEMIC_CI,
    ),
    ("CI-BIPOLAR", with_conditions("bipolar_disorder"), RACEMIC_CI),
    ("CI-SUD", with_conditions("active_substance_use_disorder"), RACEMIC_CI),
    ("CI-SUD", with_conditions("substance_use_disorder_history"), ALL_CA),
    ("CI-PREG", replace(FEMALE, pregnant=True), RACEMIC_CI),
    ("CI-PREG", replace(FEMALE, breastfeeding=True), RACEMIC_CI),
    ("CI-PREG", replace(FEMALE, pregnant=None), ALL_CA),
    ("CI-LIVER", with_conditions("liver_disease"), ALL_CA),
    ("CI-LIVER", with_conditions("child_pugh_b"), ALL_CA),
    ("CI-LIVER", with_conditions("child_pugh_c"), ALL_CA),
    ("CI-ICP", with_conditions("raised_intracranial_pressure"), ALL_CI),
    ("INT-SEDATIVES", with_meds("benzodiazepine"), ALL_CA),
    ("INT-SEDATIVES", with_meds("opioid"), ALL_CA),
    ("INT-SEDATIVES", with_meds("nonbenzodiazepine_hypnotic"), ALL_CA),
    ("INT-SEDATIVES", with_conditions("current_alcohol_use"), ALL_CA),
    ("INT-BP", with_meds("psychostimulant"), ALL_CA),
    ("INT-BP", with_meds("maoi"), ALL_CA),
]
POSITIVE_CASES = [
    pytest.param(rule, profile, route, severities[route], id=f"{rule}-{i}-{route}")
    for i, (rule, profile, severities) in enumerate(POSITIVE)
    for route in ROUTES
]
RULE_IDS = [rule.spec.rule_id for rule in ELIGIBILITY_RULES]
NEGATIVE = [
    (BASE, "base-male"),
    (FEMALE, "female-not-pregnant"),
    (with_meds("ssri", "snri", "antipsychotic"), "unrelated-meds"),
    (replace(BASE, current_episode=EpisodeInfo(None, "severe")), "severe-no-psychosis"),
]


class TestEvaluateRoute:
    @pytest.mark.parametrize(
        ("rule_id", "profile", "route", "severity"), POSITIVE_CASES
    )
    def test_rule_fires_with_its_route_severity(
        self, rule_id, profile, route, severity
    ):
        decision = evaluate_route(profile, route)
        fired = [f for f in decision.findings if f.rule_id == rule_id]
        assert [f.severity for f in fired] == [severity]
        assert decision.status.value == severity.value
        assert fired[0].sources

    @pytest.mark.parametrize("route", ROUTES)
    @pytest.mark.parametrize("rule_id", RULE_IDS)
    @pytest.mark.parametrize(
        ("profile", "label"), NEGATIVE, ids=[n for _, n in NEGATIVE]
    )
    def test_rule_is_silent_without_its_trigger(self, rule_id, route, profile, label):
        decision = evaluate_route(profile, route)
        assert rule_id not in {f.rule_id for f in decision.findings}
        assert decision.status is EligibilityStatus.ELIGIBLE

    def test_unknown_route_is_an_error_listing_routes(self):
        with pytest.raises(UnknownNameError) as caught:
            evaluate_route(BASE, "oral")
        assert caught.value.allowed == "iv_ketamine, esketamine, kap"


class TestEvaluateRoutes:
    def test_returns_every_route(self):
        assert set(evaluate_routes(BASE)) == set(ROUTES)

    @pytest.mark.parametrize(
        ("jurisdiction", "esketamine"),
        [
            ("us", EligibilityStatus.CAUTION),
            ("eu-au", EligibilityStatus.CONTRAINDICATED),
        ],
    )
    def test_recent_cardiovascular_event_differs_by_jurisdiction(
        self, jurisdiction, esketamine
    ):
        routes = evaluate_routes(
            with_conditions("recent_cardiovascular_event"), jurisdiction=jurisdiction
        )
        assert routes["esketamine"].status is esketamine
        assert routes["iv_ketamine"].status is EligibilityStatus.CONTRAINDICATED
        assert routes["kap"].status is EligibilityStatus.CONTRAINDICATED

    def test_other_rules_do_not_differ_by_jurisdiction(self):
        profile = with_conditions("bipolar_disorder", "hypertension")
        us, eu = (
            evaluate_routes(profile),
            evaluate_routes(profile, jurisdiction="eu-au"),
        )
        assert {r: d.status for r, d in us.items()} == {
            r: d.status for r, d in eu.items()
        }

    def test_unknown_jurisdiction_is_an_error(self):
        with pytest.raises(UnknownNameError) as caught:
            evaluate_routes(BASE, jurisdiction="uk")
        assert caught.value.allowed == "us, eu-au"

    def test_high_blood_pressure_uses_the_monitoring_rules(self):
        routes = evaluate_routes(
            replace(BASE, blood_pressure=BloodPressureReading(185, 100))
        )
        assert routes["iv_ketamine"].status is EligibilityStatus.CONTRAINDICATED
        assert routes["iv_ketamine"].findings[0].rule_id == "BP-IV-STOP"
        assert routes["kap"].findings[0].rule_id == "BP-IV-STOP"
        assert routes["esketamine"].findings[0].rule_id == "BP-ESK-01"
        assert routes["esketamine"].status is EligibilityStatus.CAUTION

    @pytest.mark.parametrize(
        ("bp", "esketamine"), [((140, 90), None), ((141, 90), "BP-ESK-01")]
    )
    def test_esketamine_bp_caution_is_strictly_above_140_90(self, bp, esketamine):
        routes = evaluate_routes(
            replace(BASE, blood_pressure=BloodPressureReading(*bp))
        )
        rule_ids = [f.rule_id for f in routes["esketamine"].findings]
        assert rule_ids == ([] if esketamine is None else [esketamine])

    def test_missing_blood_pressure_is_info_not_a_silent_pass(self):
        decision = evaluate_routes(replace(BASE, blood_pressure=None))["iv_ketamine"]
        assert decision.status is EligibilityStatus.ELIGIBLE
        assert [(f.rule_id, f.severity) for f in decision.findings] == [
            ("CI-HTN", Severity.INFO)
        ]

    @given(
        conditions=st.frozensets(st.sampled_from(sorted(CONDITIONS))),
        classes=st.lists(
            st.sampled_from(
                ["benzodiazepine", "opioid", "psychostimulant", "maoi", "ssri"]
            ),
            max_size=3,
        ),
        jurisdiction=st.sampled_from(["us", "eu-au"]),
        systolic=st.integers(90, 220),
    )
    def test_status_equals_the_most_severe_finding(
        self, conditions, classes, jurisdiction, systolic
    ):
        profile = replace(
            BASE,
            conditions=conditions,
            medications=tuple(Medication(c, c) for c in classes),
            blood_pressure=BloodPressureReading(systolic, 60),
        )
        for decision in evaluate_routes(profile, jurisdiction=jurisdiction).values():
            worst = max((f.severity.rank for f in decision.findings), default=0)
            expected = ["eligible", "caution", "contraindicated"][worst]
            assert decision.status.value == expected
            assert all(f.rule_id and f.sources for f in decision.findings)


class TestRuleSets:
    def test_us_and_eu_au_rule_sets_list_every_reference_rule(self):
        expected = {
            "SPV-CI-01",
            "SPV-CI-02",
            "SPV-CI-03",
            "CI-HTN",
            "CI-CV-RECENT",
            "CI-CARDIAC",
            "CI-PSYCHOSIS",
            "CI-BIPOLAR",
            "CI-SUD",
            "CI-PREG",
            "CI-LIVER",
            "CI-ICP",
            "INT-SEDATIVES",
            "INT-BP",
        }
        assert [s.name for s in RULE_SETS] == ["us", "eu-au"]
        for rule_set in RULE_SETS:
            assert {r.rule_id for r in rule_set.rules} == expected
            assert rule_set.area == "eligibility"

    def test_label_contraindications_are_not_configurable(self):
        specs = {r.spec.rule_id: r.spec for r in ELIGIBILITY_RULES}
        assert not any(
            specs[i].configurable for i in ("SPV-CI-01", "SPV-CI-02", "SPV-CI-03")
        )
