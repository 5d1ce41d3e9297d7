"""analyze_export: stream an export once through the metric accumulator, cut the windows, package the result."""
from __future__ import annotations

import contextlib
import csv
import gc
import importlib.util
import os
from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial
from pathlib import Path

from expert.ingest.detect import detect_format
from expert.ingest.facts import monthly_series, summarise
from expert.ingest.identity import Identities
from expert.ingest.latest import Source, sources
from expert.ingest.metrics import Accumulator
from expert.ingest.model import Event, IngestError, IngestOptionError, IngestWarnings, Text, collecting, warn
from expert.ingest.report import Analysis, ExcludedBot, Note, Window, Windows
from expert.ingest.timeparse import UTC, parse_any

__all__ = ["analyze_export", "PROGRESS_EVERY"]

PROGRESS_EVERY = 50_000
READER_CHOICES = ("auto", "stream", "columnar")
COLUMNAR_BYTES = 8 << 20  # a CSV log this large is read by the columnar reader when pyarrow is installed
# Formats whose exports say who is staff (Discourse staff/admin/moderator, Slack users.json admins).
STAFF_FLAG_FORMATS = frozenset({"discourse", "slack", "github", "matrix"})
_NO_EVENTS = (Text("no_events"), Text("hint_no_events"))


def _aware(value, name: str) -> datetime | None:
    """Accept None, a datetime (naive = UTC) or an ISO string for since/until."""
    if value is None or isinstance(value, datetime):
        return value if value is None or value.tzinfo else value.replace(tzinfo=UTC)
    try:
        return parse_any(str(value))
    except ValueError:
        raise IngestOptionError(name, Text("option_not_date", {"value": repr(value)}), Text("hint_option_date")) from None


def analyze_export(path, *, fmt: str | None = None, since=None, until=None, window_days: int = 90,
                   bots: Iterable[str] = (), staff: Iterable[str] = (),
                   progress: Callable[[int], object] | None = None, salt: str = "",
                   reader: str | None = None) -> Analysis:
    """Read an export once and compute situation facts for the current window vs its baselines.

    Without `until` the windows end at the latest plausible event, found in the same pass.
    `reader`: "stream", "columnar" (pyarrow, the `fast` extra; CSV logs) or None for automatic:
    columnar for a CSV log of COLUMNAR_BYTES or more when pyarrow is installed (EXPERT_READER
    sets the default). The columnar reader hands files it does not read exactly alike back to
    the streaming reader, so the results never differ.
    """
    with _collector_paused():  # the tallies hold no reference cycles: its passes over them would be ~10 % of the run
        return _analyze(path, fmt, since, until, window_days, tuple(bots), tuple(staff), progress, salt, reader)


def _analyze(path, fmt: str | None, since, until, window_days: int, bots: tuple[str, ...], staff: tuple[str, ...],
             progress: Callable[[int], object] | None, salt: str, reader: str | None) -> Analysis:
    """analyze_export's work, with the garbage collector paused."""
    path = Path(path)
    if str(path) == "-":
        raise IngestError(path, Text("stdin"), Text("hint_stdin"))
    fmt = fmt or detect_format(path)
    since, until = _aware(since, "since"), _aware(until, "until")
    if since is not None and until is not None:
        _check_since(since, until, "option_since_after_until")
    options = {"since": since, "until": until, "window_days": window_days,
               "staff_known": bool(staff) or fmt in STAFF_FLAG_FORMATS}
    with _readable(path), collecting() as found:
        acc, ids = _columnar(path, fmt, reader, options, (bots, staff, salt)) or (None, None)
        if acc is None or ids is None:
            acc, ids = Accumulator(**options), Identities(bots, staff, salt)
            _read(path, fmt, ids, acc, progress)
        elif progress is not None:
            progress(acc.seen)
        end = until if until is not None else _end(path, acc)
    if not acc.seen:
        raise IngestError(path, *_NO_EVENTS)
    if since is not None and until is None:
        _check_since(since, end, "option_since_after_latest")
    try:  # the windows and the two trailing years before them must fit after year 1
        acc.finish(end)
    except OverflowError:
        raise IngestOptionError("until", Text("option_until_too_early", {"date": end.date().isoformat()}),
                                Text("hint_option_until")) from None
    metrics, notes = summarise(acc, until_given=until is not None)
    analysis = _package(path, fmt, acc, metrics, notes + _warning_notes(found))
    analysis.bots = [ExcludedBot(pseudonym=b.pseudonym, rule=b.rule, pattern=b.pattern,
                                 events=acc.bot_actors.get(b.pseudonym, 0)) for b in ids.excluded_bots()]
    return analysis


def _check_since(since: datetime, end: datetime, key: str) -> None:
    """since must come before the end of the windows (`key`: the errors: text naming that end)."""
    if since >= end:
        raise IngestOptionError("since", Text(key, {"since": since.isoformat(), "end": end.isoformat()}),
                                Text("hint_option_since"))


def _end(path: Path, acc: Accumulator) -> datetime:
    """The latest plausible event (the end of the windows when until is not given); outliers become a warning."""
    guard = acc.latest_guard
    assert guard is not None  # there is one whenever until is not given
    if acc.seen <= guard.ignored:
        raise IngestError(path, *_NO_EVENTS)
    found = guard.warning()
    if found:
        warn("future_events_ignored", **found)
    return acc.top


def _read(path: Path, fmt: str, ids: Identities, acc: Accumulator, progress) -> None:
    """Feed every source's events to the accumulator, each able to name its record for an outlier."""
    try:
        for source in sources(path, fmt, ids):
            acc.where = partial(_where, source, acc, acc.seen)
            _consume(source.events, acc, progress)
    finally:
        acc.where = _nowhere  # the partial holds the accumulator: a cycle only the garbage collector would free
    if progress is not None:
        progress(acc.seen)


@contextlib.contextmanager
def _collector_paused():
    """Pause the cyclic garbage collector during an analysis: reading and measuring make no reference cycles,
    and its passes over the tallies kept (none of them garbage) cost ~10 % of the run. Restored after, even on error."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


def _warning_notes(found: IngestWarnings) -> list[Note]:
    """The readers' warnings as notes, once each."""
    seen: set[tuple[str, str]] = set()
    out = []
    for w in found:
        key = (w.key, repr(sorted(w.values.items())))
        if key not in seen:
            seen.add(key)
            out.append(Note(key=w.key, values=dict(w.values), section="warnings"))
    return out


@contextlib.contextmanager
def _readable(path: Path):
    """Turn a file that is not UTF-8 text or not well-formed CSV, found mid-stream, into an IngestError."""
    try:
        yield
    except UnicodeDecodeError as exc:
        raise IngestError(path, Text("not_utf8", {"byte": f"0x{exc.object[exc.start]:02x}"}), Text("hint_utf8")) from None
    except csv.Error as exc:
        raise IngestError(path, Text("malformed_csv", {"detail": str(exc)}), Text("hint_reexport_corrupted")) from None


def _columnar(path: Path, fmt: str, reader: str | None, options: dict, who: tuple):
    """(accumulator, identities) filled by the columnar reader when it applies and reads the file, else None."""
    reader = reader or os.environ.get("EXPERT_READER") or "auto"
    if reader not in READER_CHOICES:
        raise IngestOptionError("reader", Text("option_not_reader", {"value": repr(reader)}),
                                Text("hint_choose_format", {"formats": ", ".join(READER_CHOICES)}))
    if reader == "stream" or fmt != "csv" or not path.is_file():
        return None
    if reader == "auto" and (path.stat().st_size < COLUMNAR_BYTES or importlib.util.find_spec("pyarrow") is None):
        return None
    try:
        from expert.ingest.columnar import read_columns
    except ImportError:
        raise IngestOptionError("reader", Text("option_needs_pyarrow"), Text("hint_option_pyarrow")) from None
    bots, staff, salt = who
    ids = Identities(bots, staff, salt)
    acc = read_columns(path, ids, options)
    return (acc, ids) if acc is not None else None


def _nowhere(ev: Event) -> str:
    """No record to name: the export has been read."""
    return ""


def _where(source: Source, acc: Accumulator, base: int, ev: Event) -> str:
    """Name the event just read: its source's record, numbered from the source's first event."""
    return source.where(ev, acc.seen - base)


def _consume(events, acc: Accumulator, progress) -> None:
    """Feed every event to the accumulator, reporting progress every PROGRESS_EVERY events."""
    acc.consume(events, progress, PROGRESS_EVERY)


def _package(path: Path, fmt: str, acc: Accumulator, metrics, notes) -> Analysis:
    """Assemble the pydantic Analysis, grouping fact values as {group: {field: value}}."""
    facts: dict[str, dict] = {}
    for m in metrics:
        group, field = m.fact.split(".", 1)
        facts.setdefault(group, {})[field] = m.value
    w = acc.win
    windows = Windows(current=Window(start=w.cur_start, end=w.until), baseline=Window(start=w.base_start, end=w.cur_start),
                      year_ago=Window(start=w.yago_start, end=w.yago_end))
    return Analysis(format=fmt, source=path.resolve().name or path.name, windows=windows, events_read=acc.seen, facts=facts,
                    metrics=metrics, notes=notes, history=monthly_series(acc))
