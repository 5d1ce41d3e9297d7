"""A derived situation as a YAML file a person completes: what the data showed, then commented placeholders.

`expert analyze --situation-out` writes it. An export cannot show what the community is for, how
success is judged, its stage, the team's mood, conflict or outside pressure; each of those facts is
written as a commented line with its label and allowed values, inside its group, so that removing
the ``# `` and filling in a value gives a valid situation for `expert diagnose`. A placeholder left
empty after uncommenting is read as unknown.
"""
from __future__ import annotations

from typing import Any

import yaml

from expert.knowledge import KnowledgeBase
from expert.knowledge.facttypes import fact_type

__all__ = ["situation_yaml", "PLACEHOLDER_FACTS"]

# Facts no export shows (fact names of knowledge/facts.yaml), in the order a person would think of them.
PLACEHOLDER_FACTS = ("objective", "success_metric", "stage", "mood", "severity", "target_metric", "target_change_pct",
                     "deadline_weeks", "proposed_tactics")


def _comment(kb: KnowledgeBase, name: str, lang: str) -> str:
    """'label: allowed values' of one fact, on one line."""
    spec = kb.facts[name]
    label = spec.label.get(lang) if hasattr(spec.label, "get") else str(spec.label)
    return " ".join(f"{label}: {fact_type(spec).allowed(kb, spec, lang)}".split())


def _dump(data: dict[str, Any]) -> str:
    """One group as block YAML, keys in the order given."""
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=100)


def situation_yaml(situation: dict[str, Any], kb: KnowledgeBase, lang: str = "en") -> str:
    """The situation as YAML, each group followed by commented placeholders for the facts it lacks."""
    missing: dict[str, list[str]] = {}
    for name in PLACEHOLDER_FACTS:
        spec = kb.facts.get(name)
        if spec is None:
            continue
        group = situation.get(spec.group)
        known = group is not None if spec.scalar_group else isinstance(group, dict) and group.get(name) is not None
        if not known:
            missing.setdefault(spec.group, []).append(name)
    out = [f"# {line}" for line in kb.message("situation_out_header", lang).splitlines()]
    for group in kb.groups:
        if group in situation:
            out.append(_dump({group: situation[group]}).rstrip("\n"))
            prefix = "  # "
        elif group in missing:
            prefix = "#   "
            if not kb.facts[missing[group][0]].scalar_group:
                out.append(f"# {group}:")
        else:
            continue
        for name in missing.get(group, []):
            spec = kb.facts[name]
            key = f"# {name}:" if spec.scalar_group else f"{prefix}{name}:"
            out.append(f"{key:<28} # {_comment(kb, name, lang)}")
    return "\n".join(out) + "\n"
