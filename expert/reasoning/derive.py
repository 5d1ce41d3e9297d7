"""Facts computed from given facts: ratios, the weakest funnel stage, what is defined, forbidden tactics."""
from __future__ import annotations

from typing import Any

from expert.knowledge import DerivedSpec, KnowledgeBase

__all__ = ["derive"]


def _ratio(facts: dict[str, Any], a: str, b: str) -> float | None:
    """a / b rounded, or None when either is unknown or b is not positive."""
    num, den = facts.get(a), facts.get(b)
    if num is None or den is None or den <= 0:
        return None
    return round(num / den, 4)


def _norms(spec: DerivedSpec, facts: dict[str, Any]) -> dict[str, float]:
    """The row of norms for the community's stage (``norm_by``), else the default row; empty without norms."""
    if not spec.norms:
        return {}
    row = facts.get(spec.norm_by) if spec.norm_by else None
    return spec.norms.get(str(row), spec.norms.get("default", {}))


def _against_norm(spec: DerivedSpec, facts: dict[str, Any]) -> dict[str, float]:
    """Each known choice's rate as a multiple of its norm (the raw rate where no norm is given)."""
    norms = _norms(spec, facts)
    known = {stage: facts[name] for stage, name in spec.choices.items() if facts.get(name) is not None}
    return {stage: round(rate / norms[stage], 4) if norms.get(stage) else rate for stage, rate in known.items()}


def derive(kb: KnowledgeBase, facts: dict[str, Any]) -> dict[str, Any]:
    """Return the given facts plus every derived fact that the given ones determine."""
    out = dict(facts)
    for spec in kb.derived.values():  # catalogue order: a derived fact may use earlier ones
        value: Any = None
        if spec.kind == "ratio":
            value = _ratio(out, *spec.inputs)
        elif spec.kind == "weakest":
            known = _against_norm(spec, out)
            if len(known) >= 2:
                value = min(sorted(known), key=lambda stage: known[stage])
        elif spec.kind == "norm_ratio":
            weakest = kb.derived[spec.inputs[0]]
            if out.get(weakest.name) is not None and weakest.norms:
                value = _against_norm(weakest, out)[out[weakest.name]]
        elif spec.kind == "defined":
            value = all(out.get(name) not in (None, "") for name in spec.inputs)
        elif spec.kind == "forbidden_tactics":
            proposed = out.get(spec.inputs[0])
            if proposed is not None:
                value = tuple(t for t in proposed if t in kb.tactics and kb.tactics[t].forbidden)
        if value is not None:
            out[spec.name] = value
    return out
