"""One-pass community metrics over an Event stream, on windows of whole UTC days cut at the end.

The stream is read once, before its latest event (the end of the windows) is known. The windows
are whole days ending with the end day (see windows.py), so everything they measure is summed
at the end from per-day tallies: per actor (first/last event, count, active weeks), per day
(events), per month (active actors) for the whole history; for the recent past, which the end can
only move forward, events per actor per day, each thread's first posts per day, and replies per
day. A reply's target is looked up among the messages and thread posts of the LOOKBACK (two
windows) of days up to the reply, so no reply waits for the end to be known. Memory is bounded by
days x active actors (and days x active threads), plus the message-id map capped at
MSG_CACHE_LIMIT ids; never by the number of events.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from functools import partial

from expert.ingest.history import BAND_WINDOWS, MINIMUM, REFERENCE_WINDOWS
from expert.ingest.model import Event
from expert.ingest.timeparse import Latest
from expert.ingest.windows import TRAILING_DAYS, YEAR_DAYS, WindowBounds, end_day, make_windows

__all__ = ["Accumulator", "DEFINITIONS", "micros", "Spans", "REC", "PRUNE_DAYS"]

MSG_CACHE_LIMIT = 1 << 20
WEEK = timedelta(days=7)
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICRO = timedelta(microseconds=1)
_NEVER = datetime.min.replace(tzinfo=UTC)
_NO_DAY = -(1 << 62)  # before every day: nothing is dropped yet
PRUNE_RUN = 256  # pruning the threads stops after this many in a row whose first kept day is recent
PRUNE_DAYS = 16  # the per-day tallies of days too old to keep are dropped this often (in days the end moved forward)
# Actor record slots: first/last event, counts (current window, baseline window, last 365 and 730
# days, all; the windowed ones filled by finish, all as each day's events are written), the set of active weeks, the number of the first
# event and of the first staff event (a reply asks "known/staff yet?"), the last day seen and the
# events on it (so the sets and the per-day tally change once per actor-day).
FIRST, CUR, BASE, LAST, Y1, Y2, ALL, WEEKS, SEQ, DAY, STAFF, DAYN = range(12)
# Thread record slots: earliest post (time, actor), earliest post by another actor, and (in the
# windowed records finish() builds) the day of the earliest post. A thread's recent days are kept
# in one flat list, REC slots a day: the day, then its T0, A0, T1, A1.
T0, A0, T1, A1, TDAY = range(5)
REC = 5

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



class Spans:
    """How many days before the end day each recent-past tally is kept (days after end - span)."""

    def __init__(self, window_days: int) -> None:
        """Spans for windows of `window_days` days."""
        w = max(1, window_days)
        self.window = w
        self.lookback = 2 * w  # a reply's target is looked up this many days back from the reply's day
        self.counts = max(TRAILING_DAYS, (BAND_WINDOWS + 1) * w)  # the trailing years, the member windows
        self.threads = max(2 * w + YEAR_DAYS, 4 * w)  # the year before the baseline (old threads), the lookback
        self.talk = 4 * w  # the windows and the lookback of their earliest reply
        self.replies = 2 * w  # the current and baseline windows


class Accumulator:
    """Streaming state that does not need the end of the windows, and the windowed metrics once `finish` has it."""

    def __init__(self, *, since: datetime | None = None, until: datetime | None = None, window_days: int = 90,
                 staff_known: bool = False, latest: Latest | None = None) -> None:
        """Start empty. Events before `since` are left out, and so are events after `until` when it is given;
        without it, events after `latest.limit` (a day past the wall clock) are clock errors counted in `latest`."""
        self.since, self.staff_known = since, staff_known
        self.since_floor = since if since is not None else _NEVER
        self.latest_guard = None if until is not None else (latest or Latest())
        self.cap = until if until is not None else self.latest_guard.limit  # type: ignore[union-attr]
        self.where: Callable[[Event], str] = lambda ev: ""
        self.window_days = window_days
        self.spans = Spans(window_days)
        self.lookback = self.spans.lookback
        self.top: datetime = _NEVER  # the latest plausible event of any kind: the end when until is not given
        self.next_day = _NEVER
        self.actors: dict[str, list] = {}
        self.staff: set[str] = set()
        self.seen = self.used = self.bot_events = 0
        self.bot_actors: dict[str, int] = {}
        self.closed: dict[str, datetime] = {}  # thread -> first close time (issue trackers)
        self.has_threads = False
        self.earliest: datetime | None = None  # the first and last used event: set by finish from the actors
        self.latest: datetime | None = None
        # The whole history: events per day (ordinal) and active actors per month (year * 12 + month - 1).
        self.days: dict[int, int] = {}
        self.month_actors: dict[int, set[str]] = {}
        # The recent past, by day: events per actor, each thread's earliest posts, reply tallies
        # (total, staff, member to member, unresolved); message id -> (author, day).
        self.counts: dict[int, dict[str, int]] = {}
        # The day of the last event, its events so far and its month's active actors (a log in time
        # order changes day once a day: the tallies above are written then).
        self.count_day, self.day_events, self.week = _NO_DAY, 0, _NO_DAY // 7
        self.month_set: set[str] = set()
        self.thread_days: dict[str, list] = {}  # thread -> its recent days' records (REC slots each)
        self.thread_old: dict[str, int] = {}  # thread -> the latest of its days too old for a counted reply to reach
        self.thread_limit = self.old_limit = 4096  # threads (old threads) kept before the next pruning
        self.reply_days: dict[int, list[int]] = {}
        self.tally_day, self.tally = _NO_DAY, [0, 0, 0, 0]  # the day of the last reply and its tally
        self.msgs: dict[str, tuple[str, int]] = {}
        # Days at or before a floor can no longer fall in what each tally feeds: not kept.
        self.count_floor = self.thread_floor = self.talk_floor = self.reply_floor = _NO_DAY
        self.pruned_day = _NO_DAY
        if until is not None:
            self._floors(end_day(until, latest_event=False))
        # Filled by finish(): the windows and everything measured against them.
        self.win: WindowBounds = None  # type: ignore[assignment]
        self.until_day = self.span_days = 0
        self.events = {"current": 0, "baseline": 0, "year_ago": 0}
        self.replies = {"current": [0, 0, 0, 0], "baseline": [0, 0, 0, 0]}
        self.threads: dict[str, list] = {}
        self.old_threads: set[str] = set()
        self.member_windows: list[int] = []

    def add(self, ev: Event) -> None:
        """One event (see consume)."""
        self.consume((ev,))

    def consume(self, events: Iterable[Event], progress: Callable[[int], object] | None = None,
                every: int = 50_000) -> None:
        """Hot path: update the whole-history tallies and the recent past's per-day ones for every event,
        calling progress(events seen) every `every` events. The state read on every event is held in
        locals and written back when it changes elsewhere (a new day, a new top) and at the end."""
        seen, used, top, cap, since = self.seen, self.used, self.top, self.cap, self.since_floor
        next_day, count_day, day_events, talk_floor = self.next_day, self.count_day, self.day_events, self.talk_floor
        actors, staff, thread_days = self.actors, self.staff, self.thread_days
        thread_post, reply = self.thread_post, self.reply
        try:
            for ev in events:
                seen += 1
                if progress is not None and seen % every == 0:
                    self.seen = seen
                    progress(seen)
                t = ev.timestamp
                if t > top:  # the cap is never below the top, so only a new top can pass it
                    if t > cap:
                        if self.latest_guard is not None:
                            self.seen = seen  # the outlier is named by its number
                            self.latest_guard.outlier(partial(self.where, ev))
                        continue
                    top = self.top = t
                    if t >= next_day:
                        self.advance(t)
                        next_day, talk_floor = self.next_day, self.talk_floor
                if t < since:
                    continue
                if ev.is_bot:
                    self.bot_events += 1
                    self.bot_actors[ev.actor] = self.bot_actors.get(ev.actor, 0) + 1
                    continue
                kind = ev.kind
                if kind == "close":  # an issue closed: not activity, but the end of its resolution time
                    if ev.thread is not None and (ev.thread not in self.closed or t < self.closed[ev.thread]):
                        self.closed[ev.thread] = t
                    continue
                used += 1
                actor = ev.actor
                rec = actors.get(actor)
                if rec is None:
                    rec = actors[actor] = [t, 0, 0, t, 0, 0, 0, set(), used, None, None, 0]
                elif t < rec[FIRST]:
                    rec[FIRST] = t
                elif t > rec[LAST]:
                    rec[LAST] = t
                day = t.toordinal()
                if day == count_day:
                    day = count_day  # one int object a day, shared by what keeps it
                    day_events += 1
                else:
                    self.day_events = day_events
                    self._switch_day(t, day)
                    count_day, day_events = day, 1
                if rec[DAY] == day:
                    rec[DAYN] += 1
                else:
                    self._new_day(day, actor, rec)
                if ev.is_staff and rec[STAFF] is None:
                    rec[STAFF] = used
                    staff.add(actor)
                thread = ev.thread
                if day <= talk_floor:  # too old for a counted reply to reach: only whether its thread was active counts
                    if thread is not None:
                        self.old_day(thread, day)
                else:  # what converse does, inline
                    recs = None
                    if thread is not None:
                        recs = thread_days.get(thread)
                        # Nothing to change when the thread's last day is this one, the post is not its earliest
                        # and not the earliest by someone else (a log in time order: most posts).
                        if recs is None or recs[-REC] != day or t < recs[-4] or (
                                actor != recs[-3] and (recs[-2] is None or t < recs[-2])):
                            recs = thread_post(thread, day, t, actor)
                    msg_id, reply_to = ev.msg_id, ev.reply_to
                    if msg_id is not None:
                        self._remember(msg_id, actor, day)
                    if (reply_to is not None or kind == "reply") and day > self.reply_floor:
                        reply(used, day, actor, recs, reply_to, ev.is_staff or rec[STAFF] is not None)
        finally:
            self.seen, self.used, self.day_events = seen, used, day_events

    def _switch_day(self, t: datetime, day: int) -> None:
        """The events now fall on another day: write the last day's event count, start this one's."""
        self.flush_day()
        self.count_day, self.day_events, self.week = day, 1, day // 7  # one week object a day, shared by the actors
        month = t.year * 12 + t.month - 1
        members = self.month_actors.get(month)
        if members is None:
            members = self.month_actors[month] = set()
        self.month_set = members

    def flush_day(self) -> None:
        """Add the day being counted to the events per day."""
        if self.day_events:
            days, day = self.days, self.count_day
            days[day] = days.get(day, 0) + self.day_events
            self.day_events = 0

    def _new_day(self, day: int, actor: str, rec: list) -> None:
        """An actor's first event on a day (the day being counted): write their last day's events, mark
        their week and month as active."""
        last, events = rec[DAY], rec[DAYN]
        rec[ALL] += events
        if last is not None and last > self.count_floor:
            counts = self.counts.get(last)
            if counts is None:
                counts = self.counts[last] = {}
            counts[actor] = counts.get(actor, 0) + events
        rec[DAY], rec[DAYN] = day, 1
        rec[WEEKS].add(self.week)
        self.month_set.add(actor)

    def count_actor(self, day: int, actor: str, events: int) -> None:
        """Add an actor's events on a day to the per-day tallies, when the day is recent enough to keep."""
        if day > self.count_floor:
            counts = self.counts.get(day)
            if counts is None:
                counts = self.counts[day] = {}
            counts[actor] = counts.get(actor, 0) + events

    # ---- the conversation: threads, message authors, replies ------------------------------------

    def converse(self, seq: int, t: datetime, day: int, actor: str, is_reply: bool, thread: str | None,
                 reply_to: str | None, msg_id: str | None, author_staff: bool) -> None:
        """A recent event that may hold conversation, in file order: its thread's posts of the day, its message
        id, and, when it is a reply that may fall in the windows, the reply's tally for its day (consume does
        the same inline). `author_staff`: the author had shown as staff by then."""
        recs = self.thread_post(thread, day, t, actor) if thread is not None else None
        if msg_id is not None:
            self._remember(msg_id, actor, day)
        if (is_reply or reply_to is not None) and day > self.reply_floor:
            self.reply(seq, day, actor, recs, reply_to, author_staff)

    def thread_post(self, thread: str, day: int, t: datetime, actor: str) -> list:
        """Keep the day's earliest post in the thread and its earliest by someone else; the thread's records."""
        thread_days = self.thread_days
        recs = thread_days.get(thread)
        if recs is None:
            recs = thread_days[thread] = [day, t, actor, None, None]
            self.has_threads = True
            if len(thread_days) > self.thread_limit:
                self.prune_threads()
            return recs
        i = len(recs) - REC
        while i >= 0 and recs[i] != day:  # a log in time order: the last day kept is this one
            i -= REC
        if i < 0:
            recs += (day, t, actor, None, None)
        elif t < recs[i + 1]:  # the day's earliest post, and its earliest by someone else
            if actor != recs[i + 2]:
                recs[i + 3], recs[i + 4] = recs[i + 1], recs[i + 2]
            recs[i + 1], recs[i + 2] = t, actor
        elif actor != recs[i + 2] and (recs[i + 3] is None or t < recs[i + 3]):
            recs[i + 3], recs[i + 4] = t, actor
        return recs

    def reply(self, seq: int, day: int, actor: str, recs: list | None, reply_to: str | None,
              author_staff: bool) -> None:
        """Tally a reply that may fall in the windows on its day: by staff, member to member, unresolved."""
        if day == self.tally_day:
            tally = self.tally
        else:
            found_tally = self.reply_days.get(day)
            if found_tally is None:
                found_tally = self.reply_days[day] = [0, 0, 0, 0]
            self.tally_day, self.tally = day, found_tally
            tally = found_tally
        # Who was replied to: the author of a message of the lookback days, an actor seen by then, or the
        # thread's earliest poster in the lookback days (when that is not the replier).
        floor = day - self.lookback
        target = None
        if reply_to is not None:
            found = self.msgs.get(reply_to) if self.msgs else None
            if found is not None and found[1] > floor:
                target = found[0]
            else:
                rec = self.actors.get(reply_to)
                if rec is not None and rec[SEQ] <= seq:
                    target = reply_to
        if target is None and recs is not None:
            first, opener = day + 1, None
            for i in range(0, len(recs), REC):
                d = recs[i]
                if floor < d < first:
                    first, opener = d, recs[i + 2]
            if opener != actor:
                target = opener
        tally[0] += 1
        if author_staff:
            tally[1] += 1
        elif target is None or target not in self.staff or self.actors[target][STAFF] > seq:
            tally[2] += 1  # member to member: neither side had shown as staff by then
        if target is None:
            tally[3] += 1

    def old_day(self, thread: str, day: int) -> None:
        """A thread was active on a day too old for a counted reply to reach: only whether it was active then counts."""
        self.has_threads = True
        if day > self.thread_floor:
            old = self.thread_old
            if old.get(thread, _NO_DAY) < day:
                old[thread] = day

    def _remember(self, msg_id: str, actor: str, day: int) -> None:
        """Map message id -> (author, day) so replies can be attributed; capped to bound memory."""
        msgs = self.msgs
        if len(msgs) >= MSG_CACHE_LIMIT:
            floor = self.talk_floor  # ids too old to be looked up go first, then the oldest kept
            for key in [k for k, (_, d) in msgs.items() if d <= floor]:
                del msgs[key]
            if len(msgs) >= MSG_CACHE_LIMIT:
                del msgs[next(iter(msgs))]
        msgs.pop(msg_id, None)  # a repeated id counts as new: the newest author, kept the longest
        msgs[msg_id] = (actor, day)

    # ---- the end moves forward: forget what is now too old --------------------------------------

    def advance(self, t: datetime) -> None:
        """The latest event reached a new day: the end is at least this late, so forget what is now too old."""
        midnight = t.replace(hour=0, minute=0, second=0, microsecond=0)
        try:
            self.next_day = midnight + timedelta(days=1)
        except OverflowError:
            self.next_day = t.replace(hour=23, minute=59, second=59, microsecond=999999)
        if self.latest_guard is None:  # until given: the floors were set from it once
            return
        day = t.toordinal()
        self._floors(day)
        if day - self.pruned_day >= PRUNE_DAYS:
            self.pruned_day = day
            self.prune()
            self.prune_threads()

    def _floors(self, end: int) -> None:
        """With `end` the end day or earlier, days at or before end minus each span need not be kept."""
        spans = self.spans
        self.count_floor = end - spans.counts
        self.thread_floor = end - spans.threads
        self.talk_floor = end - spans.talk
        self.reply_floor = end - spans.replies

    def prune(self) -> None:
        """Drop the per-day tallies of days now too old (finish cuts by day anyway: this only bounds memory)."""
        for tally, floor in ((self.counts, self.count_floor), (self.reply_days, self.reply_floor)):
            for day in [d for d in tally if d <= floor]:
                del tally[day]

    def prune_threads(self) -> None:
        """Turn the thread days too old for a counted reply into old days, and drop what no window can reach.
        Run every PRUNE_DAYS and when the threads kept double; it walks them oldest kept first (a thread trimmed goes to the end) and
        stops among threads whose first kept day is recent, so a log in time order costs a constant per thread."""
        talk, floor, old, thread_days = self.talk_floor, self.thread_floor, self.thread_old, self.thread_days
        drop: list[tuple[str, list]] = []
        trim: list[tuple[str, list]] = []
        young = 0
        for thread, recs in thread_days.items():
            if recs[0] > talk:
                young += 1
                if young >= PRUNE_RUN:
                    break
                continue
            young = 0
            keep: list = []
            for i in range(0, len(recs), REC):
                if recs[i] > talk:
                    keep += recs[i:i + REC]
                elif recs[i] > floor and old.get(thread, _NO_DAY) < recs[i]:
                    old[thread] = recs[i]
            (trim if keep else drop).append((thread, keep))
        for thread, keep in drop + trim:
            del thread_days[thread]
            if keep:
                thread_days[thread] = keep
        if len(old) > self.old_limit:
            for thread in [k for k, d in old.items() if d <= floor]:
                del old[thread]
            self.old_limit = max(4096, 2 * len(old))
        self.thread_limit = max(4096, 2 * len(thread_days))

    # ---- the end is known: cut the windows ------------------------------------------------------

    def finish(self, until: datetime) -> None:
        """Cut the windows at `until` (OverflowError when they would start before year 1) and measure them."""
        last = end_day(until, latest_event=self.latest_guard is not None)
        w = self.win = make_windows(until, self.window_days, last)
        self.until_day, self.span_days = last, w.days
        self.flush_day()
        for actor, rec in self.actors.items():
            if rec[DAYN]:
                rec[ALL] += rec[DAYN]
                self.count_actor(rec[DAY], actor, rec[DAYN])
                rec[DAYN] = 0
        if self.actors:
            self.earliest = min(rec[FIRST] for rec in self.actors.values())
            self.latest = max(rec[LAST] for rec in self.actors.values())
        self._floors(last)
        self.replay()
        self.windowed_counts()
        self.member_windows = self._member_windows()
        self.windowed_threads()
        self.windowed_replies()

    def replay(self) -> None:
        """Feed `converse` what a reader kept back until the end was known (the streaming reader keeps nothing back)."""

    def windowed_counts(self) -> None:
        """Total and per-actor events in each window, summed from the per-day tallies."""
        e, n = self.until_day, self.span_days
        cur, base, y1, y2 = e - n, e - 2 * n, e - YEAR_DAYS, e - TRAILING_DAYS
        yago_lo, yago_hi = cur - YEAR_DAYS, e - YEAR_DAYS
        events = self.events
        for day, k in self.days.items():
            if day > cur:
                events["current"] += k
            elif day > base:
                events["baseline"] += k
            elif yago_lo < day <= yago_hi:  # windows longer than a year: the year-ago days inside them do not count
                events["year_ago"] += k
        actors = self.actors
        for day, counts in self.counts.items():
            if day <= min(y2, base):
                continue
            slot = CUR if day > cur else BASE if day > base else None
            for actor, k in counts.items():
                rec = actors[actor]
                if day > y2:
                    rec[Y2] += k
                    if day > y1:
                        rec[Y1] += k
                if slot is not None:
                    rec[slot] += k

    def _member_windows(self) -> list[int]:
        """Distinct active actors per day-window, most recent first, for the windows the comparisons read."""
        members: list[set[str]] = [set() for _ in range(BAND_WINDOWS + 1)]
        for day, counts in self.counts.items():
            k = (self.until_day - day) // self.span_days
            if 0 <= k <= BAND_WINDOWS:
                members[k].update(counts)
        return [len(m) for m in members]

    def windowed_threads(self) -> None:
        """Each thread's first posts over the windows' days, and the threads active in the year before them."""
        base = self.until_day - 2 * self.span_days
        old_from = base - YEAR_DAYS
        for thread, day in self.thread_old.items():
            if old_from < day <= base:
                self.old_threads.add(thread)
        threads, old_threads = self.threads, self.old_threads
        for thread, recs in self.thread_days.items():
            if len(recs) == REC:  # most threads: one day
                day = recs[0]
                if day > base:
                    threads[thread] = [recs[1], recs[2], recs[3], recs[4], day]
                elif day > old_from:
                    old_threads.add(thread)
                continue
            first = None  # the thread's first day in the windows: its opener; then the first reply by another
            for i in range(0, len(recs), REC):
                day = recs[i]
                if day <= base:
                    if day > old_from:
                        old_threads.add(thread)
                elif first is None or day < recs[first]:
                    first = i
            if first is None:
                continue
            opener = recs[first + 2]
            t1, a1 = recs[first + 3], recs[first + 4]
            for i in range(0, len(recs), REC):  # each day's earliest post by someone other than the opener
                if recs[i] > base and i != first:
                    t, a = (recs[i + 1], recs[i + 2]) if recs[i + 2] != opener else (recs[i + 3], recs[i + 4])
                    if t is not None and (t1 is None or t < t1):
                        t1, a1 = t, a
            threads[thread] = [recs[first + 1], opener, t1, a1, recs[first]]

    def windowed_replies(self) -> None:
        """The reply tallies of the current and baseline windows, summed from the per-day ones."""
        cur, base = self.until_day - self.span_days, self.until_day - 2 * self.span_days
        for day, tally in self.reply_days.items():
            if day > base:
                into = self.replies["current" if day > cur else "baseline"]
                for i, k in enumerate(tally):
                    into[i] += k


def micros(t: datetime) -> int:
    """Microseconds since 1970 (negative before): an exact, cheap key for comparing times."""
    return (t - EPOCH) // MICRO
