"""Turn a finished Accumulator into situation facts (Metric objects) and notes on omitted facts.

Notes are keys into `notes:` of knowledge/ingest.yaml (English and Chinese), never prose.
"""
from __future__ import annotations

from datetime import UTC, date, datetime
from statistics import median

from expert.ingest.history import (
    BAND_WINDOWS,
    MINIMUM,
    absence_factor,
    is_dormant,
    is_lost,
    is_regular,
    robust_change,
    usual_gap,
)
from expert.ingest.metrics import (
    ALL,
    BASE,
    CUR,
    DEFINITIONS,
    FIRST,
    LAST,
    T0,
    T1,
    TDAY,
    WEEK,
    WEEKS,
    Y1,
    Y2,
    Accumulator,
)
from expert.ingest.report import Metric, Month, Note

__all__ = ["summarise", "monthly_series", "NOTE_KEYS"]

# Every note the summariser may emit; each needs en and zh texts under `notes:` in knowledge/ingest.yaml.
NOTE_KEYS = (
    "bots_excluded", "no_current_events", "no_baseline_events", "no_year_ago_events", "no_current_replies",
    "no_staff", "no_baseline_member_replies", "no_threads", "no_current_threads", "no_responses",
    "no_baseline_responses", "no_history_before_window", "no_joined", "no_rhythm", "no_trailing_year",
    "too_few_replies", "too_few_threads", "too_few_contributions", "too_few_joined", "no_history_for_regulars",
    "old_export", "too_few_closed",
)
# Minimum evidence for the conversation metrics (knowledge/ingest.yaml ``minimum:``, as history.MINIMUM).
MINIMUM_REPLIES = int(MINIMUM["replies"])
MINIMUM_THREADS = int(MINIMUM["threads"])
MINIMUM_JOINED = int(MINIMUM["joined"])
OLD_EXPORT_DAYS = 90  # a latest event older than this, with no --until given, gets the old_export note


def pct_change(cur: float, base: float) -> float:
    """Percent change rounded to 1 decimal; negative means down."""
    return round((cur - base) / base * 100.0, 1)


def rate(part: float, whole: float) -> float:
    """Share rounded to 3 decimals."""
    return round(part / whole, 3)


class _Out:
    """Collects metrics and notes while the summary functions run."""

    def __init__(self, acc: Accumulator) -> None:
        """Share window bounds with every metric's evidence."""
        self.acc = acc
        self.bounds = acc.win.as_dict()
        self.metrics: list[Metric] = []
        self.notes: list[Note] = []

    def emit(self, fact: str, value: bool | int | float | str, unit: str = "", /, **evidence: object) -> None:
        """Record one fact with its definition key, counts and window bounds."""
        evidence.setdefault("windows", self.bounds)
        self.metrics.append(Metric(fact=fact, value=value, unit=unit, definition_key=fact,
                                   definition_values=DEFINITIONS[fact], evidence=evidence))

    def note(self, key: str, **values: object) -> None:
        """Explain why a fact was left out: a key of NOTE_KEYS and its placeholder values."""
        if key not in NOTE_KEYS:
            raise KeyError(f"note {key!r} is not in NOTE_KEYS")
        self.notes.append(Note(key=key, values=values))


def summarise(acc: Accumulator, *, until_given: bool = True) -> tuple[list[Metric], list[Note]]:
    """Compute every fact the data supports, whole history first; omitted facts get a note saying why.

    Without a given `until` the windows end at the latest event; when that is long past, a note
    says so, since dormancy can only be judged up to the end of the windows.
    """
    out = _Out(acc)
    if acc.bot_events:
        out.note("bots_excluded", count=acc.bot_events)
    if not until_given:
        _old_export(out)
    if not acc.used:
        return out.metrics, out.notes
    dormant = _history(out)
    _activity(out)
    _contributors(out, dormant)
    _handover(out)
    if not acc.events["current"]:
        out.note("no_current_events")
        return out.metrics, out.notes
    _replies(out)
    _threads(out)
    _lifecycle(out)
    return out.metrics, out.notes


def _old_export(out: _Out) -> None:
    """Note a latest event more than OLD_EXPORT_DAYS before today, with the --until to judge it as of today."""
    today = datetime.now(UTC)
    days = (today - out.acc.win.until).days
    if days > OLD_EXPORT_DAYS:
        out.note("old_export", latest=_day(out.acc.win.until), days=days, today=today.date().isoformat())


def _day(value: datetime) -> str:
    """A datetime as YYYY-MM-DD for evidence."""
    return value.date().isoformat()


def _history(out: _Out) -> bool:
    """Age, silence against the community's own rhythm, trailing year; returns whether it is dormant."""
    acc = out.acc
    until, first, last = acc.win.until, acc.earliest, acc.latest
    assert first is not None and last is not None  # summarise gets here only once an event was used
    active_days = [d for d, n in acc.days.items() if n]
    if acc.since is None and len(active_days) >= MINIMUM["active_days_for_rhythm"]:  # a sample is not a life
        out.emit("community.age_months", round((until - first).days / 30.44, 1), "months", first_event=_day(first))
    silence = round((until - last).total_seconds() / 86400.0, 1)
    out.emit("activity.days_since_last_activity", silence, "days", last_event=_day(last), until=_day(until))
    gap = usual_gap(active_days) if len(active_days) >= MINIMUM["active_days_for_rhythm"] else None
    dormant = False
    if gap is None:
        out.note("no_rhythm", active_days=len(active_days), minimum=MINIMUM["active_days_for_rhythm"])
    else:
        gap = max(round(gap, 1), 1.0)
        out.emit("activity.usual_gap_days", gap, "days", active_days=len(active_days))
        dormant = is_dormant(silence, gap)
    _trailing_year(out)
    return dormant


def _trailing_year(out: _Out) -> None:
    """The 12 months up to `until` against the 12 months before them."""
    acc = out.acc
    u = acc.until_day
    last_year = sum(n for d, n in acc.days.items() if u - 365 < d <= u)
    year_before = sum(n for d, n in acc.days.items() if u - 730 < d <= u - 365)
    if year_before < MINIMUM["trailing_year_events"] or (acc.earliest and acc.earliest.toordinal() > u - 730):
        out.note("no_trailing_year", events=year_before, minimum=MINIMUM["trailing_year_events"])
        return
    out.emit("activity.trailing_12m_change_pct", pct_change(last_year, year_before), "%",
             last_12_months_events=last_year, previous_12_months_events=year_before)


def _window_series(acc: Accumulator) -> list[int]:
    """Events per day-window, most recent first (index 0 is the current window).

    Only windows wholly inside the history count: the partial window holding the first event would
    read as a quiet quarter.
    """
    span, u, first = acc.span_days, acc.until_day, acc.earliest
    assert first is not None  # summarise gets here only once an event was used
    oldest = max(0, (u - first.toordinal() + 1) // span - 1)
    counts = [0] * (oldest + 1)
    for d, n in acc.days.items():
        k = (u - d) // span
        if 0 <= k <= oldest:
            counts[k] += n
    return counts


def _member_series(acc: Accumulator, length: int) -> list[int]:
    """Distinct active actors per day-window, most recent first (those past the compared ones read 0)."""
    return [acc.member_windows[k] if k < len(acc.member_windows) else 0 for k in range(length)]


def _activity(out: _Out) -> None:
    """Events and active members against a burst-proof reference, returning members, year over year."""
    acc = out.acc
    events = _window_series(acc)
    change = robust_change(events[0], events[1:BAND_WINDOWS + 1])
    if change is None:
        out.note("no_baseline_events")
    else:
        out.emit("activity.activity_change_pct", change.pct, "%", **change.evidence())
        out.emit("activity.activity_change_signal", change.signal, **change.evidence())
        members = _member_series(acc, len(events))
        m_change = robust_change(members[0], members[1:BAND_WINDOWS + 1])
        if m_change is not None:
            out.emit("activity.active_members_change_pct", m_change.pct, "%", **m_change.evidence())
            out.emit("activity.active_members_change_signal", m_change.signal, **m_change.evidence())
    cur = acc.events["current"]
    m_cur = sum(1 for rec in acc.actors.values() if rec[CUR])
    if cur and acc.events["baseline"]:
        both = sum(1 for rec in acc.actors.values() if rec[CUR] and rec[BASE])
        out.emit("activity.returning_member_share", rate(both, m_cur), current_members=m_cur, returning_members=both)
    yago = acc.events["year_ago"]
    if yago:
        out.emit("activity.year_over_year_change_pct", pct_change(cur, yago), "%", current_events=cur, year_ago_events=yago)
    else:
        out.note("no_year_ago_events")


def _replies(out: _Out) -> None:
    """Staff and member-to-member reply shares; they need enough replies and at least one known staff actor."""
    acc = out.acc
    total, staff, m2m, unresolved = acc.replies["current"]
    if not total:
        out.note("no_current_replies")
        return
    if total < MINIMUM_REPLIES:
        out.note("too_few_replies", replies=total, minimum=MINIMUM_REPLIES)
        return
    if not acc.staff and not acc.staff_known:
        out.note("no_staff")
        return
    ev = {"current_replies": total, "staff_replies": staff, "member_to_member_replies": m2m,
          "unresolved_reply_targets": unresolved, "staff_actors": len(acc.staff)}
    out.emit("activity.admin_reply_share", rate(staff, total), **ev)
    share = rate(m2m, total)
    out.emit("activity.member_to_member_reply_share", share, **ev)
    b_total, _, b_m2m, _ = acc.replies["baseline"]
    if b_total >= MINIMUM_REPLIES and b_m2m:
        out.emit("activity.member_to_member_reply_share_change_pct", pct_change(m2m / total, b_m2m / b_total), "%",
                 current_share=share, baseline_share=rate(b_m2m, b_total), baseline_replies=b_total)
    else:
        out.note("no_baseline_member_replies")


def _started(acc: Accumulator, lo: int, hi: int) -> list[list]:
    """Thread records whose first post in the windows falls on days (lo, hi] and that were not active in the year before."""
    return [rec for key, rec in acc.threads.items() if lo < rec[TDAY] <= hi and key not in acc.old_threads]


def _response_hours(threads: list[list]) -> list[float]:
    """Hours from first post to the first post by another actor, for threads that got one."""
    return [(rec[T1] - rec[T0]).total_seconds() / 3600.0 for rec in threads if rec[T1] is not None]


def _threads(out: _Out) -> None:
    """CHAOSS Time to First Response and 7-day reply coverage for threads started in the window."""
    acc, w = out.acc, out.acc.win
    if not acc.has_threads:
        out.note("no_threads")
        return
    cur = _started(acc, w.end_day - w.days, w.end_day)
    if not cur:
        out.note("no_current_threads")
        return
    if len(cur) < MINIMUM_THREADS:
        out.note("too_few_threads", threads=len(cur), minimum=MINIMUM_THREADS)
        return
    hours = _response_hours(cur)
    answered = sum(1 for rec in cur if rec[T1] is not None and rec[T1] - rec[T0] <= WEEK)
    out.emit("activity.reply_coverage", rate(answered, len(cur)), threads_started=len(cur), answered_within_7d=answered)
    out.emit("activity.response_rate", rate(len(hours), len(cur)), threads_started=len(cur), threads_responded=len(hours))
    _resolution(out, w)
    if not hours:
        out.note("no_responses")
        return
    med = round(median(hours), 1)
    out.emit("activity.median_first_response_hours", med, "h", threads_started=len(cur), threads_responded=len(hours))
    base_hours = _response_hours(_started(acc, w.end_day - 2 * w.days, w.end_day - w.days))
    if len(base_hours) >= MINIMUM_THREADS and median(base_hours) > 0:
        out.emit("activity.median_first_response_hours_change_pct", pct_change(median(hours), median(base_hours)), "%",
                 current_median_hours=med, baseline_median_hours=round(median(base_hours), 1),
                 baseline_threads_responded=len(base_hours))
    else:
        out.note("no_baseline_responses")


def _resolution(out: _Out, w) -> None:
    """CHAOSS Issue Resolution Duration: median days from opening to closing, for threads opened in the window."""
    acc = out.acc
    if not acc.closed:
        return
    days = [(acc.closed[key] - rec[T0]).total_seconds() / 86400.0 for key, rec in acc.threads.items()
            if rec[TDAY] > w.end_day - w.days and key in acc.closed and key not in acc.old_threads
            and acc.closed[key] >= rec[T0]]
    if len(days) < MINIMUM_THREADS:
        out.note("too_few_closed", closed=len(days), minimum=MINIMUM_THREADS)
        return
    out.emit("activity.median_resolution_days", round(median(days), 1), "days", threads_closed=len(days))


def _concentration_span(acc: Accumulator) -> tuple[str, int] | None:
    """The shortest trailing span holding enough contributions: (span name, record slot), or None."""
    need = MINIMUM["contributions_for_concentration"]
    for name, slot in (("current_window", CUR), ("last_12_months", Y1), ("last_24_months", Y2), ("all_history", ALL)):
        if sum(rec[slot] for rec in acc.actors.values()) >= need:
            return name, slot
    return None


def _contributors(out: _Out, dormant: bool) -> None:
    """Concentration over the shortest span with enough contributions; regulars lost against their own rhythm."""
    acc = out.acc
    span = _concentration_span(acc)
    if span is None:
        total = sum(rec[ALL] for rec in acc.actors.values())
        out.note("too_few_contributions", contributions=total, minimum=MINIMUM["contributions_for_concentration"])
    else:
        name, slot = span
        counts = sorted((rec[slot] for rec in acc.actors.values() if rec[slot]), reverse=True)
        total = sum(counts)
        ev = {"span": name, "contributions": total, "contributors": len(counts)}
        out.emit("contributors.top_contributor_share", rate(counts[0], total), top_contributions=counts[0], **ev)
        out.emit("contributors.top10_share", rate(sum(counts[:10]), total), top10_contributions=sum(counts[:10]), **ev)
        out.emit("contributors.bus_factor", absence_factor(counts), **ev)
    _regulars(out, dormant)


def _month(value) -> int:
    """Month index (year * 12 + month - 1) of a datetime."""
    return value.year * 12 + value.month - 1


def _active_months(acc: Accumulator, lo: int, hi: int) -> dict[str, set[int]]:
    """Actor -> the months (indexes) in [lo, hi] they were active in."""
    months: dict[str, set[int]] = {}
    for m, actors in acc.month_actors.items():
        if lo <= m <= hi:
            for actor in actors:
                months.setdefault(actor, set()).add(m)
    return months


def _regulars(out: _Out, dormant: bool) -> None:
    """CHAOSS-style churn: regulars of the year before the window, lost when silent far beyond their rhythm."""
    acc = out.acc
    end = _month(acc.win.cur_start) - 1
    if acc.earliest is None or _month(acc.earliest) > end:
        out.note("no_history_for_regulars")
        return
    regulars = [a for a, months in _active_months(acc, end - 11, end).items() if is_regular(months)]
    now_week = acc.until_day // 7
    lost = [a for a in regulars if is_lost(acc.actors[a][WEEKS], now_week, dormant)]
    year = sum(rec[Y1] for rec in acc.actors.values())  # the last 12 months' activity, to weigh the lost against
    lost_share = rate(sum(acc.actors[a][Y1] for a in lost), year) if year else 0.0
    ev: dict[str, int | float | str] = {"core_total": len(regulars), "lost": len(lost),
                                        "lost_share_of_last_12_months": lost_share}
    if lost:
        seen = sorted(acc.actors[a][LAST] for a in lost)
        ev.update(last_seen_from=_day(seen[0]), last_seen_to=_day(seen[-1]))
    out.emit("contributors.core_total", len(regulars), months=MINIMUM["regular_months"])
    out.emit("contributors.core_inactive_4w", len(lost), **ev)
    out.emit("contributors.lost_regulars", len(lost), **ev)


def _handover(out: _Out) -> None:
    """Newcomers holding most of the recent activity while every long-time regular has gone quiet."""
    acc, w = out.acc, out.acc.win
    cur = acc.events["current"]
    end = _month(w.cur_start) - 1
    if cur < MINIMUM["handover_events"] or acc.earliest is None or _month(acc.earliest) > end:
        return
    newcomer = sum(rec[CUR] for rec in acc.actors.values() if rec[FIRST] >= w.cur_start)
    veterans = [a for a, months in _active_months(acc, _month(acc.earliest), end).items() if is_regular(months)]
    veteran = sum(acc.actors[a][CUR] for a in veterans)
    share = rate(newcomer, cur)
    handover = bool(veterans) and share >= MINIMUM["handover_share"] and veteran <= 0.1 * cur
    ev = {"current_events": cur, "newcomer_events": newcomer, "veterans": len(veterans), "veteran_events": veteran}
    out.emit("contributors.newcomer_activity_share", share, **ev)
    out.emit("contributors.handover_to_newcomers", handover, **ev)


def _lifecycle(out: _Out) -> None:
    """Newcomers: first event in the current window; activated: >= 2 events. Needs earlier history."""
    acc, w = out.acc, out.acc.win
    if acc.earliest is None or acc.earliest >= w.cur_start:
        out.note("no_history_before_window")
        return
    joined = [rec for rec in acc.actors.values() if rec[FIRST] >= w.cur_start]
    activated = sum(1 for rec in joined if rec[CUR] >= 2)
    out.emit("lifecycle.joined", len(joined))
    out.emit("lifecycle.activated", activated, joined=len(joined))
    if len(joined) >= MINIMUM_JOINED:
        out.emit("lifecycle.newcomer_activation_rate", rate(activated, len(joined)), joined=len(joined), activated=activated)
    elif joined:
        out.note("too_few_joined", joined=len(joined), minimum=MINIMUM_JOINED)
    else:
        out.note("no_joined")


def monthly_series(acc: Accumulator) -> list[Month]:
    """Events, active actors and first-seen actors per calendar month, gaps filled with zeros."""
    if acc.earliest is None:
        return []
    events: dict[int, int] = {}
    for d, n in acc.days.items():
        day = date.fromordinal(d)
        m = day.year * 12 + day.month - 1
        events[m] = events.get(m, 0) + n
    new: dict[int, int] = {}
    for rec in acc.actors.values():
        m = _month(rec[FIRST])
        new[m] = new.get(m, 0) + 1
    return [Month(month=f"{m // 12:04d}-{m % 12 + 1:02d}", events=events.get(m, 0),
                  active=len(acc.month_actors.get(m, ())), new=new.get(m, 0))
            for m in range(_month(acc.earliest), _month(acc.win.until) + 1)]
