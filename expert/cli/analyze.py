"""`expert analyze`: an activity export in, metrics with their evidence and a diagnosis out."""
from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from expert.cli.common import KNOWLEDGE_OPTION, LANG_OPTION, emit, knowledge_base
from expert.cli.recording import checked_date, record_assessment, record_options
from expert.ingest.detect import FORMATS as INGEST_FORMATS
from expert.render import FORMATS

if TYPE_CHECKING:
    from expert.ingest import Analysis
    from expert.ingest.model import IngestWarnings
    from expert.knowledge import KnowledgeBase

__all__ = ["analyze"]


def _run_with_progress(path: Path, show: bool, **kwargs: Any) -> Analysis:
    """Analyze with a rich progress display on stderr when it is a terminal."""
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn

    from expert.ingest import analyze_export
    from expert.textsafe import terminal_text

    if not show:
        return analyze_export(path, **kwargs)
    with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                  TextColumn("{task.completed:,}"), console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(escape(terminal_text(path.name)), total=None)  # a file name is not markup
        return analyze_export(path, progress=lambda n: bar.update(task, completed=n), **kwargs)


def _print_warnings(found: IngestWarnings, analysis: Analysis, kb: KnowledgeBase, lang: str) -> None:
    """Readers' warnings on stderr, once each, unless the analysis already lists them among its notes."""
    from expert.ingest.report import ingest_text

    shown = {(n.key, repr(sorted(n.values.items()))) for n in analysis.notes}
    for w in found:
        key = (w.key, repr(sorted(w.values.items())))
        if key not in shown:
            shown.add(key)
            click.echo(ingest_text("warnings", w.key, lang, kb.root, **w.values), err=True)


@click.command(epilog="""\b
Examples:
  expert analyze events.csv --situation-out derived.yaml
  expert analyze path/to/git-repo --window-days 180 --format markdown -o report.md
  expert analyze slack-export.zip --bot helper --staff alice --lang zh""")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal", show_default=True,
              help="terminal: a readable report; markdown: for wikis and issues; html: a page with charts to share or print; json: metrics, situation and plan.")
@click.option("--input-format", type=click.Choice(INGEST_FORMATS), default=None, help="Skip format detection.")
@click.option("--since", default=None, help="Ignore events before this date (YYYY-MM-DD).")
@click.option("--until", default=None, help="End of the current window (default: the latest event).")
@click.option("--window-days", type=click.IntRange(7, 730), default=90, show_default=True)
@click.option("--bot", "bots", multiple=True, help="Actor name, e-mail or id to treat as a bot (repeatable).")
@click.option("--staff", "staff", multiple=True, help="Actor name, e-mail or id to treat as staff (repeatable).")
@click.option("--name", default=None, help="Community name (default: the export's file name).")
@click.option("--situation-out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the derived situation (YAML) so a person can complete it and re-run diagnose.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report (metrics, evidence and diagnosis) to this file instead of the screen.")
@LANG_OPTION
@KNOWLEDGE_OPTION
@record_options
def analyze(path: Path, fmt: str, input_format: str | None, since: str | None, until: str | None, window_days: int,
            bots: tuple[str, ...], staff: tuple[str, ...], name: str | None, situation_out: Path | None,
            output: Path | None, lang: str, knowledge_dir: Path | None, record: bool, db: Path | None,
            as_of: str | None) -> None:
    """Analyze an activity export at PATH (CSV/JSONL log, git repo, Slack, Discord, Telegram, Discourse, mbox)."""
    from expert.analysis.situation import situation_from_analysis
    from expert.history.store import fingerprint
    from expert.ingest.model import collecting
    from expert.planning.pipeline import diagnose
    from expert.render.analysis import render_analysis
    from expert.render.situation_file import situation_yaml
    from expert.yamlio import atomic_write_text

    kb = knowledge_base(knowledge_dir)
    as_of = checked_date(as_of, lang)
    with collecting() as found:
        analysis = _run_with_progress(path, sys.stderr.isatty(), fmt=input_format, since=since,
                                      until=until, window_days=window_days, bots=bots, staff=staff)
    _print_warnings(found, analysis, kb, lang)
    situation = situation_from_analysis(analysis, kb, name or path.resolve().stem or "community")  # `.` names the folder
    plan = diagnose(situation, lang=lang, knowledge=kb)
    if situation_out is not None:
        atomic_write_text(situation_out, situation_yaml(situation, kb, lang), "situation file")
        click.echo(kb.message("situation_written", lang, path=situation_out), err=True)
    as_of = as_of or analysis.windows.current.end.date().isoformat()  # the day the measurement ends
    record_assessment(record, db, as_of, kb, lang, situation, plan, "analyze",
                      metrics=[m.model_dump(mode="json") for m in analysis.metrics], fingerprint=fingerprint(path))
    emit(render_analysis(analysis, situation, plan, fmt, kb, lang), output)
