"""Safe YAML/JSON reading that remembers line numbers, and atomic writing."""
from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from expert.errors import InputFileError, Problem

__all__ = ["LineDict", "LineList", "compose_yaml", "load_yaml_file", "load_mapping_text", "read_text", "line_of", "kind_of", "short_repr", "atomic_write_text"]


class LineDict(dict):
    """A mapping that remembers the 1-based line it started on."""

    line = 0


class LineList(list):
    """A sequence that remembers the 1-based line it started on."""

    line = 0


if TYPE_CHECKING:
    _SafeBase = yaml.SafeLoader
else:
    _SafeBase = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's parser when available: ~5x faster


# A document may hold at most this many values once aliases are expanded: anchors let a tiny file
# (a "billion laughs" YAML bomb) stand for billions of values that validation would walk for minutes.
MAX_NODES = 1_000_000
# The longest integer read (Python's own limit for turning text into an int is 4,300 digits).
MAX_DIGITS = 100
# The largest file read: far above any situation, session or knowledge file, far below what
# would flood memory (a symlink to /dev/zero, an endless pipe).
MAX_BYTES = 16 * 1024 * 1024
_CHUNK = 1024 * 1024
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


    def construct_yaml_int(self, node):  # noqa: D102
        """An integer, or a located error for one too long to be a count (Python refuses > 4300 digits)."""
        digits = sum(ch.isdigit() for ch in str(node.value))
        if digits > MAX_DIGITS:
            raise yaml.constructor.ConstructorError(
                None, None, f"a number with {digits:,} digits (at most {MAX_DIGITS} are read)", node.start_mark)
        return super().construct_yaml_int(node)

    def construct_yaml_timestamp(self, node):  # noqa: D102
        """A date or time such as 2024-05-01, kept as the text written: no fact is a date, and a
        date object would be refused as text or crash whatever writes the situation back out."""
        return self.construct_scalar(node)


_LineLoader.add_constructor("tag:yaml.org,2002:map", _LineLoader.construct_mapping)
_LineLoader.add_constructor("tag:yaml.org,2002:seq", _LineLoader.construct_sequence)
_LineLoader.add_constructor("tag:yaml.org,2002:int", _LineLoader.construct_yaml_int)
_LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _LineLoader.construct_yaml_timestamp)


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
        problem = getattr(exc, "problem", None) or str(exc)
        hint = "give each key once" if "duplicate key" in problem else "write a smaller number" \
            if " digits " in problem else "check indentation and quoting"
        raise InputFileError(Problem(where, f"not valid YAML: {problem}", hint, "file-not-yaml", value=problem,
                                     line=mark.line + 1 if mark else 0)) from None
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
            data = _read_capped(stream, where, what) if stream is not None else \
                sys.stdin.read(MAX_BYTES + 1).encode("utf-8", "surrogateescape")
        else:
            with open(path, "rb") as handle:
                data = _read_capped(handle, where, what)
    except FileNotFoundError:
        raise InputFileError(Problem(where, f"cannot read {what}: no such file", "check the path", "file-missing")) from None
    except IsADirectoryError:
        raise InputFileError(Problem(where, f"cannot read {what}: it is a folder, not a file",
                                     "pass the file inside it", "file-folder")) from None
    except OSError as exc:
        raise InputFileError(Problem(where, f"cannot read {what}: {exc.strerror or exc}")) from None
    if len(data) > MAX_BYTES:
        raise _too_big(where, what)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputFileError(Problem(where, f"cannot read {what}: not UTF-8 text (byte "
                                     f"0x{data[exc.start]:02x})", "save the file as UTF-8", line=line)) from None


def _read_capped(stream: Any, where: str, what: str) -> bytes:
    """At most MAX_BYTES + 1 bytes, read in chunks: /dev/zero or an endless pipe cannot flood memory."""
    try:
        size = os.fstat(stream.fileno()).st_size
    except (OSError, ValueError, AttributeError):  # an in-memory stream has no file number
        size = 0
    if size > MAX_BYTES:
        raise _too_big(where, what, size)
    chunks: list[bytes] = []
    total = 0
    while total <= MAX_BYTES:
        chunk = stream.read(min(_CHUNK, MAX_BYTES + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def _too_big(where: str, what: str, size: int = 0) -> InputFileError:
    """The error for a file beyond MAX_BYTES, with its size when known (a pipe or device has none)."""
    actual = f" (it is {size / 1048576:,.1f} MiB)" if size else ""
    return InputFileError(Problem(where, f"cannot read {what}: larger than the limit of {MAX_BYTES // 1048576} MiB"
                                         f"{actual}", "check the path: situation, session and knowledge files are far "
                                         "smaller" if size else "pass a file, not a device or an endless stream"))


def compose_yaml(text: str) -> yaml.Node | None:
    """The node tree of a YAML document (keys in order, duplicates kept, lines in the marks), built by libyaml
    when installed: `expert lint` composes every knowledge file (1.4 s with the Python parser, 0.1 s with libyaml)."""
    return yaml.compose(text, Loader=_SafeBase)  # noqa: S506 - a safe loader


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


def _json_int(text: str) -> int:
    """A JSON integer, refused (ValueError) when longer than any count: Python refuses > 4300 digits."""
    digits = len(text.lstrip("-"))
    if digits > MAX_DIGITS:
        raise ValueError(f"a number with {digits:,} digits (at most {MAX_DIGITS} are read)")
    return int(text)


def load_mapping_text(text: str, where: str, expected: str = "a mapping of groups (community, activity, ...)",
                      hint: str = "start the file with `community:` and a `name:` under it") -> dict[str, Any]:
    """Parse a situation (or another document, described by ``expected``) given as JSON or YAML text; it must be a mapping."""
    data = _parse_json(text, where) if text.lstrip().startswith("{") else _parse_yaml(text, where, strict=True)
    if not isinstance(data, dict):
        kind = kind_of(data)
        raise InputFileError(
            Problem(where, f"expected {expected}, got {kind}", hint)
        )
    return data


def _parse_json(text: str, where: str) -> Any:
    """JSON text, or, when it is not JSON, the same text as YAML: `{community: {name: X}}` is valid flow-style YAML.

    The parser is chosen by what parses; when neither does, the error is the one of the format the
    file names (`.json` → JSON's, otherwise YAML's), since that is the syntax its author meant.
    """
    try:
        return json.loads(text, object_pairs_hook=_unique_pairs, parse_int=_json_int)
    except RecursionError:
        raise InputFileError(Problem(where, "not valid JSON: nested too deeply",
                                     "a situation is a few levels deep: group, fact, list")) from None
    except ValueError as exc:
        if not isinstance(exc, json.JSONDecodeError):
            hint = "write a smaller number" if " digits " in str(exc) else "give each key once"
            raise InputFileError(Problem(where, f"not valid JSON: {exc}", hint)) from None
        json_error = InputFileError(Problem(where, f"not valid JSON: {exc.msg}", "check commas and quotes", "file-not-json",
                                            value=exc.msg,
                                            line=exc.lineno))
    try:
        return _parse_yaml(text, where, strict=True)
    except InputFileError as yaml_error:
        raise (json_error if where.lower().endswith(".json") else yaml_error) from None


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
    """A value as it appears in a message, written as in the file (``false``, ``-10``, ``'text'``, ``[1, 2]``),
    not as Python shows it (``False``, ``-10.0``), and cut short so a huge input cannot flood the screen."""
    text = _as_written(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_written(value: Any) -> str:
    """A value in YAML/JSON's spelling: true/false, null, whole numbers without ``.0``; text keeps its quotes."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_as_written(v) for v in value[:50]) + (", …" if len(value) > 50 else "") + "]"
    if isinstance(value, dict):
        items = list(value.items())[:50]
        return "{" + ", ".join(f"{_as_written(k)}: {_as_written(v)}" for k, v in items) + "}"
    return repr(value)


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
    _remove_stale_temps(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp")
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


# A temporary file of ours: .<target name>.<writer pid>.<mkstemp's 8 characters>.tmp (the pid was
# added later: a temp without one is only ever removed by age).
_TEMP = r"\.{name}\.(?:(?P<pid>\d{{1,7}})\.)?[a-z0-9_]{{8}}\.tmp"
STALE_SECONDS = 15 * 60


def _remove_stale_temps(path: Path) -> None:
    """Delete temporaries that a killed writer (kill -9, power loss) left beside ``path``.

    Only regular files of ours for this very target, named as _replace names them, whose
    writer is no longer running or which are older than any write could take.
    """
    pattern = re.compile(_TEMP.format(name=re.escape(path.name)))
    try:
        names = [n for n in os.listdir(path.parent) if n.startswith(f".{path.name}.") and n.endswith(".tmp")]
    except OSError:
        return
    for name in names:
        match = pattern.fullmatch(name)
        if match is None:
            continue
        candidate = path.parent / name
        with contextlib.suppress(OSError):
            info = os.lstat(candidate)
            if stat.S_ISREG(info.st_mode) and info.st_uid == os.geteuid() and _stale(match["pid"], info.st_mtime):
                os.unlink(candidate)


def _stale(pid: str | None, mtime: float) -> bool:
    """True when the temporary's writer is gone or the file is older than STALE_SECONDS."""
    if time.time() - mtime > STALE_SECONDS:
        return True
    if pid is None or int(pid) == os.getpid():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:  # alive, but another user's
        return False
    return False
