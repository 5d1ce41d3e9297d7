"""The latest-event pre-pass that sets "now" when --until is not given, robust to clock errors.

One event dated 2099 would otherwise move every window onto itself: events dated more than a day
after the wall clock are left out of the pre-pass and reported as the future_events_ignored warning.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from expert.ingest.csvlog import latest_csv
from expert.ingest.detect import detect_format
from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, printable, warn
from expert.ingest.readers import READERS, read_events
from expert.ingest.timeparse import Latest

__all__ = ["latest_timestamp"]


def latest_timestamp(path, fmt: str, bots: Iterable[str] = (), staff: Iterable[str] = (), salt: str = "",
                     now: datetime | None = None) -> datetime | None:
    """Latest plausible event time of the export (None when it has no events); outliers become a warning."""
    path = Path(path)
    if fmt == "csv" and path.is_file():
        return latest_csv(path, now)
    latest = Latest(now)
    if path.is_dir() and fmt in ("discord", "telegram", "discourse", "jsonl", "mbox"):
        ids = Identities(bots, staff, salt)
        for file in _same_format_files(path, fmt):
            _scan(latest, file.name, READERS[fmt](file, ids))
    else:
        _scan(latest, path.name, read_events(path, fmt, bots, staff, salt=salt))
    found = latest.warning()
    if found:
        warn("future_events_ignored", **found)
    return latest.top


def _same_format_files(path: Path, fmt: str) -> list[Path]:
    """The files of a folder that sniff as `fmt`, in name order (as the folder reader reads them)."""
    out = []
    for file in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            if detect_format(file) == fmt:
                out.append(file)
        except IngestError:
            continue
    return out


def _scan(latest: Latest, name: str, events: Iterable[Event]) -> None:
    """Feed every event's time to `latest`, naming an outlier by file and event number."""
    for number, ev in enumerate(events, start=1):
        def where(n: int = number, e: Event = ev) -> str:
            """The outlier's file, event number and id (asked only for the first)."""
            return f"{printable(name)} event {n}" + (f" (id {printable(e.msg_id[:40])})" if e.msg_id else "")
        latest.add(ev.timestamp, where)
