"""The knowledge base's typed model: validated specs of facts, rules, diagnoses, actions, tactics and texts."""
from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "Text", "FactSpec", "DerivedSpec", "RuleSpec", "DiagnosisSpec", "ActionSpec", "TacticSpec", "FamilySpec",
    "KnowledgeBase", "Memo", "fill", "normalise_name", "LANGS", "TIERS", "PHASES",
]
LANGS = ("en", "zh")
TIERS = ("stop_harm", "repair", "mechanism", "scale")
PHASES = ("now", "week", "month", "quarter")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Text(_Strict):
    """A user-facing string in English and Chinese."""

    en: str = Field(min_length=1)
    zh: str | None = None

    def get(self, lang: str) -> str:
        """The string in ``lang``, falling back to English only if a translation is missing."""
        return (self.zh if lang == "zh" else None) or self.en


class FactSpec(_Strict):
    """One input fact: its group, type, allowed range or values, and bilingual label."""

    name: str
    group: str
    type: Literal["number", "integer", "bool", "enum", "list", "text"]
    label: Text
    required: bool = False
    min: float | None = None
    max: float | None = None
    unit: str | None = None
    values: tuple[str, ...] | None = None
    value_labels: dict[str, Text] | None = None
    values_from: Literal["tactics"] | None = None
    at_most: str | None = None
    scalar_group: bool = False
    line: int = 0


class DerivedSpec(_Strict):
    """A fact computed from others: a ratio of two counts, or the weakest of several ratios."""

    name: str
    kind: Literal["ratio", "weakest", "defined", "forbidden_tactics", "norm_ratio"]
    inputs: tuple[str, ...] = ()
    choices: dict[str, str] = Field(default_factory=dict)
    norm_by: str | None = Field(default=None, description="the fact whose value picks a row of norms (e.g. stage)")
    norms: dict[str, dict[str, float]] = Field(default_factory=dict, description="row -> choice -> normal rate")
    source: Text | None = None
    label: Text
    value_labels: dict[str, Text] | None = None
    line: int = 0


class RuleSpec(_Strict):
    """One rule: when the condition holds, add ``cf`` of evidence to ``diagnosis``."""

    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)

    id: str
    when: Any
    diagnosis: str
    cf: float = Field(ge=-1.0, le=1.0)
    evidence: Text
    group: str | None = Field(default=None, description="rules reading one underlying signal: the strongest counts")
    basis: Literal["inferred", "stated"] = "inferred"
    references: tuple[str, ...] = ()
    file: str = ""
    line: int = 0
    level: int = 0


class DiagnosisSpec(_Strict):
    """A conclusion the expert can reach, what it means, and the actions it calls for."""

    id: str
    title: Text
    summary: Text
    family: str
    priority: int = Field(ge=0, le=1000)
    threshold: float = Field(default=0.2, gt=0, le=1)
    actions: tuple[str, ...] = ()
    decide: tuple[str, ...] = Field(default=(), description="the steps that confirm or rule it out, planned while unconfirmed")
    references: tuple[str, ...] = ()
    line: int = 0


class ActionSpec(_Strict):
    """A plan step: what to do, the behaviour it changes, how to judge it, who owns it."""

    id: str
    kind: str
    tier: Literal["stop_harm", "repair", "mechanism", "scale"]
    phase: Literal["now", "week", "month", "quarter"]
    order: int = Field(default=50, ge=0, le=1000)
    title: Text
    description: Text
    behaviour: Text
    success_metric: Text
    guardrail_metric: Text
    owner: Text
    effort: Literal["low", "medium", "high"]
    review_after_days: int = Field(ge=1, le=365)
    target: Text | None = Field(default=None, description="a success target with {fact} placeholders, shown when all are known")
    hedged: Text | None = Field(default=None, description="a caveat where the expert is familiar but not expert")
    references: tuple[str, ...] = ()
    line: int = 0


class FamilySpec(_Strict):
    """A group of diagnoses; a competing family holds rival causes weighed against each other."""

    id: str
    label: Text
    competing: bool
    line: int = 0


class TacticSpec(_Strict):
    """A tactic a team may propose; forbidden ones are refused, never planned."""

    id: str
    label: Text
    forbidden: bool
    why: Text
    synonyms_en: tuple[str, ...] = ()
    synonyms_zh: tuple[str, ...] = ()
    action: str | None = None
    serves: str | None = Field(default=None, description="the diagnosis the action is planned for, when reported")
    guardrails: Text | None = Field(default=None, description="the conditions an allowed tactic must keep to")
    line: int = 0


@dataclass(frozen=True, eq=False)
class KnowledgeBase:
    """Everything the expert knows, validated and cross-referenced."""

    root: Path
    facts: dict[str, FactSpec]
    groups: dict[str, Text]
    derived: dict[str, DerivedSpec]
    rules: list[RuleSpec]
    diagnoses: dict[str, DiagnosisSpec]
    actions: dict[str, ActionSpec]
    tactics: dict[str, TacticSpec]
    messages: dict[str, Text]
    families: dict[str, FamilySpec] = field(default_factory=dict)
    memos: dict[Memo[Any], Any] = field(default_factory=dict, repr=False)

    @functools.cached_property
    def rules_by_id(self) -> dict[str, RuleSpec]:
        """Rule id → rule."""
        return {r.id: r for r in self.rules}

    @functools.cached_property
    def rules_by_level(self) -> list[RuleSpec]:
        """Rules in firing order: a rule that reads a conclusion comes after every rule that makes it."""
        return sorted(self.rules, key=lambda r: r.level)

    def known_fact(self, name: str) -> bool:
        """True for input facts and derived facts alike."""
        return name in self.facts or name in self.derived

    def message(self, key: str, lang: str, **values: Any) -> str:
        """A localised UI string from messages.yaml, with ``{name}`` placeholders filled."""
        text = self.messages[key].get(lang)
        return fill(text, values)

    def fact_label(self, name: str, lang: str) -> str:
        """The human label of an input or derived fact."""
        spec = self.facts.get(name) or self.derived.get(name)
        return spec.label.get(lang) if spec else name


T = TypeVar("T")


class Memo(Generic[T]):
    """A typed slot for a value built once per knowledge base by the module that owns the Memo.

    Higher stages (the situation model, the compiled engine, the questionnaire's indexes) keep
    what they derive from the knowledge with it, without the knowledge base knowing about them.
    """

    __slots__ = ("name", "build")

    def __init__(self, name: str, build: Callable[[KnowledgeBase], T]) -> None:
        self.name = name
        self.build = build

    def __repr__(self) -> str:
        return f"Memo({self.name!r})"

    def get(self, kb: KnowledgeBase) -> T:
        """The value for this knowledge base, built on first use (a racing second build is identical)."""
        try:
            return kb.memos[self]
        except KeyError:
            value = kb.memos[self] = self.build(kb)
            return value


def normalise_name(text: str) -> str:
    """Lower case, with runs of spaces, _ and - made one space, for matching tactic names."""
    return re.sub(r"[\s_\-]+", " ", text.strip().lower())


def fill(template: str, values: dict[str, Any]) -> str:
    """Replace ``{name}`` placeholders by values; no format specs, no attribute access."""
    out, i = [], 0
    while i < len(template):
        start = template.find("{", i)
        end = template.find("}", start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(template[i:])
            break
        key = template[start + 1:end]
        out.append(template[i:start])
        out.append(_format_value(values[key]) if key in values else template[start:end + 1])
        i = end + 1
    return "".join(out)


def _format_value(value: Any) -> str:
    """A placeholder value as text (floats without trailing zeros, lists joined)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple, frozenset)):
        return ", ".join(str(v) for v in value)
    return str(value)
