"""The indexed experta matcher: experta = plain evaluator bit for bit, and no work for rules that cannot fire."""
from __future__ import annotations

import importlib
from unittest import mock

import pytest
from hypothesis import given

from expert.knowledge import cached_knowledge
from expert.model.scenario import load_scenario
from expert.planning.pipeline import load_situation
from expert.reasoning.derive import derive
from expert.reasoning.engine import reason, reason_plain
from expert.reasoning.scaled import scaled_knowledge

from .conftest import SCENARIOS
from .test_properties import SETTINGS, situations

KB = cached_knowledge()


def _facts(kb, situation):
    """The derived facts of a situation (a mapping), as reason() receives them."""
    return derive(KB, load_situation(situation, KB).facts())


def _scenario_facts(kb):
    """Every scenario's derived facts, by file name."""
    return {path.name: _facts(kb, load_scenario(path).situation) for path in SCENARIOS}


def _assert_same(kb, facts, where):
    """experta and plain reach the same certainties (==, to the bit) and the same firings with the same evidence."""
    rete, plain = reason(kb, facts), reason_plain(kb, facts)
    assert rete.cf == plain.cf, where
    assert sorted(rete.firings, key=lambda f: f.rule) == sorted(plain.firings, key=lambda f: f.rule), where


def test_experta_and_plain_fire_the_same_rules_with_the_same_certainties_on_every_scenario():
    for name, facts in _scenario_facts(KB).items():
        _assert_same(KB, facts, name)


def test_experta_results_do_not_depend_on_the_previous_consultation():
    """One engine instance is reset between consultations: nothing of the last one may leak into the next."""
    facts = list(_scenario_facts(KB).values())
    forward = [reason(KB, f).cf for f in facts]
    backward = [reason(KB, f).cf for f in reversed(facts)]
    assert forward == backward[::-1]


@SETTINGS
@given(situations())
def test_experta_and_plain_agree_bit_for_bit_on_generated_situations(data):
    _assert_same(KB, _facts(KB, data), data)


@pytest.mark.parametrize("kind, factor", [("inert", 3), ("live", 3)])
def test_experta_and_plain_agree_on_generated_knowledge(kind, factor):
    kb = scaled_knowledge(KB, factor, kind)
    for name, facts in _scenario_facts(kb).items():
        _assert_same(kb, facts, f"{name} x{factor} {kind}")


def _tokens(kb, facts):
    """How many Rete tokens one consultation makes (the matcher's work, counted, not timed)."""
    calls = 0
    # experta is importable only after expert.reasoning.rete has lent it collections.Mapping
    token = importlib.import_module("experta.matchers.rete.token").Token
    original = token.__new__

    def counting(cls, *args, **kwargs):
        nonlocal calls
        calls += 1
        return original(cls, *args, **kwargs)

    reason(kb, facts)  # build the engine outside the count
    with mock.patch.object(token, "__new__", staticmethod(counting)):
        reason(kb, facts)
    return calls


def test_rules_that_cannot_fire_cost_no_matching_work():
    """experta tested every fact against every `name == ...` node: work grew with rules on unknown facts."""
    inert = scaled_knowledge(KB, 4, "inert")
    for path in SCENARIOS[:10]:
        facts = _facts(KB, load_scenario(path).situation)
        assert _tokens(inert, facts) == _tokens(KB, facts), path.name
