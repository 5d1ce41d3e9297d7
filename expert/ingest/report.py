"""Pydantic result models: what analyze_export hands to the engine, CLI and report.

Nothing here holds prose: notes and metric definitions are keys (with placeholder values) into
knowledge/ingest.yaml, which has every text in English and Chinese; `ingest_text` renders them.
"""
from __future__ import annotations

import functools
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field

__all__ = ["Window", "Windows", "Month", "Metric", "Note", "ExcludedBot", "Analysis", "sparkline", "HISTORY_MONTHS", "INGEST_TEXTS", "ingest_texts", "ingest_text",
           "minimum_evidence"]

INGEST_TEXTS = "ingest.yaml"
HISTORY_MONTHS = 36  # months of history a report draws
_BARS = "▁▂▃▄▅▆▇█"
SECTIONS = ("notes", "definitions")
OPTIONAL_SECTIONS = ("warnings", "bot_rules", "evidence", "errors")
# en_one: the English text when the count it opens with is 1 ("1 bot event was", not "1 bot events were").
TEXT_KEYS = ("en", "zh", "en_one")
_FIRST_PLACEHOLDER = re.compile(r"\{(\w+)\}")


class Window(BaseModel):
    """One time window, (start, end] in UTC."""

    start: datetime
    end: datetime


class Windows(BaseModel):
    """The current window, its baseline and the same window one year earlier."""

    current: Window
    baseline: Window
    year_ago: Window


class Month(BaseModel):
    """One calendar month (UTC) of the export's history: events, active actors, actors seen first."""

    month: str
    events: int
    active: int
    new: int


class ExcludedBot(BaseModel):
    """An account left out of every metric as a bot: pseudonym, why (a `bot_rules:` key), its events."""

    pseudonym: str
    rule: str
    pattern: str = ""
    events: int = 0

    def text(self, lang: str = "en", root: Path | str | None = None) -> str:
        """Why it was excluded, in `lang`."""
        return ingest_text("bot_rules", self.rule, lang, root, pattern=self.pattern)


class Note(BaseModel):
    """Why a fact was left out (or what was excluded): a key under `notes:` in knowledge/ingest.yaml."""

    key: str
    values: dict[str, Any] = Field(default_factory=dict)
    section: str = "notes"  # "warnings" for what the readers found (clock errors, skipped records)

    def text(self, lang: str = "en", root: Path | str | None = None) -> str:
        """The note in `lang`, placeholders filled."""
        return ingest_text(self.section, self.key, lang, root, **self.values)


class Metric(BaseModel):
    """A computed situation fact with the evidence a report needs to explain it.

    `definition_key` names an entry under `definitions:` in knowledge/ingest.yaml (the fact name),
    `definition_values` fills its placeholders.
    """

    fact: str
    value: bool | int | float | str
    unit: str = ""
    definition_key: str
    definition_values: dict[str, Any] = Field(default_factory=dict)
    evidence: dict[str, Any] = Field(default_factory=dict)

    def definition(self, lang: str = "en", root: Path | str | None = None) -> str:
        """What the metric measures, in `lang`."""
        return ingest_text("definitions", self.definition_key, lang, root, **self.definition_values)


class Analysis(BaseModel):
    """Everything learned from one export; `facts` merges straight into a situation mapping."""

    format: str
    source: str
    windows: Windows
    events_read: int
    facts: dict[str, dict[str, bool | int | float | str]] = Field(default_factory=dict)
    metrics: list[Metric] = Field(default_factory=list)
    notes: list[Note] = Field(default_factory=list)
    history: list[Month] = Field(default_factory=list)
    bots: list[ExcludedBot] = Field(default_factory=list)


def sparkline(values: list[int]) -> str:
    """One character per value, scaled to the largest; a zero is '·' so silent months stand out."""
    top = max(values, default=0)
    if top <= 0:
        return "·" * len(values)
    n = len(_BARS)
    return "".join("·" if v <= 0 else _BARS[(v * n + top - 1) // top - 1] for v in values)


def _texts_path(root: Path | str | None) -> Path:
    """knowledge/ingest.yaml in `root`, else in the bundled knowledge folder."""
    from expert.knowledge import default_knowledge_dir

    if root is not None and (Path(root) / INGEST_TEXTS).is_file():
        return Path(root) / INGEST_TEXTS
    return default_knowledge_dir() / INGEST_TEXTS


@functools.lru_cache(maxsize=8)
def _raw(path: Path) -> Any:
    """ingest.yaml parsed once per path, for its texts and its thresholds alike."""
    from expert.yamlio import load_yaml_file

    return load_yaml_file(path)


@functools.lru_cache(maxsize=8)
def _load(path: Path) -> dict[str, dict[str, dict[str, str]]]:
    """Read and check ingest.yaml once per path: every note and definition needs en and zh."""
    from expert.errors import KnowledgeError, Problem

    if not path.is_file():
        raise KnowledgeError(Problem(str(path), "ingest texts not found", "restore knowledge/ingest.yaml"))
    data = _raw(path)
    if not isinstance(data, dict) or not all(isinstance(data.get(s), dict) for s in SECTIONS):
        raise KnowledgeError(Problem(str(path), "expected mappings 'notes:' and 'definitions:'"))
    out: dict[str, dict[str, dict[str, str]]] = {}
    optional = [s for s in OPTIONAL_SECTIONS if isinstance(data.get(s), dict)]
    for section in (*SECTIONS, *optional):
        for key, body in data[section].items():
            line = getattr(body, "line", getattr(data[section], "line", 0))
            if not isinstance(body, dict) or not all(isinstance(body.get(lang), str) and body[lang].strip()
                                                     for lang in ("en", "zh")):
                raise KnowledgeError(Problem(f"{path}:{line}", f"{section}.{key} needs non-empty 'en' and 'zh' texts"))
            out.setdefault(section, {})[str(key)] = {k: str(v) for k, v in body.items() if k in TEXT_KEYS}
    return out


@functools.lru_cache(maxsize=8)
def _minimum(path: Path) -> dict[str, float]:
    """The ``minimum:`` section of ingest.yaml: each threshold a non-negative number, with en and zh why."""
    from expert.errors import KnowledgeError, Problem

    section = (_raw(path) or {}).get("minimum") if path.is_file() else None
    if not isinstance(section, dict) or not section:
        raise KnowledgeError(Problem(str(path), "no 'minimum:' section", "restore knowledge/ingest.yaml"))
    out: dict[str, float] = {}
    for key, body in section.items():
        line = getattr(body, "line", getattr(section, "line", 0))
        value = body.get("value") if isinstance(body, dict) else None
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0 \
                or not all(isinstance(body.get(lang), str) and body[lang].strip() for lang in ("en", "zh")):
            raise KnowledgeError(Problem(f"{path}:{line}", f"minimum.{key} needs a number 'value' of 0 or more "
                                         "and non-empty 'en' and 'zh' texts", "write {value: 10, en: ..., zh: ...}"))
        out[str(key)] = value
    return out


def minimum_evidence(root: Path | str | None = None) -> dict[str, float]:
    """The minimum evidence per measure (knowledge/ingest.yaml ``minimum:``), a fresh copy each call."""
    return dict(_minimum(_texts_path(root)))


def ingest_texts(root: Path | str | None = None) -> dict[str, dict[str, dict[str, str]]]:
    """knowledge/ingest.yaml as {section: {key: {en, zh}}}, read safely once and cached.

    `root` is a knowledge folder (e.g. KnowledgeBase.root); without an ingest.yaml of its own the
    bundled one is used.
    """
    return _load(_texts_path(root))


def ingest_text(section: str, key: str, lang: str = "en", root: Path | str | None = None, **values: Any) -> str:
    """One text from knowledge/ingest.yaml in `lang`, placeholders filled; a missing key is a KnowledgeError."""
    from expert.errors import KnowledgeError, Problem
    from expert.knowledge import fill

    entry = ingest_texts(root).get(section, {}).get(key)
    if entry is None:
        raise KnowledgeError(Problem(str(_texts_path(root)), f"no text for {section}.{key}",
                                     f"add '{key}: {{en: ..., zh: ...}}' under '{section}:'"))
    text = entry.get(lang) or entry["en"]
    first = _FIRST_PLACEHOLDER.search(text)
    if first and values.get(first.group(1)) == 1 and f"{lang}_one" in entry:
        text = entry[f"{lang}_one"]
    return fill(text, values)
