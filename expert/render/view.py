"""The report view: which sections a plan's report shows, in which order, with what in them.

Terminal, markdown and HTML all walk the same ``report_view`` so the three never disagree on
order or content; each only decides how a section looks.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from expert.knowledge import KnowledgeBase
from expert.model.plan import Plan
from expert.render.common import Labels
from expert.textsafe import clip

__all__ = ["Section", "ReportView", "report_view", "SECTION_KINDS"]

# The reading order: what must not be missed (referrals, warnings) first, then the reasoning, the
# plan, what to stop and how the plan was shaped, what to avoid, and what to measure next.
SECTION_KINDS = ("referrals", "warnings", "diagnoses", "differentials", "plan", "stop_doing", "notes",
                 "anti_patterns", "missing")


@dataclass(frozen=True)
class Section:
    """One section of the report: its kind (one of SECTION_KINDS), heading and items.

    Items are lines (warnings, stop_doing, notes), DiagnosisResult (referrals, diagnoses,
    anti_patterns), Differential, PlannedAction (plan: one section per part) or MissingFact.
    """

    kind: str
    title: str
    items: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class ReportView:
    """The whole report: its title, the lines above the sections, then the sections in order."""

    title: str
    acknowledgement: str | None
    provisional: str | None
    headline: str | None
    sections: list[Section]
    labels: Labels


def report_view(plan: Plan, kb: KnowledgeBase) -> ReportView:
    """The report of ``plan`` as ordered, non-empty sections with their headings in the plan's language."""
    L = Labels(kb, plan)
    by_id = lambda ids: [d for d in plan.diagnoses if d.id in ids]  # noqa: E731
    candidates: list[Section] = [
        Section("referrals", L("heading_referrals"), by_id(plan.referrals)),
        Section("warnings", L("heading_warnings"), L.warning_lines()),
        Section("diagnoses", L("heading_diagnoses"), L.table_diagnoses()),
        Section("differentials", L("heading_differentials"), list(plan.differentials)),
        *[Section("plan", f"{L('heading_plan')}: {title}", actions) for title, actions in L.plan_parts()],
        Section("stop_doing", L.planning("heading_stop"), list(plan.stop_doing)),
        Section("notes", L.planning("heading_notes"), list(plan.notes)),
        Section("anti_patterns", L("heading_anti_patterns"), by_id(plan.anti_patterns)),
        Section("missing", L("heading_missing"), list(plan.missing_information)),
    ]
    return ReportView(title=L("report_title", name=clip(plan.community, 200)), acknowledgement=plan.acknowledgement,
                      provisional=L("provisional") if plan.provisional else None, headline=plan.headline,
                      sections=[s for s in candidates if s.items], labels=L)
