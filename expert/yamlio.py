"""Safe YAML/JSON reading that remembers line numbers, and atomic writing."""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .errors import InputFileError, Problem

__all__ = ["LineDict", "LineList", "load_yaml_file", "load_mapping_text", "line_of", "atomic_write_text"]


class LineDict(dict):
    """A mapping that remembers the 1-based line it started on."""

    line = 0


class LineList(list):
    """A sequence that remembers the 1-based line it started on."""

    line = 0


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available: ~5x faster


class _LineLoader(_SafeBase):
    """A safe loader (no arbitrary objects) whose mappings and sequences carry their line."""

    def construct_mapping(self, node, deep=False):  # noqa: D102
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node, deep=False):  # noqa: D102
        seq = LineList(super().construct_sequence(node, deep=True))
        seq.line = node.start_mark.line + 1
        return seq


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


def _parse_yaml(text: str, where: str) -> Any:
    """Parse YAML safely, turning syntax errors into located InputFileErrors."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - _LineLoader is a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"{where}:{mark.line + 1}" if mark else where
        problem = getattr(exc, "problem", None) or str(exc)
        raise InputFileError(Problem(loc, f"not valid YAML: {problem}", "check indentation and quoting")) from None


def load_yaml_file(path: Path) -> Any:
    """Read one YAML file with line numbers; errors name the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputFileError(Problem(str(path), f"cannot read file: {exc.__class__.__name__}: {exc}")) from None
    return _parse_yaml(text, str(path))


def load_mapping_text(text: str, where: str) -> dict[str, Any]:
    """Parse a situation given as JSON or YAML text; it must be a mapping."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputFileError(
                Problem(f"{where}:{exc.lineno}", f"not valid JSON: {exc.msg}", "check commas and quotes")
            ) from None
    else:
        data = _parse_yaml(text, where)
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise InputFileError(
            Problem(where, f"expected a mapping of groups (community, activity, ...), got {kind}",
                    "start the file with `community:` and a `name:` under it")
        )
    return data


def line_of(data: Any, loc: tuple[Any, ...]) -> int:
    """Return the line of the deepest node on ``loc`` that remembers one (0 if none)."""
    line = getattr(data, "line", 0)
    node = data
    for key in loc:
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            break
        line = getattr(node, "line", line) or line
    return line


def atomic_write_text(path: Path, text: str) -> None:
    """Write text so that readers see the old file or the new one, never half of either."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise

