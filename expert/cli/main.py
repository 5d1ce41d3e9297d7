"""The `expert` command group: commands are registered by name and imported only when used.

No command module imports this one, so there is no cycle; `expert --help` imports each command
module (all light) but none of the reasoning, rendering or ingest they run.
"""
from __future__ import annotations

import gc
import importlib
import sys

import click

from expert.cli.common import PROBLEM_LIMIT, print_error, set_debug, version_text
from expert.errors import ExpertError, did_you_mean

__all__ = ["main", "cli", "COMMANDS", "BRIEF_COMMANDS"]

# Command name → "module:attribute" of its click command (one line each, keep alphabetical).
COMMANDS = {
    "analyze": "expert.cli.analyze:analyze",
    "batch": "expert.cli.batch:batch",
    "consult": "expert.cli.consult:consult",
    "diagnose": "expert.cli.diagnose:diagnose",
    "explain": "expert.cli.knowledge:explain_command",
    "history": "expert.cli.history:history_group",
    "knowledge": "expert.cli.knowledge:knowledge_group",
    "lint": "expert.cli.knowledge:lint_command",
    "review": "expert.cli.history:review_command",
    "schema": "expert.cli.diagnose:schema",
    "whatif": "expert.cli.consult:whatif",
}


EXAMPLES = """\b
Examples:
  expert diagnose scenarios/demo.yaml --lang zh
  expert analyze path/to/export --situation-out derived.yaml
  expert consult"""


class ExpertGroup(click.Group):
    """A command group that loads its commands lazily and suggests the closest name for a typo."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        """Every command name, sorted."""
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        """The command of that name, importing its module on first use."""
        if cmd_name not in self.commands and cmd_name in COMMANDS:
            module, attribute = COMMANDS[cmd_name].split(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return self.commands.get(cmd_name)

    def resolve_command(self, ctx: click.Context, args: list[str]):  # noqa: ANN201
        """Refuse an unknown command with the closest known name instead of click's bare error."""
        name = args[0] if args else None
        known = self.list_commands(ctx)
        if name and name not in known and not name.startswith("-"):
            guess = did_you_mean(name, known)
            hint = f" Did you mean '{guess}'?" if guess else ""
            ctx.fail(f"No such command '{name}'.{hint}")
        return super().resolve_command(ctx, args)


def _show_version(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """--version: the version and the knowledge folder in use (and whether ./knowledge differs from it)."""
    if value and not ctx.resilient_parsing:
        click.echo(version_text())
        ctx.exit()


@click.group(cls=ExpertGroup, context_settings={"help_option_names": ["-h", "--help"]}, epilog=EXAMPLES)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and the knowledge folder in use, then exit.")
@click.option("--debug", is_flag=True, help="Name the kind of each error (for bug reports).")
def cli(debug: bool) -> None:
    """Diagnose an online community and get a prioritised, explainable action plan.

    Shell completion: eval "$(_EXPERT_COMPLETE=bash_source expert)" (zsh_source, fish_source).
    """
    set_debug(debug)


# Commands that do one bounded piece of work and exit. While one runs, the cyclic garbage collector is
# paused: its passes over the objects that the imports create (modules, classes, pydantic schemas, the
# Rete network), none of them garbage, are ~8 % of a diagnose. Reference counting still frees the rest.
BRIEF_COMMANDS = frozenset({"diagnose", "schema", "explain", "lint"})


def _brief(argv: list[str] | None) -> bool:
    """True when the command line runs one of BRIEF_COMMANDS (the first word that is not an option)."""
    args = sys.argv[1:] if argv is None else argv
    return next((arg for arg in args if not arg.startswith("-")), None) in BRIEF_COMMANDS


def main(argv: list[str] | None = None) -> None:
    """Console entry point: run the CLI, turning our errors into messages and exit codes."""
    paused = _brief(argv) and gc.isenabled()
    if paused:
        gc.disable()
    try:
        _run(argv)
    finally:
        if paused:
            gc.enable()


def _run(argv: list[str] | None) -> None:
    """Run the command line; our errors become messages and exit codes, never tracebacks."""
    try:
        cli.main(args=argv, prog_name="expert", standalone_mode=False)
    except ExpertError as exc:
        print_error(exc)
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        from expert.textsafe import terminal_text

        # click declares message Final, yet it may quote an argument: make it safe before show() prints it
        exc.message = terminal_text(exc.message, multiline=True, limit=PROBLEM_LIMIT)  # type: ignore[misc]
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:
        sys.exit(0)
