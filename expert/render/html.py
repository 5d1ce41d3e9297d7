"""HTML report (``--format html``): one self-contained page, CSS and SVG charts inline, no script, no request.

The page walks the same report view as the terminal and markdown reports. Jinja2 autoescapes
every value, and each value first goes through ``terminal_text`` (control and escape characters
become visible escapes), so names and messages from a situation or an export stay text.
"""
from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup

from expert.knowledge import PHASES, KnowledgeBase
from expert.model.plan import Plan
from expert.render.charts import Chart, bar_chart, history_chart, months_in, trend_chart
from expert.render.view import ReportView, report_view
from expert.textsafe import TEXT_LIMIT, terminal_text

__all__ = ["render_html", "analysis_html", "whatif_html", "review_html", "TrendLine", "HTML_LANG"]

HTML_LANG = {"en": "en", "zh": "zh-Hans"}  # the page's lang attribute: fonts and screen readers follow it
TEMPLATES = Path(__file__).parent / "templates"
TrendLine = tuple[str, str, list[tuple[str, str, float | None]]]  # a fact's label, its text line, (date, value, number)
ALT_LIMIT = 6000  # a chart's text alternative lists every value: 36 months of three series fit


def _shown(value: Any) -> Any:
    """Every {{ value }} on its way out: markup we made passes, text loses its control characters."""
    if isinstance(value, Markup) or not isinstance(value, str):
        return value
    return terminal_text(value, multiline=True, limit=TEXT_LIMIT)


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    """The template environment: autoescape on, undefined names an error, values cleaned."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, finalize=_shown,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["long"] = _long
    return env


def _long(value: Any) -> Markup:
    """A long text (a chart's numbers in words) cleaned and escaped, cut only at ALT_LIMIT characters."""
    return Markup.escape(terminal_text(value, multiline=True, limit=ALT_LIMIT))


def _certainty_chart(view: ReportView, chart_id: str) -> Chart | None:
    """The diagnoses' certainties as bars, with a text alternative that lists them."""
    diagnoses = next((s.items for s in view.sections if s.kind == "diagnoses"), [])
    if not diagnoses:
        return None
    L = view.labels
    values = "; ".join(f"{d.title} {d.certainty:.2f}" for d in diagnoses)
    return bar_chart(chart_id, L("html_certainty_chart"), [d.title for d in diagnoses],
                     [(L("col_certainty"), [d.certainty for d in diagnoses])], L("html_certainty_alt", values=values))


def _timeline(actions: list, L: Any) -> list[tuple[str, list]]:
    """The actions of one plan part in columns by phase (now, this week, this month, later)."""
    columns = []
    for phase in PHASES:
        in_phase = [a for a in actions if a.phase == phase]
        if in_phase:
            columns.append((L(f"phase_{phase}"), in_phase))
    return columns


def _page(view: ReportView, kb: KnowledgeBase, lang: str, prefix: str, **extra: Any) -> dict[str, Any]:
    """What the report template needs: the view, its charts, the timelines, the labels."""
    L = view.labels
    sections = [(f"{prefix}-{i}-{s.kind}", s, _timeline(s.items, L) if s.kind == "plan" else None)
                for i, s in enumerate(view.sections)]
    first_plan = next((sid for sid, s, _ in sections if s.kind == "plan"), None)
    diagnosis_titles = {d.id: d.title for d in view.labels.plan.diagnoses}
    titles = lambda ids: [diagnosis_titles.get(i) or (kb.diagnoses[i].title.get(lang) if i in kb.diagnoses else i)  # noqa: E731
                          for i in ids]
    return dict(view=view, L=L, sections=sections, first_plan=first_plan, titles=titles,
                certainty=_certainty_chart(view, f"{prefix}-certainty"), **extra)


def _render(template: str, lang: str, title: str, **context: Any) -> str:
    """One page from a template, in ``lang``."""
    return _environment().get_template(template).render(html_lang=HTML_LANG.get(lang, "en"), page_title=title,
                                                        **context)


def render_html(plan: Plan, kb: KnowledgeBase) -> str:
    """The plan's report as a self-contained HTML page."""
    view = report_view(plan, kb)
    return _render("report.html.j2", plan.lang, view.title, report=_page(view, kb, plan.lang, "r"))


def _dormancy(analysis: Any, months: list[str]) -> tuple[str, list[bool]] | None:
    """The months since the last event, when the community is dormant (the rule of ingest's history)."""
    from expert.ingest.history import is_dormant

    metrics = {m.fact.split(".")[-1]: m for m in analysis.metrics}
    silence, gap = metrics.get("days_since_last_activity"), metrics.get("usual_gap_days")
    if silence is None or gap is None:
        return None
    days = float(silence.value)
    if not is_dormant(days, float(gap.value)):
        return None
    last = str(silence.evidence.get("last_event", ""))
    return last, [month > last[:7] for month in months]


def _history(analysis: Any, kb: KnowledgeBase, lang: str) -> tuple[Chart, str | None] | None:
    """The monthly series with the windows shaded and dormancy marked, and the dormancy line (or None)."""
    from expert.ingest.report import HISTORY_MONTHS

    history = analysis.history[-HISTORY_MONTHS:]
    if not history:
        return None
    months = [m.month for m in history]
    w = analysis.windows
    span = lambda win: f"{win.start.date().isoformat()} – {win.end.date().isoformat()}"  # noqa: E731
    shaded = [(kb.message(f"html_window_{name}", lang), months_in(months, win.start, win.end))
              for name, win in (("current", w.current), ("baseline", w.baseline), ("year_ago", w.year_ago))]
    dormant = _dormancy(analysis, months)
    dormant_line = None
    if dormant is not None:
        dormant_line = kb.message("html_dormant", lang, date=dormant[0])
        shaded.append((dormant_line, dormant[1]))
    lines = [(kb.message(f"history_{f}", lang), [getattr(m, f) for m in history]) for f in ("events", "active", "new")]
    series = ". ".join(f"{name}: " + ", ".join(f"{mo} {v}" for mo, v in zip(months, values) if v) for name, values in lines)
    alt = kb.message("html_history_alt", lang, first=months[0], last=months[-1], series=series,
                     current=span(w.current), baseline=span(w.baseline), year_ago=span(w.year_ago))
    alt += f" {dormant_line}." if dormant_line else ""
    chart = history_chart("a-history", kb.message("html_history_chart", lang), months, lines, shaded, alt)
    return chart, dormant_line


def analysis_html(analysis: Any, plan: Plan, kb: KnowledgeBase, lang: str, *, source: str,
                  metrics: list[tuple[str, str, str, str, str]], notes: list[str]) -> str:
    """The analyze report as a page: what was read, the history chart, the metrics and notes, then the plan.

    ``metrics`` rows are (label, fact id, definition, value, evidence), as the other formats show them.
    """
    view = report_view(plan, kb)
    history = _history(analysis, kb, lang)
    return _render("analysis.html.j2", lang, view.title, report=_page(view, kb, lang, "r"), source=source,
                   history=history[0] if history else None, dormant=history[1] if history else None,
                   metrics=metrics, notes=notes, M=lambda key, **v: kb.message(key, lang, **v))


def whatif_html(title: str, sections: list[tuple[str, list[str]]], empty: bool, before: Plan, after: Plan,
                kb: KnowledgeBase, lang: str) -> str:
    """The what-if comparison as a page: what changed, certainty before and after, the two plans side by side."""
    M = lambda key, **v: kb.message(key, lang, **v)  # noqa: E731
    ids = [d.id for d in before.diagnoses] + [d.id for d in after.diagnoses if d.id not in {b.id for b in before.diagnoses}]
    old, new = {d.id: d for d in before.diagnoses}, {d.id: d for d in after.diagnoses}
    names = [(new.get(i) or old[i]).title for i in ids]
    values = "; ".join(f"{n} {old[i].certainty if i in old else 0:.2f} → {new[i].certainty if i in new else 0:.2f}"
                       for n, i in zip(names, ids))
    chart = bar_chart("w-certainty", M("html_whatif_chart"), names,
                      [(M("whatif_col_before"), [old[i].certainty if i in old else None for i in ids]),
                       (M("whatif_col_after"), [new[i].certainty if i in new else None for i in ids])],
                      M("html_whatif_alt", values=values)) if ids else None
    plans = [(M("whatif_col_before"), report_view(before, kb)), (M("whatif_col_after"), report_view(after, kb))]
    return _render("whatif.html.j2", lang, title, heading=title, sections=sections, empty=empty, chart=chart,
                   plans=plans, M=M)


def _trend_charts(trend: list[TrendLine], M: Any) -> tuple[list[str], list[Chart]]:
    """A line chart for each fact with a number in some assessment; the others stay text lines."""
    lines: list[str] = []
    charts: list[Chart] = []
    for label, line, points in trend:
        if all(number is None for _, _, number in points):
            lines.append(line)
            continue
        values = "; ".join(f"{date} {text}" for date, text, _ in points)
        charts.append(trend_chart(f"t-{len(charts)}", label, [date for date, _, _ in points], label,
                                  [number for _, _, number in points], M("html_trend_alt", fact=label, values=values)))
    return lines, charts


def review_html(title: str, intro: str, sections: list[tuple[str, list[str]]], trend_heading: str,
                trend: list[TrendLine], kb: KnowledgeBase, lang: str) -> str:
    """The review (复盘) as a page: its sections in the order of the other formats, each key fact's trend as a chart."""
    M = lambda key, **v: kb.message(key, lang, **v)  # noqa: E731
    shown = []
    for i, (heading, lines) in enumerate(sections):
        charts: list[Chart] = []
        if heading == trend_heading:
            lines, charts = _trend_charts(trend, M)
        shown.append((f"v-{i}", heading, lines, charts))
    return _render("review.html.j2", lang, title, heading=title, intro=intro, sections=shown, M=M)
