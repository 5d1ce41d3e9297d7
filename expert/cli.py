"""Command line: thin click commands that parse, call the API and render."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from .errors import ExpertError, did_you_mean
from .knowledge import KnowledgeBase, cached_knowledge
from .render import FORMATS, render
from .render.safe import terminal_text
from .yamlio import atomic_write_text

__all__ = ["main", "cli", "knowledge_base", "emit", "print_error", "LANG_OPTION", "KNOWLEDGE_OPTION"]

LANG_OPTION = click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
                           help="Language of the report.")
PROBLEM_LIMIT = 2000  # characters of one error line (lists of allowed values can be long)
KNOWLEDGE_OPTION = click.option("--knowledge", "knowledge_dir", type=click.Path(file_okay=False, path_type=Path),
                                default=None, help="Knowledge folder to use instead of the bundled one.")


class ExpertGroup(click.Group):
    """A command group that suggests the closest command name for a typo."""

    def resolve_command(self, ctx, args):  # noqa: D102
        """Refuse an unknown command with the closest known name instead of click's bare error."""
        name = args[0] if args else None
        if name and name not in self.commands and not name.startswith("-"):
            guess = did_you_mean(name, self.commands)
            hint = f" Did you mean '{guess}'?" if guess else ""
            ctx.fail(f"No such command '{name}'.{hint}")
        return super().resolve_command(ctx, args)


def knowledge_base(knowledge_dir: Path | None) -> KnowledgeBase:
    """The bundled knowledge base, or the folder given with --knowledge."""
    return cached_knowledge(str(knowledge_dir) if knowledge_dir else None)


def emit(text: str, output: Path | None) -> None:
    """Print to stdout, or write the file atomically so a failure never leaves half a report."""
    if output is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    atomic_write_text(output, text, "output")


@click.group(cls=ExpertGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="community-expert", prog_name="expert")
def cli() -> None:
    """Diagnose an online community and get a prioritised, explainable action plan."""


@cli.command()
@click.argument("situation", type=str)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="terminal", show_default=True)
@LANG_OPTION
@KNOWLEDGE_OPTION
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file (atomically) instead of stdout.")
@click.option("--color/--no-color", default=None, help="Force colours on or off (default: when stdout is a terminal).")
def diagnose(situation: str, fmt: str, lang: str, knowledge_dir: Path | None, output: Path | None, color: bool | None) -> None:
    """Diagnose SITUATION (a YAML or JSON file, or '-' for stdin) and print the plan."""
    from .api import diagnose as run

    kb = knowledge_base(knowledge_dir)
    plan = run(situation, lang=lang, knowledge=kb)
    use_color = (sys.stdout.isatty() and output is None) if color is None else color
    emit(render(plan, fmt, kb, color=use_color), output)


@cli.command()
@click.argument("what", type=click.Choice(["situation", "plan"]))
@KNOWLEDGE_OPTION
def schema(what: str, knowledge_dir: Path | None) -> None:
    """Print the JSON Schema of a situation file or of the JSON plan."""
    from .plan import Plan
    from .situation import situation_model

    model = situation_model(knowledge_base(knowledge_dir)) if what == "situation" else Plan
    mode = "validation" if what == "situation" else "serialization"
    click.echo(json.dumps(model.model_json_schema(mode=mode, by_alias=True), indent=2, ensure_ascii=False))


def _error_heading(lang: str) -> str:
    """'Error' in the language of the problems (English if the knowledge itself cannot load)."""
    try:
        return cached_knowledge().message("error_prefix", lang)
    except (ExpertError, KeyError):
        return "Error"


def print_error(exc: ExpertError) -> None:
    """Our error's problems on stderr, one per line, under the error's kind."""
    click.echo(f"{_error_heading(exc.lang)} ({exc.__class__.__name__}):", err=True)
    for problem in exc.problems:  # file names and values come from outside: no control characters
        click.echo(f"  {terminal_text(problem, limit=PROBLEM_LIMIT)}", err=True)


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turning our errors into messages and exit codes."""
    try:
        cli.main(args=argv, prog_name="expert", standalone_mode=False)
    except ExpertError as exc:
        print_error(exc)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.message = terminal_text(exc.message, multiline=True, limit=PROBLEM_LIMIT)  # may quote an argument
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)


# Commands of the other features register here (one line each, keep alphabetical).
# -- feature commands --
from . import cli_analyze  # noqa: E402,F401
from . import cli_consult  # noqa: E402,F401
from . import cli_knowledge  # noqa: E402,F401
