"""Analysis windows, cut on whole UTC days: current period, baseline before it, the same period a year earlier.

The end day is the day of the latest event (or the day holding --until's last instant: an until at
midnight ends the day before). "The last 90 days" is then the 90 whole days ending with that day,
and every other window is a run of whole days too, so each can be summed from per-day tallies.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

__all__ = ["WindowBounds", "make_windows", "end_day", "midnight"]

YEAR_DAYS = 365
TRAILING_DAYS = 730  # the two trailing years the concentration and churn facts read


@dataclass(frozen=True, slots=True)
class WindowBounds:
    """The windows as whole days (ordinals) and as instants: each starts at a midnight, the current one
    ends at `until` (the latest event or --until), the others at the next window's midnight."""

    until: datetime
    cur_start: datetime
    base_start: datetime
    yago_start: datetime
    yago_end: datetime
    end_day: int  # the last day of the current window (date ordinal)
    days: int     # the window length in days

    def as_dict(self) -> dict[str, dict[str, str]]:
        """ISO strings of each window for evidence and reports."""
        iso = lambda a, b: {"start": a.isoformat(), "end": b.isoformat()}  # noqa: E731
        return {"current": iso(self.cur_start, self.until), "baseline": iso(self.base_start, self.cur_start),
                "year_ago": iso(self.yago_start, self.yago_end)}


def midnight(day: int) -> datetime:
    """The UTC midnight that starts a day given as a date ordinal."""
    return datetime.combine(date.fromordinal(day), time(), tzinfo=UTC)


def end_day(until: datetime, *, latest_event: bool) -> int:
    """The last day of the windows: the latest event's day, or the day holding until's last instant."""
    if latest_event or until == datetime.min.replace(tzinfo=UTC):  # year 1's first instant ends no day before it
        return until.toordinal()
    return (until - timedelta(microseconds=1)).toordinal()


def make_windows(until: datetime, days: int = 90, last_day: int | None = None) -> WindowBounds:
    """Current = the `days` whole days ending with `last_day`; baseline = the `days` days before; year_ago =
    the current days 365 days earlier. OverflowError when a window, the year before the baseline or the two
    trailing years would start before year 1."""
    days = max(1, days)
    last = end_day(until, latest_event=False) if last_day is None else last_day
    if last - max(2 * days + YEAR_DAYS, TRAILING_DAYS) + 1 < 1:  # the year before the baseline too
        raise OverflowError("the windows would start before year 1")
    first = last - days + 1
    return WindowBounds(until, midnight(first), midnight(first - days), midnight(first - YEAR_DAYS),
                        midnight(last + 1 - YEAR_DAYS), last, days)
