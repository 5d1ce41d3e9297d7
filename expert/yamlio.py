"""Safe YAML/JSON reading that remembers line numbers, and atomic writing."""
from __future__ import annotations

import contextlib
import json
import os
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import yaml

from .errors import InputFileError, Problem

__all__ = ["LineDict", "LineList", "load_yaml_file", "load_mapping_text", "read_text", "line_of", "kind_of", "short_repr", "atomic_write_text"]


class LineDict(dict):
    """A mapping that remembers the 1-based line it started on."""

    line = 0


class LineList(list):
    """A sequence that remembers the 1-based line it started on."""

    line = 0


_SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available: ~5x faster


# A document may hold at most this many values once aliases are expanded: anchors let a tiny file
# (a "billion laughs" YAML bomb) stand for billions of values that validation would walk for minutes.
MAX_NODES = 1_000_000
_MERGE = "tag:yaml.org,2002:merge"


class _LineLoader(_SafeBase):
    """A safe loader (no arbitrary objects) whose mappings and sequences carry their line."""

    def construct_mapping(self, node, deep=False):  # noqa: D102
        """A LineDict that remembers its line."""
        mapping = LineDict(super().construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping

    def construct_sequence(self, node, deep=False):  # noqa: D102
        """A LineList that remembers its line."""
        seq = LineList(super().construct_sequence(node, deep=True))
        seq.line = node.start_mark.line + 1
        return seq


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)


class _StrictLineLoader(_LineLoader):
    """For a person's input (situations, sessions): a key given twice is an error, not a silent overwrite.

    (The knowledge loader stays lenient so that `expert lint` can list every duplicate at once.)
    """

    def construct_mapping(self, node, deep=False):  # noqa: D102
        """Refuse a key given twice, then build the mapping as the lenient loader does."""
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE:  # `<<: *base` may be overridden on purpose
                continue
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: the base constructor reports it
                continue
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r} (first given on line {first}); "
                    "the later value would silently replace the earlier one", key_node.start_mark)
            seen[key] = key_node.start_mark.line + 1
        return super().construct_mapping(node, deep=True)


_StrictLineLoader.add_constructor("tag:yaml.org,2002:map", _StrictLineLoader.construct_mapping)


def _expanded_size(data: Any, limit: int) -> int:
    """How many values ``data`` holds with every alias expanded; stops counting past ``limit``.

    Shared (aliased) containers are sized once and reused, so a YAML bomb is measured in
    microseconds instead of being walked value by value.
    """
    sizes: dict[int, int] = {}

    def size(node: Any) -> int:
        """Values under ``node``, aliased containers counted once and remembered."""
        if isinstance(node, dict):
            children = [*node.keys(), *node.values()]
        elif isinstance(node, list):
            children = node
        else:
            return 1
        known = sizes.get(id(node))
        if known is None:
            total = 1
            for child in children:
                total += size(child)
                if total > limit:
                    break
            known = sizes[id(node)] = total
        return known

    return size(data)


def _parse_yaml(text: str, where: str, strict: bool = False) -> Any:
    """Parse YAML safely, turning syntax errors into located InputFileErrors (strict: no duplicate keys)."""
    try:
        data = yaml.load(text, Loader=_StrictLineLoader if strict else _LineLoader)  # noqa: S506 - safe loaders
    except RecursionError:
        raise InputFileError(Problem(where, "not valid YAML: nested too deeply", "check the brackets")) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        loc = f"{where}:{mark.line + 1}" if mark else where
        problem = getattr(exc, "problem", None) or str(exc)
        hint = "give each key once" if "duplicate key" in problem else "check indentation and quoting"
        raise InputFileError(Problem(loc, f"not valid YAML: {problem}", hint)) from None
    try:
        too_big = _expanded_size(data, MAX_NODES) > MAX_NODES
    except RecursionError:
        raise InputFileError(Problem(where, "not valid YAML: nested too deeply", "check the brackets")) from None
    if too_big:
        raise InputFileError(Problem(where, f"the YAML expands to more than {MAX_NODES:,} values through its "
                                            "anchors (&) and aliases (*)", "write the values out instead of "
                                            "nesting aliases"))
    return data


def read_text(path: str | Path, what: str = "file") -> str:
    """The UTF-8 text of a file, or of stdin when the path is '-'; every failure is an InputFileError.

    The message says what went wrong in words (no such file, a folder, not UTF-8 and where) and
    how to fix it, instead of a Python exception name.
    """
    where = "<stdin>" if str(path) == "-" else str(path)
    try:
        if str(path) == "-":
            stream = getattr(sys.stdin, "buffer", None)
            data = stream.read() if stream is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
        else:
            data = Path(path).read_bytes()
    except FileNotFoundError:
        raise InputFileError(Problem(where, f"cannot read {what}: no such file", "check the path")) from None
    except IsADirectoryError:
        raise InputFileError(Problem(where, f"cannot read {what}: it is a folder, not a file",
                                     "pass the file inside it")) from None
    except OSError as exc:
        raise InputFileError(Problem(where, f"cannot read {what}: {exc.strerror or exc}")) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(Problem(f"{where}:{line}", f"cannot read {what}: not UTF-8 text (byte "
                                     f"0x{data[exc.start]:02x})", "save the file as UTF-8")) from None


def load_yaml_file(path: Path) -> Any:
    """Read one YAML file with line numbers; errors name the file."""
    return _parse_yaml(read_text(path), str(path))


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """A JSON object whose keys are unique: a repeated key would silently replace the earlier value."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate key {key!r}; the later value would silently replace the earlier one")
        out[key] = value
    return out


def load_mapping_text(text: str, where: str, expected: str = "a mapping of groups (community, activity, ...)",
                      hint: str = "start the file with `community:` and a `name:` under it") -> dict[str, Any]:
    """Parse a situation (or another document, described by ``expected``) given as JSON or YAML text; it must be a mapping."""
    stripped = text.lstrip()
    if stripped.startswith("{"):
        try:
            data = json.loads(text, object_pairs_hook=_unique_pairs)
        except RecursionError:
            raise InputFileError(Problem(where, "not valid JSON: nested too deeply",
                                         "a situation is a few levels deep: group, fact, list")) from None
        except ValueError as exc:
            if not isinstance(exc, json.JSONDecodeError):
                raise InputFileError(Problem(where, f"not valid JSON: {exc}", "give each key once")) from None
            raise InputFileError(
                Problem(f"{where}:{exc.lineno}", f"not valid JSON: {exc.msg}", "check commas and quotes")
            ) from None
    else:
        data = _parse_yaml(text, where, strict=True)
    if not isinstance(data, dict):
        kind = kind_of(data)
        raise InputFileError(
            Problem(where, f"expected {expected}, got {kind}", hint)
        )
    return data


def kind_of(value: Any) -> str:
    """What a value is, in a user's words (not a Python class name)."""
    if value is None:
        return "empty"
    for types, word in ((bool, "true/false"), ((int, float), "a number"), (str, "text"), (list, "a list"),
                        (dict, "a mapping")):
        if isinstance(value, types):
            return f"{word} ({short_repr(value)})" if word not in ("a list", "a mapping") else word
    return type(value).__name__


def short_repr(value: Any, limit: int = 60) -> str:
    """A value as it appears in a message: its repr, cut short so a huge input cannot flood the screen."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


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


def atomic_write_text(path: Path, text: str, what: str = "file") -> None:
    """Write text so that readers see the old file or the new one, never half of either.

    A symlink is followed (the file it points to is replaced, the link stays); a device or pipe
    such as /dev/stdout is written in place, since it cannot be replaced. Failures raise
    InputFileError naming the path and ``what`` was being written.
    """
    path = Path(path)
    try:
        mode = os.stat(path).st_mode
    except OSError:
        mode = None
    try:
        if mode is not None and stat.S_ISDIR(mode):
            raise IsADirectoryError(21, "is a directory")
        if mode is not None and not stat.S_ISREG(mode):
            with open(path, "w", encoding="utf-8") as handle:
                handle.write(text)
            return
        _replace(Path(os.path.realpath(path)), text, stat.S_IMODE(mode) if mode is not None else None)
    except OSError as exc:
        raise InputFileError(Problem(str(path), f"cannot write {what}: {exc.strerror or exc}",
                                     "check that the folder exists and is writable")) from None


def _replace(path: Path, text: str, mode: int | None) -> None:
    """Write a temporary file beside ``path``, sync it, then rename it over ``path``.

    The file keeps its permissions; a new one gets the usual ones (0666 less the umask).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if mode is None:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
