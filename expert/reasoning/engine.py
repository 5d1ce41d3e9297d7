"""One consultation: declare the known facts, run the compiled rules, keep the trace as data."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from expert.knowledge import KnowledgeBase, Memo, RuleSpec
from expert.knowledge import conditions as C
from expert.reasoning.certainty import combine_grouped
from expert.reasoning.compiler import engine_class
from expert.reasoning.matcher import IndexedMatcher
from expert.reasoning.rete import Conclusion, KnowledgeEngine, datum

__all__ = ["Firing", "Reasoning", "reason", "reason_plain"]


@dataclass(frozen=True)
class Firing:
    """A rule that fired: what it concluded, how strongly, and the facts and tests it matched."""

    rule: str
    diagnosis: str
    cf: float
    matched: dict[str, Any]
    tests: tuple[str, ...]


@dataclass
class Reasoning:
    """The outcome of one run: combined certainty per diagnosis and the firings behind it."""

    facts: dict[str, Any]
    cf: dict[str, float] = field(default_factory=dict)
    firings: list[Firing] = field(default_factory=list)
    evidence: dict[str, dict[str, float]] = field(default_factory=dict)
    groups: dict[str, str] = field(default_factory=dict)
    undecided: set[str] | None = None
    """Ids of the rules the facts leave undecided (neither true nor false), when the pass evaluated every
    rule (the plain evaluator); None when it knows only what fired (experta, CLIPS)."""

    def record(self, rule: RuleSpec) -> None:
        """Add one rule's evidence to its diagnosis and remember why it fired.

        Evidence is combined in group order, so the certainty is the same to the last bit
        whatever order the engine fired the rules in; rules of one evidence group count once.
        """
        matched, tests = _matched(rule.when, self.facts, self.cf)
        self.firings.append(Firing(rule.id, rule.diagnosis, rule.cf, matched, tests))
        pieces = self.evidence.setdefault(rule.diagnosis, {})
        pieces[rule.id] = rule.cf
        self.groups[rule.id] = rule.group or rule.id
        self.cf[rule.diagnosis] = combine_grouped((self.groups[k], k, cf) for k, cf in pieces.items())


def _matched(node: C.Node, facts: dict[str, Any], cf: dict[str, float]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """The facts a rule read and the leaf tests that held, for the trace."""
    matched: dict[str, Any] = {}
    tests: list[str] = []
    for leaf in C.leaves(node):
        if isinstance(leaf, C.Leaf):
            value = facts.get(leaf.fact)
            if value is not None and leaf.test(value):
                matched[leaf.fact] = list(value) if isinstance(value, (tuple, frozenset)) else value
                tests.append(leaf.describe())
        elif leaf.test(cf.get(leaf.id)):
            tests.append(leaf.describe())
    return matched, tuple(tests)


class _TracingEngine(KnowledgeEngine):
    """Engine base whose rule actions report back to the consultation's Reasoning."""

    __matcher__ = IndexedMatcher
    reasoning: Reasoning
    rules_by_id: dict[str, RuleSpec]

    def get_deffacts(self) -> list[Any]:
        """experta inspects every attribute for DefFacts on each reset(); they never change, so once."""
        found = self.__dict__.get("_deffacts")
        if found is None:
            found = self._deffacts = super().get_deffacts()
        return found

    def on_fire(self, rule_id: str) -> None:
        """Called by every compiled rule; OR branches may call twice, evidence counts once."""
        if rule_id in self._fired:
            return
        self._fired.add(rule_id)
        rule = self.rules_by_id[rule_id]
        self.reasoning.record(rule)
        new_cf = self.reasoning.cf[rule.diagnosis]
        existing = self._conclusions.get(rule.diagnosis)
        if existing is None:
            self._conclusions[rule.diagnosis] = self.declare(Conclusion(diag=rule.diagnosis, cf=new_cf))
        elif existing["cf"] != new_cf:  # the same certainty again changes nothing any rule can read
            self._conclusions[rule.diagnosis] = self.modify(existing, cf=new_cf)


def _freeze(value: Any) -> Any:
    """Lists become tuples so experta can hash fact values."""
    return tuple(value) if isinstance(value, list) else value


_ENGINES: Memo[threading.local] = Memo("engine per thread", lambda kb: threading.local())

def _engine(kb: KnowledgeBase) -> _TracingEngine:
    """This thread's engine for the knowledge base: building the Rete network is the costly
    part, so it is done once and the instance is reset between consultations."""
    local = _ENGINES.get(kb)
    engine = getattr(local, "engine", None)
    if engine is None:
        engine = local.engine = engine_class(kb, _TracingEngine)()
        engine.rules_by_id = {r.id: r for r in kb.rules}
    return engine


def reason(kb: KnowledgeBase, facts: dict[str, Any]) -> Reasoning:
    """Run the experta engine over the known facts (derived ones included)."""
    engine = _engine(kb)
    engine.reasoning = Reasoning(facts=facts)
    engine._fired, engine._conclusions = set(), {}
    engine.reset()
    engine.declare(*(datum(name, _freeze(facts[name])) for name in sorted(facts) if facts[name] is not None))
    engine.run()
    return engine.reasoning


def reason_plain(kb: KnowledgeBase, facts: dict[str, Any]) -> Reasoning:
    """The same reasoning in plain Python, level by level (baseline and what-if search)."""
    undecided: set[str] = set()
    reasoning = Reasoning(facts=facts, undecided=undecided)
    for rule in kb.rules_by_level:
        # levels are strata: the conclusions a rule reads are final by now, so its outcome here is its final one
        outcome = C.evaluate(rule.when, facts, reasoning.cf)
        if outcome is True:
            reasoning.record(rule)
        elif outcome is None:
            undecided.add(rule.id)
    return reasoning
