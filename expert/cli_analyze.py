"""`expert analyze`: an activity export in, metrics with their evidence and a diagnosis out."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn
from rich.table import Table

from .cli import KNOWLEDGE_OPTION, LANG_OPTION, cli, emit, knowledge_base
from .ingest import FORMATS as INGEST_FORMATS
from .ingest import Analysis, analyze_export
from .ingest.model import IngestWarnings, collecting
from .ingest.report import HISTORY_MONTHS, ingest_text, sparkline
from .knowledge import KnowledgeBase
from .render import FORMATS, render
from .render.safe import markdown_text, terminal_text
from .render.terminal import renderables, to_text
from .yamlio import atomic_write_text

__all__ = ["analyze", "situation_from_analysis"]


def situation_from_analysis(analysis: Analysis, kb: KnowledgeBase, name: str) -> dict:
    """The derived situation: facts from the data, clamped to the vocabulary's ranges."""
    data: dict = {"community": {"name": name, "platform": analysis.format}}
    for group, facts in sorted(analysis.facts.items()):
        for fact, value in sorted(facts.items()):
            spec = kb.facts.get(fact)
            if spec is None or spec.group != group:
                continue
            if spec.min is not None and spec.max is not None:
                value = min(max(value, spec.min), spec.max)
            data.setdefault(group, {})[fact] = int(value) if spec.type == "integer" else value
    return data


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


def _metrics_table(analysis: Analysis, kb: KnowledgeBase, lang: str) -> Table:
    """The metrics as a rich table: label, fact id and definition, value, evidence."""
    table = Table(title=kb.message("heading_metrics", lang), title_justify="left", expand=True)
    table.add_column(kb.message("col_metric", lang), ratio=4, overflow="fold")
    table.add_column(kb.message("col_value", lang), justify="right", ratio=1)
    table.add_column(kb.message("col_evidence", lang), ratio=4, overflow="fold")
    for metric in analysis.metrics:
        evidence = ", ".join(f"{k}={v}" for k, v in metric.evidence.items() if not isinstance(v, (dict, list)))
        table.add_row(f"{kb.fact_label(metric.fact.split('.')[-1], lang)}\n[dim]{metric.fact}[/dim]\n"
                      f"[dim italic]{escape(metric.definition(lang, kb.root))}[/dim italic]",
                      _value_text(metric, kb, lang), evidence)
    return table


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
    return heading, rows


def _history_table(analysis: Analysis, kb: KnowledgeBase, lang: str) -> Table | None:
    """The monthly history as a small rich table of sparklines."""
    lines = _history_lines(analysis, kb, lang)
    if lines is None:
        return None
    heading, rows = lines
    table = Table(title=heading, title_justify="left", show_header=False, box=None, padding=(0, 1))
    table.add_column(no_wrap=True)
    table.add_column(no_wrap=True, overflow="crop")
    table.add_column(no_wrap=True)
    for row in rows:
        table.add_row(*row)
    return table


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
    return f"| {kb.fact_label(metric.fact.split('.')[-1], lang)} (`{metric.fact}`)<br>{definition} | {_value_text(metric, kb, lang)} |"


def _source_line(analysis: Analysis, kb: KnowledgeBase, lang: str) -> str:
    """One line saying what was read: events, file, format and the current window."""
    w = analysis.windows.current
    return kb.message("analysis_source", lang, events=analysis.events_read, source=analysis.source,
                      format=analysis.format, start=w.start.date().isoformat(), end=w.end.date().isoformat())


def _run_with_progress(path: Path, show: bool, **kwargs) -> Analysis:
    """Analyze with a rich progress display on stderr when it is a terminal."""
    if not show:
        return analyze_export(path, **kwargs)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,}"), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(escape(terminal_text(path.name)), total=None)  # a file name is not markup
        return analyze_export(path, progress=lambda n: bar.update(task, completed=n), **kwargs)


def _print_warnings(found: IngestWarnings, analysis: Analysis, kb: KnowledgeBase, lang: str) -> None:
    """Readers' warnings on stderr, once each, unless the analysis already lists them among its notes."""
    shown = {(n.key, repr(sorted(n.values.items()))) for n in analysis.notes}
    for w in found:
        key = (w.key, repr(sorted(w.values.items())))
        if key not in shown:
            shown.add(key)
            click.echo(ingest_text("warnings", w.key, lang, kb.root, **w.values), err=True)


@cli.command()
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal", show_default=True)
@click.option("--input-format", type=click.Choice(INGEST_FORMATS), default=None, help="Skip format detection.")
@click.option("--since", default=None, help="Ignore events before this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="End of the current window (default: the latest event).")
@click.option("--window-days", type=click.IntRange(7, 730), default=90, show_default=True)
@click.option("--bot", "bots", multiple=True, help="Actor name, e-mail or id to treat as a bot (repeatable).")
@click.option("--staff", "staff", multiple=True, help="Actor name, e-mail or id to treat as staff (repeatable).")
@click.option("--name", default=None, help="Community name (default: the export's file name).")
@click.option("--situation-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the derived situation (YAML) so a person can complete it and re-run diagnose.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None)
@LANG_OPTION
@KNOWLEDGE_OPTION
def analyze(path: Path, fmt: str, input_format: str | None, since: str | None, until: str | None, window_days: int,
            bots: tuple[str, ...], staff: tuple[str, ...], name: str | None, situation_out: Path | None,
            output: Path | None, lang: str, knowledge_dir: Path | None) -> None:
    """Analyze an activity export at PATH (CSV/JSONL log, git repo, Slack, Discord, Telegram, Discourse, mbox)."""
    from .api import diagnose

    kb = knowledge_base(knowledge_dir)
    with collecting() as found:
        analysis = _run_with_progress(path, sys.stderr.isatty(), fmt=input_format, since=since,
                                      until=until, window_days=window_days, bots=bots, staff=staff)
    _print_warnings(found, analysis, kb, lang)
    situation = situation_from_analysis(analysis, kb, name or path.stem)
    plan = diagnose(situation, lang=lang, knowledge=kb)
    if situation_out is not None:
        atomic_write_text(situation_out, yaml.safe_dump(situation, allow_unicode=True, sort_keys=False),
                          "situation file")
        click.echo(kb.message("situation_written", lang, path=situation_out), err=True)
    if fmt == "json":
        payload = {"analysis": _localised_json(analysis, kb, lang), "situation": situation,
                   "plan": json.loads(plan.to_json())}
        emit(json.dumps(payload, ensure_ascii=False, indent=2) + "\n", output)
        return
    notes = [kb.message("analysis_note", lang, note=n.text(lang, kb.root)) for n in analysis.notes]
    bots = _bots_line(analysis, kb, lang)
    notes += [bots] if bots else []
    if fmt == "markdown":
        rows = [_markdown_row(m, kb, lang) for m in analysis.metrics]
        head = [f"## {kb.message('heading_metrics', lang)}", "", markdown_text(_source_line(analysis, kb, lang), limit=None), "",
                *_history_markdown(analysis, kb, lang),
                f"| {kb.message('col_metric', lang)} | {kb.message('col_value', lang)} |", "|---|---|", *rows, ""]
        emit("\n".join(head + [f"- {markdown_text(n, limit=None)}" for n in notes] + ["", render(plan, "markdown", kb)]), output)
        return
    history = _history_table(analysis, kb, lang)
    parts = [_source_line(analysis, kb, lang), *([history] if history is not None else []),
             _metrics_table(analysis, kb, lang), *notes, *renderables(plan, kb)]
    emit(to_text(parts), output)
