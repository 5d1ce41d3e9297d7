"""Generated knowledge for scaling runs and tests: the shipped rules cloned ``factor`` times.

``inert`` clones read facts and conclusions of their own (``<fact>~<k>``) that no situation
knows and no rule concludes, so they can never fire: the cost of a
diagnosis should not grow with them.
``live`` clones repeat the original condition in the original's evidence group, so they fire
with it while every certainty stays the same (a group counts its strongest finding once).
"""
from __future__ import annotations

import dataclasses
from typing import Any, Literal

from expert.knowledge import KnowledgeBase, RuleSpec
from expert.knowledge import conditions as C

__all__ = ["scaled_knowledge"]


def _renamed(node: Any, suffix: str) -> Any:
    """The condition tree with every fact name and conclusion read given ``suffix``."""
    if isinstance(node, C.Leaf):
        return dataclasses.replace(node, fact=node.fact + suffix)
    if isinstance(node, C.Concluded):
        return dataclasses.replace(node, id=node.id + suffix)
    if isinstance(node, (C.All, C.Any_)):
        return type(node)(tuple(_renamed(child, suffix) for child in node.children))
    return node


def _inert_clone(rule: RuleSpec, k: int) -> RuleSpec | None:
    """A copy on never-known facts, guarded by its first fact so no OR branch or NOT can fire it."""
    first = next((leaf for leaf in C.leaves(rule.when) if isinstance(leaf, C.Leaf)), None)
    if first is None:
        return None
    suffix = f"~{k}"
    when = C.All((_renamed(first, suffix), _renamed(rule.when, suffix)))
    return rule.model_copy(update={"id": f"{rule.id}~{k}", "when": when, "group": rule.group or rule.id})


def _live_clone(rule: RuleSpec, k: int) -> RuleSpec:
    """A copy that fires with the original, in its evidence group."""
    return rule.model_copy(update={"id": f"{rule.id}~{k}", "group": rule.group or rule.id})


def scaled_knowledge(kb: KnowledgeBase, factor: int, kind: Literal["inert", "live"] = "inert") -> KnowledgeBase:
    """A knowledge base with ``factor - 1`` clones of every rule (factor 1: the same rules)."""
    rules = list(kb.rules)
    for k in range(1, factor):
        for rule in kb.rules:
            clone = _inert_clone(rule, k) if kind == "inert" else _live_clone(rule, k)
            if clone is not None:
                rules.append(clone)
    return dataclasses.replace(kb, rules=rules, memos={})
