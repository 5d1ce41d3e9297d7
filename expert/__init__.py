"""community-expert: diagnose an online community's situation and return an explainable plan.

    >>> import expert
    >>> plan = expert.diagnose({"community": {"name": "Demo"}, "activity": {"activity_change_pct": -30}})
    >>> plan.to_json()

The pipeline reads top to bottom as the packages: knowledge → model → reasoning → planning →
ingest → consult → analysis → history → render → cli. The names below are loaded on first use, so importing
`expert` (or running `expert --help`) does not load the rule engine.
"""
from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING, Any

from expert.errors import ExpertError, InputFileError, KnowledgeError, SituationError

if TYPE_CHECKING:
    from expert.batch import diagnose_many
    from expert.history import History
    from expert.knowledge import KnowledgeBase, load_knowledge
    from expert.model.plan import Plan
    from expert.model.situation import Situation
    from expert.planning.pipeline import diagnose, load_situation

__all__ = [
    "diagnose", "diagnose_many", "load_situation", "load_knowledge", "KnowledgeBase", "Plan", "Situation",
    "ExpertError", "SituationError", "KnowledgeError", "InputFileError", "History",
]

_LAZY = {
    "diagnose": "expert.planning.pipeline", "diagnose_many": "expert.batch", "load_situation": "expert.planning.pipeline",
    "load_knowledge": "expert.knowledge", "KnowledgeBase": "expert.knowledge",
    "Plan": "expert.model.plan", "Situation": "expert.model.situation", "History": "expert.history",
}

try:
    __version__ = version("community-expert")  # the one version: pyproject.toml's
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'expert' has no attribute {name!r}")
