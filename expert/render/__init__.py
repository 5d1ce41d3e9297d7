"""Renderers: one module per output format, each a function Plan → text."""
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the formats list is read by the command line's --help: keep this module light
    from expert.knowledge import KnowledgeBase
    from expert.model.plan import Plan

__all__ = ["render", "FORMATS"]

FORMATS = ("terminal", "markdown", "json", "html")


def render(plan: Plan, fmt: str, kb: KnowledgeBase, *, color: bool = False, width: int | None = 110) -> str:
    """Render a plan in one of FORMATS (the terminal report ``width`` columns wide; None: the terminal's)."""
    if fmt == "json":
        return plan.to_json()
    if fmt == "html":  # Jinja2 and pygal load only here, so the CLI starts as fast as before
        from expert.render.html import render_html

        return render_html(plan, kb)
    if fmt == "markdown":
        from expert.render.markdown import render_markdown

        return render_markdown(plan, kb)
    from expert.render.terminal import render_terminal

    return render_terminal(plan, kb, color=color, width=width)
