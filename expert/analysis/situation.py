"""An export's analysis as a situation: the step from measured facts to something the planner can diagnose."""
from __future__ import annotations

from typing import Any

from expert.ingest import Analysis
from expert.knowledge import KnowledgeBase

__all__ = ["situation_from_analysis"]


def situation_from_analysis(analysis: Analysis, kb: KnowledgeBase, name: str) -> dict[str, Any]:
    """The derived situation: facts from the data, clamped to the vocabulary's ranges."""
    data: dict[str, Any] = {"community": {"name": name, "platform": analysis.format}}
    for group, facts in sorted(analysis.facts.items()):
        for fact, value in sorted(facts.items()):
            spec = kb.facts.get(fact)
            if spec is None or spec.group != group:
                continue
            if spec.min is not None and spec.max is not None:
                value = min(max(value, spec.min), spec.max)
            data.setdefault(group, {})[fact] = int(value) if spec.type == "integer" else value
    return data
