"""Core data types of the ingest layer: the Event record, IngestError and the warnings readers collect."""
from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from expert.errors import InputFileError, OptionError, Problem

__all__ = ["Event", "Text", "IngestError", "IngestOptionError", "IngestWarning", "IngestWarnings", "Skipped", "collecting", "warn", "printable"]


@dataclass(frozen=True, slots=True)
class Event:
    """One pseudonymised community action; slots + frozen keep millions of them cheap and safe."""

    timestamp: datetime
    actor: str
    kind: str
    thread: str | None = None
    reply_to: str | None = None
    channel: str | None = None
    is_staff: bool = False
    is_bot: bool = False
    msg_id: str | None = None


@dataclass(frozen=True, slots=True)
class Text:
    """A text a person reads, as data: a key under `errors:` (or another section) of knowledge/ingest.yaml and its
    values; a value may itself be a Text, rendered in the same language. English unless asked otherwise."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)
    section: str = "errors"

    def render(self, lang: str = "en") -> str:
        """The text in `lang` (en or zh), placeholders filled."""
        from expert.ingest.report import ingest_text

        values = {k: v.render(lang) if isinstance(v, Text) else v for k, v in self.values.items()}
        return ingest_text(self.section, self.key, lang, **values)

    def __str__(self) -> str:
        """The English text."""
        return self.render()


class IngestError(InputFileError):
    """An export could not be read; carries the path, the reason and a hint for the user.

    The reason and hint are plain English, or Texts (keys in knowledge/ingest.yaml) that `localised`
    renders in the report's language; `reason`, `hint` and str(exc) are always English.
    """

    def __init__(self, path, reason: str | Text, hint: str | Text = "") -> None:
        self.path = str(path)
        self.texts = (reason, hint)
        self.reason = str(reason)
        self.hint = str(hint)
        super().__init__(self.localised("en"))

    def localised(self, lang: str) -> list[Problem]:
        """The error's problem in `lang`: its Texts rendered there, plain English left as it is."""
        return [_problem(self.path, *self.texts, lang)]


class IngestOptionError(OptionError):
    """An option of analyze_export (since, until, reader) has a value it cannot use; Texts as in IngestError."""

    def __init__(self, option: str, reason: Text, hint: Text) -> None:
        self.option = option
        self.texts = (reason, hint)
        super().__init__(self.localised("en"))

    def localised(self, lang: str) -> list[Problem]:
        """The error's problem in `lang`."""
        return [_problem(self.option, *self.texts, lang)]


def _problem(where: str, reason: str | Text, hint: str | Text, lang: str) -> Problem:
    """One Problem at `where` with the reason and hint rendered in `lang` (plain English left as it is)."""
    reason, hint = (t.render(lang) if isinstance(t, Text) else t for t in (reason, hint))
    return Problem(printable(where), reason, hint or None)


def printable(text: str) -> str:
    """Text from an export or a file name, with control characters escaped so it cannot drive a terminal."""
    text = str(text)
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


@dataclass(frozen=True, slots=True)
class IngestWarning:
    """A finding that does not stop the analysis: a key under `warnings:` in knowledge/ingest.yaml and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


class IngestWarnings:
    """Collects the IngestWarnings found while an export is read, in order."""

    def __init__(self) -> None:
        """Start empty."""
        self.items: list[IngestWarning] = []

    def add(self, key: str, **values: Any) -> None:
        """Record one warning (values are numbers or already printable text)."""
        self.items.append(IngestWarning(key, values))

    def __iter__(self) -> Iterator[IngestWarning]:
        """The warnings in the order they were found."""
        return iter(self.items)

    def __len__(self) -> int:
        """How many warnings were found."""
        return len(self.items)


_ACTIVE: contextvars.ContextVar[IngestWarnings | None] = contextvars.ContextVar("ingest_warnings", default=None)


@contextlib.contextmanager
def collecting(into: IngestWarnings | None = None) -> Iterator[IngestWarnings]:
    """Collect the warnings readers raise inside the block (nested blocks share the outer collector)."""
    outer = _ACTIVE.get()
    found = into or outer or IngestWarnings()
    token = _ACTIVE.set(found)
    try:
        yield found
    finally:
        _ACTIVE.reset(token)


def warn(key: str, **values: Any) -> None:
    """Report a warning to the active collector; without one it is dropped (library use that did not ask)."""
    found = _ACTIVE.get()
    if found is not None:
        found.add(key, **values)


class Skipped:
    """Records a reader leaves out rather than refusing the file: how many, and where the first one was."""

    __slots__ = ("count", "first")

    def __init__(self) -> None:
        """None yet."""
        self.count, self.first = 0, ""

    def add(self, where: str) -> None:
        """Count one more; the first one's place is kept for the warning."""
        self.count += 1
        self.first = self.first or where

    def report(self, key: str, source: str) -> None:
        """Warn once (ingest.yaml's ``warnings.<key>``) when anything was left out."""
        if self.count:
            warn(key, count=self.count, first=printable(self.first), source=printable(source))
