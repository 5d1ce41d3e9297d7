"""Markdown report: for sharing a plan in issues, wikis and documents.

Every string of the plan is text, not markdown: each goes through safe.markdown_text, so a
community name or a proposed tactic can start no heading, open no HTML tag, link nowhere and
break no table row.
"""
from __future__ import annotations

from expert.knowledge import KnowledgeBase
from expert.model.plan import Plan
from expert.render.common import Labels
from expert.textsafe import clip
from expert.textsafe import markdown_code as _code
from expert.textsafe import markdown_text as _md

__all__ = ["render_markdown"]


def _row(cells: list[str]) -> str:
    """One markdown table row; cells are already escaped (``|`` included) and on one line."""
    return "| " + " | ".join(cells) + " |"


def _titled(title: str, text: str) -> str:
    """A bullet with a bold title and its text."""
    return f"- **{_md(title)}** — {_md(text)}"


def render_markdown(plan: Plan, kb: KnowledgeBase) -> str:
    """The whole plan as a markdown document."""
    L = Labels(kb, plan)
    out = [f"# {_md(L('report_title', name=clip(plan.community, 200)), limit=None)}", ""]
    if plan.acknowledgement:
        out += [f"> {_md(plan.acknowledgement)}", ""]
    if plan.provisional:
        out += [f"**{_md(L('provisional'))}**", ""]
    if plan.headline:
        out += [_md(plan.headline), ""]
    out += [f"- ⚠ {_md(warning)}" for warning in L.warning_lines()]
    if plan.warnings:
        out.append("")
    referrals = [d for d in plan.diagnoses if d.id in plan.referrals]
    if referrals:
        out += [f"## {_md(L('heading_referrals'))}", ""] + [_titled(d.title, d.summary) for d in referrals] + [""]
    out += [f"## {_md(L('heading_diagnoses'))}", ""]
    for d in L.table_diagnoses():
        out.append(f"### {_md(d.title)} `{_code(d.id)}` — {_md(L('col_certainty'))} {_md(L.certainty(d))}")
        out += ["", _md(d.summary), ""]
        out += [f"- ✔ {_md(e)}" for e in d.evidence_for]
        out += [f"- ✘ {_md(e)}" for e in d.evidence_against]
        out.append("")
    if plan.differentials:
        out += [f"## {_md(L('heading_differentials'))}", ""] + [f"- {_md(line)}" for line in L.differential_lines()] + [""]
    for title, actions in L.plan_parts():
        out += [f"## {_md(L('heading_plan'))}: {_md(title)}", ""]
        head = ["col_rank", "col_phase", "col_action", "col_for", "col_behaviour", "col_success",
                "col_guardrail", "col_owner", "col_effort", "col_review"]
        out += [_row([_md(L(h)) for h in head]), "|" + "---|" * len(head)]
        for a in actions:
            extras = "".join(f" — *{_md(x)}*" for x in L.action_extras(a))
            out.append(_row([str(a.rank), _md(L.phase(a)), f"**{_md(a.title)}** — {_md(a.description)}{extras}",
                             _md(", ".join(L.diagnosis_title(d) for d in a.for_)), _md(a.behaviour),
                             _md(a.success_metric), _md(a.guardrail_metric), _md(a.owner), _md(L.effort(a)),
                             _md(L.review(a))]))
        out.append("")
    for heading, lines in ((L.planning("heading_stop"), plan.stop_doing), (L.planning("heading_notes"), plan.notes)):
        if lines:
            out += [f"## {_md(heading)}", ""] + [f"- {_md(line)}" for line in lines] + [""]
    anti = [d for d in plan.diagnoses if d.id in plan.anti_patterns]
    if anti:
        out += [f"## {_md(L('heading_anti_patterns'))}", ""] + [_titled(d.title, d.summary) for d in anti] + [""]
    if plan.missing_information:
        out += [f"## {_md(L('heading_missing'))}", ""]
        out += [f"- **{_md(m.label)}** (`{_code(m.group)}.{_code(m.fact)}`) — {_md(m.why)}"
                for m in plan.missing_information] + [""]
    return "\n".join(out).rstrip() + "\n"
