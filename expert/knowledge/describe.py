"""The rule language in words: conditions, fact names and values as a reader sees them (explain and docs)."""
from __future__ import annotations

from typing import Any

from expert.knowledge import conditions as C
from expert.knowledge.model import KnowledgeBase

__all__ = ["fact_name", "value_label", "describe_condition", "range_bound"]

_SYMBOL = {"lt": "<", "le": "≤", "gt": ">", "ge": "≥", "eq": "=", "ne": "≠"}


def fact_name(kb: KnowledgeBase, fact: str, lang: str) -> str:
    """A fact as a reader sees it: its label, with the id in parentheses."""
    return f"{kb.fact_label(fact, lang)} ({fact})"


def value_label(kb: KnowledgeBase, fact: str, value: Any, lang: str) -> str:
    """A fact value in words: its label, a tactic's name, or the value itself."""
    spec = kb.facts.get(fact) or kb.derived.get(fact)
    labels = getattr(spec, "value_labels", None) or {}
    if isinstance(value, str) and value in labels:
        return labels[value].get(lang)
    if isinstance(value, str) and value in kb.tactics and getattr(spec, "values_from", None) == "tactics":
        return kb.tactics[value].label.get(lang)
    if isinstance(value, (list, tuple)):
        return "、".join(value_label(kb, fact, v, lang) for v in value) if lang == "zh" else \
            ", ".join(value_label(kb, fact, v, lang) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str) and value == "":
        return '""'
    return str(value)


def _leaf_words(kb: KnowledgeBase, leaf: Any, lang: str) -> str:
    """One condition leaf as a sentence from messages.yaml."""
    if isinstance(leaf, C.Concluded):
        title = kb.diagnoses[leaf.id].title.get(lang) if leaf.id in kb.diagnoses else leaf.id
        key = "cond_not_concluded" if leaf.negated else "cond_concluded"
        return kb.message(key, lang, diagnosis=f"{title} ({leaf.id})", min=f"{leaf.min:g}")
    fact = fact_name(kb, leaf.fact, lang)
    if leaf.op == "is":
        return kb.message("cond_true" if leaf.value else "cond_false", lang, fact=fact)
    if leaf.op == "nonempty":
        return kb.message("cond_nonempty" if leaf.value else "cond_empty", lang, fact=fact)
    spec = kb.facts.get(leaf.fact)
    if leaf.op in ("eq", "ne") and isinstance(leaf.value, bool):
        positive = leaf.value if leaf.op == "eq" else not leaf.value
        return kb.message("cond_true" if positive else "cond_false", lang, fact=fact)
    value = value_label(kb, leaf.fact, leaf.value, lang)
    if leaf.op in _SYMBOL:
        unit = f" {spec.unit}" if spec is not None and spec.unit == "%" else ""
        return kb.message("cond_compare", lang, fact=fact, op=_SYMBOL[leaf.op], value=f"{value}{unit}".replace(" %", "%"))
    return kb.message(f"cond_{leaf.op}", lang, fact=fact, value=value)


def describe_condition(kb: KnowledgeBase, node: C.Node, lang: str = "en", indent: int = 0, why: bool = True) -> list[str]:
    """A condition tree in words, one test per line, each threshold followed by its why."""
    pad = "  " * indent
    if isinstance(node, (C.Leaf, C.Concluded)):
        line = f"{pad}- {_leaf_words(kb, node, lang)}"
        if why and isinstance(node, C.Leaf) and node.why:
            text = (node.why.get("zh") if lang == "zh" else None) or node.why.get("en")
            line += f" — {kb.message('cond_why', lang, why=text)}"
        return [line]
    head = kb.message("cond_all" if isinstance(node, C.All) else "cond_any", lang)
    lines = [f"{pad}- {head}"]
    for child in node.children:
        lines += describe_condition(kb, child, lang, indent + 1, why)
    return lines


def range_bound(value: float | None) -> str:
    """A range bound, or a dash when there is none."""
    return "—" if value is None else f"{value:g}"
