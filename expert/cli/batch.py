"""`expert batch`: many communities at once, one JSON line per community, in input order."""
from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from expert.cli.common import KNOWLEDGE_OPTION, LANG_OPTION, knowledge_base
from expert.cli.recording import checked_date

if TYPE_CHECKING:
    from expert.batch.runner import BatchItem

__all__ = ["batch"]


def _items(source: Path, exports: bool) -> Iterator[BatchItem]:
    """The input's records: a folder of exports, a folder of situation files, or a JSONL file."""
    from expert.batch.inputs import export_items, folder_items, jsonl_items

    if exports:
        return export_items(source)
    return folder_items(source) if source.is_dir() else jsonl_items(source)


def _progress(show: bool, total: int | None) -> Any:
    """A rich progress bar on stderr when it is a terminal, else a stand-in that does nothing."""
    if not show:
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    return Progress(BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(), console=Console(stderr=True),
                    transient=True)


@click.command(epilog="""\b
Examples:
  expert batch communities.jsonl -o plans.jsonl --workers 2
  expert batch situations/ -o plans.jsonl
  expert batch exports/ --exports -o plans.jsonl
  expert batch communities.jsonl -o plans.jsonl --resume   # after an interruption""")
@click.argument("source", type=click.Path(path_type=Path), metavar="IN")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="JSON lines out: {\"id\": ..., \"plan\": {...}} or {\"id\": ..., \"error\": \"...\"}, in input order.")
@click.option("--exports", is_flag=True, help="IN is a folder of exports: each entry is analyzed, then diagnosed.")
@click.option("--workers", type=click.IntRange(1, 256), default=None,
              help="Processes to use (default: one per CPU).")
@click.option("--resume", is_flag=True, help="Continue OUT: skip the ids it already holds and append the rest.")
@click.option("--today", default=None, help="The date review dates count from, YYYY-MM-DD (default: today).")
@LANG_OPTION
@KNOWLEDGE_OPTION
def batch(source: Path, output: Path, exports: bool, workers: int | None, resume: bool, today: str | None, lang: str,
          knowledge_dir: Path | None) -> None:
    """Diagnose every community in IN: a JSONL file of situations (one object a line, with an optional "id"),
    a folder of situation files, or with --exports a folder of exports. A record that fails is written with
    its reason and the rest go on; the exit code is 1 when any failed."""
    from expert.batch.inputs import count_items, done_ids
    from expert.batch.runner import default_workers, run_items
    from expert.errors import OptionError, Problem

    kb = knowledge_base(knowledge_dir)
    start = checked_date(today, lang, "--today")
    items = _items(source, exports)
    if output.exists() and not resume:
        raise OptionError(Problem(str(output), kb.message("batch_output_exists", lang),
                                  kb.message("batch_output_exists_hint", lang)))
    skip = done_ids(output) if resume else set()
    todo = (item for item in items if item.id not in skip)
    show = sys.stderr.isatty()
    bar = _progress(show, None)
    total = count_items(source, exports) if show else None
    written = failed = 0
    with output.open("a", encoding="utf-8") as out, (bar or _Nothing()):
        task = bar.add_task("", total=None if total is None else max(0, total - len(skip))) if bar else None
        for result in run_items(todo, workers=workers or default_workers(), lang=lang,
                                knowledge=str(knowledge_dir) if knowledge_dir else None,
                                today=dt.date.fromisoformat(start) if start else dt.date.today()):
            out.write(result.to_line())
            out.flush()
            written += result.ok
            failed += not result.ok
            if bar:
                bar.advance(task)
    click.echo(kb.message("batch_done", lang, plans=written, failed=failed, skipped=len(skip), path=output), err=True)
    if failed:
        sys.exit(1)


class _Nothing:
    """A context manager that does nothing (no progress bar)."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None
