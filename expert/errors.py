"""One exception tree: every error knows where it happened and offers a fix."""
from __future__ import annotations

import dataclasses
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


@dataclasses.dataclass(frozen=True)
class Problem:
    """One located problem, as data: where (file, line, field), what (message, value, expected) and the fix (hint).

    Situation errors, session errors and lint findings are all Problems; the place is kept in its
    parts, never as a ``path:line`` string to be parsed back. ``value`` and ``expected`` are already
    in a person's words (``false``, ``-10``, ``one of: a, b``), never a Python repr.
    """

    file: str = ""
    message: str = ""
    hint: str | None = None
    code: str = "invalid"
    _: dataclasses.KW_ONLY
    line: int = 0
    field: str | None = None
    value: str | None = None
    expected: str | None = None
    level: str = "error"

    @property
    def where(self) -> str:
        """``file:line`` (or just the file when the line is unknown), for display only."""
        return f"{self.file}:{self.line}" if self.file and self.line else self.file

    def placed(self, file: str, line: int | None = None) -> Problem:
        """The same problem located in another file (e.g. a session replaying an answer)."""
        return dataclasses.replace(self, file=file, line=self.line if line is None else line)

    def __str__(self) -> str:
        """``where: message (hint)``, as the CLI prints it."""
        place = self.where or self.field  # an answer's problem has no file, only its field
        text = f"{place}: {self.message}" if place else self.message
        return f"{text} ({self.hint})" if self.hint else text

    def to_dict(self) -> dict[str, str | int | None]:
        """The problem as JSON-ready data (lint --format json), every part under its own key."""
        return {"file": self.file, "line": self.line, "level": self.level, "code": self.code, "field": self.field,
                "value": self.value, "expected": self.expected, "message": self.message, "hint": self.hint}


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
