"""Golden scenarios: every file in scenarios/ meets the expert's expectations."""
from __future__ import annotations

import pytest

import expert
from expert.scenario import check, load_scenario

from .conftest import SCENARIOS


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_meets_expectations(path, kb):
    scenario = load_scenario(path)
    plan = expert.diagnose(scenario.situation, knowledge=kb)
    assert check(plan, scenario.expect) == []


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_scenario_in_chinese_has_same_conclusions(path, kb):
    scenario = load_scenario(path)
    en = expert.diagnose(scenario.situation, knowledge=kb)
    zh = expert.diagnose(scenario.situation, lang="zh", knowledge=kb)
    assert [(d.id, d.certainty) for d in en.diagnoses] == [(d.id, d.certainty) for d in zh.diagnoses]
    assert [a.id for a in en.actions] == [a.id for a in zh.actions]


def test_there_are_enough_scenarios():
    assert len(SCENARIOS) >= 40
