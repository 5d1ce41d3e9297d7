"""Condition trees of the rule language: parse from YAML data, negate, evaluate (Kleene logic).

A leaf tests one fact (``{fact: activity_change_pct, le: -20}``) or an earlier conclusion
(``{concluded: situation.activity_decline}``). Branches are ``all``, ``any`` and ``not``.
A fact that is unknown makes its leaf *undecided* (None), never true: ``not`` of an undecided
leaf stays undecided, so an unknown fact can never satisfy a rule. Negation is pushed down to
the leaves (De Morgan), which is also how the compiled experta patterns get the same semantics.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from expert.errors import did_you_mean

__all__ = [
    "Leaf", "Concluded", "All", "Any_", "Node", "COMPARATORS", "NUMERIC_OPS",
    "negate", "evaluate", "leaves", "fact_names", "conclusion_ids", "parse_condition", "ProblemSink",
]

NUMERIC_OPS = ("lt", "le", "gt", "ge")
COMPARATORS: dict[str, Callable[[Any, Any], bool]] = {
    "lt": lambda v, t: v < t,
    "le": lambda v, t: v <= t,
    "gt": lambda v, t: v > t,
    "ge": lambda v, t: v >= t,
    "eq": lambda v, t: v == t,
    "ne": lambda v, t: v != t,
    "in": lambda v, t: v in t,
    "not_in": lambda v, t: v not in t,
    "contains": lambda v, t: t in v,
    "not_contains": lambda v, t: t not in v,
    "contains_any": lambda v, t: any(x in v for x in t),
    "contains_none": lambda v, t: not any(x in v for x in t),
    "is": lambda v, t: bool(v) is bool(t),
    "nonempty": lambda v, t: bool(v) is bool(t),
}
_OPPOSITE = {
    "lt": "ge", "ge": "lt", "le": "gt", "gt": "le", "eq": "ne", "ne": "eq",
    "in": "not_in", "not_in": "in", "contains": "not_contains", "not_contains": "contains",
    "contains_any": "contains_none", "contains_none": "contains_any",
}


@dataclass(frozen=True)
class Leaf:
    """Test one situation fact against a threshold or set; ``why`` explains the threshold."""

    fact: str
    op: str
    value: Any
    why: Mapping[str, str] | None = None
    line: int = 0

    def test(self, value: Any) -> bool:
        """Apply the comparison to a known value (type mismatches count as not satisfied)."""
        try:
            return bool(COMPARATORS[self.op](value, self.value))
        except TypeError:
            return False

    def describe(self) -> str:
        """Short text like ``activity_change_pct <= -20`` for traces and explanations."""
        symbol = {"lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "=", "ne": "!="}.get(self.op, self.op)
        return f"{self.fact} {symbol} {_show(self.value)}"


@dataclass(frozen=True)
class Concluded:
    """Test an earlier conclusion: present with certainty >= ``min`` (or absent, if negated)."""

    id: str
    min: float = 0.2
    negated: bool = False
    line: int = 0

    def test(self, certainty: float | None) -> bool:
        """True when the conclusion holds (or, negated, when it does not)."""
        holds = certainty is not None and certainty >= self.min
        return holds != self.negated

    def describe(self) -> str:
        """Short text for traces: ``concluded decline.trigger >= 0.2``."""
        return f"{'not ' if self.negated else ''}concluded {self.id} >= {self.min:g}"


@dataclass(frozen=True)
class All:
    """Every child must hold."""

    children: tuple[Node, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Any_:
    """At least one child must hold."""

    children: tuple[Node, ...] = field(default_factory=tuple)


Node = Leaf | Concluded | All | Any_


def _show(value: Any) -> str:
    """A threshold value as a rule author wrote it (true/false, [a, b])."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple, frozenset)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def negate(node: Node) -> Node:
    """Push a negation down to the leaves so no test ever means 'the fact is absent'."""
    if isinstance(node, All):
        return Any_(tuple(negate(c) for c in node.children))
    if isinstance(node, Any_):
        return All(tuple(negate(c) for c in node.children))
    if isinstance(node, Concluded):
        return Concluded(node.id, node.min, not node.negated, node.line)
    if node.op in ("is", "nonempty"):
        return Leaf(node.fact, node.op, not node.value, node.why, node.line)
    return Leaf(node.fact, _OPPOSITE[node.op], node.value, node.why, node.line)


def evaluate(node: Node, facts: Mapping[str, Any], conclusions: Mapping[str, float]) -> bool | None:
    """Three-valued evaluation: True, False, or None when unknown facts leave it undecided."""
    if isinstance(node, Leaf):
        value = facts.get(node.fact)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        return node.test(value)
    if isinstance(node, Concluded):
        return node.test(conclusions.get(node.id))
    results = [evaluate(child, facts, conclusions) for child in node.children]
    if isinstance(node, All):
        if False in results:
            return False
        return None if None in results else True
    if True in results:
        return True
    return None if None in results else False


def leaves(node: Node) -> Iterator[Leaf | Concluded]:
    """Every leaf of a tree, in order."""
    if isinstance(node, (Leaf, Concluded)):
        yield node
    else:
        for child in node.children:
            yield from leaves(child)


def fact_names(node: Node) -> list[str]:
    """The situation facts a tree reads, in first-use order, without repeats."""
    return list(dict.fromkeys(leaf.fact for leaf in leaves(node) if isinstance(leaf, Leaf)))


def conclusion_ids(node: Node) -> list[str]:
    """The earlier conclusions a tree reads, in first-use order, without repeats."""
    return list(dict.fromkeys(leaf.id for leaf in leaves(node) if isinstance(leaf, Concluded)))


class ProblemSink(Protocol):
    """Where the parser reports a malformed node (the loader's collector)."""

    def add(self, file: str, message: str, hint: str | None = None, code: str = "schema", *, line: int = 0) -> None:
        """Record one problem in ``file`` at ``line``."""


_BRANCHES = ("all", "any", "not")


def parse_condition(data: Any, where: str, col: ProblemSink, rule_id: str) -> Node | None:
    """Turn YAML condition data into a tree; report every malformed node with its line."""
    line = getattr(data, "line", 0)
    if not isinstance(data, dict) or not data:
        col.add(where, f"rule '{rule_id}': a condition must be a mapping such as {{fact: x, le: 3}} or {{all: [...]}}", line=line)
        return None
    branch = [k for k in data if k in _BRANCHES]
    if branch:
        key = branch[0]
        if len(data) != 1:
            col.add(where, f"rule '{rule_id}': '{key}' must stand alone in its mapping", f"found keys {sorted(data)}", line=line)
            return None
        body = data[key]
        if key == "not":
            child = parse_condition(body, where, col, rule_id)
            return negate(child) if child is not None else None
        if not isinstance(body, list) or not body:
            col.add(where, f"rule '{rule_id}': '{key}' needs a non-empty list of conditions", line=line)
            return None
        parsed = [parse_condition(item, where, col, rule_id) for item in body]
        children = tuple(c for c in parsed if c is not None)
        if len(children) != len(parsed):
            return None
        return (All if key == "all" else Any_)(children)
    if "concluded" in data or "not_concluded" in data:
        key = "concluded" if "concluded" in data else "not_concluded"
        unknown = set(data) - {key, "min"}
        if unknown:
            col.add(where, f"rule '{rule_id}': unexpected keys {sorted(unknown)} in a '{key}' test", "allowed: min", line=line)
            return None
        minimum = data.get("min", 0.2)
        if not isinstance(minimum, (int, float)) or not 0 < minimum <= 1:
            col.add(where, f"rule '{rule_id}': min must be a certainty in (0, 1], got {minimum!r}", line=line)
            return None
        return Concluded(str(data[key]), float(minimum), key == "not_concluded", line)
    if "fact" not in data:
        guess = did_you_mean(next(iter(data)), ("fact", "all", "any", "not", "concluded", "not_concluded"))
        col.add(where, f"rule '{rule_id}': a condition needs 'fact', 'concluded' or all/any/not",
                f"did you mean '{guess}'?" if guess else None, line=line)
        return None
    ops = [k for k in data if k not in ("fact", "why")]
    if len(ops) != 1 or ops[0] not in COMPARATORS:
        bad = [o for o in ops if o not in COMPARATORS]
        guess = did_you_mean(bad[0], COMPARATORS) if bad else None
        col.add(where, f"rule '{rule_id}': fact test needs exactly one operator, got {ops}",
                f"did you mean '{guess}'?" if guess else f"operators: {', '.join(COMPARATORS)}", line=line)
        return None
    op = ops[0]
    why = data.get("why")
    if op in NUMERIC_OPS and not why:
        col.add(where, f"rule '{rule_id}': threshold on '{data['fact']}' has no 'why'",
                "add why: {en: ..., zh: ...} — one line on where the threshold comes from", code="missing-why", line=line)
    if why is not None and not (isinstance(why, dict) and why.get("en")):
        col.add(where, f"rule '{rule_id}': 'why' must be {{en: ..., zh: ...}}", line=line)
        why = None
    value = data[op]
    if isinstance(value, list):
        value = tuple(value)
    return Leaf(str(data["fact"]), op, value, dict(why) if why else None, line)
