"""`expert consult` (the interactive questionnaire) and `expert whatif` (what would change): the commands."""
from __future__ import annotations

from pathlib import Path

import click

from expert.cli.common import KNOWLEDGE_OPTION, emit, fail, knowledge_base, remember_lang
from expert.cli.recording import checked_date, record_assessment, record_options
from expert.render import FORMATS

__all__ = ["consult", "whatif"]


@click.command(epilog="""\b
Examples:
  expert consult --lang zh
  expert consult --from derived.yaml --export-situation done.yaml
  expert consult --list
  expert consult --resume consult-20250101-120000-ab12.session.yaml""")
@click.option("--from", "source", type=str, metavar="FILE", default=None,
              help="Start from a situation or scenario FILE; ask only what is missing.")
@click.option("--resume", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Continue a saved session.")
@click.option("--session", "session_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to save the session (default: consult-<timestamp>.session.yaml here).")
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, callback=remember_lang,
              help="Language of questions and report (default en, or the session's).")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal", show_default=True, help="Format of the final report.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write the final report to this file.")
@click.option("--export-situation", "export", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="When finished, write the answers as a situation file.")
@click.option("--color/--no-color", default=None, help="Force colours on or off (default: when stdout is a terminal).")
@click.option("--list", "list_sessions", is_flag=True, help="List the saved sessions in this folder, newest first.")
@KNOWLEDGE_OPTION
@record_options
def consult(source: str | None, resume: Path | None, session_path: Path | None, lang: str | None, fmt: str,
            output: Path | None, export: Path | None, color: bool | None, list_sessions: bool,
            knowledge_dir: Path | None, record: bool, db: Path | None, as_of: str | None) -> None:
    """Answer a few questions; get the diagnosis and plan. Every answer is saved as you go."""
    from expert.cli.conversation import run_consultation

    if list_sessions:
        _list_sessions(lang or "en", knowledge_dir)
        return

    as_of = checked_date(as_of, lang or "en")

    def on_finish(situation, plan):  # noqa: ANN001, ANN202 - a finished consultation is recorded when asked
        record_assessment(record, db, as_of, knowledge_base(knowledge_dir), plan.lang, situation, plan, "consult")

    run_consultation(source, resume, session_path, lang, fmt, output, export, color, knowledge_dir, on_finish)


def _list_sessions(lang: str, knowledge_dir: Path | None) -> None:
    """One line per session file here: its name, when it started, the community, answers, finished or not."""
    from expert.consult.session import saved_sessions
    from expert.textsafe import terminal_text

    kb = knowledge_base(knowledge_dir)
    found = saved_sessions(kb)
    if not found:
        click.echo(kb.message("consult_list_none", lang))
        return
    for path, session in found:
        if session is None:
            click.echo(f"{terminal_text(path.name)}  {kb.message('consult_list_unreadable', lang)}")
            continue
        name = session.situation_data().get("community", {}).get("name") or kb.message("consult_unnamed", lang)
        state = kb.message("consult_list_finished" if session.finished else "consult_list_open", lang)
        click.echo(f"{terminal_text(path.name)}  {session.created}  {terminal_text(str(name), limit=60)}  "
                   f"{kb.message('consult_list_answers', lang, count=len(session.steps))}  {state}")


@click.command(epilog="""\b
Examples:
  expert whatif scenarios/demo.yaml activity_change_pct=-40
  expert whatif consult-....session.yaml severity=high mood=calm --lang zh""")
@click.argument("source", type=str, metavar="FILE")
@click.argument("changes", nargs=-1, required=True, metavar="FACT=VALUE...")
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal", show_default=True)
@click.option("--lang", type=click.Choice(["en", "zh"]), default=None, callback=remember_lang,
              help="Language (default en, or the session's).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file.")
@KNOWLEDGE_OPTION
def whatif(source: str, changes: tuple[str, ...], fmt: str, lang: str | None, output: Path | None,
           knowledge_dir: Path | None) -> None:
    """Show how the diagnosis and plan of FILE (a session or situation) change if FACT=VALUE ..."""
    from expert.consult.session import load_source
    from expert.consult.whatif import compare, parse_changes, render_whatif
    from expert.errors import ExpertError

    try:
        kb = knowledge_base(knowledge_dir)
        data, session = load_source(kb, source)
        lang = lang or (session.lang if session else "en")
        remember_lang(None, None, lang)  # errors from here on in the session's language
        if session is not None:
            data = session.named_data(lang)  # a consultation stopped before its last question has no name yet
        parsed = parse_changes(kb, changes, lang)
        if fmt == "html":
            emit(_whatif_page(kb, data, parsed, lang), output)
        else:
            emit(render_whatif(compare(kb, data, parsed, lang), fmt, kb, lang), output)
    except ExpertError as exc:
        fail(exc)




def _whatif_page(kb, data, parsed, lang: str) -> str:  # noqa: ANN001 - a knowledge base, situation data, changes
    """The what-if as an HTML page: the changes, certainty before and after, the two plans side by side."""
    import copy

    from expert.consult.whatif import apply_changes, compare, whatif_sections, whatif_title
    from expert.planning.pipeline import diagnose
    from expert.render.html import whatif_html

    result = compare(kb, copy.deepcopy(data), parsed, lang)
    before = diagnose(copy.deepcopy(data), lang=lang, knowledge=kb)
    after = diagnose(apply_changes(kb, copy.deepcopy(data), parsed), lang=lang, knowledge=kb)
    return whatif_html(whatif_title(kb, result, lang), whatif_sections(kb, result, lang), result.empty, before, after,
                       kb, lang)
