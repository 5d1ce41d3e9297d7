"""Located field checks for saved API pages (GitHub, Zulip, Matrix), read one page or a folder of pages.

Built on records.py: a bad field becomes an IngestError naming the file, the record and the field,
the value (cut short, control characters escaped) and what is allowed.
"""
from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from expert.ingest.detect import detect_format
from expert.ingest.jsonfile import load_json
from expert.ingest.model import IngestError, Text, printable
from expert.ingest.records import MISSING, FieldError
from expert.ingest.records import epoch_time as _epoch_seconds
from expert.ingest.records import iso_time as _iso
from expert.ingest.timeparse import from_epoch
from expert.yamlio import short_repr

__all__ = ["field", "describe", "json_files", "load_pages", "iso_time", "epoch_time", "PAGE_HINT", "THE_PAGE"]

PAGE_HINT = Text("hint_page")
THE_PAGE = Text("where_page")  # a field of the page itself, not of one of its records
_KINDS: dict[str, tuple[tuple[type, ...], Text]] = {
    "text": ((str,), Text("expected_text")), "integer": ((int,), Text("expected_integer")),
    "number": ((int, float), Text("expected_number")), "object": ((dict,), Text("expected_object")),
    "list": ((list,), Text("expected_list")), "text or integer": ((str, int), Text("expected_text_or_whole")),
}


def describe(value: Any) -> str | Text:
    """Name a bad value for a message without dumping it: scalars cut short and escaped, containers by kind."""
    if isinstance(value, dict):
        return Text("value_object")
    if isinstance(value, list):
        return Text("value_list")
    return "null" if value is None else printable(short_repr(value))


def _fail(path, where: str | Text, exc: FieldError) -> IngestError:
    """The IngestError for a FieldError found in record `where` (a label such as messages[3], or a Text) of `path`."""
    key = "in_record" if isinstance(where, str) else "at_place"
    return IngestError(path, Text(key, {"where": where, "problem": exc.text}), PAGE_HINT)


def field(path, where: str | Text, record: dict, key: str, kind: str, *, required: bool = True):
    """record[key] checked against `kind` (see _KINDS); absent or null gives None unless required."""
    types, allowed = _KINDS[kind]
    value = record.get(key)
    if value is None and not required:
        return None
    if value is None or isinstance(value, bool) or not isinstance(value, types):
        problem = FieldError(key, record.get(key, MISSING), allowed, describe(value))
        raise _fail(path, where, problem)
    return value


def iso_time(path, where: str | Text, record: dict, key: str, *, required: bool = True):
    """An ISO 8601 field as aware UTC (None when absent and optional), or an error naming it."""
    if record.get(key) is None and not required:
        return None
    try:
        return _iso(record, key)
    except FieldError as exc:
        raise _fail(path, where, exc) from None


def epoch_time(path, where: str | Text, record: dict, key: str, scale: float = 1.0):
    """An epoch field (seconds, or milliseconds with scale=1000) as aware UTC, or an error naming it."""
    if scale == 1.0:
        try:
            return _epoch_seconds(record, key)
        except FieldError as exc:
            raise _fail(path, where, exc) from None
    value = field(path, where, record, key, "number")
    try:
        return from_epoch(value / scale)
    except ValueError:
        raise _fail(path, where, FieldError(key, value, Text("expected_epoch_ms"))) from None


def json_files(path: Path) -> list[Path]:
    """The file itself, or a folder's visible files in name order (API pages are often saved without extension)."""
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
    return [path]


def _is_format(file: Path, fmt: str) -> bool:
    """True when the file sniffs as `fmt`; other files in a folder (notes, other exports) are skipped."""
    try:
        return detect_format(file) == fmt
    except IngestError:
        return False


def load_pages(path, fmt: str) -> Iterator[tuple[Path, Any]]:
    """Yield (file, document) for a page, or for each page of a folder that sniffs as `fmt`, one at a time."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, Text("path_missing"), Text("hint_check_path_spelling"))
    if not path.is_dir():
        yield path, load_json(path)
        return
    found = False
    for file in json_files(path):
        if _is_format(file, fmt):
            found = True
            yield file, load_json(file)
    if not found:
        raise IngestError(path, Text("folder_no_pages", {"format": fmt}), Text("hint_point_at_pages"))
