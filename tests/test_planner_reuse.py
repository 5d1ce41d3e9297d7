"""The planner's ranking of unknown facts reuses the reasoning pass and per-knowledge-base tables: it must rank
exactly as a from-scratch evaluation of every rule does."""
from __future__ import annotations

import dataclasses

from hypothesis import given

from expert.knowledge import cached_knowledge
from expert.knowledge import conditions as C
from expert.planning.pipeline import load_situation
from expert.planning.planner import rank_unknown_facts, reported
from expert.reasoning.compiler import outcome_function
from expert.reasoning.derive import derive
from expert.reasoning.engine import Reasoning, reason, reason_plain
from expert.reasoning.scaled import scaled_knowledge

from .conftest import SCENARIOS
from .test_properties import SETTINGS, situations

KB = cached_knowledge()


def _inputs(kb, name, facts):
    """The unknown input facts behind a fact, walked afresh (a derived fact stands for its unknown inputs)."""
    if name in kb.facts:
        return [name] if facts.get(name) is None else []
    spec = kb.derived.get(name)
    if spec is None:
        return []
    return [n for inner in list(spec.inputs) + list(spec.choices.values()) for n in _inputs(kb, inner, facts)]


def _from_scratch(kb, reasoning, ids):
    """The ranking as first written: every rule evaluated again, every leaf walked, nothing cached."""
    facts, cf = reasoning.facts, reasoning.cf
    score, concerns = {}, {}
    close = []
    by_family = {}
    for diag in ids:
        family = kb.families.get(kb.diagnoses[diag].family)
        if family is not None and family.competing:
            by_family.setdefault(family.id, []).append(diag)
    for members in by_family.values():
        top = sorted(members, key=lambda d: (-cf[d], d))[:2]
        if len(top) == 2 and cf[top[0]] - cf[top[1]] <= 0.2 + 1e-9:
            close.append(tuple(top))
    live = {kb.diagnoses[d].family for d in ids}
    for rule in kb.rules:
        if C.evaluate(rule.when, facts, cf) is not None:
            continue
        current = max(0.0, cf.get(rule.diagnosis, 0.0))
        weight = abs(rule.cf) * ((1.0 - current) if rule.cf > 0 else current)
        hold = any(isinstance(leaf, C.Concluded) and not leaf.negated and leaf.test(cf.get(leaf.id))
                   for leaf in C.leaves(rule.when))
        weight *= 2.0 if kb.diagnoses[rule.diagnosis].family in live or hold else 0.5
        if any(rule.diagnosis in pair for pair in close):
            weight *= 2.0
        if hold:
            weight *= 1.5
        for leaf in C.leaves(rule.when):
            if isinstance(leaf, C.Leaf):
                for name in _inputs(kb, leaf.fact, facts):
                    best, total = score.get(name, (0.0, 0.0))
                    score[name] = (max(best, weight), total + weight)
                    concerns.setdefault(name, [])
                    if rule.diagnosis not in concerns[name]:
                        concerns[name].append(rule.diagnosis)
    final = {n: best + 0.1 * total for n, (best, total) in score.items()}
    return [(name, concerns[name]) for name in sorted(final, key=lambda n: (-final[n], n))]


def _facts(kb, data):
    """A situation's derived facts."""
    return derive(kb, load_situation(data, kb).facts())


def _assert_ranks_as_from_scratch(kb, facts, where):
    """The ranking from the plain pass (its undecided rules reused), from experta's pass (only firings known)
    and from a bare Reasoning all equal the from-scratch ranking, to the order and the concerns."""
    plain = reason_plain(kb, facts)
    ids = reported(kb, plain)
    expected = _from_scratch(kb, plain, ids)
    assert plain.undecided is not None
    assert rank_unknown_facts(kb, plain, ids) == expected, where
    assert rank_unknown_facts(kb, reason(kb, facts), ids) == expected, where
    bare = dataclasses.replace(plain, undecided=None, firings=[])  # nothing to reuse: every rule evaluated here
    assert rank_unknown_facts(kb, bare, ids) == expected, where


@SETTINGS
@given(situations())
def test_reused_ranking_equals_a_from_scratch_evaluation_on_generated_situations(data):
    _assert_ranks_as_from_scratch(KB, _facts(KB, data), data)


def test_reused_ranking_equals_a_from_scratch_evaluation_on_every_scenario():
    from expert.model.scenario import load_scenario

    for path in SCENARIOS:
        _assert_ranks_as_from_scratch(KB, _facts(KB, load_scenario(path).situation), path.name)


def test_each_knowledge_base_gets_its_own_rule_tables():
    """Tables are kept per knowledge base object: a scaled copy, ranked after the shipped one, uses its own rules."""
    from expert.model.scenario import load_scenario

    facts = _facts(KB, load_scenario(SCENARIOS[0]).situation)
    rank_unknown_facts(KB, reason_plain(KB, facts), [])  # the shipped knowledge's tables exist first
    for kind in ("inert", "live"):
        kb = scaled_knowledge(KB, 2, kind)
        _assert_ranks_as_from_scratch(kb, facts, kind)


@SETTINGS
@given(situations())
def test_compiled_conditions_give_what_evaluate_gives_for_every_rule(data):
    facts = _facts(KB, data)
    reasoning = reason_plain(KB, facts)
    for rule in KB.rules:
        assert outcome_function(rule.when)(facts, reasoning.cf) == C.evaluate(rule.when, facts, reasoning.cf), rule.id


def test_plain_pass_records_exactly_the_undecided_rules():
    """The plain pass's record is each rule's final outcome: levels are strata, so what a rule saw is final."""
    from expert.model.scenario import load_scenario

    for path in SCENARIOS:
        facts = _facts(KB, load_scenario(path).situation)
        plain = reason_plain(KB, facts)
        assert plain.undecided == {r.id for r in KB.rules if C.evaluate(r.when, facts, plain.cf) is None}, path.name
        assert Reasoning(facts=facts).undecided is None
