"""The clinical docs list every rule the core applies, and the generated pages are current."""

from pathlib import Path

import pytest

from ketapath.cli.rules import rule_set_markdown
from ketapath.core.catalogue import all_rule_sets, all_rules
from ketapath.core.citations import Confidence

DOCS = Path(__file__).resolve().parents[2] / "docs" / "clinical"


class TestGeneratedRuleSetPages:
    @pytest.mark.parametrize(
        "rule_set", all_rule_sets(), ids=lambda s: f"{s.area}-{s.name}"
    )
    def test_page_matches_the_rule_set(self, rule_set):
        page = DOCS / "rulesets" / f"{rule_set.area}-{rule_set.name}.md"
        assert page.exists(), (
            f"run: ketapath rules --markdown-dir docs/clinical/rulesets ({page.name})"
        )
        assert page.read_text(encoding="utf-8") == rule_set_markdown(rule_set), (
            f"{page.name} is stale: run ketapath rules --markdown-dir docs/clinical/rulesets"
        )

    def test_no_orphan_pages(self):
        expected = {f"{s.area}-{s.name}.md" for s in all_rule_sets()}
        actual = {p.name for p in (DOCS / "rulesets").glob("*.md")}
        assert actual <= expected


class TestEveryRuleIsDocumented:
    def test_every_area_ships_rules(self):
        areas = {s.area for s in all_rule_sets()}
        assert areas == {
            "instruments",
            "trd",
            "eligibility",
            "dosing",
            "monitoring",
            "protocols",
            "outcomes",
        }

    @pytest.mark.parametrize("rule_id", sorted(all_rules()))
    def test_rule_id_appears_in_a_narrative_page(self, rule_id):
        narrative = "\n".join(
            p.read_text(encoding="utf-8")
            for p in DOCS.glob("*.md")
            if p.name != "README.md"
        )
        assert rule_id in narrative


class TestRuleMetadata:
    @pytest.mark.parametrize(
        "rule", list(all_rules().values()), ids=lambda r: r.rule_id
    )
    def test_every_rule_cites_a_source_and_unverified_rules_are_configurable(
        self, rule
    ):
        assert rule.sources
        assert rule.version
        assert rule.severity
        if rule.confidence is Confidence.UNVERIFIED:
            assert rule.configurable
