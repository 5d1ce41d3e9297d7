"""Commands for knowledge authors: lint, explain, and the generated catalogue."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from expert.cli.common import KNOWLEDGE_OPTION, LANG_OPTION, docs_folder, emit, knowledge_base, knowledge_notice

__all__ = ["lint_command", "explain_command", "knowledge_group"]


@click.command("lint", epilog="""\b
Examples:
  expert lint
  expert lint knowledge --strict
  expert lint my-knowledge --format json""")
@click.argument("path", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def lint_command(path: Path | None, fmt: str, strict: bool) -> None:
    """Check a knowledge folder (default: the bundled one) before anything runs.

    One line per problem, `file:line: level: message (hint)`, then a summary. Exits non-zero
    when there are errors (or, with --strict, warnings).
    """
    from expert.errors import KnowledgeError, Problem
    from expert.knowledge import default_knowledge_dir
    from expert.knowledge.lint import counts, format_json, format_text, lint

    root = path or default_knowledge_dir()
    if not root.is_dir():
        raise KnowledgeError(Problem(str(root), "knowledge folder not found", "pass the folder that holds facts.yaml"))
    if path is None:
        for line in knowledge_notice(root, "en"):
            click.echo(line, err=True)
    findings = lint(root)
    text = format_json(findings, root, strict) if fmt == "json" else format_text(findings, root, strict)
    click.echo(text, nl=False)
    errors, _ = counts(findings, strict)
    if errors:
        sys.exit(1)


@click.command("explain", epilog="""\b
Examples:
  expert explain decline.content_fatigue
  expert explain activity_change_pct --lang zh
  expert explain sock_puppets""")
@click.argument("ident", metavar="ID")
@LANG_OPTION
@KNOWLEDGE_OPTION
def explain_command(ident: str, lang: str, knowledge_dir: Path | None) -> None:
    """Explain a rule, diagnosis, action, fact or tactic: what it means, what leads to it, what it leads to."""
    from expert.reasoning.explain import explain_id

    kb = knowledge_base(knowledge_dir)
    for line in knowledge_notice(kb.root, lang, always=knowledge_dir is None):
        click.echo(line, err=True)
    click.echo("\n".join(explain_id(kb, ident, lang)))


@click.group("knowledge")
def knowledge_group() -> None:
    """Work with the knowledge base itself."""


@knowledge_group.command("docs", epilog="""\b
Examples:
  expert knowledge docs
  expert knowledge docs --lang zh
  expert knowledge docs --knowledge my-knowledge --stdout > catalogue.md""")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write knowledge.md (knowledge.zh.md with --lang zh) into "
                   "[default: docs/ beside the knowledge folder in use].")
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the catalogue instead of writing a file.")
@LANG_OPTION
@KNOWLEDGE_OPTION
def docs_command(output: Path | None, to_stdout: bool, lang: str, knowledge_dir: Path | None) -> None:
    """Write a readable markdown catalogue of every diagnosis, rule and action."""
    from expert.knowledge.docs import catalogue_name, render_catalogue

    kb = knowledge_base(knowledge_dir)
    for line in knowledge_notice(kb.root, lang, always=knowledge_dir is None and not to_stdout):
        click.echo(line, err=True)
    text = render_catalogue(kb, lang)
    if to_stdout:
        emit(text, None)
        return
    output = output or docs_folder(kb.root)
    _make_folder(output)
    path = output / catalogue_name(lang)
    emit(text, path)
    click.echo(f"{path}", err=True)


def _make_folder(folder: Path) -> None:
    """Create the output folder, or raise InputFileError (exit 2) saying why it cannot be (read-only, a file in the way)."""
    from expert.errors import InputFileError, Problem

    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise InputFileError(Problem(str(folder), "cannot create the output folder: a file of that name is in the way",
                                     "choose another --output folder")) from None
    except OSError as exc:
        raise InputFileError(Problem(str(folder), f"cannot create the output folder: {exc.strerror or exc}",
                                     "choose a writable --output folder, or use --stdout")) from None
