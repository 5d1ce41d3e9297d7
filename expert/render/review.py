"""A review and the history's listings as terminal text, markdown or JSON; the review also as an HTML page.

Every string that came from outside (names, notes, recorded plans) is escaped for the medium.
"""
from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from expert.history.review import Review
from expert.history.store import Assessment, Community
from expert.knowledge import KnowledgeBase
from expert.textsafe import markdown_text, terminal_text

__all__ = ["render_review", "render_communities", "render_assessments", "REVIEW_FORMATS"]

REVIEW_FORMATS = ("terminal", "markdown", "json", "html")
Section = tuple[str, list[str]]


def _value(kb: KnowledgeBase, value: Any, lang: str) -> str:
    """A fact's value in words (unknown when absent)."""
    if value is None:
        return kb.message("review_unknown_value", lang)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(map(str, value))
    return str(value)


def _certainty(value: float | None) -> str:
    """A certainty with two decimals, or a dash when not reported."""
    return "–" if value is None else f"{value:.2f}"


def _status(kb: KnowledgeBase, status: str | None, lang: str) -> str:
    """A follow-up status in words."""
    return kb.message(f"status_{status or 'none'}", lang)


def _diagnosis_sections(kb: KnowledgeBase, review: Review, lang: str) -> list[Section]:
    """New, resolved, stronger and weaker diagnoses, and the facts that moved."""
    line = lambda d: f"{d.title} ({d.id}): {_certainty(d.before)} → {_certainty(d.after)}"  # noqa: E731
    value = lambda v: _value(kb, v, lang)  # noqa: E731
    return [(kb.message(key, lang), lines) for key, lines in (
        ("review_new", [line(d) for d in review.new]),
        ("review_resolved", [line(d) for d in review.resolved]),
        ("review_stronger", [line(d) for d in review.stronger]),
        ("review_weaker", [line(d) for d in review.weaker]),
        ("review_facts_moved", [f"{f.label} ({f.fact}): {value(f.before)} → {value(f.after)}" for f in review.facts_moved]),
    ) if lines]


def _action_lines(kb: KnowledgeBase, review: Review, lang: str) -> list[str]:
    """Each previous action: status, verdict, its target facts and metrics."""
    say = lambda key, **v: kb.message(key, lang, **v)  # noqa: E731
    lines = []
    for a in review.actions:
        status = _status(kb, a.status, lang) + (f" {a.on_date}" if a.on_date else "") + (f" — {a.note}" if a.note else "")
        targets = "; ".join(f"{t.label}: {_value(kb, t.before, lang)} → {_value(kb, t.after, lang)}" for t in a.targets)
        lines.append(f"{a.title} ({a.id}) [{status}]: {say('verdict_' + a.verdict)}"
                     + (f". {say('review_target')}: {targets}" if targets else "")
                     + f". {say('review_success')}: {a.success_metric}. {say('review_guardrail_metric')}: {a.guardrail_metric}")
    return lines


def _sections(kb: KnowledgeBase, review: Review, lang: str) -> list[Section]:
    """Every non-empty section of the review, in reading order."""
    say = lambda key, **v: kb.message(key, lang, **v)  # noqa: E731
    titles = {d.id: d.title for d in review.new}
    sections = _diagnosis_sections(kb, review, lang)
    sections.append((say("review_actions"), _action_lines(kb, review, lang)))
    sections.append((say("review_done_not_moved"), [next(f"{a.title} ({a.id})" for a in review.actions if a.id == i)
                                                   for i in review.done_not_moved]))
    sections.append((say("review_guardrail"), [f"{titles.get(i, i)} ({i})" for i in review.guardrail_alerts]))
    sections.append((say("review_unknown"), [f"{m.label} ({m.fact}): {m.why}" for m in review.unknown]))
    members = review.member_notes or [say("review_members_none", name=review.community)] + [
        f"– {p}" for p in review.member_prompts]
    sections.append((say("review_members"), members))
    sections.append((say("review_next_plan"), [_next_line(kb, n, lang) for n in review.next_plan]))
    sections.append((say("review_trend"), [line for _, line, _ in _trend(kb, review, lang)] if review.before else []))
    return [(h, lines) for h, lines in sections if lines]


def _next_line(kb: KnowledgeBase, n: Any, lang: str) -> str:
    """A step of the next plan with its status and flags."""
    flags = [kb.message("phase_" + n.phase, lang)]
    if n.status:
        flags.append(_status(kb, n.status, lang))
    if n.carried:
        flags.append(kb.message("review_carried", lang))
    if n.rethink:
        flags.append(kb.message("review_rethink", lang))
    return f"#{n.rank} {n.title} ({n.id}) [{', '.join(flags)}]"


def _intro(kb: KnowledgeBase, review: Review, lang: str) -> str:
    """Which assessments are compared."""
    if review.before is None:
        return kb.message("review_only_one", lang, date=review.after.as_of)
    text = kb.message("review_compared", lang, after=review.after.id, after_date=review.after.as_of,
                      before=review.before.id, before_date=review.before.as_of, count=review.assessments)
    moved = review.new or review.resolved or review.stronger or review.weaker or review.facts_moved
    return text if moved else f"{text}. {kb.message('review_no_change', lang)}"


def _document(title: str, intro: str, sections: list[Section], fmt: str) -> str:
    """Title, intro and sections as markdown or plain terminal text, every line escaped."""
    if fmt == "markdown":
        out = [f"# {markdown_text(title)}", "", markdown_text(intro, limit=None), ""]
        for heading, lines in sections:
            out += [f"## {heading}", ""] + [f"- {markdown_text(line, limit=None)}" for line in lines] + [""]
        return "\n".join(out)
    title = terminal_text(title)
    out = [title, "=" * min(len(title), 78), terminal_text(intro, limit=None)]
    for heading, lines in sections:
        out += ["", heading] + [f"  • {terminal_text(line, limit=None)}" for line in lines]
    return "\n".join(out) + "\n"


def render_review(review: Review, fmt: str, kb: KnowledgeBase) -> str:
    """The review in one of REVIEW_FORMATS."""
    if fmt == "json":
        return review.to_json()
    lang = review.lang
    title, intro, sections = kb.message("review_title", lang, name=review.community), _intro(kb, review, lang), \
        _sections(kb, review, lang)
    if fmt == "html":  # Jinja2 and pygal load only here
        from expert.render.html import review_html

        return review_html(title, intro, sections, kb.message("review_trend", lang), _trend(kb, review, lang), kb, lang)
    return _document(title, intro, sections, fmt)


def _number(value: Any) -> float | None:
    """A value a chart can draw (None for unknown, yes/no and words)."""
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _trend(kb: KnowledgeBase, review: Review, lang: str) -> list[tuple[str, str, list[tuple[str, str, float | None]]]]:
    """Each key fact's label, its trend line as the other formats write it, and its values for a chart."""
    out = []
    for fact, points in review.trend.items():
        label = kb.fact_label(fact, lang)
        line = f"{label} ({fact}): " + " → ".join(f"{p.as_of} {_value(kb, p.value, lang)}" for p in points)
        out.append((label, line, [(p.as_of, _value(kb, p.value, lang), _number(p.value)) for p in points]))
    return out


def _table(headers: list[str], rows: list[list[str]], fmt: str, escape: Callable[[str], str]) -> list[str]:
    """A small table: markdown pipes, or aligned columns for a terminal."""
    cells = [[escape(c) for c in row] for row in rows]
    if fmt == "markdown":
        return ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)] + [
            "| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in cells]
    widths = [max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)]
    fit = lambda row: "  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip()  # noqa: E731
    return [fit(headers)] + [fit(r) for r in cells]


def _escape(fmt: str) -> Callable[[str], str]:
    """The escaping of the medium."""
    return (lambda s: markdown_text(s)) if fmt == "markdown" else (lambda s: terminal_text(s))


def render_communities(communities: list[Community], fmt: str, kb: KnowledgeBase, lang: str) -> str:
    """The communities in the history, with how many assessments and when."""
    if fmt == "json":
        return json.dumps([c.__dict__ for c in communities], ensure_ascii=False, indent=2) + "\n"
    say = lambda key: kb.message(key, lang)  # noqa: E731
    headers = [say("history_col_community"), say("history_col_assessments"), say("history_col_first"),
               say("history_col_latest")]
    rows = [[c.name, str(c.assessments), c.first, c.latest] for c in communities]
    return "\n".join(_table(headers, rows, fmt, _escape(fmt))) + "\n"


def render_assessments(assessments: list[Assessment], fmt: str, kb: KnowledgeBase, lang: str) -> str:
    """One community's assessments: number, date, command, top diagnoses, number of actions."""
    if fmt == "json":
        return json.dumps([{"id": a.id, "community": a.community, "as_of": a.as_of, "kind": a.kind,
                            "recorded_at": a.recorded_at, "fingerprint": a.fingerprint,
                            "diagnoses": {d.id: d.certainty for d in a.plan.diagnoses},
                            "actions": [x.id for x in a.plan.actions]} for a in assessments],
                          ensure_ascii=False, indent=2) + "\n"
    say = lambda key: kb.message(key, lang)  # noqa: E731
    headers = [say("history_col_id"), say("history_col_community"), say("history_col_date"), say("history_col_kind"),
               say("history_col_diagnoses"), say("history_col_actions")]
    title = lambda d: kb.diagnoses[d.id].title.get(lang) if d.id in kb.diagnoses else d.title  # noqa: E731
    rows = [[str(a.id), a.community, a.as_of, a.kind,
             ", ".join(f"{title(d)} {d.certainty:.2f}" for d in a.plan.diagnoses[:3]), str(len(a.plan.actions))]
            for a in assessments]
    return "\n".join(_table(headers, rows, fmt, _escape(fmt))) + "\n"
