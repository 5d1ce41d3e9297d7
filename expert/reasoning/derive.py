"""Facts computed from given facts: ratios, the weakest funnel stage, what is defined, forbidden tactics."""
from __future__ import annotations

from typing import Any

from expert.knowledge import KnowledgeBase

__all__ = ["derive"]


def _ratio(facts: dict[str, Any], a: str, b: str) -> float | None:
    """a / b rounded, or None when either is unknown or b is not positive."""
    num, den = facts.get(a), facts.get(b)
    if num is None or den is None or den <= 0:
        return None
    return round(num / den, 4)


def derive(kb: KnowledgeBase, facts: dict[str, Any]) -> dict[str, Any]:
    """Return the given facts plus every derived fact that the given ones determine."""
    out = dict(facts)
    for spec in kb.derived.values():  # catalogue order: a derived fact may use earlier ones
        value: Any = None
        if spec.kind == "ratio":
            value = _ratio(out, *spec.inputs)
        elif spec.kind == "weakest":
            known = {stage: out[name] for stage, name in spec.choices.items() if out.get(name) is not None}
            if len(known) >= 2:
                value = min(sorted(known), key=lambda stage: known[stage])
        elif spec.kind == "defined":
            value = all(out.get(name) not in (None, "") for name in spec.inputs)
        elif spec.kind == "forbidden_tactics":
            proposed = out.get(spec.inputs[0])
            if proposed is not None:
                value = tuple(t for t in proposed if t in kb.tactics and kb.tactics[t].forbidden)
        if value is not None:
            out[spec.name] = value
    return out
