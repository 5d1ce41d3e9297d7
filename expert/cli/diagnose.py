"""`expert diagnose` and `expert schema`: a situation file in, a report or a JSON Schema out."""
from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Literal

import click

from expert.cli.common import KNOWLEDGE_OPTION, LANG_OPTION, emit, knowledge_base, knowledge_notice
from expert.cli.recording import checked_date, record_assessment, record_options
from expert.render import FORMATS

__all__ = ["diagnose", "schema"]


@click.command(epilog="""\b
Examples:
  expert diagnose scenarios/demo.yaml
  expert diagnose scenarios/demo.yaml --format markdown -o plan.md
  expert diagnose derived.yaml --lang zh""")
@click.argument("situation", type=str, metavar="FILE")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal", show_default=True,
              help="terminal: a readable report sized to the window; markdown: for wikis and issues; html: a page to share or print; "
                   "json: the full plan with its trace, for programs.")
@LANG_OPTION
@KNOWLEDGE_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file (atomically) instead of stdout.")
@click.option("--color/--no-color", default=None, help="Force colours on or off (default: when stdout is a terminal).")
@click.option("--today", default=None, help="The date review dates count from, YYYY-MM-DD (default: --as-of, else today).")
@record_options
def diagnose(situation: str, fmt: str, lang: str, knowledge_dir: Path | None, output: Path | None, color: bool | None,
             today: str | None, record: bool, db: Path | None, as_of: str | None) -> None:
    """Diagnose the situation in FILE (YAML or JSON; '-' reads stdin) and print the plan."""
    from expert.planning.pipeline import diagnose as run
    from expert.planning.pipeline import load_situation
    from expert.render import render

    kb = knowledge_base(knowledge_dir)
    for line in knowledge_notice(kb.root, lang, always=False) if knowledge_dir is None else ():
        click.echo(line, err=True)
    as_of = checked_date(as_of, lang)
    validated = load_situation(situation, kb, lang)
    start = checked_date(today, lang, "--today") or as_of
    plan = run(validated, lang=lang, knowledge=kb, today=dt.date.fromisoformat(start) if start else dt.date.today())
    record_assessment(record, db, as_of, kb, lang, validated.to_dict(), plan, "diagnose")
    use_color = (sys.stdout.isatty() and output is None) if color is None else color
    emit(render(plan, fmt, kb, color=use_color, width=None if output is None else 100), output)


@click.command(epilog="""\b
Examples:
  expert schema situation > situation.schema.json
  expert schema plan""")
@click.argument("what", type=click.Choice(["situation", "plan"]))
@KNOWLEDGE_OPTION
def schema(what: str, knowledge_dir: Path | None) -> None:
    """Print the JSON Schema of a situation file or of the JSON plan."""
    from expert.model.plan import Plan
    from expert.model.situation import situation_model

    model = situation_model(knowledge_base(knowledge_dir)) if what == "situation" else Plan
    mode: Literal["validation", "serialization"] = "validation" if what == "situation" else "serialization"
    click.echo(json.dumps(model.model_json_schema(mode=mode, by_alias=True), indent=2, ensure_ascii=False))
