"""Sanitisers for text from outside (situations, exports, file names) on its way to a terminal or a document.

Everything a user wrote is data, never markup or control: terminal output loses control characters
(C0 but newline, DEL, C1 with ESC and CSI/OSC, bidi embeddings, overrides and isolates), which are
shown as visible escapes such as ``\\x1b``; markdown output also escapes markdown metacharacters and
HTML, and neutralises links, autolinks and mentions. Each shown string is cut to a length, and
repeated warnings are counted once. Every function is linear in the length of its input.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from rich.markup import escape as _rich_escape

__all__ = ["TEXT_LIMIT", "WARNINGS_SHOWN", "UNSAFE_CHARS", "clip", "terminal_text", "terminal_markup",
           "markdown_text", "markdown_code", "grouped"]

TEXT_LIMIT = 500  # longest shown string, in characters (the longest text in knowledge/ is about 340)
WARNINGS_SHOWN = 20  # distinct warnings shown before "and N more"

# C0 controls but tab and newline, DEL and C1 (ESC starts CSI/OSC; U+009B and U+009D are CSI/OSC alone),
# bidi marks, embeddings, overrides and isolates (Trojan Source), line and paragraph separators.
UNSAFE_CHARS = "\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{UNSAFE_CHARS}]")
_LINE_BREAKS = re.compile("[\t\n]")
_MD_PUNCT = re.compile(r"([\\`*_\[\]|~#@])")  # the rest (. - + ! ( ) =) only acts at a line start or after ]
_MD_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_SCHEME = re.compile(r"(?i)([a-z][a-z0-9+.\-]{0,31}):(?=\S)|(javascript|vbscript|data|file):|(www)\.")


def _visible(match: re.Match[str]) -> str:
    """A control character as a visible escape (``\\x1b``, ``\\u202e``)."""
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _unlinked(match: re.Match[str]) -> str:
    """A URL scheme or ``www.`` with its colon or dot escaped, so no renderer makes it a link."""
    return match.group()[:-1] + "\\" + match.group()[-1]


def clip(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` cut to ``limit`` characters, an ellipsis saying it was cut."""
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def terminal_text(text: object, *, multiline: bool = False, limit: int | None = TEXT_LIMIT) -> str:
    """Text safe to print on a terminal: no control, escape or bidi characters, one line unless
    ``multiline``, cut to ``limit`` characters (None: no cut)."""
    text = str(text)
    if limit is not None:
        text = clip(text, limit)
    text = _UNSAFE.sub(_visible, text)
    return text if multiline else _LINE_BREAKS.sub(" ", text)


def terminal_markup(text: object, *, multiline: bool = False, limit: int | None = TEXT_LIMIT) -> str:
    """terminal_text with Rich markup escaped, for strings printed through Rich's markup parser."""
    return _rich_escape(terminal_text(text, multiline=multiline, limit=limit))


def markdown_text(text: object, *, limit: int | None = TEXT_LIMIT) -> str:
    """Text safe inside one markdown line or table cell: terminal-safe and on one line, markdown
    metacharacters backslash-escaped, HTML as entities, no link, autolink, URL scheme or mention."""
    text = terminal_text(text, limit=limit)
    text = "".join(_MD_HTML.get(c, c) for c in text) if any(c in text for c in _MD_HTML) else text
    text = _MD_PUNCT.sub(r"\\\1", text)
    return _SCHEME.sub(_unlinked, text)


def markdown_code(text: object) -> str:
    """An identifier safe inside a markdown code span (no backticks, no control characters)."""
    return terminal_text(text).replace("`", "'")


def grouped(lines: Iterable[str], shown: int = WARNINGS_SHOWN) -> tuple[list[tuple[str, int]], int]:
    """Identical lines counted once, in first-seen order: up to ``shown`` (line, count) pairs and how
    many distinct lines were left out."""
    counts = Counter(lines)
    return list(counts.items())[:shown], max(len(counts) - shown, 0)
