"""The knowledge base's rules translated rule for rule into CLIPS (clipspy), for benchmarking experta against it.

CLIPS does the matching and the agenda (salience = 1000 - level, as in the experta engine); a
firing calls back into the same Python bookkeeping experta's rule actions use
(``Reasoning.record``), so both engines produce a ``Reasoning`` that can be compared bit for bit.

Facts are ``(datum (name "f") (kind scalar|list) (value ...))``; conclusions
``(conclusion (diag "d") (cf 0.42))``. A test that would raise TypeError in Python (a string
compared with a number) is false, as in ``Leaf.test``. clipspy leaks a few KB per diagnosis,
and a used environment gets slower (0.25 -> 0.41 ms per diagnosis over its first 1,000), so
``ClipsReasoner`` builds a fresh one every ``recycle`` (100) diagnoses, outside the timed section.
"""
from __future__ import annotations

from typing import Any

from expert.knowledge import KnowledgeBase
from expert.knowledge import conditions as C
from expert.reasoning.engine import Reasoning

__all__ = ["ClipsReasoner", "translate", "available"]

_MAX_LEVEL_SALIENCE = 1000
_PRELUDE = [
    "(deftemplate datum (slot name) (slot kind) (multislot value))",
    "(deftemplate conclusion (slot diag) (slot cf))",
    """(deffunction truthy (?k $?v)
  (if (eq ?k list) then (> (length$ ?v) 0)
   else (bind ?x (nth$ 1 ?v))
        (not (or (eq ?x FALSE) (eq ?x 0) (eq ?x 0.0) (eq ?x "")))))""",
    """(deffunction conclude (?d ?cf)
  (do-for-all-facts ((?c conclusion)) (eq ?c:diag ?d) (retract ?c))
  (assert (conclusion (diag ?d) (cf ?cf))))""",
]


def available() -> bool:
    """Whether clipspy is installed (the `bench` extra)."""
    try:
        import clips  # noqa: F401, PLC0415
    except ImportError:
        return False
    return True


def _atom(value: Any) -> str:
    """A Python threshold as a CLIPS constant (strings quoted and escaped, booleans as symbols)."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def _test(leaf: C.Leaf, k: str, v: str) -> str:
    """The CLIPS expression for one leaf test on kind ?k and multifield value ?v."""
    op, t = leaf.op, leaf.value
    x = f"(nth$ 1 {v})"
    scalar = f"(eq {k} scalar)"
    if op in C.NUMERIC_OPS:
        symbol = {"lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
        return f"(and {scalar} (numberp {x}) ({symbol} {x} {_atom(t)}))"
    if op in ("eq", "ne"):
        if isinstance(t, (int, float)) and not isinstance(t, bool):
            same = f"(and {scalar} (numberp {x}) (= {x} {_atom(t)}))"
        else:
            same = f"(and {scalar} (eq {x} {_atom(t)}))"
        return same if op == "eq" else f"(not {same})"
    if op in ("in", "not_in"):
        inside = f"(and {scalar} (member$ {x} (create$ {' '.join(_atom(a) for a in t)})))"
        return inside if op == "in" else f"(not {inside})"
    if op in ("contains", "not_contains", "contains_any", "contains_none"):
        wanted = [t] if op in ("contains", "not_contains") else list(t)
        found = " ".join(f"(member$ {_atom(w)} {v})" for w in wanted)
        has = f"(and (eq {k} list) (or {found} FALSE))"
        return has if op in ("contains", "contains_any") else f"(not {has})"
    if op in ("is", "nonempty"):
        return f"(eq (truthy {k} {v}) {_atom(bool(t))})"
    raise ValueError(f"no CLIPS translation for operator {op!r}")


class _Vars:
    """Fresh variable names, so no two patterns of a rule ever join on a shared variable by accident."""

    def __init__(self) -> None:
        self.n = 0

    def new(self) -> tuple[str, str]:
        """A kind variable and a value variable."""
        self.n += 1
        return f"?k{self.n}", f"$?v{self.n}"


def _ce(node: C.Node, names: _Vars) -> str:
    """A condition tree as a CLIPS conditional element."""
    if isinstance(node, C.Leaf):
        k, v = names.new()
        return f'(datum (name {_atom(node.fact)}) (kind {k}) (value {v}&:{_test(node, k, v)}))'
    if isinstance(node, C.Concluded):
        names.n += 1
        holds = f'(conclusion (diag {_atom(node.id)}) (cf ?c{names.n}&:(>= ?c{names.n} {_atom(node.min)})))'
        return f"(not {holds})" if node.negated else holds
    parts = " ".join(_ce(child, names) for child in node.children)
    return f"(and {parts})" if isinstance(node, C.All) else f"(or {parts})"


def translate(kb: KnowledgeBase) -> list[str]:
    """Every rule as a CLIPS defrule (the prelude first): the same conditions, salience by level."""
    out = list(_PRELUDE)
    for i, rule in enumerate(kb.rules):
        salience = _MAX_LEVEL_SALIENCE - rule.level
        out.append(f"(defrule r{i} (declare (salience {salience})) {_ce(rule.when, _Vars())}\n"
                   f"  => (bind ?cf (py-fire {i})) (if (neq ?cf FALSE) then (conclude {_atom(rule.diagnosis)} ?cf)))")
    return out


class ClipsReasoner:
    """``reason(facts)`` in CLIPS, giving the same ``Reasoning`` as expert.reasoning.engine.reason."""

    def __init__(self, kb: KnowledgeBase, recycle: int = 100) -> None:
        self.kb, self.recycle = kb, recycle
        self.source = translate(kb)
        self.env: Any = None
        self.used = 0
        self.reasoning: Reasoning | None = None
        self.fired: set[int] = set()
        self.last_cf: dict[str, float] = {}

    def _build(self) -> None:
        """A fresh environment with every rule (clipspy leaks memory per diagnosis, so it is recycled)."""
        import clips  # noqa: PLC0415
        self._clips = clips
        self.env = clips.Environment()
        self.env.define_function(self._fire, name="py-fire")
        for construct in self.source:
            self.env.build(construct)
        self.datum = self.env.find_template("datum")
        self.scalar, self.list = clips.Symbol("scalar"), clips.Symbol("list")
        self.used = 0

    def _fire(self, index: int) -> Any:
        """A rule's action: record its evidence once; return the new certainty, or FALSE when nothing changed."""
        if index in self.fired:
            return False
        self.fired.add(index)
        rule = self.kb.rules[index]
        assert self.reasoning is not None
        self.reasoning.record(rule)
        new = self.reasoning.cf[rule.diagnosis]
        if self.last_cf.get(rule.diagnosis) == new:
            return False
        self.last_cf[rule.diagnosis] = new
        return new

    def _value(self, value: Any) -> tuple[Any, list[Any]]:
        """A fact value as (kind, multifield): lists element by element, booleans as TRUE/FALSE."""
        if isinstance(value, (list, tuple, frozenset)):
            return self.list, [self._clips.Symbol("TRUE" if v else "FALSE") if isinstance(v, bool) else v
                               for v in (sorted(value) if isinstance(value, frozenset) else value)]
        if isinstance(value, bool):
            return self.scalar, [self._clips.Symbol("TRUE" if value else "FALSE")]
        return self.scalar, [value]

    def build(self) -> None:
        """Build the environment now (so that timing a diagnosis leaves the build out)."""
        self._build()

    def recycle_if_due(self) -> None:
        """Build a fresh environment when none exists or this one has served ``recycle`` diagnoses
        (a benchmark calls this outside its timed section)."""
        if self.env is None or self.used >= self.recycle:
            self._build()

    def reason(self, facts: dict[str, Any]) -> Reasoning:
        """Reset, assert the known facts, run to quiescence."""
        self.recycle_if_due()
        self.used += 1
        self.reasoning = Reasoning(facts=facts)
        self.fired, self.last_cf = set(), {}
        self.env.reset()
        for name in sorted(facts):
            if facts[name] is not None:
                kind, value = self._value(facts[name])
                self.datum.assert_fact(name=name, kind=kind, value=value)
        self.env.run()
        return self.reasoning
