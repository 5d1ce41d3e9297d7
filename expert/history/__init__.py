"""The review loop's memory: assessments (situation, plan, metrics) kept in an SQLite history, and reviews of them.

Reads situations and plans from the stages below; the command line and the renderers sit on top.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from expert.history.review import Review, build_review
    from expert.history.store import Assessment, FollowUp, History, default_path

__all__ = ["History", "Assessment", "FollowUp", "Review", "build_review", "default_path"]

_LAZY = {"History": "store", "Assessment": "store", "FollowUp": "store", "default_path": "store",
         "Review": "review", "build_review": "review"}


def __getattr__(name: str) -> Any:
    """Load a public name's module on first use (PEP 562)."""
    if name in _LAZY:
        value = getattr(importlib.import_module(f"expert.history.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'expert.history' has no attribute {name!r}")
