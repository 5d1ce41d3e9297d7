"""expert explain ID: rules, diagnoses, actions, facts and tactics, in English and Chinese."""
from __future__ import annotations

import pytest

from expert.cli import cli, main
from expert.knowledge.describe import describe_condition
from expert.reasoning import explain
from expert.reasoning.explain import explain_id, known_ids


def invoke(runner, *args):
    return runner.invoke(cli, ["explain", *args])


def test_existing_functions_keep_their_signatures():
    import inspect

    assert list(inspect.signature(explain.how).parameters) == ["kb", "reasoning", "diagnosis_id", "lang"]
    assert list(inspect.signature(explain.why_fact).parameters) == ["kb", "reasoning", "fact", "lang"]
    assert list(inspect.signature(explain.rules_reading).parameters) == ["kb", "fact"]


def test_rule_shows_conditions_with_thresholds_why_and_what_it_leads_to(runner):
    result = invoke(runner, "decline.trigger.activity")
    assert result.exit_code == 0
    out = result.output
    assert "Rule decline.trigger.activity" in out
    assert "activity_change_pct) ≤ -20%" in out and "why: a fall of a fifth" in out
    assert "content_fatigue.repetition" in out  # rules reading its conclusion


def test_diagnosis_shows_rules_actions_and_references(runner):
    out = invoke(runner, "risk.bus_factor").output
    assert "Diagnosis risk.bus_factor" in out
    assert "bus_factor.one" in out and "bus.share_load" in out
    assert "https://chaoss.community/kb/metric-contributor-absence-factor/" in out


def test_action_shows_what_leads_to_it(runner):
    out = invoke(runner, "trust.review_granted_rights").output
    assert "risk.unvetted_rights" in out and "trust.unvetted_rights.granted" in out
    assert "event-stream" in out


def test_fact_shows_values_and_the_rules_reading_it(runner):
    out = invoke(runner, "severity", "--lang", "zh").output
    assert "信息项 severity" in out and "危急" in out and "conflict.severity.critical" in out


def test_derived_fact(runner):
    out = invoke(runner, "weakest_funnel_stage").output
    assert "activation_rate" in out and "funnel.pass_on.weakest" in out


def test_tactic_forbidden_and_allowed(runner):
    forbidden = invoke(runner, "sock_puppet_accounts").output
    assert "Forbidden" in forbidden and "violation.fake_activity" in forbidden and "马甲" in forbidden
    allowed = invoke(runner, "expert_ama", "--lang", "zh").output
    assert "pressure.task_event" in allowed and "可以采用" in allowed


def test_shared_id_explains_every_meaning(kb):
    lines = explain_id(kb, "conflict.recurring")
    assert any(l.startswith("Diagnosis conflict.recurring") for l in lines)
    assert any(l.startswith("Rule conflict.recurring") for l in lines)


def test_chinese_explanation_uses_chinese_words(kb):
    text = "\n".join(explain_id(kb, "decline.trigger.activity", "zh"))
    assert "规则" in text and "依据" in text and "满足其一" in text


def test_unknown_id_suggests_and_exits_non_zero(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["explain", "risk.bus_facter"])
    assert exc.value.code != 0
    err = capsys.readouterr().err
    assert "unknown id 'risk.bus_facter'" in err and "did you mean 'risk.bus_factor'?" in err


def test_every_id_can_be_explained_in_both_languages(kb):
    for ident in known_ids(kb):
        for lang in ("en", "zh"):
            assert explain_id(kb, ident, lang)


def test_condition_words_for_every_operator(kb):
    from expert.knowledge import conditions as C

    node = C.All((C.Leaf("exit_reasons", "contains_any", ("burnout", "conflict")),
                  C.Leaf("proposed_tactics", "nonempty", True), C.Leaf("stage", "in", ("cold_start",)),
                  C.Concluded("stage.cold_start", 0.5, True)))
    en = "\n".join(describe_condition(kb, node, "en"))
    zh = "\n".join(describe_condition(kb, node, "zh"))
    assert "includes any of: burnout, conflict" in en and "not concluded: Cold start" in en
    assert "倦怠" in zh and "冷启动" in zh and "不为空" in zh
