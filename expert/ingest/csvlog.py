"""Generic CSV / JSONL event-log reader (also reads realdata git/*.events.csv), streamed line by line."""
from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any

from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, Text, printable
from expert.ingest.records import MISSING, FieldError
from expert.ingest.timeparse import UTC, parse_any

__all__ = ["capped_lines", "read_csv", "read_jsonl", "CsvLog", "columns", "flag", "FIELDS", "MAX_MULTILINE_CELL", "MAX_LINE"]

# A cell longer than this that holds a line break means a quote was never closed (it swallowed later rows).
MAX_MULTILINE_CELL = 10_000
MAX_LINE = 1 << 20  # 1 MiB: no record of an event log is that long (an endless line would fill memory)
FIELDS = ("timestamp", "actor", "kind", "thread", "reply_to", "channel", "is_staff", "is_bot", "msg_id", "name")
_JSONL_HINT = Text("hint_jsonl")
_TRUE = frozenset({"1", "true", "yes", "y", "t"})


def flag(value) -> bool:
    """Read a boolean cell that may be empty, 0/1, true/false or a JSON bool."""
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in _TRUE if value is not None else False


def _blank(value) -> str | None:
    """Map empty cells to None so optional columns stay optional."""
    if value is None:
        return None
    value = str(value)
    return value if value.strip() else None


def columns(path: Path, header: list[str]) -> dict[str, int]:
    """Locate the known columns by (case-insensitive) name and demand the required ones."""
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [c for c in ("timestamp", "actor") if c not in index]
    if missing:
        raise IngestError(path, Text("csv_missing_columns", {"columns": ", ".join(missing)}), Text("hint_csv_columns"))
    return {f: index[f] for f in FIELDS if f in index}


def capped_lines(fh, path: Path) -> Iterator[str]:
    """The file's lines, refusing one longer than MAX_LINE before it is held whole in memory."""
    readline = fh.readline
    number = 0
    while True:
        line = readline(MAX_LINE + 1)
        if not line:
            return
        number += 1
        if len(line) > MAX_LINE and line[-1] != "\n":
            raise IngestError(path, Text("line_too_long", {"line": number, "limit": MAX_LINE // (1 << 20)}),
                              Text("hint_line_too_long"))
        yield line


def read_csv(path, ids: Identities) -> Iterator[Event]:
    """Stream a CSV event log row by row; bad rows raise IngestError with the line number."""
    return iter(CsvLog(path, ids))


class CsvLog:
    """A CSV event log as it is read: its events, and the line the reader has reached (to name a record)."""

    def __init__(self, path, ids: Identities) -> None:
        """Nothing is opened until the events are asked for."""
        self.path, self.ids = Path(path), ids
        self.rows: Any = None  # the csv reader once opened

    def __iter__(self) -> Iterator[Event]:
        """The events, row by row."""
        with open(self.path, newline="", encoding="utf-8-sig") as fh:
            rows = self.rows = csv.reader(capped_lines(fh, self.path))
            header = next(rows, None)
            if not header:
                raise IngestError(self.path, Text("file_empty"), Text("hint_csv_header"))
            cols = columns(self.path, header)
            yield from _csv_events(self.path, rows, cols, self.ids)

    def line(self) -> int:
        """The last line of the row read last (the row of the event just yielded)."""
        return self.rows.line_num if self.rows is not None else 0


# A line inside a cell that starts like a row of an event log (a date or epoch seconds, then a comma).
_ROW_START = re.compile(r'^\s*"?(?:\d{4}-\d{2}-\d{2}[T ]|\d{9,11}(?:\.\d+)?",?|\d{9,11}(?:\.\d+)?,)')


def _runaway(row: list[str], width: int) -> bool:
    """True when a multi-line cell swallowed rows after it: a quote that was never closed.

    Either the cell is huge, or one of its lines starts like a row of this log (a timestamp) and
    has as many commas as a row: a message with a line break does not look like that.
    """
    for cell in row:
        if "\n" not in cell:
            continue
        if len(cell) > MAX_MULTILINE_CELL:
            return True
        if any(_ROW_START.match(line) and line.count(",") >= width - 1 for line in cell.split("\n")[1:]):
            return True
    return False


def _quote_error(path: Path, line: int, detail: str = "") -> IngestError:
    """The error for a quote opened on `line` and never closed (rows after it would silently vanish)."""
    return IngestError(path, Text("csv_unterminated_quote", {"line": line, "detail": detail}), Text("hint_close_quote"))


def _csv_events(path: Path, rows, cols: dict[str, int], ids: Identities) -> Iterator[Event]:
    """Hot loop: one itemgetter per row, cached identities, fromisoformat fast path, no per-row closures."""
    # A trailing "" is appended to each row, so index -1 reads "" for every absent optional column.
    pick = itemgetter(*(cols.get(f, -1) for f in FIELDS))
    width = max(cols.values()) + 1
    who_cache: dict[tuple, tuple[str, bool, bool]] = {}
    resolve, ref, fromiso = ids.resolve, ids.ref, datetime.fromisoformat
    last = rows.line_num
    try:
        for row in rows:
            lineno, last = last + 1, rows.line_num
            if last != lineno and _runaway(row, width):
                raise _quote_error(path, lineno)
            if len(row) < width:
                if not any(row):
                    continue
                row = row + [""] * (width - len(row))
            row.append("")
            ts, actor, kind, thread, reply, chan, staff, bot, mid, name = pick(row)
            key = (actor, staff, bot, name)
            who = who_cache.get(key)
            if who is None:
                if not actor:
                    raise IngestError(path, Text("csv_empty_actor", {"line": lineno}), Text("hint_csv_actor"))
                who = who_cache[key] = resolve(actor, name, flag(bot), flag(staff))
            try:
                t = fromiso(ts)
                if t.tzinfo is not UTC:
                    t = parse_any(ts)
            except ValueError:
                t = _slow_time(path, lineno, ts)
            yield Event(t, who[0], kind or "message", thread or None, ref(reply) if reply else None,
                        chan or None, who[2], who[1], ref(mid) if mid else None)
    except csv.Error as exc:
        raise _csv_error(path, last + 1, exc) from None


def _csv_error(path: Path, line: int, exc: csv.Error) -> IngestError:
    """A csv module error with its line; an over-long field is almost always a quote never closed."""
    if "field larger" in str(exc):
        return _quote_error(path, line, f" ({exc})")
    return IngestError(path, Text("csv_malformed", {"line": line, "detail": str(exc)}), Text("hint_reexport_corrupted"))


def _slow_time(path: Path, lineno: int, text: str) -> datetime:
    """Epoch seconds and unusual ISO forms; a clear error naming the line otherwise."""
    try:
        return parse_any(text)
    except ValueError as exc:
        raise IngestError(path, Text("csv_bad_timestamp", {"line": lineno, "value": repr(text)}),
                          Text("hint_csv_timestamp")) from exc


def read_jsonl(path, ids: Identities) -> Iterator[Event]:
    """Stream a JSON-lines event log (one object per line, same keys as the CSV columns)."""
    path = Path(path)
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(capped_lines(fh, path), start=1):
            if line.strip():
                yield _json_event(path, lineno, line, ids)


def _json_event(path: Path, lineno: int, line: str, ids: Identities) -> Event:
    """Decode one JSONL record into an Event, reporting the line on failure."""
    try:
        rec = json.loads(line)
        if not isinstance(rec, dict):
            raise IngestError(path, Text("jsonl_bad_line", {"line": lineno, "detail": Text("jsonl_not_object")}),
                              _JSONL_HINT)
        return _record_event(rec, ids)
    except FieldError as exc:
        raise IngestError(path, Text("jsonl_bad_line", {"line": lineno, "detail": exc.text}), _JSONL_HINT) from None
    except RecursionError:
        raise IngestError(path, Text("jsonl_too_deep", {"line": lineno}), _JSONL_HINT) from None
    except ValueError as exc:  # not JSON at all
        detail = Text("json_invalid", {"detail": printable(str(exc)[:300])})
        raise IngestError(path, Text("jsonl_bad_line", {"line": lineno, "detail": detail}), _JSONL_HINT) from None
    except (KeyError, AttributeError, TypeError, OverflowError) as exc:  # a record no check foresaw: still no traceback
        raise IngestError(path, Text("jsonl_bad_line", {"line": lineno, "detail": printable(str(exc)[:300])}),
                          _JSONL_HINT) from None


def _record_event(rec: dict, ids: Identities) -> Event:
    """One decoded JSONL record as an Event; a missing actor or a timestamp that is not one is a FieldError."""
    actor = _blank(rec.get("actor"))
    if actor is None:
        raise FieldError("actor", MISSING if rec.get("actor") is None else rec["actor"], Text("expected_required_text"))
    pid, is_bot, is_staff = ids.resolve(actor, _blank(rec.get("name")) or "",
                                        flag(rec.get("is_bot")), flag(rec.get("is_staff")))
    stamp = rec.get("timestamp")
    if stamp is None or stamp == "":
        raise FieldError("timestamp", MISSING, Text("expected_jsonl_time"))
    try:
        when = parse_any(str(stamp))
    except ValueError:
        raise FieldError("timestamp", stamp, Text("expected_jsonl_time")) from None
    return Event(when, pid, _blank(rec.get("kind")) or "message",
                 _blank(rec.get("thread")), ids.ref(_blank(rec.get("reply_to"))), _blank(rec.get("channel")),
                 is_staff, is_bot, ids.ref(_blank(rec.get("msg_id"))))
