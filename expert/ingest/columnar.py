"""The columnar reader for large CSV event logs: pyarrow's streaming CSV reader, the per-event work vectorised.

Optional (the `fast` extra). It reads the plain, well-formed case that large machine-written logs
are: UTF-8, no quote characters, no lone carriage returns, no line near the csv module's field
limit, every row with the header's number of cells, every actor given, every timestamp in the
form 2024-05-01T12:00:00[.fff[fff]](Z|+00:00). Anything else (and any event dated after the
wall clock, which must be named by its line) returns None before a single event is counted, and
the streaming reader reads the file instead: it gives the same result, or the same error naming
the file, line and field. Identities (salted pseudonyms, bot and staff rules) are resolved once per
distinct (actor, flags, name) exactly as the streaming reader does; per batch, arrow groups by
actor, day, week and month, and only the rows that may fall in the current or baseline window
(the conversation replay) become Python values.
"""
from __future__ import annotations

import codecs
import csv
import io
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

# pyarrow ships no type information, and is absent where the `fast` extra is not installed.
import pyarrow as pa  # type: ignore[import-untyped, import-not-found, unused-ignore]
import pyarrow.compute as pc  # type: ignore[import-untyped, import-not-found, unused-ignore]
import pyarrow.csv as pacsv  # type: ignore[import-untyped, import-not-found, unused-ignore]

from expert.ingest.csvlog import columns, flag
from expert.ingest.identity import Identities
from expert.ingest.metrics import ALL, EPOCH, FIRST, LAST, STAFF, WEEKS, Accumulator, micros
from expert.ingest.model import IngestError

__all__ = ["read_columns", "ColumnarAccumulator", "BLOCK"]

BLOCK = 1 << 22  # bytes per arrow batch (and per raw chunk checked)
REPLAY_ROWS = 8192  # conversation rows turned into Python values at a time
FIELD_LIMIT = 131_072  # the csv module's default field_size_limit: lines this long go to the streaming reader
_DAY_US = 86_400_000_000
_EPOCH_DAY = EPOCH.toordinal()
_SHIFT_DAYS = 800_000  # more days than from year 1 to 1970
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\.[0-9]{3}|\.[0-9]{6})?(Z|\+00:00)$"
_US = pa.timestamp("us", tz="UTC")
_name = sys.intern  # names arrow hands back as new strings each time: one copy each, as the streaming reader keeps


class _Unusual(Exception):
    """The file is not the plain case this reader handles: the streaming reader reads it instead."""


class _Checked(io.RawIOBase):
    """The file's bytes after the header, checked as they pass: plain UTF-8, no quote, NUL or lone CR, short lines."""

    def __init__(self, fh, first: bytes) -> None:
        """Start with the bytes already read past the header line."""
        super().__init__()
        self.fh, self.pending = fh, first
        self.decoder = codecs.getincrementaldecoder("utf-8")()
        self.run = 0  # bytes since the last line break

    def readable(self) -> bool:
        """A readable stream."""
        return True

    def read(self, size: int = -1) -> bytes:
        """The next checked bytes (at most `size`, or a block)."""
        size = BLOCK if size is None or size < 0 else min(size, BLOCK)
        if self.pending:
            chunk, self.pending = self.pending[:size], self.pending[size:]
        else:
            chunk = self.fh.read(size)
        self.check(chunk)
        return chunk

    def readinto(self, buffer) -> int:
        """Fill `buffer` with checked bytes."""
        chunk = self.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)

    def check(self, chunk: bytes) -> None:
        """Raise _Unusual for anything the streaming reader would read differently or refuse."""
        if not chunk:
            self.decoder.decode(b"", final=True)
            return
        if b'"' in chunk or b"\x00" in chunk or chunk.count(b"\r") != chunk.count(b"\r\n") or chunk.endswith(b"\r"):
            raise _Unusual("quotes, NUL or carriage returns")
        try:
            self.decoder.decode(chunk)
        except UnicodeDecodeError:
            raise _Unusual("not UTF-8") from None
        first, last = chunk.find(b"\n"), chunk.rfind(b"\n")
        if first < 0:
            self.run += len(chunk)
        else:
            if self.run + first >= FIELD_LIMIT or _long_line_inside(chunk, first, last):
                raise _Unusual("long line")
            self.run = len(chunk) - last - 1
        if self.run >= FIELD_LIMIT:
            raise _Unusual("long line")


def _long_line_inside(chunk: bytes, first: int, last: int) -> bool:
    """Whether a line between the chunk's first and last line breaks is FIELD_LIMIT bytes or longer.

    Cheap first: when every aligned half-limit stretch holds a line break, no line can be that long.
    """
    half = FIELD_LIMIT // 2
    if all(chunk.find(b"\n", i, i + half) >= 0 for i in range(first, last - half + 1, half)):
        return False
    return max(len(line) for line in chunk[first + 1:last].split(b"\n")) >= FIELD_LIMIT


class ColumnarAccumulator(Accumulator):
    """The accumulator fed a batch at a time; the rows that may hold conversation stay arrow columns until the end."""

    def __init__(self, ids: Identities, **options: Any) -> None:
        """As Accumulator; the conversation candidates are kept as arrow tables."""
        super().__init__(**options)
        self.ids = ids
        self.talk: list[pa.Table] = []  # the conversation candidates, still raw (ids pseudonymised at the end)

    def replay(self) -> None:
        """Turn the candidates the end can still reach into Python values and converse them in file order;
        the threads of the rest were only active on days too old for a counted reply."""
        floor = self.talk_floor
        ref, converse = self.ids.ref, self.converse
        for table in self.talk:
            reached = pc.greater(table["day"], floor)
            _old_days(self, table.filter(pc.invert(reached)))
            for rows in table.filter(reached).to_batches(max_chunksize=REPLAY_ROWS):  # a few Python values at a time
                for seq, us, day, actor, is_reply, thread, reply_to, msg_id, staff in zip(*(
                        rows.column(c).to_pylist() for c in (
                        "seq", "us", "day", "actor", "reply", "thread", "reply_to", "msg_id", "staff"))):
                    actor = _name(actor)
                    rec = self.actors[actor]
                    converse(seq, _time(us), day, actor, is_reply, thread or None, ref(reply_to) if reply_to else None,
                             ref(msg_id) if msg_id else None, staff or (rec[STAFF] is not None and rec[STAFF] <= seq))
        self.talk = []


def read_columns(path: Path, ids: Identities, options: dict) -> ColumnarAccumulator | None:
    """A filled accumulator for a plain CSV event log, or None when the streaming reader must read it."""
    acc = ColumnarAccumulator(ids, **options)
    try:
        with open(path, "rb") as fh:
            head = fh.read(BLOCK)
            if head.startswith(codecs.BOM_UTF8):
                head = head[3:]
            end = head.find(b"\n")
            if end < 0 or b'"' in head[:end] or b"\r" in head[:end - 1]:
                return None
            header = next(csv.reader([head[:end].decode("utf-8").rstrip("\r")]))
            cols = columns(path, header)
            width = len(header)
            names = [f"c{i}" for i in range(width)]
            wanted = {f: names[i] for f, i in cols.items()}
            reader = pacsv.open_csv(
                _Checked(fh, head[end + 1:]),
                read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK),
                parse_options=pacsv.ParseOptions(quote_char=False, newlines_in_values=False),
                convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in wanted.values()},
                                                     include_columns=list(wanted.values()), strings_can_be_null=False))
            for batch in reader:
                _batch(acc, ids, {f: batch.column(batch.schema.get_field_index(n)) for f, n in wanted.items()},
                       batch.num_rows)
    except (_Unusual, IngestError, pa.ArrowInvalid, UnicodeDecodeError, csv.Error):
        return None  # the streaming reader reads it, or reports the header's own problems
    return acc


def _batch(acc: ColumnarAccumulator, ids: Identities, col: dict[str, pa.Array], n: int) -> None:
    """Fold one batch of rows into the accumulator, or raise _Unusual."""
    if n == 0:
        return
    empty = pa.array([""] * n, pa.string())
    get = lambda f: col.get(f, empty)  # noqa: E731
    ts = get("timestamp")
    if not pc.all(pc.match_substring_regex(ts, _ISO)).as_py() or pc.any(pc.starts_with(ts, "0000")).as_py():
        raise _Unusual("a timestamp the streaming reader parses itself")
    us = pc.cast(pc.cast(ts, _US), pa.int64())
    who = _identities(ids, get("actor"), get("is_staff"), get("is_bot"), get("name"))
    pid, is_bot, is_staff = who
    acc.seen += n
    cap = micros(acc.cap)
    if pc.max(us).as_py() > cap:
        if acc.latest_guard is not None:
            raise _Unusual("an event after the wall clock, to be named by its line")
        keep = pc.less_equal(us, cap)
    else:
        keep = None
    if acc.since is not None:
        since = pc.greater_equal(us, micros(acc.since))
        top_mask = keep
        keep = since if keep is None else pc.and_(keep, since)
    else:
        top_mask = keep
    top_us = pc.max(us.filter(top_mask) if top_mask is not None else us).as_py()
    if top_us is not None and top_us > micros(acc.top):
        top = _time(top_us)
        acc.top = top
        acc.advance(top)  # sets the floors from the latest event so far
    table = pa.table({"us": us, "actor": pid, "bot": is_bot, "staff": is_staff, "kind": get("kind"),
                      "thread": get("thread"), "reply_to": get("reply_to"), "msg_id": get("msg_id")})
    if keep is not None:
        table = table.filter(keep)
    _bots(acc, table.filter(table["bot"]))
    rest = table.filter(pc.invert(table["bot"]))
    close = pc.equal(rest["kind"], "close")
    _closes(acc, rest.filter(close))
    used = rest.filter(pc.invert(close))
    if used.num_rows:
        _used(acc, ids, used)


def _identities(ids: Identities, actor, staff, bot, name) -> tuple[pa.Array, pa.Array, pa.Array]:
    """(pseudonym, is_bot, is_staff) per row, each distinct (actor, staff, bot, name) resolved once."""
    key = pc.binary_join_element_wise(actor, staff, bot, name, "\x00")
    coded = key.dictionary_encode() if isinstance(key, pa.Array) else pa.chunked_array([key]).dictionary_encode()
    pids, bots, staffs = [], [], []
    for text in coded.dictionary.to_pylist():
        a, s, b, nm = text.split("\x00")
        if not a:
            raise _Unusual("an empty actor, an error the streaming reader names by line")
        pid, is_bot, is_staff = ids.resolve(a, nm, flag(b), flag(s))
        pids.append(pid)
        bots.append(is_bot)
        staffs.append(is_staff)
    idx = coded.indices
    return (pa.array(pids, pa.string()).take(idx), pa.array(bots, pa.bool_()).take(idx),
            pa.array(staffs, pa.bool_()).take(idx))


def _time(us: int) -> datetime:
    """An aware UTC datetime from microseconds since 1970, exactly."""
    return EPOCH + timedelta(microseconds=us)


def _bots(acc: Accumulator, table: pa.Table) -> None:
    """Count bot events per bot account."""
    if not table.num_rows:
        return
    acc.bot_events += table.num_rows
    counted = table.group_by("actor").aggregate([("actor", "count")])
    for name, k in zip(counted["actor"].to_pylist(), counted["actor_count"].to_pylist()):
        acc.bot_actors[name] = acc.bot_actors.get(name, 0) + k


def _closes(acc: Accumulator, table: pa.Table) -> None:
    """The first close time of each closed thread."""
    table = table.filter(pc.not_equal(table["thread"], ""))
    if not table.num_rows:
        return
    first = table.group_by("thread").aggregate([("us", "min")])
    for thread, us in zip(first["thread"].to_pylist(), first["us_min"].to_pylist()):
        t = _time(us)
        if thread not in acc.closed or t < acc.closed[thread]:
            acc.closed[thread] = t


def _used(acc: ColumnarAccumulator, ids: Identities, table: pa.Table) -> None:
    """Fold the events that count: per-actor, per-day, per-week and per-month tallies, the recent past."""
    n = table.num_rows
    seq = pa.array(range(acc.used + 1, acc.used + n + 1), pa.int64())
    acc.used += n
    us = table["us"]
    # Day ordinals: shifted positive first, so the integer division floors for days before 1970 too.
    day = pc.add(pc.divide(pc.add(us, _SHIFT_DAYS * _DAY_US), _DAY_US), _EPOCH_DAY - _SHIFT_DAYS)
    table = table.append_column("seq", seq).append_column("day", day)
    _actors(acc, table)
    _days(acc, table)
    threads = pc.not_equal(table["thread"], "")
    if pc.any(threads).as_py():
        acc.has_threads = True
        _old_days(acc, table.filter(pc.and_(threads, pc.less_equal(table["day"], acc.talk_floor))))
    _conversation(acc, table.filter(pc.greater(table["day"], acc.talk_floor)))


def _old_days(acc: Accumulator, table: pa.Table) -> None:
    """Each thread's latest day among rows too old for a counted reply to reach (only whether it was active counts)."""
    table = table.filter(pc.and_(pc.not_equal(table["thread"], ""), pc.greater(table["day"], acc.thread_floor)))
    if not table.num_rows:
        return
    latest = table.group_by("thread").aggregate([("day", "max")])
    old_day = acc.old_day
    for thread, day in zip(latest["thread"].to_pylist(), latest["day_max"].to_pylist()):
        old_day(_name(thread), day)


def _actors(acc: Accumulator, table: pa.Table) -> None:
    """Per actor: first and last event, count, first event number and first staff event number."""
    staff_seq = pc.if_else(table["staff"], table["seq"], None)
    grouped = pa.table({"actor": table["actor"], "us": table["us"], "seq": table["seq"], "staff_seq": staff_seq}) \
        .group_by("actor").aggregate([("us", "min"), ("us", "max"), ("us", "count"), ("seq", "min"), ("staff_seq", "min")])
    for actor, first, last, count, seq, staff in zip(*(grouped[c].to_pylist() for c in (
            "actor", "us_min", "us_max", "us_count", "seq_min", "staff_seq_min"))):
        actor = _name(actor)
        rec = acc.actors.get(actor)
        if rec is None:
            rec = acc.actors[actor] = [_time(first), 0, 0, _time(last), 0, 0, 0, set(), seq, None, None, 0]
        else:
            rec[FIRST] = min(rec[FIRST], _time(first))
            rec[LAST] = max(rec[LAST], _time(last))
        rec[ALL] += count
        if staff is not None and rec[STAFF] is None:
            rec[STAFF] = staff
            acc.staff.add(actor)


def _days(acc: Accumulator, table: pa.Table) -> None:
    """Events per day, active weeks per actor, active actors per month and per recent day."""
    counted = table.group_by("day").aggregate([("day", "count")])
    days = acc.days
    for d, k in zip(counted["day"].to_pylist(), counted["day_count"].to_pylist()):
        days[d] = days.get(d, 0) + k
    pairs = pa.table({"actor": table["actor"], "day": table["day"]}).group_by(["actor", "day"]).aggregate([])
    actor_days = pairs["day"]
    weeks = pa.table({"actor": pairs["actor"], "week": pc.divide(actor_days, 7)}).group_by(["actor", "week"]).aggregate([])
    for actor, week in zip(map(_name, weeks["actor"].to_pylist()), weeks["week"].to_pylist()):
        acc.actors[actor][WEEKS].add(week)
    stamps = pc.cast(pc.multiply(pc.subtract(actor_days, _EPOCH_DAY), _DAY_US), pa.int64()).cast(_US)
    months = pa.table({"actor": pairs["actor"], "month": pc.add(pc.multiply(pc.year(stamps), 12),
                                                                pc.subtract(pc.month(stamps), 1))})
    months = months.group_by(["month", "actor"]).aggregate([])
    for month, actor in zip(months["month"].to_pylist(), map(_name, months["actor"].to_pylist())):
        members = acc.month_actors.get(month)
        if members is None:
            members = acc.month_actors[month] = set()
        members.add(actor)
    recent = table.filter(pc.greater(table["day"], acc.count_floor))
    counted = recent.group_by(["day", "actor"]).aggregate([("actor", "count")])
    counts = acc.counts
    for d, actor, k in zip(counted["day"].to_pylist(), map(_name, counted["actor"].to_pylist()),
                           counted["actor_count"].to_pylist()):
        on_day = counts.get(d)
        if on_day is None:
            on_day = counts[d] = {}
        on_day[actor] = on_day.get(actor, 0) + k


def _conversation(acc: ColumnarAccumulator, table: pa.Table) -> None:
    """Keep the rows the end may still reach that hold conversation; drop kept rows now too old."""
    floor = acc.talk_floor
    reply = pc.equal(table["kind"], "reply")
    talk = pc.or_(pc.or_(pc.not_equal(table["thread"], ""), pc.not_equal(table["msg_id"], "")),
                  pc.or_(pc.not_equal(table["reply_to"], ""), reply))
    rows = table.append_column("reply", reply).filter(talk)
    if rows.num_rows:
        acc.talk.append(rows.select(["seq", "us", "day", "actor", "reply", "thread", "reply_to", "msg_id", "staff"]))
    kept = []
    for t in acc.talk:
        reached = pc.greater(t["day"], floor)
        _old_days(acc, t.filter(pc.invert(reached)))
        kept.append(t.filter(reached))
    acc.talk = kept


