"""Renderers: one module per output format, each a function Plan → text."""
from __future__ import annotations

from ..knowledge import KnowledgeBase
from ..plan import Plan

__all__ = ["render", "FORMATS"]

FORMATS = ("terminal", "markdown", "json")


def render(plan: Plan, fmt: str, kb: KnowledgeBase, *, color: bool = False, width: int = 110) -> str:
    """Render a plan in one of FORMATS."""
    if fmt == "json":
        return plan.to_json()
    if fmt == "markdown":
        from .markdown import render_markdown

        return render_markdown(plan, kb)
    from .terminal import render_terminal

    return render_terminal(plan, kb, color=color, width=width)
