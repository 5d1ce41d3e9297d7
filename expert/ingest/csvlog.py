"""Generic CSV / JSONL event-log reader (also reads realdata git/*.events.csv), streamed line by line."""
from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Iterator

from .identity import Identities
from .model import Event, IngestError
from .timeparse import parse_any

__all__ = ["read_csv", "read_jsonl", "FIELDS"]

FIELDS = ("timestamp", "actor", "kind", "thread", "reply_to", "channel", "is_staff", "is_bot", "msg_id", "name")
_TRUE = frozenset({"1", "true", "yes", "y", "t"})


def _flag(value) -> bool:
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


def _columns(path: Path, header: list[str]) -> dict[str, int]:
    """Locate the known columns by (case-insensitive) name and demand the required ones."""
    index = {name.strip().lower(): i for i, name in enumerate(header)}
    missing = [c for c in ("timestamp", "actor") if c not in index]
    if missing:
        raise IngestError(path, f"CSV header lacks column(s) {', '.join(missing)}",
                          "an event log needs at least 'timestamp' and 'actor' columns")
    return {f: index[f] for f in FIELDS if f in index}


def read_csv(path, ids: Identities) -> Iterator[Event]:
    """Stream a CSV event log row by row; bad rows raise IngestError with the line number."""
    path = Path(path)
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = csv.reader(fh)
        header = next(rows, None)
        if not header:
            raise IngestError(path, "file is empty", "export the event log with a header row")
        cols = _columns(path, header)
        yield from _csv_events(path, rows, cols, ids)


def _csv_events(path: Path, rows, cols: dict[str, int], ids: Identities) -> Iterator[Event]:
    """Hot loop: turn raw rows into Events with minimal per-row work."""
    ts_i, actor_i = cols["timestamp"], cols["actor"]
    opt = {k: cols.get(k) for k in FIELDS}
    width = max(cols.values()) + 1
    resolve, ref = ids.resolve, ids.ref
    for lineno, row in enumerate(rows, start=2):
        if len(row) < width:
            if not row or not any(row):
                continue
            row = row + [""] * (width - len(row))
        try:
            yield _row_event(row, ts_i, actor_i, opt, resolve, ref)
        except ValueError as exc:
            raise IngestError(path, f"line {lineno}: {exc}", "timestamps must be ISO 8601 or epoch seconds") from exc


def _row_event(row, ts_i, actor_i, opt, resolve, ref) -> Event:
    """Build one Event from a CSV row using precomputed column indices."""
    get = lambda key: row[opt[key]] if opt[key] is not None and row[opt[key]] != "" else None  # noqa: E731
    actor = row[actor_i]
    if not actor:
        raise ValueError("empty actor")
    pid, is_bot, is_staff = resolve(actor, get("name") or "", _flag(get("is_bot")), _flag(get("is_staff")))
    return Event(parse_any(row[ts_i]), pid, get("kind") or "message", get("thread"), ref(get("reply_to")),
                 get("channel"), is_staff, is_bot, ref(get("msg_id")))


def read_jsonl(path, ids: Identities) -> Iterator[Event]:
    """Stream a JSON-lines event log (one object per line, same keys as the CSV columns)."""
    path = Path(path)
    with open(path, encoding="utf-8-sig") as fh:
        for lineno, line in enumerate(fh, start=1):
            if line.strip():
                yield _json_event(path, lineno, line, ids)


def _json_event(path: Path, lineno: int, line: str, ids: Identities) -> Event:
    """Decode one JSONL record into an Event, reporting the line on failure."""
    try:
        rec = json.loads(line)
        actor = _blank(rec.get("actor"))
        if actor is None:
            raise ValueError("missing actor")
        pid, is_bot, is_staff = ids.resolve(actor, _blank(rec.get("name")) or "",
                                            _flag(rec.get("is_bot")), _flag(rec.get("is_staff")))
        return Event(parse_any(str(rec["timestamp"])), pid, _blank(rec.get("kind")) or "message",
                     _blank(rec.get("thread")), ids.ref(_blank(rec.get("reply_to"))), _blank(rec.get("channel")),
                     is_staff, is_bot, ids.ref(_blank(rec.get("msg_id"))))
    except (ValueError, KeyError, AttributeError, TypeError) as exc:
        raise IngestError(path, f"line {lineno}: {exc}", "each line must be a JSON object with timestamp and actor") from exc
