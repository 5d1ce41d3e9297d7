"""Golden scenarios: every file in scenarios/ meets the expert's expectations."""
from __future__ import annotations

import pytest

import expert
from expert.model.scenario import check, load_scenario

from .conftest import SCENARIOS, diagnose_plain


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_meets_expectations(path, kb):
    scenario = load_scenario(path)
    plan = diagnose_plain(scenario.situation, kb)
    assert check(plan, scenario.expect) == []


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_in_chinese_has_same_conclusions(path, kb):
    scenario = load_scenario(path)
    en = diagnose_plain(scenario.situation, kb)
    zh = diagnose_plain(scenario.situation, kb, "zh")
    assert [(d.id, d.certainty) for d in en.diagnoses] == [(d.id, d.certainty) for d in zh.diagnoses]
    assert [a.id for a in en.actions] == [a.id for a in zh.actions]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_experta_and_plain_evaluation_give_the_same_plan_bytes_on_every_scenario(kb, lang):
    """expert.diagnose runs experta; every other scenario test runs the plain evaluator and relies on this."""
    for path in SCENARIOS:
        situation = load_scenario(path).situation
        assert expert.diagnose(situation, lang=lang, knowledge=kb).to_json() == \
            diagnose_plain(situation, kb, lang).to_json(), path.name


def test_there_are_enough_scenarios():
    assert len(SCENARIOS) >= 40


MISPLACED_GROUP = """\
title: a group written beside the situation
expect: {}
situation:
  community: {name: Beside}
activity: {activity_change_pct: -40}
"""


def test_group_beside_situation_is_refused_not_dropped(tmp_path, kb):
    """Regression: `activity:` beside `situation:` was silently ignored and the diagnosis changed."""
    from expert.errors import SituationError
    from expert.model.situation import Situation

    path = tmp_path / "beside.yaml"
    path.write_text(MISPLACED_GROUP)
    for load in (lambda: Situation.load(path, kb), lambda: load_scenario(path)):
        with pytest.raises(SituationError) as err:
            load()
        text = str(err.value)
        assert f"{path}:5" in text and "unknown field 'activity'" in text and "under 'situation:'" in text


def test_unknown_scenario_key_gets_did_you_mean_and_the_allowed_keys(tmp_path, kb):
    from expert.errors import SituationError
    from expert.model.situation import Situation

    path = tmp_path / "typo.yaml"
    path.write_text("title: t\nsituation: {community: {name: T}}\nexpct: {}\nnotes: hello\n")
    with pytest.raises(SituationError) as err:
        Situation.load(path, kb, lang="zh")
    expct, notes = err.value.problems
    assert expct.where == f"{path}:3" and "expct" in expct.message and "“expect”" in expct.hint
    assert notes.where.startswith(str(path)) and "notes" in notes.message
    assert "title, description, situation, expect" in notes.hint


def test_every_bundled_scenario_has_only_scenario_keys():
    from expert.model.scenario import SCENARIO_KEYS
    from expert.yamlio import load_yaml_file

    for path in SCENARIOS:
        assert set(load_yaml_file(path)) <= set(SCENARIO_KEYS), path.name
