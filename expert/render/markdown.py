"""Markdown report: for sharing a plan in issues, wikis and documents."""
from __future__ import annotations

from ..knowledge import KnowledgeBase
from ..plan import Plan
from .common import Labels

__all__ = ["render_markdown"]


def _cell(text: str) -> str:
    """Text made safe for one markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(plan: Plan, kb: KnowledgeBase) -> str:
    """The whole plan as a markdown document."""
    L = Labels(kb, plan)
    out = [f"# {L('report_title', name=plan.community)}", ""]
    if plan.acknowledgement:
        out += [f"> {plan.acknowledgement}", ""]
    if plan.provisional:
        out += [f"**{L('provisional')}**", ""]
    if plan.headline:
        out += [plan.headline, ""]
    for warning in plan.warnings:
        out.append(f"- ⚠ {warning}")
    if plan.warnings:
        out.append("")
    referrals = [d for d in plan.diagnoses if d.id in plan.referrals]
    if referrals:
        out += [f"## {L('heading_referrals')}", ""]
        out += [f"- **{d.title}** — {d.summary}" for d in referrals] + [""]
    out += [f"## {L('heading_diagnoses')}", ""]
    for d in L.table_diagnoses():
        out.append(f"### {d.title} `{d.id}` — {L('col_certainty')} {d.certainty:.2f}")
        out += ["", d.summary, ""]
        out += [f"- ✔ {e}" for e in d.evidence_for]
        out += [f"- ✘ {e}" for e in d.evidence_against]
        out.append("")
    if plan.differentials:
        out += [f"## {L('heading_differentials')}", ""] + [f"- {line}" for line in L.differential_lines()] + [""]
    if plan.actions:
        out += [f"## {L('heading_plan')}", ""]
        head = ["col_rank", "col_phase", "col_action", "col_for", "col_behaviour", "col_success",
                "col_guardrail", "col_owner", "col_effort", "col_review"]
        out.append("| " + " | ".join(L(h) for h in head) + " |")
        out.append("|" + "---|" * len(head))
        for a in plan.actions:
            row = [str(a.rank), L.phase(a), f"**{a.title}** — {a.description}",
                   ", ".join(L.diagnosis_title(d) for d in a.for_), a.behaviour, a.success_metric,
                   a.guardrail_metric, a.owner, L.effort(a), L.review(a)]
            out.append("| " + " | ".join(_cell(c) for c in row) + " |")
        out.append("")
    anti = [d for d in plan.diagnoses if d.id in plan.anti_patterns]
    if anti:
        out += [f"## {L('heading_anti_patterns')}", ""]
        out += [f"- **{d.title}** — {d.summary}" for d in anti] + [""]
    if plan.missing_information:
        out += [f"## {L('heading_missing')}", ""]
        out += [f"- **{m.label}** (`{m.group}.{m.fact}`) — {m.why}" for m in plan.missing_information] + [""]
    return "\n".join(out).rstrip() + "\n"
