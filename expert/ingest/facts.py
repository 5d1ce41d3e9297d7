"""Turn a finished Accumulator into situation facts (Metric objects) and notes on omitted facts.

Notes are keys into `notes:` of knowledge/ingest.yaml (English and Chinese), never prose.
"""
from __future__ import annotations

from statistics import median

from .metrics import BASE, CORE_MIN, CUR, DEFINITIONS, FIRST, RECENT, T0, T1, WEEK, Accumulator
from .report import Metric, Note

__all__ = ["summarise", "NOTE_KEYS"]

# Every note the summariser may emit; each needs en and zh texts under `notes:` in knowledge/ingest.yaml.
NOTE_KEYS = (
    "bots_excluded", "no_current_events", "no_baseline_events", "no_year_ago_events", "no_current_replies",
    "no_staff", "no_baseline_member_replies", "no_threads", "no_current_threads", "no_responses",
    "no_baseline_responses", "no_history_before_window", "no_joined",
)


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

    def emit(self, fact: str, value, unit: str = "", **evidence) -> None:
        """Record one fact with its definition key, counts and window bounds."""
        evidence.setdefault("windows", self.bounds)
        self.metrics.append(Metric(fact=fact, value=value, unit=unit, definition_key=fact,
                                   definition_values=DEFINITIONS[fact], evidence=evidence))

    def note(self, key: str, **values) -> None:
        """Explain why a fact was left out: a key of NOTE_KEYS and its placeholder values."""
        if key not in NOTE_KEYS:
            raise KeyError(f"note {key!r} is not in NOTE_KEYS")
        self.notes.append(Note(key=key, values=values))


def summarise(acc: Accumulator) -> tuple[list[Metric], list[Note]]:
    """Compute every fact the data supports; omitted facts get a note saying why."""
    out = _Out(acc)
    if acc.bot_events:
        out.note("bots_excluded", count=acc.bot_events)
    if not acc.events["current"]:
        out.note("no_current_events")
        return out.metrics, out.notes
    _activity(out)
    _replies(out)
    _threads(out)
    _contributors(out)
    _lifecycle(out)
    return out.metrics, out.notes


def _window_actors(acc: Accumulator, slot: int) -> int:
    """Number of actors with at least one event in the window held in `slot`."""
    return sum(1 for rec in acc.actors.values() if rec[slot])


def _activity(out: _Out) -> None:
    """Volume, active-member and year-over-year changes, plus returning members."""
    acc = out.acc
    cur, base, yago = acc.events["current"], acc.events["baseline"], acc.events["year_ago"]
    if base:
        out.emit("activity.activity_change_pct", pct_change(cur, base), "%", current_events=cur, baseline_events=base)
        m_cur, m_base = _window_actors(acc, CUR), _window_actors(acc, BASE)
        out.emit("activity.active_members_change_pct", pct_change(m_cur, m_base), "%",
                 current_members=m_cur, baseline_members=m_base)
        both = sum(1 for rec in acc.actors.values() if rec[CUR] and rec[BASE])
        out.emit("activity.returning_member_share", rate(both, m_cur), current_members=m_cur, returning_members=both)
    else:
        out.note("no_baseline_events")
    if yago:
        out.emit("activity.year_over_year_change_pct", pct_change(cur, yago), "%", current_events=cur, year_ago_events=yago)
    else:
        out.note("no_year_ago_events")


def _replies(out: _Out) -> None:
    """Staff and member-to-member reply shares; they need replies and at least one known staff actor."""
    acc = out.acc
    total, staff, m2m, unresolved = acc.replies["current"]
    if not total:
        out.note("no_current_replies")
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
    if b_total and b_m2m:
        out.emit("activity.member_to_member_reply_share_change_pct", pct_change(m2m / total, b_m2m / b_total), "%",
                 current_share=share, baseline_share=rate(b_m2m, b_total), baseline_replies=b_total)
    else:
        out.note("no_baseline_member_replies")


def _started(acc: Accumulator, lo, hi) -> list[list]:
    """Thread records whose first post falls in (lo, hi] and that did not start before the windows."""
    return [rec for key, rec in acc.threads.items() if lo < rec[T0] <= hi and key not in acc.old_threads]


def _response_hours(threads: list[list]) -> list[float]:
    """Hours from first post to the first post by another actor, for threads that got one."""
    return [(rec[T1] - rec[T0]).total_seconds() / 3600.0 for rec in threads if rec[T1] is not None]


def _threads(out: _Out) -> None:
    """CHAOSS Time to First Response and 7-day reply coverage for threads started in the window."""
    acc, w = out.acc, out.acc.win
    if not acc.has_threads:
        out.note("no_threads")
        return
    cur = _started(acc, w.cur_start, w.until)
    if not cur:
        out.note("no_current_threads")
        return
    hours = _response_hours(cur)
    answered = sum(1 for rec in cur if rec[T1] is not None and rec[T1] - rec[T0] <= WEEK)
    out.emit("activity.reply_coverage", rate(answered, len(cur)), threads_started=len(cur), answered_within_7d=answered)
    if not hours:
        out.note("no_responses")
        return
    med = round(median(hours), 1)
    out.emit("activity.median_first_response_hours", med, "h", threads_started=len(cur), threads_responded=len(hours))
    base_hours = _response_hours(_started(acc, w.base_start, w.cur_start))
    if base_hours and median(base_hours) > 0:
        out.emit("activity.median_first_response_hours_change_pct", pct_change(median(hours), median(base_hours)), "%",
                 current_median_hours=med, baseline_median_hours=round(median(base_hours), 1),
                 baseline_threads_responded=len(base_hours))
    else:
        out.note("no_baseline_responses")


def _contributors(out: _Out) -> None:
    """Core/lost regulars from the baseline; concentration and bus factor from the current window."""
    acc = out.acc
    counts = sorted((rec[CUR] for rec in acc.actors.values() if rec[CUR]), reverse=True)
    total = sum(counts)
    out.emit("contributors.top_contributor_share", rate(counts[0], total), current_contributions=total,
             top_contributions=counts[0])
    out.emit("contributors.top10_share", rate(sum(counts[:10]), total), current_contributions=total,
             top10_contributions=sum(counts[:10]), contributors=len(counts))
    out.emit("contributors.bus_factor", _absence_factor(counts), current_contributions=total, contributors=len(counts))
    if acc.events["baseline"]:
        core = [rec for rec in acc.actors.values() if rec[BASE] >= CORE_MIN]
        out.emit("contributors.core_total", len(core), threshold=CORE_MIN)
        out.emit("contributors.core_inactive_4w", sum(1 for rec in core if not rec[RECENT]), core_total=len(core),
                 recent_start=acc.win.recent_start.isoformat())
        out.emit("contributors.lost_regulars", sum(1 for rec in core if not rec[CUR]), core_total=len(core))


def _absence_factor(counts_desc: list[int]) -> int:
    """Smallest number of top contributors whose contributions reach 50% of the total."""
    half, running = sum(counts_desc) / 2.0, 0
    for n, count in enumerate(counts_desc, start=1):
        running += count
        if running >= half:
            return n
    return len(counts_desc)


def _lifecycle(out: _Out) -> None:
    """Newcomers: first event in the current window; activated: >= 2 events. Needs earlier history."""
    acc, w = out.acc, out.acc.win
    if acc.earliest is None or acc.earliest > w.cur_start:
        out.note("no_history_before_window")
        return
    joined = [rec for rec in acc.actors.values() if rec[FIRST] > w.cur_start]
    activated = sum(1 for rec in joined if rec[CUR] >= 2)
    out.emit("lifecycle.joined", len(joined))
    out.emit("lifecycle.activated", activated, joined=len(joined))
    if joined:
        out.emit("lifecycle.newcomer_activation_rate", rate(activated, len(joined)), joined=len(joined), activated=activated)
    else:
        out.note("no_joined")
