"""knowledge/planning.yaml: how diagnoses become a plan (gating, focus, reconciliation, busywork, context)."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from expert.errors import KnowledgeError, Problem
from expert.knowledge import conditions as C
from expert.knowledge.conditions import parse_condition
from expert.knowledge.loader import Collector
from expert.knowledge.model import KnowledgeBase, Memo, Text
from expert.yamlio import load_yaml_file

__all__ = ["Planning", "Reconcile", "StopDoing", "Platform", "CertaintyWord", "planning_of", "load_planning"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class CertaintyWord(_Strict):
    """A certainty from ``at`` upwards is described by ``word``."""

    at: float = Field(ge=0, le=1)
    word: Text


class Reconcile(_Strict):
    """When ``when`` holds, steps that contradict a diagnosis are dropped and others added, with a note."""

    id: str
    when: Any
    drop: tuple[str, ...] = ()
    add: tuple[str, ...] = ()
    for_diagnosis: str
    note: Text


class StopDoing(_Strict):
    """Busywork the facts show: when ``when`` holds, the plan says to stop it."""

    id: str
    when: Any
    text: Text


class Platform(_Strict):
    """A kind of platform, recognised by words in the platform name, with the levers it changes."""

    id: str
    match: tuple[str, ...]
    drop: tuple[str, ...] = ()
    note: Text


class Planning(_Strict):
    """The planner's knowledge: confirmation threshold, focus limits, words, reconciliations, context."""

    confirm_at: float = Field(gt=0, le=1)
    deciding_kinds: tuple[str, ...]
    ungated_families: tuple[str, ...] = ()
    main_phases: tuple[str, ...]
    main_max: int = Field(ge=1)
    headline_max: int = Field(ge=1)
    solo_max: int = Field(ge=0)
    small_team_max: int = Field(ge=0)
    certainty_words: tuple[CertaintyWord, ...]
    texts: dict[str, Text]
    reconcile: tuple[Reconcile, ...] = ()
    stop_doing: tuple[StopDoing, ...] = ()
    platforms: tuple[Platform, ...] = ()

    def text(self, key: str, lang: str) -> str:
        """A planning string in ``lang``."""
        return self.texts[key].get(lang)

    def certainty_word(self, cf: float, lang: str) -> str:
        """Suspected / likely / established: the highest rung the certainty reaches."""
        rungs = sorted(self.certainty_words, key=lambda r: -r.at)
        return next((r.word.get(lang) for r in rungs if cf >= r.at), rungs[-1].word.get(lang))


def _conditions(data: dict[str, Any], where: str, col: Collector) -> dict[str, Any]:
    """Parse the ``when`` of every reconcile and stop_doing entry into a condition tree."""
    for key in ("reconcile", "stop_doing"):
        entries = []
        for entry in data.get(key) or ():
            if isinstance(entry, dict):
                entry = dict(entry)
                entry["when"] = parse_condition(entry.get("when"), where, col, str(entry.get("id", key)))
            entries.append(entry)
        data[key] = entries
    return data


def load_planning(kb: KnowledgeBase) -> Planning:
    """Read and validate planning.yaml of the knowledge base; every problem names file and field."""
    path = kb.root / "planning.yaml"
    if not path.exists():
        raise KnowledgeError(Problem(str(path), "missing planning knowledge", "copy knowledge/planning.yaml"))
    col = Collector()
    data = load_yaml_file(path) or {}
    if not isinstance(data, dict):
        raise KnowledgeError(Problem(str(path), f"expected a mapping, got {type(data).__name__}"))
    spec = col.validate(Planning, _conditions(dict(data), str(path), col), str(path), "planning", {})
    for entry in (spec.reconcile + spec.stop_doing) if spec else ():
        for leaf in C.leaves(entry.when):
            known = kb.diagnoses if isinstance(leaf, C.Concluded) else None
            name = leaf.id if isinstance(leaf, C.Concluded) else leaf.fact
            if (known is not None and name not in known) or (known is None and not kb.known_fact(name)):
                col.add(str(path), f"'{entry.id}' reads unknown {'conclusion' if known is not None else 'fact'} '{name}'")
    for entry in spec.reconcile if spec else ():
        for action in entry.drop + entry.add:
            if action not in kb.actions:
                col.add(str(path), f"reconcile '{entry.id}' names unknown action '{action}'")
        if entry.for_diagnosis not in kb.diagnoses:
            col.add(str(path), f"reconcile '{entry.id}' is for unknown diagnosis '{entry.for_diagnosis}'")
    for platform in spec.platforms if spec else ():
        for action in platform.drop:
            if action not in kb.actions:
                col.add(str(path), f"platform '{platform.id}' drops unknown action '{action}'")
    if col.problems or spec is None:
        raise KnowledgeError(col.problems or [Problem(str(path), "invalid planning knowledge")])
    return spec


PLANNING: Memo[Planning] = Memo("planning", load_planning)


def planning_of(kb: KnowledgeBase) -> Planning:
    """The planning knowledge of ``kb``, loaded once."""
    return PLANNING.get(kb)
