"""One-pass, bounded-memory community metrics over an Event stream, each turned into a situation fact.

Memory grows with the number of distinct actors, threads and (capped) recent message ids, never
with the number of events: every event only updates counters in those tables.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from expert.ingest.history import BAND_WINDOWS, MINIMUM, REFERENCE_WINDOWS
from expert.ingest.model import Event
from expert.ingest.windows import WindowBounds

__all__ = ["Accumulator", "DEFINITIONS"]

MSG_CACHE_LIMIT = 1 << 20
WEEK = timedelta(days=7)
# Actor record slots: first/last event, counts (current window, baseline window, last 365 and 730
# days, all), the sets of active weeks and active day-windows (bounded by weeks x actors, never by
# events), and the last day seen (so the sets change once per actor-day).
FIRST, CUR, BASE, LAST, Y1, Y2, ALL, WEEKS, WINS, DAY = range(10)
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
    """Streaming state: per-actor counters, per-thread first/second poster, per-window reply tallies."""

    def __init__(self, win: WindowBounds, since: datetime | None = None, staff_known: bool = False) -> None:
        """Start empty for the given windows; events before `since` or after `until` are ignored."""
        self.win = win
        # Threads seen in the year before the baseline are "old"; older ones are forgotten to bound memory.
        w_old = win.base_start - timedelta(days=365)
        self.win_old = w_old
        self.staff_known = staff_known
        self.since = since
        self.actors: dict[str, list] = {}
        self.staff: set[str] = set()
        self.threads: dict[str, list] = {}
        self.old_threads: set[str] = set()
        self.msgs: dict[str, str] = {}
        self.events = {"current": 0, "baseline": 0, "year_ago": 0}
        self.replies = {"current": [0, 0, 0, 0], "baseline": [0, 0, 0, 0]}  # total, staff, m2m, unresolved
        self.seen = self.used = self.bot_events = 0
        self.bot_actors: dict[str, int] = {}
        self.closed: dict[str, datetime] = {}  # thread -> first close time (issue trackers)
        self.has_threads = False
        self.earliest: datetime | None = None
        self.latest: datetime | None = None
        # The whole history: events per day (ordinal) and active actors per month (year * 12 + month - 1).
        self.days: dict[int, int] = {}
        self.month_actors: dict[int, set[str]] = {}
        # The last day that can hold an event: windows ending at midnight hold none of that day.
        self.until_day = (win.until - timedelta(microseconds=1)).toordinal()
        self.span_days = max(1, (win.until - win.cur_start).days)
        self.y1_start = win.until - timedelta(days=365)
        self.y2_start = win.until - timedelta(days=730)

    def add(self, ev: Event) -> None:
        """Hot path: update counters for one event (no allocation beyond new actors/threads)."""
        self.seen += 1
        t = ev.timestamp
        w = self.win
        if t > w.until or (self.since is not None and t < self.since):
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
            rec = self.actors[actor] = [t, 0, 0, t, 0, 0, 0, set(), set(), None]
        elif t < rec[FIRST]:
            rec[FIRST] = t
        elif t > rec[LAST]:
            rec[LAST] = t
        # Whole-history tallies (inlined: this is the hot path). Sets change once per actor-day.
        day = t.toordinal()
        days = self.days
        days[day] = days.get(day, 0) + 1
        rec[ALL] += 1
        if t > self.y2_start:
            rec[Y2] += 1
            if t > self.y1_start:
                rec[Y1] += 1
        if rec[DAY] != day:
            self._new_day(t, day, actor, rec)
        if ev.is_staff:
            self.staff.add(actor)
        if t > w.cur_start:
            rec[CUR] += 1
            self.events["current"] += 1
            self._conversation(ev, "current")
        elif t > w.base_start:
            rec[BASE] += 1
            self.events["baseline"] += 1
            self._conversation(ev, "baseline")
        else:
            if w.yago_start < t <= w.yago_end:
                self.events["year_ago"] += 1
            if ev.thread is not None:
                self.has_threads = True
                if t > self.win_old:
                    self.old_threads.add(ev.thread)

    def _new_day(self, t: datetime, day: int, actor: str, rec: list) -> None:
        """An actor's first event on a day: mark their week, day-window and month as active."""
        rec[DAY] = day
        rec[WEEKS].add(day // 7)
        rec[WINS].add((self.until_day - day) // self.span_days)
        month = t.year * 12 + t.month - 1
        members = self.month_actors.get(month)
        if members is None:
            members = self.month_actors[month] = set()
        members.add(actor)

    def _conversation(self, ev: Event, window: str) -> None:
        """Track threads, remember recent message authors and tally replies for an in-window event."""
        if ev.thread is not None:
            self.has_threads = True
            self._thread(ev, ev.thread)
        if ev.msg_id is not None:
            self._remember(ev.msg_id, ev.actor)
        if ev.kind == "reply" or ev.reply_to is not None:
            self._reply(ev, window)

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

    def _reply(self, ev: Event, window: str) -> None:
        """Count a reply, by staff or not, and whether both sides are non-staff members."""
        tally = self.replies[window]
        target = self._target(ev)
        author_staff = ev.is_staff or ev.actor in self.staff
        tally[0] += 1
        tally[1] += author_staff
        if target is None:
            tally[3] += 1
        tally[2] += not author_staff and (target is None or target not in self.staff)

    def _target(self, ev: Event) -> str | None:
        """Resolve who was replied to: a known message's author, an actor id, or the thread opener."""
        ref = ev.reply_to
        if ref is not None:
            if ref in self.msgs:
                return self.msgs[ref]
            if ref in self.actors:
                return ref
        rec = self.threads.get(ev.thread) if ev.thread is not None else None
        return rec[A0] if rec is not None and rec[A0] != ev.actor else None
