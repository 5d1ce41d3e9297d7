"""One exception tree: every error knows where it happened and offers a fix."""
from __future__ import annotations

import difflib
from collections.abc import Iterable

__all__ = [
    "ExpertError",
    "SituationError",
    "KnowledgeError",
    "InputFileError",
    "OptionError",
    "Problem",
    "did_you_mean",
]


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """Return the closest known spelling of ``word``, if one is close enough to suggest."""
    matches = difflib.get_close_matches(str(word), list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


class Problem:
    """One located problem: where (file:line, field, rule id), what, and how to fix it."""

    __slots__ = ("where", "message", "hint", "code")

    def __init__(self, where: str, message: str, hint: str | None = None, code: str = "invalid") -> None:
        self.where, self.message, self.hint, self.code = where, message, hint, code

    def __str__(self) -> str:
        """``where: message (hint)``, as the CLI prints it."""
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, str | None]:
        """The problem as JSON-ready data (lint --format json)."""
        return {"where": self.where, "code": self.code, "message": self.message, "hint": self.hint}


class ExpertError(Exception):
    """Root of every error this package raises on purpose; carries its CLI exit code."""

    exit_code = 1
    lang = "en"  # the language the problems are written in (set by whoever localised them)

    def __init__(self, problems: list[Problem] | Problem | str, lang: str = "en") -> None:
        self.lang = lang
        if isinstance(problems, str):
            problems = [Problem("", problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class SituationError(ExpertError):
    """A situation (file, dict or answer) names an unknown field or a value out of range."""

    exit_code = 2


class InputFileError(ExpertError):
    """A file cannot be read or parsed (missing, not YAML/JSON, not a mapping)."""

    exit_code = 2


class OptionError(ExpertError, ValueError):
    """A command option or keyword argument has a value that is not allowed (e.g. a date that is not one)."""

    exit_code = 2


class KnowledgeError(ExpertError):
    """The knowledge base is malformed: the message names file, line, id and field."""

    exit_code = 3
