"""The sources of one analysis read in one pass, each able to name its current record.

"Now" is the latest event when --until is not given, found while the export is read: events dated
more than a day after the wall clock are clock errors, left out and reported as the
future_events_ignored warning, which names the first one by file and line (CSV) or event number.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from expert.ingest.csvlog import CsvLog
from expert.ingest.detect import detect_format
from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, printable
from expert.ingest.readers import READERS, read_events

__all__ = ["Source", "sources", "FOLDER_FORMATS"]

# Folders of these formats are read file by file, each file's events numbered from 1.
FOLDER_FORMATS = ("discord", "telegram", "discourse", "jsonl", "mbox")


class Source:
    """One stream of events and how to name its current record (`where(event, number)`)."""

    def __init__(self, name: str, events: Iterable[Event], line: Callable[[], int] | None = None) -> None:
        """`line` gives the line just read (CSV files); otherwise records are named by their number."""
        self.name, self.events, self.line = printable(name), events, line

    def where(self, ev: Event, number: int) -> str:
        """The record's file and line, or file, event number and id."""
        if self.line is not None:
            return f"{self.name} line {self.line()}"
        return f"{self.name} event {number}" + (f" (id {printable(ev.msg_id[:40])})" if ev.msg_id else "")


def sources(path: Path, fmt: str, ids: Identities) -> Iterator[Source]:
    """The export as sources: a CSV file, each same-format file of a folder, or the whole export."""
    if fmt == "csv" and path.is_file():
        log = CsvLog(path, ids)
        yield Source(path.name, log, log.line)
    elif path.is_dir() and fmt in FOLDER_FORMATS:
        for file in _same_format_files(path, fmt):
            yield Source(file.name, READERS[fmt](file, ids))
    else:
        yield Source(path.name, read_events(path, fmt, ids=ids))


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
