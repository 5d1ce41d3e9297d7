"""Compile typed rules into one experta engine class per knowledge base (data, never eval/exec)."""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

from expert.knowledge import KnowledgeBase, Memo, RuleSpec
from expert.knowledge import conditions as C
from expert.reasoning.rete import AND, NOT, OR, Conclusion, Datum, P, build_engine_class

__all__ = ["compile_pattern", "engine_class", "rule_method_name", "Outcome", "outcome_function"]

_MAX_LEVEL_SALIENCE = 1000


def _leaf_pattern(leaf: C.Leaf) -> Any:
    """A fact test as an experta pattern: a Datum of that name whose value passes the test."""
    return Datum(name=leaf.fact, value=P(leaf.test))


def _concluded_pattern(leaf: C.Concluded) -> Any:
    """A conclusion test as a pattern on Conclusion facts (NOT of it when negated)."""
    minimum = leaf.min
    holds = Conclusion(diag=leaf.id, cf=P(lambda cf: cf >= minimum))
    return NOT(holds) if leaf.negated else holds


def compile_pattern(node: C.Node) -> Any:
    """A condition tree as an experta conditional element; negation is already at the leaves."""
    if isinstance(node, C.Leaf):
        return _leaf_pattern(node)
    if isinstance(node, C.Concluded):
        return _concluded_pattern(node)
    parts = [compile_pattern(child) for child in node.children]
    if len(parts) == 1:
        return parts[0]
    return AND(*parts) if isinstance(node, C.All) else OR(*parts)


def rule_method_name(rule: RuleSpec) -> str:
    """A Python-safe attribute name for a rule id (ids contain dots and dashes)."""
    return "rule__" + "".join(ch if ch.isalnum() else "_" for ch in rule.id)


def _action_for(rule_id: str) -> Callable[[Any], None]:
    """The rule action: tell the engine which rule fired (the engine records the evidence)."""
    def fire(engine: Any) -> None:
        """Report this rule's firing to the consultation."""
        engine.on_fire(rule_id)

    fire.__name__ = f"fire_{rule_id}"
    return fire


def engine_class(kb: KnowledgeBase, base: type) -> type:
    """Build (once per knowledge base, then reuse) the engine class holding every rule.

    Salience stratifies the rules: all rules of level n fire before any of level n+1, so a rule
    that reads a conclusion sees its final, fully combined certainty.
    """
    built = _CLASSES.get(kb)
    if base in built:
        return built[base]
    rules = {
        rule_method_name(rule): (compile_pattern(rule.when), _MAX_LEVEL_SALIENCE - rule.level, _action_for(rule.id))
        for rule in kb.rules
    }
    cls = build_engine_class("CompiledExpert", rules, base)
    built[base] = cls
    return cls


_CLASSES: Memo[dict[type, type]] = Memo("engine classes by base", lambda kb: {})


Outcome = Callable[[Mapping[str, Any], Mapping[str, float]], "bool | None"]


def outcome_function(node: C.Node) -> Outcome:
    """A condition tree as a function of (facts, conclusions) giving what ``conditions.evaluate`` gives
    (True, False, or None when unknown facts leave it undecided), without walking the tree on each call."""
    if isinstance(node, C.Leaf):
        return _leaf_outcome(node)
    if isinstance(node, C.Concluded):
        ident, test = node.id, node.test
        return lambda facts, conclusions: test(conclusions.get(ident))
    children = tuple(outcome_function(child) for child in node.children)
    return _kleene(children, decisive=not isinstance(node, C.All))


def _leaf_outcome(leaf: C.Leaf) -> Outcome:
    """A fact test: None for an unknown (or NaN) fact, else the test's verdict."""
    fact, test = leaf.fact, leaf.test

    def outcome(facts: Mapping[str, Any], conclusions: Mapping[str, float]) -> bool | None:
        """The leaf's three-valued verdict."""
        value = facts.get(fact)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return test(value)

    return outcome


def _kleene(children: tuple[Outcome, ...], decisive: bool) -> Outcome:
    """Kleene AND (``decisive`` False) or OR (True): ``decisive`` if any child says so, else None if
    any is undecided, else the other truth value."""
    def outcome(facts: Mapping[str, Any], conclusions: Mapping[str, float]) -> bool | None:
        """The branch's three-valued verdict."""
        undecided = False
        for child in children:
            verdict = child(facts, conclusions)
            if verdict is decisive:
                return decisive
            undecided = undecided or verdict is None
        return None if undecided else not decisive

    return outcome
