"""The command line: `expert <command>`, one module per command group, loaded when the command runs."""
from expert.cli.main import COMMANDS, cli, main

__all__ = ["main", "cli", "COMMANDS"]
