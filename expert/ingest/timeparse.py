"""Fast timestamp parsing into aware UTC datetimes, shared by every reader."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

UTC = UTC

__all__ = ["UTC", "parse_iso", "from_epoch", "parse_any", "Latest", "FUTURE_SLACK"]

# An event more than this after the wall clock is a clock error, not the community's "now".
FUTURE_SLACK = timedelta(days=1)


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 (with Z, offset or naive=UTC) to aware UTC; fromisoformat is the fast path."""
    dt = datetime.fromisoformat(text.strip())
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    if dt.utcoffset():
        try:
            return dt.astimezone(UTC)
        except OverflowError:  # an offset that carries year 1 or 9999 past the calendar
            raise ValueError(f"{text.strip()!r} is outside years 1 to 9999 in UTC") from None
    return dt if dt.tzinfo is UTC else dt.replace(tzinfo=UTC)


def from_epoch(value) -> datetime:
    """Turn epoch seconds (int, float or numeric string such as Slack's ts) into aware UTC.

    A number too large or too small for a date, or NaN, raises ValueError, like any other bad timestamp.
    """
    try:
        return datetime.fromtimestamp(float(value), tz=UTC)
    except (OverflowError, OSError) as exc:
        raise ValueError(f"epoch seconds {value!r} out of range: {exc}") from None


def parse_any(text: str) -> datetime:
    """Accept ISO 8601 or epoch seconds, so generic logs may use either."""
    text = text.strip()
    if text.replace(".", "", 1).isdigit():
        return from_epoch(text)
    return parse_iso(text)


class Latest:
    """The latest event time of an export, ignoring events dated more than FUTURE_SLACK after `now` (clock errors)."""

    __slots__ = ("limit", "today", "top", "ignored", "first")

    def __init__(self, now: datetime | None = None) -> None:
        """Start with no event; `now` defaults to the wall clock (tests pass a fixed one)."""
        now = now or datetime.now(UTC)
        self.limit, self.today = now + FUTURE_SLACK, now.date().isoformat()
        self.top: datetime | None = None
        self.ignored, self.first = 0, ""

    def add(self, t: datetime, where: Callable[[], str]) -> None:
        """Take one event time; `where` names the record, asked only for the first outlier."""
        if self.top is not None and t <= self.top:
            return
        if t > self.limit:
            self.outlier(where)
        else:
            self.top = t

    def outlier(self, where: Callable[[], str]) -> None:
        """Count one event dated after the limit; `where` names the record, asked only for the first."""
        self.ignored += 1
        self.first = self.first or where()

    def warning(self) -> dict | None:
        """The values of the future_events_ignored warning, or None when every event was plausible."""
        if not self.ignored:
            return None
        return {"count": self.ignored, "today": self.today, "first": self.first}
