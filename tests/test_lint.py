"""expert lint over deliberately broken knowledge folders: one break per kind of problem."""
from __future__ import annotations

import json
import shutil

import pytest

from expert.cli import cli
from expert.knowledge import default_knowledge_dir
from expert.knowledge.lint import lint

BUNDLED = default_knowledge_dir()


@pytest.fixture
def kdir(tmp_path):
    """A private copy of the bundled knowledge to break."""
    target = tmp_path / "knowledge"
    shutil.copytree(BUNDLED, target)
    return target


def add_rule(kdir, text: str) -> None:
    """Append rules in a new file; the first rule starts on line 1."""
    (kdir / "rules" / "zz_broken.yaml").write_text(text, encoding="utf-8")


def replace(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def findings(kdir, code: str | None = None):
    found = lint(kdir)
    return [f for f in found if code is None or f.code == code]


def run(runner, *args):
    return runner.invoke(cli, ["lint", *map(str, args)])


RULE = """- id: broken.rule
  when: {when}
  then: {{diagnosis: {diagnosis}, cf: 0.5}}
  evidence: {{en: "Broken.", zh: "坏了。"}}
"""


def rule(when: str, diagnosis: str = "risk.bus_factor") -> str:
    return RULE.format(when=when, diagnosis=diagnosis)


# -- the shipped knowledge -------------------------------------------------------------------------

def test_shipped_knowledge_lints_clean(runner):
    assert lint(BUNDLED) == []
    result = run(runner)
    assert result.exit_code == 0
    assert "0 errors, 0 warnings" in result.output
    assert run(runner, "--strict").exit_code == 0


def test_json_output(runner, kdir):
    add_rule(kdir, rule("{fact: activity_chnge_pct, le: -20, why: {en: x, zh: y}}"))
    result = run(runner, kdir, "--format", "json")
    data = json.loads(result.output)
    assert result.exit_code == 1 and data["errors"] >= 1
    problem = next(p for p in data["problems"] if p["code"] == "unknown-fact")
    assert problem["file"].endswith("rules/zz_broken.yaml") and problem["line"] == 2
    assert set(problem) == {"file", "line", "level", "code", "field", "value", "expected", "message", "hint"}


def test_missing_folder_is_an_error(runner, tmp_path):
    result = run(runner, tmp_path / "nope")
    assert result.exit_code != 0


# -- one break per kind ----------------------------------------------------------------------------

def test_schema_error_names_file_line_and_field(runner, kdir):
    replace(kdir / "actions.yaml", "conflict.facilitate:\n  kind: facilitation", "conflict.facilitate:\n  kind: facilitation\n  titel: oops")
    found = findings(kdir, "schema")
    assert any("actions.yaml" in f.file and "titel" in f.message and f.line > 1 and "title" in (f.hint or "") for f in found)
    result = run(runner, kdir)
    assert result.exit_code == 1
    line = next(l for l in result.output.splitlines() if "titel" in l)
    assert ": error: " in line and "actions.yaml:" in line


def test_yaml_syntax_error_is_located(runner, kdir):
    (kdir / "diagnoses.yaml").write_text("a: [unclosed\nb: 1\n", encoding="utf-8")
    found = findings(kdir, "syntax")
    assert found and found[0].file.endswith("diagnoses.yaml") and found[0].line >= 1
    assert run(runner, kdir).exit_code == 1


def test_unknown_fact_with_did_you_mean(kdir):
    add_rule(kdir, rule("{fact: activity_chnge_pct, le: -20, why: {en: x, zh: y}}"))
    found = findings(kdir, "unknown-fact")
    assert found and found[0].line == 2 and found[0].hint == "did you mean 'activity_change_pct'?"


def test_reference_to_missing_action(kdir):
    replace(kdir / "diagnoses.yaml", "actions: [seasonal.hold_course]", "actions: [seasonal.hold_corse]")
    found = findings(kdir, "unknown-action")
    assert found and "seasonal.hold_corse" in found[0].message and "seasonal.hold_course" in found[0].hint


def test_reference_to_missing_diagnosis(kdir):
    add_rule(kdir, rule("{fact: bus_factor, le: 1, why: {en: x, zh: y}}", diagnosis="risk.bus_factr"))
    found = findings(kdir, "unknown-diagnosis")
    assert found and "risk.bus_factor" in found[0].hint


def test_threshold_out_of_declared_range(kdir):
    add_rule(kdir, rule("{fact: activity_drop_when_admin_away_pct, gt: 100, why: {en: x, zh: y}}"))
    found = findings(kdir, "unsatisfiable")
    assert found and found[0].level == "error" and "0..100" in found[0].message


def test_contradictory_thresholds(kdir):
    add_rule(kdir, rule("{all: [{fact: bus_factor, lt: 5, why: {en: x, zh: y}}, {fact: bus_factor, gt: 10, why: {en: x, zh: y}}]}"))
    found = findings(kdir, "unsatisfiable")
    assert found and "bus_factor" in found[0].message and found[0].line == 1


def test_integer_gap_is_contradictory(kdir):
    add_rule(kdir, rule("{all: [{fact: bus_factor, gt: 1, why: {en: x, zh: y}}, {fact: bus_factor, lt: 2, why: {en: x, zh: y}}]}"))
    assert findings(kdir, "unsatisfiable")


def test_one_satisfiable_branch_is_enough(kdir):
    add_rule(kdir, rule("{any: [{fact: bus_factor, lt: -1, why: {en: x, zh: y}}, {fact: bus_factor, le: 1, why: {en: x, zh: y}}]}"))
    assert not findings(kdir, "unsatisfiable")


def test_contradiction_through_not(kdir):
    add_rule(kdir, rule("{all: [{fact: written_rules, is: true}, {not: {fact: written_rules, is: true}}]}"))
    assert findings(kdir, "unsatisfiable")


def test_enum_value_not_allowed(kdir):
    add_rule(kdir, rule("{fact: severity, eq: hgih}"))
    found = findings(kdir, "type-mismatch")
    assert found and "hgih" in found[0].message and found[0].hint == "did you mean 'high'?"


def test_list_value_not_allowed(kdir):
    add_rule(kdir, rule("{fact: exit_reasons, contains: boredom}"))
    assert findings(kdir, "type-mismatch")


def test_bool_compared_to_non_bool(kdir):
    add_rule(kdir, rule("{fact: written_rules, eq: 3}"))
    found = findings(kdir, "type-mismatch")
    assert found and "true/false" in found[0].message


def test_number_compared_to_text(kdir):
    add_rule(kdir, rule("{fact: bus_factor, eq: one}"))
    assert findings(kdir, "type-mismatch")


def test_conclusion_nothing_can_reach(kdir):
    replace(kdir / "rules" / "decline.yaml", "then: {diagnosis: decline.seasonal, cf: 0.6}", "then: {diagnosis: decline.seasonal, cf: -0.6}")
    replace(kdir / "rules" / "decline.yaml", "then: {diagnosis: decline.seasonal, cf: 0.5}", "then: {diagnosis: decline.seasonal, cf: -0.5}")
    add_rule(kdir, rule("{concluded: decline.seasonal}"))
    found = findings(kdir)
    assert any(f.code == "unsatisfiable" and "decline.seasonal" in f.message for f in found)
    assert any(f.code == "unreachable-diagnosis" and "decline.seasonal" in f.message for f in found)


def test_action_no_rule_leads_to(runner, kdir):
    with (kdir / "actions.yaml").open("a", encoding="utf-8") as handle:
        handle.write("""
orphan.action:
  kind: content
  tier: repair
  phase: week
  title: {en: Orphan, zh: 孤儿}
  description: {en: d, zh: d}
  behaviour: {en: b, zh: b}
  success_metric: {en: s, zh: s}
  guardrail_metric: {en: g, zh: g}
  owner: {en: o, zh: o}
  effort: low
  review_after_days: 7
""")
    found = findings(kdir, "unreachable-action")
    assert found and found[0].level == "warning" and "orphan.action" in found[0].message
    result = run(runner, kdir)
    assert result.exit_code == 0 and "1 warning" in result.output
    assert run(runner, kdir, "--strict").exit_code == 1


def test_diagnosis_no_rule_concludes(kdir):
    with (kdir / "diagnoses.yaml").open("a", encoding="utf-8") as handle:
        handle.write("\nlonely.diagnosis:\n  family: lonely\n  priority: 99\n"
                     "  title: {en: Lonely, zh: 孤单}\n  summary: {en: s, zh: s}\n")
    found = findings(kdir, "unreachable-diagnosis")
    assert [f.message for f in found] == ["no rule concludes diagnosis 'lonely.diagnosis'"]


def test_duplicate_rule_id_across_files(kdir):
    add_rule(kdir, RULE.format(when="{fact: bus_factor, le: 1, why: {en: x, zh: y}}", diagnosis="risk.bus_factor")
             .replace("broken.rule", "bus_factor.one"))
    found = findings(kdir, "duplicate-id")
    assert found and "bus_factor.one" in found[0].message and "churn.yaml" in (found[0].hint or "")


def test_duplicate_action_id(kdir):
    text = (kdir / "actions.yaml").read_text(encoding="utf-8")
    block = text[text.index("seasonal.hold_course:"):text.index("cold.seed_recruit:")]
    (kdir / "actions.yaml").write_text(text + "\n" + block, encoding="utf-8")
    found = findings(kdir, "duplicate-id")
    assert found and "seasonal.hold_course" in found[0].message and found[0].file.endswith("actions.yaml")


def test_duplicate_fact_id(kdir):
    replace(kdir / "facts.yaml", "      weekly_ritual:", "      bus_factor: {type: integer, label: {en: dup, zh: 重复}}\n      weekly_ritual:")
    found = findings(kdir, "duplicate-id")
    assert found and "bus_factor" in found[0].message


def test_missing_translation(kdir):
    replace(kdir / "diagnoses.yaml", 'title: {en: "Seasonal dip", zh: "季节性波动"}', 'title: {en: "Seasonal dip"}')
    found = findings(kdir, "missing-translation")
    assert found and "decline.seasonal" in found[0].message and found[0].level == "warning"


def test_missing_translation_of_a_why(kdir):
    add_rule(kdir, rule("{fact: bus_factor, le: 1, why: {en: only english}}"))
    assert any("why on 'bus_factor'" in f.message for f in findings(kdir, "missing-translation"))


def test_threshold_without_why(kdir):
    add_rule(kdir, rule("{fact: bus_factor, le: 1}"))
    found = findings(kdir, "missing-why")
    assert found and found[0].line == 2 and found[0].level == "error"


def test_evidence_placeholder_that_is_no_fact(kdir):
    add_rule(kdir, rule("{fact: bus_factor, le: 1, why: {en: x, zh: y}}").replace('"Broken."', '"Bus {bus_facter}."'))
    found = findings(kdir, "unknown-fact")
    assert found and "bus_facter" in found[0].message


def test_evidence_placeholder_unknown_in_some_branch(kdir):
    add_rule(kdir, rule("{any: [{fact: bus_factor, le: 1, why: {en: x, zh: y}}, {fact: key_person_left, is: true}]}")
             .replace('"Broken."', '"Bus {bus_factor}."').replace('"坏了。"', '"巴士 {bus_factor}。"'))
    found = findings(kdir, "placeholder")
    assert found and found[0].level == "warning"


def test_tactic_synonym_clash(kdir):
    replace(kdir / "tactics.yaml", "synonyms_zh: [拉群, 大量拉人, 批量邀请]", "synonyms_zh: [拉群, 大量拉人, 批量邀请, 刷量]")
    found = findings(kdir, "synonym-clash")
    assert found and "刷量" in found[0].message


def test_output_line_format(runner, kdir):
    add_rule(kdir, rule("{fact: severity, eq: hgih}"))
    result = run(runner, kdir)
    line = next(l for l in result.output.splitlines() if "hgih" in l)
    file_and_line, level, rest = line.split(": ", 2)
    assert file_and_line.endswith("rules/zz_broken.yaml:2") and level == "error"
    assert rest.endswith("(did you mean 'high'?)")
    assert result.output.splitlines()[-1].endswith("1 error, 0 warnings")
