"""One-pass community metrics over an Event stream, the windows cut at the end, each turned into a fact.

The stream is read once, before its latest event (the end of the windows) is known. What does not
depend on the end is kept as it comes: per actor (first/last event, count, active weeks), per day
(events) and per month (active actors). What does is kept only for the recent past, which the end
can only move forward: each event's time and actor for the last two years (the windows are cut at
the exact second, so days alone would not do), the actors active per day over the last nine
windows, and the conversation fields (thread, message id, reply) of the events that may fall in
the current or baseline window. `finish(until)` then cuts the windows. Memory grows with distinct
actors, months of history and the recent events, never with the length of the history.
"""
from __future__ import annotations

import sys
from array import array
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial

from expert.ingest.history import BAND_WINDOWS, MINIMUM, REFERENCE_WINDOWS
from expert.ingest.model import Event
from expert.ingest.timeparse import Latest
from expert.ingest.windows import WindowBounds, make_windows

__all__ = ["Accumulator", "DEFINITIONS", "tail_days", "member_days", "conversation_days", "micros"]

MSG_CACHE_LIMIT = 1 << 20
WEEK = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
_DAY_US = 86_400_000_000
_EPOCH_DAY = EPOCH.toordinal()
_NEVER = datetime.min.replace(tzinfo=UTC)
intern = sys.intern
# Actor record slots: first/last event, counts (current window, baseline window, last 365 and 730
# days, all; the windowed ones filled by finish), the set of active weeks, the number of the first
# event and of the first staff event (the conversation replay asks "known/staff yet?"), and the last
# day seen (so the sets change once per actor-day).
FIRST, CUR, BASE, LAST, Y1, Y2, ALL, WEEKS, SEQ, DAY, STAFF = range(11)
# Thread record slots: earliest post (time, actor) and earliest post by another actor.
T0, A0, T1, A1 = range(4)

# Every fact the summariser may emit -> placeholder values for its definition, whose English and
# Chinese texts live under `definitions:` in knowledge/ingest.yaml.
DEFINITIONS: dict[str, dict[str, int | float]] = {
    "community.age_months": {},
    "activity.days_since_last_activity": {},
    "activity.usual_gap_days": {"active_days": MINIMUM["active_days_for_rhythm"]},
    "activity.trailing_12m_change_pct": {"events": MINIMUM["trailing_year_events"]},
    "activity.activity_change_pct": {"windows": REFERENCE_WINDOWS},
    "activity.activity_change_signal": {"band": BAND_WINDOWS},
    "activity.active_members_change_pct": {"windows": REFERENCE_WINDOWS},
    "activity.active_members_change_signal": {"band": BAND_WINDOWS},
    "activity.year_over_year_change_pct": {},
    "activity.median_first_response_hours": {},
    "activity.median_first_response_hours_change_pct": {},
    "activity.member_to_member_reply_share": {},
    "activity.member_to_member_reply_share_change_pct": {},
    "activity.admin_reply_share": {},
    "activity.reply_coverage": {},
    "activity.response_rate": {},
    "activity.median_resolution_days": {},
    "activity.returning_member_share": {},
    "contributors.core_total": {"months": MINIMUM["regular_months"], "span": MINIMUM["regular_span_months"]},
    "contributors.core_inactive_4w": {"ratio": MINIMUM["lost_ratio"]},
    "contributors.lost_regulars": {"ratio": MINIMUM["lost_ratio"]},
    "contributors.top_contributor_share": {"contributions": MINIMUM["contributions_for_concentration"]},
    "contributors.top10_share": {"contributions": MINIMUM["contributions_for_concentration"]},
    "contributors.bus_factor": {"contributions": MINIMUM["contributions_for_concentration"]},
    "contributors.newcomer_activity_share": {},
    "contributors.handover_to_newcomers": {"share": MINIMUM["handover_share"], "months": MINIMUM["regular_months"]},
    "lifecycle.joined": {},
    "lifecycle.activated": {},
    "lifecycle.newcomer_activation_rate": {},
}


class Accumulator:
    """Streaming state that does not need the end of the windows, and the windowed metrics once `finish` has it."""

    def __init__(self, *, since: datetime | None = None, until: datetime | None = None, window_days: int = 90,
                 staff_known: bool = False, latest: Latest | None = None) -> None:
        """Start empty. Events before `since` are left out, and so are events after `until` when it is given;
        without it, events after `latest.limit` (a day past the wall clock) are clock errors counted in `latest`."""
        self.since, self.staff_known = since, staff_known
        self.latest_guard = None if until is not None else (latest or Latest())
        self.cap = until if until is not None else self.latest_guard.limit  # type: ignore[union-attr]
        self.where: Callable[[Event], str] = lambda ev: ""
        self.window_days = window_days
        self.tail_span, self.member_span = tail_days(window_days), member_days(window_days)
        self.conversation_span = conversation_days(window_days)
        self.top: datetime = _NEVER  # the latest plausible event of any kind: the end when until is not given
        self.next_day = _NEVER
        self.tail_floor = self.conversation_floor = _NEVER
        self.member_floor = 0
        self.actors: dict[str, list] = {}
        self.staff: set[str] = set()
        self.seen = self.used = self.bot_events = 0
        self.bot_actors: dict[str, int] = {}
        self.closed: dict[str, datetime] = {}  # thread -> first close time (issue trackers)
        self.has_threads = False
        self.earliest: datetime | None = None
        self.latest: datetime | None = None
        # The whole history: events per day (ordinal) and active actors per month (year * 12 + month - 1).
        self.days: dict[int, int] = {}
        self.month_actors: dict[int, set[str]] = {}
        # The recent past: per day, each event's time (microseconds since 1970), actor and thread;
        # per day the active actors; the events that may hold conversation, with their number.
        self.tail: dict[int, tuple[array, list[str], list[str | None]]] = {}
        self.day_actors: dict[int, set[str]] = {}
        # (number, time, actor, is a reply, thread, reply_to, msg_id, is_staff), oldest first when the log is in order
        self.conversation: deque[tuple] = deque()
        self.conversation_limit = 4096
        if until is not None:
            self._floors(until)
        # Filled by finish(): the windows and everything measured against them.
        self.win: WindowBounds = None  # type: ignore[assignment]
        self.events = {"current": 0, "baseline": 0, "year_ago": 0}
        self.replies = {"current": [0, 0, 0, 0], "baseline": [0, 0, 0, 0]}  # total, staff, m2m, unresolved
        self.threads: dict[str, list] = {}
        self.old_threads: set[str] = set()
        self.msgs: dict[str, str] = {}
        self.member_windows: list[int] = []

    def add(self, ev: Event) -> None:
        """Hot path: update the end-independent tallies and keep the event's recent-past fields."""
        self.seen += 1
        t = ev.timestamp
        if t > self.cap:
            if self.latest_guard is not None:
                self.latest_guard.outlier(partial(self.where, ev))
            return
        if t > self.top:
            self.top = t
            if t >= self.next_day:
                self.advance(t)
        if self.since is not None and t < self.since:
            return
        if ev.is_bot:
            self.bot_events += 1
            self.bot_actors[ev.actor] = self.bot_actors.get(ev.actor, 0) + 1
            return
        if ev.kind == "close":  # an issue closed: not activity, but the end of its resolution time
            if ev.thread is not None and (ev.thread not in self.closed or t < self.closed[ev.thread]):
                self.closed[ev.thread] = t
            return
        self.used += 1
        if self.earliest is None or t < self.earliest:
            self.earliest = t
        if self.latest is None or t > self.latest:
            self.latest = t
        actor = ev.actor
        rec = self.actors.get(actor)
        if rec is None:
            rec = self.actors[actor] = [t, 0, 0, t, 0, 0, 0, set(), self.used, None, None]
        elif t < rec[FIRST]:
            rec[FIRST] = t
        elif t > rec[LAST]:
            rec[LAST] = t
        day = t.toordinal()
        days = self.days
        days[day] = days.get(day, 0) + 1
        rec[ALL] += 1
        if rec[DAY] != day:
            self._new_day(t, day, actor, rec)
        if ev.is_staff and rec[STAFF] is None:
            rec[STAFF] = self.used
            self.staff.add(actor)
        thread = ev.thread
        if thread is not None:
            self.has_threads = True
            thread = intern(thread)  # kept twice below, and a thread has many events: one copy each
        if t > self.tail_floor:
            chunk = self.tail.get(day)
            if chunk is None:
                chunk = self.tail[day] = (array("q"), [], [])
            chunk[0].append((t - EPOCH) // MICRO)
            chunk[1].append(actor)
            chunk[2].append(thread)
            if t > self.conversation_floor and (thread is not None or ev.msg_id is not None
                                                or ev.reply_to is not None or ev.kind == "reply"):
                # A tuple of plain values, not the Event: the garbage collector stops tracking it.
                self.conversation.append((self.used, t, actor, ev.kind == "reply", thread, ev.reply_to, ev.msg_id,
                                          ev.is_staff))
                if len(self.conversation) > self.conversation_limit:
                    self.prune_conversation()

    def _new_day(self, t: datetime, day: int, actor: str, rec: list) -> None:
        """An actor's first event on a day: mark their week, month and (recent) day as active."""
        rec[DAY] = day
        rec[WEEKS].add(day // 7)
        month = t.year * 12 + t.month - 1
        members = self.month_actors.get(month)
        if members is None:
            members = self.month_actors[month] = set()
        members.add(actor)
        if day > self.member_floor:
            on_day = self.day_actors.get(day)
            if on_day is None:
                on_day = self.day_actors[day] = set()
            on_day.add(actor)

    def advance(self, t: datetime) -> None:
        """The latest event reached a new day: the end is at least this late, so forget what is now too old."""
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            self.next_day = midnight + timedelta(days=1)
        except OverflowError:
            self.next_day = t.replace(hour=23, minute=59, second=59, microsecond=999999)
        if self.latest_guard is None:  # until given: the floors were set from it once
            return
        self._floors(midnight)
        floor = self.tail_floor.toordinal() if self.tail_floor > _NEVER else 0
        for day in [d for d in self.tail if d < floor]:
            del self.tail[day]
        for day in [d for d in self.day_actors if d <= self.member_floor]:
            del self.day_actors[day]
        conversation, floor_time = self.conversation, self.conversation_floor
        while conversation and conversation[0][1] <= floor_time:  # a log in time order: the oldest are first
            conversation.popleft()

    def _floors(self, end: datetime) -> None:
        """Events at or before end minus each span can no longer fall inside the windows: stop keeping them."""
        self.tail_floor = _minus(end, self.tail_span)
        self.conversation_floor = _minus(end, self.conversation_span)
        self.member_floor = end.toordinal() - self.member_span

    def prune_conversation(self) -> None:
        """Drop kept conversation events that are now too old; let the list grow to twice what stays."""
        floor = self.conversation_floor
        self.conversation = deque(item for item in self.conversation if item[1] > floor)
        self.conversation_limit = max(4096, 2 * len(self.conversation))

    # ---- the end is known: cut the windows ------------------------------------------------------

    def finish(self, until: datetime) -> None:
        """Cut the windows at `until` (OverflowError when they would start before year 1) and measure them."""
        w = self.win = make_windows(until, self.window_days)
        self.win_old = w.base_start - timedelta(days=365)  # threads seen in the year before the baseline are "old"
        # The last day that can hold an event: windows ending at midnight hold none of that day.
        self.until_day = (w.until - timedelta(microseconds=1)).toordinal()
        self.span_days = max(1, (w.until - w.cur_start).days)
        self.y1_start = w.until - timedelta(days=365)
        self.y2_start = w.until - timedelta(days=730)
        self.windowed_counts()
        self.member_windows = self._member_windows()
        self.replay_conversation()

    def windowed_counts(self) -> None:
        """Per-actor and total events in each window, and the threads active in the year before the baseline."""
        w = self.win
        cur, base, y1, y2 = map(micros, (w.cur_start, w.base_start, self.y1_start, self.y2_start))
        yago_lo, yago_hi, old = micros(w.yago_start), micros(w.yago_end), micros(self.win_old)
        lowest = min(y2, old, yago_lo)
        actors, events, old_threads = self.actors, self.events, self.old_threads
        for day, (times, who, threads) in self.tail.items():
            if (day + 1 - _EPOCH_DAY) * _DAY_US <= lowest:  # the whole day is before every cut
                continue
            for us, actor, thread in zip(times, who, threads):
                if us > y2:
                    rec = actors[actor]
                    rec[Y2] += 1
                    if us > y1:
                        rec[Y1] += 1
                if us > cur:
                    actors[actor][CUR] += 1
                    events["current"] += 1
                elif us > base:
                    actors[actor][BASE] += 1
                    events["baseline"] += 1
                else:
                    if yago_lo < us <= yago_hi:
                        events["year_ago"] += 1
                    if thread is not None and us > old:
                        old_threads.add(thread)

    def _member_windows(self) -> list[int]:
        """Distinct active actors per day-window, most recent first, for the windows the comparisons read."""
        members: list[set[str]] = [set() for _ in range(BAND_WINDOWS + 1)]
        for day, actors in self.day_actors.items():
            k = (self.until_day - day) // self.span_days
            if 0 <= k <= BAND_WINDOWS:
                members[k] |= actors
        return [len(m) for m in members]

    def replay_conversation(self) -> None:
        """Run the in-window events through the thread and reply tallies in their original order."""
        w = self.win
        for seq, t, actor, reply, thread, reply_to, msg_id, is_staff in self.conversation:
            if t > w.base_start:
                ev = Event(t, actor, "reply" if reply else "message", thread, reply_to, None, is_staff, False, msg_id)
                self._conversation(ev, "current" if t > w.cur_start else "baseline", seq)

    def _conversation(self, ev: Event, window: str, seq: int) -> None:
        """Track threads, remember recent message authors and tally replies for an in-window event."""
        if ev.thread is not None:
            self._thread(ev, ev.thread)
        if ev.msg_id is not None:
            self._remember(ev.msg_id, ev.actor)
        if ev.kind == "reply" or ev.reply_to is not None:
            self._reply(ev, window, seq)

    def _thread(self, ev: Event, thread: str) -> None:
        """Keep a thread's earliest post and the earliest post by someone else, order-independently."""
        t, actor = ev.timestamp, ev.actor
        rec = self.threads.get(thread)
        if rec is None:
            self.threads[thread] = [t, actor, None, None]
        elif t < rec[T0]:
            if actor != rec[A0]:
                rec[T1], rec[A1] = rec[T0], rec[A0]
            rec[T0], rec[A0] = t, actor
        elif actor != rec[A0] and (rec[T1] is None or t < rec[T1]):
            rec[T1], rec[A1] = t, actor

    def _remember(self, msg_id: str, actor: str) -> None:
        """Map message id -> author so replies can be attributed; capped to bound memory."""
        msgs = self.msgs
        if len(msgs) >= MSG_CACHE_LIMIT:
            del msgs[next(iter(msgs))]
        msgs[msg_id] = actor

    def _staff_by(self, actor: str | None, seq: int) -> bool:
        """Whether `actor` had shown as staff by event number `seq`."""
        rec = self.actors.get(actor) if actor is not None else None
        return rec is not None and rec[STAFF] is not None and rec[STAFF] <= seq

    def _reply(self, ev: Event, window: str, seq: int) -> None:
        """Count a reply, by staff or not, and whether both sides are non-staff members."""
        tally = self.replies[window]
        target = self._target(ev, seq)
        author_staff = ev.is_staff or self._staff_by(ev.actor, seq)
        tally[0] += 1
        tally[1] += author_staff
        if target is None:
            tally[3] += 1
        tally[2] += not author_staff and (target is None or not self._staff_by(target, seq))

    def _target(self, ev: Event, seq: int) -> str | None:
        """Resolve who was replied to: a known message's author, an actor seen by then, or the thread opener."""
        ref = ev.reply_to
        if ref is not None:
            if ref in self.msgs:
                return self.msgs[ref]
            rec = self.actors.get(ref)
            if rec is not None and rec[SEQ] <= seq:
                return ref
        rec = self.threads.get(ev.thread) if ev.thread is not None else None
        return rec[A0] if rec is not None and rec[A0] != ev.actor else None


def micros(t: datetime) -> int:
    """Microseconds since 1970 (negative before): an exact, cheap key for comparing times."""
    return (t - EPOCH) // MICRO


def _minus(end: datetime, days: int) -> datetime:
    """end minus `days` days, or the start of time when that is before year 1."""
    try:
        return end - timedelta(days=days)
    except OverflowError:
        return _NEVER


def tail_days(window_days: int) -> int:
    """Days before the end whose events are kept one by one: the deepest exact cut (730 days for the
    trailing two years; the baseline and the year before it for long windows), with a day's margin."""
    return max(730, 2 * window_days + 365) + 2


def member_days(window_days: int) -> int:
    """Days before the end whose active actors are kept: the day-windows the member comparison reads."""
    return (BAND_WINDOWS + 1) * max(1, window_days) + 2


def conversation_days(window_days: int) -> int:
    """Days before the end whose events may hold conversation in the current or baseline window."""
    return 2 * window_days + 2
