"""What every command shares: the --lang and --knowledge options, the knowledge base, output and error printing.

Light on purpose (click only at import): `expert --help` loads this and each command module, not their work.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from expert.errors import ExpertError
    from expert.knowledge import KnowledgeBase

__all__ = ["knowledge_base", "emit", "print_error", "fail", "LANG_OPTION", "KNOWLEDGE_OPTION", "PROBLEM_LIMIT"]

LANG_OPTION = click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                           help="Language of the report.")
PROBLEM_LIMIT = 2000  # characters of one error line (lists of allowed values can be long)
KNOWLEDGE_OPTION = click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False, path_type=Path),
                                default=None, help="Knowledge folder to use instead of the bundled one.")


def knowledge_base(knowledge_dir: Path | None) -> KnowledgeBase:
    """The bundled knowledge base, or the folder given with --knowledge."""
    from expert.knowledge import cached_knowledge

    return cached_knowledge(str(knowledge_dir) if knowledge_dir else None)


def emit(text: str, output: Path | None) -> None:
    """Print to stdout, or write the file atomically so a failure never leaves half a report."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    from expert.yamlio import atomic_write_text

    atomic_write_text(output, text, "output")


def _error_heading(lang: str) -> str:
    """'Error' in the language of the problems (English if the knowledge itself cannot load)."""
    from expert.errors import ExpertError
    from expert.knowledge import cached_knowledge

    try:
        return cached_knowledge().message("error_prefix", lang)
    except (ExpertError, KeyError):
        return "Error"


def print_error(exc: ExpertError) -> None:
    """Our error's problems on stderr, one per line, under the error's kind."""
    from expert.textsafe import terminal_text

    click.echo(f"{_error_heading(exc.lang)} ({exc.__class__.__name__}):", err=True)
    for problem in exc.problems:  # file names and values come from outside: no control characters
        click.echo(f"  {terminal_text(problem, limit=PROBLEM_LIMIT)}", err=True)


def fail(exc: ExpertError) -> None:
    """Print our error's problems to stderr and exit with its code (no traceback)."""
    import sys

    print_error(exc)
    sys.exit(exc.exit_code)
