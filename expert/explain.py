"""Explanations as data: how a conclusion holds, and why an unknown fact matters."""
from __future__ import annotations

from typing import Any

from . import conditions as C
from .certainty import as_certainty
from .engine import Reasoning
from .knowledge import KnowledgeBase, fill

__all__ = ["how", "why_fact", "rules_reading"]


def how(kb: KnowledgeBase, reasoning: Reasoning, diagnosis_id: str, lang: str = "en") -> list[str]:
    """Lines saying why a conclusion holds so far: each firing, its tests and matched values."""
    spec = kb.diagnoses.get(diagnosis_id)
    if spec is None:
        return []
    rules = {r.id: r for r in kb.rules}
    cf = reasoning.cf.get(diagnosis_id)
    lines = [f"{spec.title.get(lang)} ({diagnosis_id}): {as_certainty(cf) if cf is not None else 0.0:.2f}"]
    for firing in sorted(reasoning.firings, key=lambda f: f.rule):
        if firing.diagnosis != diagnosis_id:
            continue
        sign = "+" if firing.cf > 0 else "-"
        evidence = fill(rules[firing.rule].evidence.get(lang), reasoning.facts)
        lines.append(f"  {sign}{abs(firing.cf):.2f} [{firing.rule}] {evidence}  ({'; '.join(firing.tests)})")
    return lines


def rules_reading(kb: KnowledgeBase, fact: str) -> list[Any]:
    """Rules whose condition reads a fact directly or through a derived fact built from it."""
    names = {fact} | {d.name for d in kb.derived.values() if fact in d.inputs or fact in d.choices.values()}
    names |= {d.name for d in kb.derived.values() if set(d.choices.values()) & names}
    return [r for r in kb.rules if names & set(C.fact_names(r.when))]


def why_fact(kb: KnowledgeBase, reasoning: Reasoning, fact: str, lang: str = "en") -> list[str]:
    """Which conclusions an answer for ``fact`` could still change, in words."""
    out: dict[str, list[str]] = {}
    for rule in rules_reading(kb, fact):
        if C.evaluate(rule.when, reasoning.facts, reasoning.cf) is None:
            out.setdefault(rule.diagnosis, []).append(rule.id)
    return [f"{kb.diagnoses[d].title.get(lang)} ({d}): {', '.join(ids)}"
            for d, ids in sorted(out.items(), key=lambda kv: (kb.diagnoses[kv[0]].priority, kv[0]))]
