"""`expert history` (path, list, show, export, delete) and `expert review` (follow-up, members' notes, the review itself)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from expert.cli.common import KNOWLEDGE_OPTION, LANG_OPTION, emit, knowledge_base
from expert.cli.recording import DB_OPTION, open_history
from expert.render import FORMATS

__all__ = ["history_group", "review_command"]

FORMAT_OPTION = click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal", show_default=True)
OUTPUT_OPTION = click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
                             help="Write to this file (atomically) instead of stdout.")


@click.group("history")
def history_group() -> None:
    """The recorded assessments: where they are, list, show, export, delete."""


@history_group.command("path")
@DB_OPTION
def path_command(db: Path | None) -> None:
    """Print where the history database is (--db, EXPERT_DB, or the user's data directory)."""
    from expert.history.store import default_path

    click.echo(str(db if db is not None else default_path()))


@history_group.command("list")
@click.argument("name", required=False)
@FORMAT_OPTION
@LANG_OPTION
@DB_OPTION
@KNOWLEDGE_OPTION
def list_command(name: str | None, fmt: str, lang: str, db: Path | None, knowledge_dir: Path | None) -> None:
    """List the communities, or the assessments of community NAME."""
    from expert.render.review import render_assessments, render_communities

    kb = knowledge_base(knowledge_dir)
    history = open_history(db, kb, lang)
    communities = history.communities()
    if not communities and fmt != "json":
        click.echo(kb.message("history_empty", lang, path=history.path))
        return
    if name is None:
        emit(render_communities(communities, fmt, kb, lang), None)
    else:
        emit(render_assessments(history.assessments(history.check_community(name)), fmt, kb, lang), None)


@history_group.command("show")
@click.argument("assessment_id", type=int)
@FORMAT_OPTION
@LANG_OPTION
@DB_OPTION
@KNOWLEDGE_OPTION
@OUTPUT_OPTION
def show_command(assessment_id: int, fmt: str, lang: str, db: Path | None, knowledge_dir: Path | None,
                 output: Path | None) -> None:
    """Show assessment ASSESSMENT_ID: its plan as it was recorded (JSON: everything recorded)."""
    import json

    from expert.render import render

    kb = knowledge_base(knowledge_dir)
    found = open_history(db, kb, lang).assessment(assessment_id)
    if fmt == "json":
        emit(json.dumps(found.to_dict(), ensure_ascii=False, indent=2) + "\n", output)
    else:
        emit(render(found.plan, fmt, kb, color=sys.stdout.isatty() and output is None), output)


@history_group.command("export")
@click.argument("assessment_id", type=int)
@click.option("--as", "what", type=click.Choice(["situation", "report"]), default="situation", show_default=True)
@FORMAT_OPTION
@LANG_OPTION
@DB_OPTION
@KNOWLEDGE_OPTION
@OUTPUT_OPTION
def export_command(assessment_id: int, what: str, fmt: str, lang: str, db: Path | None, knowledge_dir: Path | None,
                   output: Path | None) -> None:
    """Export assessment ASSESSMENT_ID as a situation file (YAML) or as a report re-made in --lang and --format."""
    import yaml

    from expert.planning.pipeline import diagnose
    from expert.render import render

    kb = knowledge_base(knowledge_dir)
    found = open_history(db, kb, lang).assessment(assessment_id)
    if what == "situation":
        emit(yaml.safe_dump(found.situation, allow_unicode=True, sort_keys=False), output)
        return
    plan = found.plan if found.plan.lang == lang else diagnose(found.situation, lang=lang, knowledge=kb)
    emit(render(plan, fmt, kb, color=sys.stdout.isatty() and output is None), output)


@history_group.command("delete")
@click.argument("assessment_id", type=int)
@click.option("--yes", "-y", is_flag=True, help="Do not ask first.")
@LANG_OPTION
@DB_OPTION
@KNOWLEDGE_OPTION
def delete_command(assessment_id: int, yes: bool, lang: str, db: Path | None, knowledge_dir: Path | None) -> None:
    """Delete assessment ASSESSMENT_ID (asks first)."""
    kb = knowledge_base(knowledge_dir)
    history = open_history(db, kb, lang)
    found = history.assessment(assessment_id)
    values = {"id": found.id, "name": found.community, "date": found.as_of}
    if not yes and not click.confirm(kb.message("history_delete_confirm", lang, **values), default=False):
        raise click.exceptions.Abort()
    history.delete(assessment_id)
    click.echo(kb.message("history_deleted", lang, **values))


@click.command("review")
@click.argument("name")
@click.option("--done", "done", multiple=True, metavar="ACTION_ID", help="Mark a planned action done (repeatable).")
@click.option("--started", "started", multiple=True, metavar="ACTION_ID", help="Mark a planned action started.")
@click.option("--dropped", "dropped", multiple=True, metavar="ACTION_ID", help="Mark a planned action dropped.")
@click.option("--note", default="", help="A note kept with the actions marked.")
@click.option("--member-note", "member_notes", multiple=True, help="What members said (an interview note; repeatable).")
@click.option("--date", "on_date", default=None, help="Date of the follow-up, YYYY-MM-DD (default: today).")
@FORMAT_OPTION
@LANG_OPTION
@DB_OPTION
@KNOWLEDGE_OPTION
@OUTPUT_OPTION
def review_command(name: str, done: tuple[str, ...], started: tuple[str, ...], dropped: tuple[str, ...], note: str,
                   member_notes: tuple[str, ...], on_date: str | None, fmt: str, lang: str, db: Path | None,
                   knowledge_dir: Path | None, output: Path | None) -> None:
    """Review community NAME: the latest assessment against the previous one, and the next plan.

    With --done/--started/--dropped or --member-note it records the follow-up first, then reviews.
    """
    from expert.render.review import render_review

    kb = knowledge_base(knowledge_dir)
    history = open_history(db, kb, lang)
    name = history.check_community(name)
    for status, ids in (("started", started), ("done", done), ("dropped", dropped)):
        for action_id in ids:
            saved = history.follow_up(name, action_id, status, note, on_date)
            click.echo(kb.message("history_followed_up", lang, action=action_id,
                                  status=kb.message(f"status_{status}", lang), date=saved.on_date), err=True)
    for text in member_notes:
        click.echo(kb.message("history_member_noted", lang, date=history.member_note(name, text, on_date).on_date),
                   err=True)
    emit(render_review(history.review(name), fmt, kb), output)
