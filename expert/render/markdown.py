"""Markdown report: for sharing a plan in issues, wikis and documents.

Every string of the plan is text, not markdown: each goes through safe.markdown_text, so a
community name or a proposed tactic can start no heading, open no HTML tag, link nowhere and
break no table row.
"""
from __future__ import annotations

from collections.abc import Callable

from expert.knowledge import KnowledgeBase
from expert.model.plan import Plan
from expert.render.common import Labels
from expert.render.view import Section, report_view
from expert.textsafe import markdown_code as _code
from expert.textsafe import markdown_text as _md

__all__ = ["render_markdown"]


def _row(cells: list[str]) -> str:
    """One markdown table row; cells are already escaped (``|`` included) and on one line."""
    return "| " + " | ".join(cells) + " |"


def _titled(title: str, text: str) -> str:
    """A bullet with a bold title and its text."""
    return f"- **{_md(title)}** — {_md(text)}"


def _diagnoses(section: Section, L: Labels) -> list[str]:
    """Each diagnosis with its certainty, summary and evidence for (✔) and against (✘)."""
    out = []
    for d in section.items:
        out.append(f"### {_md(d.title)} `{_code(d.id)}` — {_md(L('col_certainty'))} {_md(L.certainty(d))}")
        out += ["", _md(d.summary), ""]
        out += [f"- ✔ {_md(e)}" for e in d.evidence_for]
        out += [f"- ✘ {_md(e)}" for e in d.evidence_against]
        out.append("")
    return out[:-1]


def _plan(section: Section, L: Labels) -> list[str]:
    """One part of the plan as a table: rank, phase, action, measures, owner, effort, review."""
    head = ["col_rank", "col_phase", "col_action", "col_for", "col_behaviour", "col_success",
            "col_guardrail", "col_owner", "col_effort", "col_review"]
    out = [_row([_md(L(h)) for h in head]), "|" + "---|" * len(head)]
    for a in section.items:
        extras = "".join(f" — *{_md(x)}*" for x in L.action_extras(a))
        out.append(_row([str(a.rank), _md(L.phase(a)), f"**{_md(a.title)}** — {_md(a.description)}{extras}",
                         _md(", ".join(L.diagnosis_title(d) for d in a.for_)), _md(a.behaviour),
                         _md(a.success_metric), _md(a.guardrail_metric), _md(a.owner), _md(L.effort(a)),
                         _md(L.review(a))]))
    return out


_SECTION: dict[str, Callable[[Section, Labels], list[str]]] = {  # how each section of the report view looks
    "referrals": lambda s, L: [_titled(d.title, d.summary) for d in s.items],
    "warnings": lambda s, L: [f"- ⚠ {_md(w)}" for w in s.items],
    "diagnoses": _diagnoses,
    "differentials": lambda s, L: [f"- {_md(line)}" for line in L.differential_lines()],
    "plan": _plan,
    "stop_doing": lambda s, L: [f"- {_md(line)}" for line in s.items],
    "notes": lambda s, L: [f"- {_md(line)}" for line in s.items],
    "anti_patterns": lambda s, L: [_titled(d.title, d.summary) for d in s.items],
    "missing": lambda s, L: [f"- **{_md(m.label)}** (`{_code(m.group)}.{_code(m.fact)}`) — {_md(m.why)}"
                             for m in s.items],
}


def render_markdown(plan: Plan, kb: KnowledgeBase) -> str:
    """The whole plan as a markdown document."""
    view = report_view(plan, kb)
    L = view.labels
    out = [f"# {_md(view.title, limit=None)}", ""]
    if view.acknowledgement:
        out += [f"> {_md(view.acknowledgement)}", ""]
    if view.provisional:
        out += [f"**{_md(view.provisional)}**", ""]
    if view.headline:
        out += [_md(view.headline), ""]
    for section in view.sections:
        out += [f"## {_md(section.title)}", ""] + _SECTION[section.kind](section, L) + [""]
    return "\n".join(out).rstrip() + "\n"
