"""Analysis windows: current period, baseline before it, and the same period one year earlier."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

__all__ = ["WindowBounds", "make_windows"]


@dataclass(frozen=True, slots=True)
class WindowBounds:
    """Half-open (start, end] bounds of the three comparison windows."""

    until: datetime
    cur_start: datetime
    base_start: datetime
    yago_start: datetime
    yago_end: datetime

    def as_dict(self) -> dict[str, dict[str, str]]:
        """ISO strings of each window for evidence and reports."""
        iso = lambda a, b: {"start": a.isoformat(), "end": b.isoformat()}  # noqa: E731
        return {"current": iso(self.cur_start, self.until), "baseline": iso(self.base_start, self.cur_start),
                "year_ago": iso(self.yago_start, self.yago_end)}


def make_windows(until: datetime, days: int = 90) -> WindowBounds:
    """Current = `days` up to until; baseline = the `days` before; year_ago = current shifted 365 days."""
    span = timedelta(days=days)
    year = timedelta(days=365)
    return WindowBounds(until, until - span, until - 2 * span, until - span - year, until - year)
