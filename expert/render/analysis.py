"""The report of `expert analyze`: what was read, the monthly history, the metrics with their evidence, then the plan."""
from __future__ import annotations

import json
from typing import Any

from rich.console import Group
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from expert.ingest import Analysis
from expert.ingest.report import HISTORY_MONTHS, ingest_texts, sparkline
from expert.knowledge import KnowledgeBase
from expert.model.plan import Plan
from expert.render import render
from expert.render.terminal import fit_words, renderables, to_text
from expert.textsafe import markdown_text

__all__ = ["render_analysis", "BOTS_SHOWN"]


def _value_text(metric, kb: KnowledgeBase, lang: str) -> str:
    """A metric's value as a reader wants it: % for changes, yes/no, an enum value's label."""
    value = metric.value
    if isinstance(value, bool):
        return kb.message("value_true" if value else "value_false", lang)
    if isinstance(value, str):
        spec = kb.facts.get(metric.fact.split(".")[-1])
        label = ((spec.value_labels or {}).get(value) if spec is not None else None)
        return label.get(lang) if label is not None else value
    return f"{value}{metric.unit if metric.unit == '%' else ''}"


def _evidence_text(metric, kb: KnowledgeBase, lang: str) -> str:
    """The evidence of a metric as 'label: value' pairs in `lang` (labels and span names from ingest.yaml)."""
    labels = ingest_texts(kb.root).get("evidence", {})
    parts = []
    for key, value in metric.evidence.items():
        if isinstance(value, (dict, list)):
            continue
        if key == "signal":
            spec = kb.facts.get("activity_change_signal")
            label = (spec.value_labels or {}).get(str(value)) if spec is not None else None
            value = label.get(lang) if label is not None else value
        elif key == "span" and f"span.{value}" in labels:
            value = labels[f"span.{value}"].get(lang, value)
        name = labels.get(key, {}).get(lang, key)
        parts.append(f"{name}: {value}")
    return "; ".join(parts)


def _metrics_table(analysis: Analysis, kb: KnowledgeBase, lang: str) -> Table:
    """The metrics as a rich table: label, fact id and definition, value, evidence."""
    table = Table(title=kb.message("heading_metrics", lang), title_justify="left", expand=True)
    table.add_column(kb.message("col_metric", lang), ratio=4, overflow="fold")
    table.add_column(kb.message("col_value", lang), justify="right", ratio=1)
    table.add_column(kb.message("col_evidence", lang), ratio=4, overflow="fold")
    for metric in analysis.metrics:
        evidence = _evidence_text(metric, kb, lang)
        table.add_row(f"{kb.fact_label(metric.fact.split('.')[-1], lang)}\n[dim]{metric.fact}[/dim]\n"
                      f"[dim italic]{escape(metric.definition(lang, kb.root))}[/dim italic]",
                      _value_text(metric, kb, lang), evidence)
    return fit_words(table)


def _history_lines(analysis: Analysis, kb: KnowledgeBase, lang: str) -> tuple[str, list[tuple[str, str, str]]] | None:
    """The last HISTORY_MONTHS months as (heading, [(series label, sparkline, peak)]), or None without history."""
    months = analysis.history[-HISTORY_MONTHS:]
    if not months:
        return None
    heading = kb.message("heading_history", lang, first=months[0].month, last=months[-1].month)
    rows = []
    for field in ("events", "active", "new"):
        values = [getattr(m, field) for m in months]
        top = max(range(len(values)), key=lambda i: values[i])
        peak = kb.message("history_peak", lang, peak=values[top], month=months[top].month)
        rows.append((kb.message(f"history_{field}", lang), sparkline(values), peak))
    if len(analysis.history) > HISTORY_MONTHS:  # older history exists: draw all of it, a character a year
        years: dict[str, int] = {}
        for m in analysis.history:
            years[m.month[:4]] = years.get(m.month[:4], 0) + m.events
        values = list(years.values())
        top = max(range(len(values)), key=lambda i: values[i])
        label = kb.message("history_whole", lang, first=next(iter(years)), last=list(years)[-1])
        rows.append((label, sparkline(values), kb.message("history_peak", lang, peak=values[top], month=list(years)[top])))
    return heading, rows


def _history_table(analysis: Analysis, kb: KnowledgeBase, lang: str) -> Group | None:
    """The monthly history as a small rich table of sparklines."""
    lines = _history_lines(analysis, kb, lang)
    if lines is None:
        return None
    heading, rows = lines
    table = Table(show_header=False, box=None, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, overflow="crop")
    table.add_column(no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return Group(Text(heading), table)  # a title would wrap at the table's narrow width


def _history_markdown(analysis: Analysis, kb: KnowledgeBase, lang: str) -> list[str]:
    """The monthly history as markdown lines (sparklines in code spans)."""
    lines = _history_lines(analysis, kb, lang)
    if lines is None:
        return []
    heading, rows = lines
    return [f"**{heading}**", "", *[f"- {label}: `{spark}` {peak}" for label, spark, peak in rows], ""]


BOTS_SHOWN = 10  # excluded bot accounts listed by name in a report; the rest are counted


def _bots_line(analysis: Analysis, kb: KnowledgeBase, lang: str) -> str | None:
    """One line listing the accounts excluded as bots (pseudonyms, events, why), or None."""
    if not analysis.bots:
        return None
    shown = sorted(analysis.bots, key=lambda b: (-b.events, b.pseudonym))[:BOTS_SHOWN]
    accounts = [kb.message("analysis_bot", lang, pseudonym=b.pseudonym, events=b.events, why=b.text(lang, kb.root))
                for b in shown]
    if len(analysis.bots) > BOTS_SHOWN:
        accounts.append(kb.message("analysis_more", lang, count=len(analysis.bots) - BOTS_SHOWN))
    return kb.message("analysis_bots", lang, count=len(analysis.bots), accounts="; ".join(accounts))


def _localised_json(analysis: Analysis, kb: KnowledgeBase, lang: str) -> dict:
    """The Analysis as JSON, with each note's text and each metric's definition added in `lang`."""
    data = analysis.model_dump(mode="json")
    for metric, out in zip(analysis.metrics, data["metrics"]):
        out["definition"] = metric.definition(lang, kb.root)
    for note, out in zip(analysis.notes, data["notes"]):
        out["text"] = note.text(lang, kb.root)
    for bot, out in zip(analysis.bots, data["bots"]):
        out["text"] = bot.text(lang, kb.root)
    return data


def _markdown_row(metric, kb: KnowledgeBase, lang: str) -> str:
    """One metrics-table row: label, fact id and definition, then the value."""
    definition = metric.definition(lang, kb.root).replace("|", "\\|")
    evidence = markdown_text(_evidence_text(metric, kb, lang), limit=None).replace("|", "\\|")
    return (f"| {kb.fact_label(metric.fact.split('.')[-1], lang)} (`{metric.fact}`)<br>{definition} "
            f"| {_value_text(metric, kb, lang)} | {evidence} |")


def _source_line(analysis: Analysis, kb: KnowledgeBase, lang: str) -> str:
    """One line saying what was read: events, file, format and the current window."""
    w = analysis.windows.current
    return kb.message("analysis_source", lang, events=analysis.events_read, source=analysis.source,
                      format=analysis.format, start=w.start.date().isoformat(), end=w.end.date().isoformat())


def render_analysis(analysis: Analysis, situation: dict[str, Any], plan: Plan, fmt: str, kb: KnowledgeBase, lang: str) -> str:
    """The whole report in one of the render FORMATS: JSON holds the analysis, situation and plan."""
    if fmt == "json":
        payload = {"analysis": _localised_json(analysis, kb, lang), "situation": situation,
                   "plan": json.loads(plan.to_json())}
        return json.dumps(payload, ensure_ascii=False, indent=2) + "\n"
    notes = [kb.message("analysis_note", lang, note=n.text(lang, kb.root)) for n in analysis.notes]
    bots = _bots_line(analysis, kb, lang)
    notes += [bots] if bots else []
    if fmt == "html":
        from expert.render.html import analysis_html

        metrics = [(kb.fact_label(m.fact.split(".")[-1], lang), m.fact, m.definition(lang, kb.root),
                    _value_text(m, kb, lang), _evidence_text(m, kb, lang)) for m in analysis.metrics]
        return analysis_html(analysis, plan, kb, lang, source=_source_line(analysis, kb, lang), metrics=metrics,
                             notes=notes)
    if fmt == "markdown":
        rows = [_markdown_row(m, kb, lang) for m in analysis.metrics]
        head = [f"## {kb.message('heading_metrics', lang)}", "", markdown_text(_source_line(analysis, kb, lang), limit=None), "",
                *_history_markdown(analysis, kb, lang),
                f"| {kb.message('col_metric', lang)} | {kb.message('col_value', lang)} | {kb.message('col_evidence', lang)} |",
                "|---|---|---|", *rows, ""]
        return "\n".join(head + [f"- {markdown_text(n, limit=None)}" for n in notes] + ["", render(plan, "markdown", kb)])
    history = _history_table(analysis, kb, lang)
    parts = [_source_line(analysis, kb, lang), *([history] if history is not None else []),
             _metrics_table(analysis, kb, lang), *notes, *renderables(plan, kb)]
    return to_text(parts, width=None)  # the real width: renderables above stack their tables below NARROW
