"""The library entry point: a situation (model, mapping or path) in, a Plan out."""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from expert.errors import Problem, SituationError
from expert.knowledge import LANGS, KnowledgeBase, cached_knowledge
from expert.model.plan import Plan
from expert.model.situation import Situation
from expert.planning.planner import make_plan
from expert.reasoning.derive import derive
from expert.reasoning.engine import reason, reason_plain

__all__ = ["diagnose", "load_situation", "consult_facts"]

def _kb(knowledge: KnowledgeBase | str | Path | None) -> KnowledgeBase:
    """The knowledge base given, or the one loaded (once, then cached) from a folder or the bundled one."""
    if isinstance(knowledge, KnowledgeBase):
        return knowledge
    return cached_knowledge(str(knowledge) if knowledge else None)


def load_situation(source: Situation | Mapping[str, Any] | str | Path, knowledge: KnowledgeBase | str | Path | None = None,
                   lang: str = "en") -> Situation:
    """Accept a Situation, a mapping or a path (YAML/JSON; '-' for stdin) and validate it (errors in ``lang``)."""
    kb = _kb(knowledge)
    if isinstance(source, Situation):
        return source
    if isinstance(source, Mapping):
        return Situation.parse(dict(source), kb, lang=lang)
    if isinstance(source, (str, Path)):
        return Situation.load(source, kb, lang)
    raise SituationError(Problem("situation", f"expected a Situation, mapping or path, got {type(source).__name__}"))


def consult_facts(situation: Situation, kb: KnowledgeBase, *, engine: str = "rete"):
    """Derive facts and run the rules: 'rete' uses experta, 'plain' the pure-Python evaluator."""
    facts = derive(kb, situation.facts())
    return (reason if engine == "rete" else reason_plain)(kb, facts)


def diagnose(situation: Situation | Mapping[str, Any] | str | Path, *, lang: str = "en",
             knowledge: KnowledgeBase | str | Path | None = None, today: dt.date | None = None) -> Plan:
    """Diagnose a community situation and return the explainable, ranked Plan (review dates from ``today``)."""
    if lang not in LANGS:
        raise SituationError(Problem("lang", f"unknown language {lang!r}", f"allowed: {', '.join(LANGS)}"))
    kb = _kb(knowledge)
    validated = load_situation(situation, kb, lang)
    return make_plan(kb, validated, consult_facts(validated, kb), lang, today)
