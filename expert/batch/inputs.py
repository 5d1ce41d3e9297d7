"""What `expert batch` reads: a JSONL of situations, a folder of situation files, or a folder of exports;
and the ids an earlier, interrupted run already wrote (``--resume``).

Everything here is untrusted: a line longer than ``MAX_LINE`` bytes, bytes that are not UTF-8,
JSON that is not an object or nests too deep, and a repeated id each become a failure record
naming the line, never an exception that stops the batch.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from expert.batch.runner import BatchItem
from expert.errors import InputFileError, Problem

__all__ = ["jsonl_items", "folder_items", "export_items", "done_ids", "count_items", "MAX_LINE", "SITUATION_SUFFIXES"]

MAX_LINE = 8 * 1024 * 1024
SITUATION_SUFFIXES = (".yaml", ".yml", ".json")
_SKIP = 1024 * 1024


def _lines(stream: BinaryIO) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over MAX_LINE, whose rest is skipped unread."""
    number = 0
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            while (rest := stream.readline(_SKIP)) and not rest.endswith(b"\n"):
                pass
            yield number, None
            continue
        yield number, line


def _record(number: int, raw: bytes | None, where: str) -> BatchItem:
    """One JSONL line as an item: an object is a situation, its optional "id" names it (default: line N)."""
    ident = f"line {number}"
    if raw is None:
        return BatchItem(ident, "error", f"{where}: line {number} is longer than {MAX_LINE // (1024 * 1024)} MiB")
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return BatchItem(ident, "error", f"{where}: line {number} is not UTF-8 text")
    except (ValueError, RecursionError) as exc:
        return BatchItem(ident, "error", f"{where}: line {number} is not JSON ({str(exc)[:200]})")
    if not isinstance(data, dict):
        return BatchItem(ident, "error", f"{where}: line {number} is a JSON {type(data).__name__}, expected an object "
                                         "(a situation, with an optional \"id\")")
    given = data.pop("id", None)
    if isinstance(given, bool) or (given is not None and not isinstance(given, (str, int))):
        return BatchItem(ident, "error", f"{where}: line {number}: \"id\" must be a string or a whole number")
    return BatchItem(ident if given is None else str(given), "data", data)


def _unique(items: Iterator[BatchItem]) -> Iterator[BatchItem]:
    """Items with their ids; a repeated id becomes a failure (the first one with it keeps it)."""
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            yield BatchItem(item.id, "error", f"the id {item.id!r} was already used by an earlier record")
            continue
        seen.add(item.id)
        yield item


def _readable(path: Path, what: str) -> None:
    """Refuse a missing input with a clear message (exit 2)."""
    if not path.exists():
        raise InputFileError(Problem(str(path), f"{what} not found", "give an existing file or folder"))


def jsonl_items(path: Path) -> Iterator[BatchItem]:
    """Each non-blank line of a JSONL file as a situation, read lazily."""
    _readable(path, "JSONL file")
    if not path.is_file():
        raise InputFileError(Problem(str(path), "is not a regular file", "give a .jsonl file or a folder"))

    def read() -> Iterator[BatchItem]:
        """The lines, one at a time."""
        with path.open("rb") as stream:
            for number, raw in _lines(stream):
                if raw is not None and not raw.strip():
                    continue
                yield _record(number, raw, str(path))

    return _unique(read())


def _entries(folder: Path) -> list[Path]:
    """A folder's visible entries, sorted by name."""
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def folder_items(folder: Path) -> Iterator[BatchItem]:
    """Each situation file (.yaml, .yml, .json) directly in the folder, by name; the file name is its id."""
    _readable(folder, "folder")
    return _unique(BatchItem(p.name, "data", str(p)) for p in _entries(folder)
                   if p.is_file() and p.suffix.lower() in SITUATION_SUFFIXES)


def export_items(folder: Path) -> Iterator[BatchItem]:
    """Each entry of the folder (a file or a folder) as an export to analyze; its name is its id."""
    _readable(folder, "folder")
    return _unique(BatchItem(p.name, "export", str(p)) for p in _entries(folder))


def count_items(path: Path, exports: bool) -> int | None:
    """How many records the input holds, for the progress bar (None when it cannot say cheaply)."""
    if path.is_dir():
        entries = _entries(path)
        return len(entries) if exports else sum(p.is_file() and p.suffix.lower() in SITUATION_SUFFIXES for p in entries)
    try:
        with path.open("rb") as stream:
            return sum(1 for _, raw in _lines(stream) if raw is None or raw.strip())
    except OSError:
        return None


def done_ids(out: Path) -> set[str]:
    """The ids already in an earlier run's output; a last line cut short by a crash is dropped from the file
    so the run can append whole lines after it."""
    if not out.exists():
        return set()
    ids: set[str] = set()
    with out.open("rb+") as stream:
        keep = 0
        for number, raw in _lines(stream):
            if raw is not None and not raw.endswith(b"\n"):
                break  # the last line, cut short: the only thing dropped
            if raw is None:
                raise InputFileError(Problem(str(out), f"line {number} is longer than any record this command writes",
                                             "give --resume the output of an earlier `expert batch` run"))
            try:
                ident = json.loads(raw)["id"]
            except (ValueError, KeyError, TypeError, RecursionError):
                raise InputFileError(Problem(str(out), f"line {number} is not a record this command wrote",
                                             "give --resume the output of an earlier `expert batch` run")) from None
            ids.add(str(ident))
            keep += len(raw)
        stream.truncate(keep)
    return ids
