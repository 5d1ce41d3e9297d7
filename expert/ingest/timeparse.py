"""Fast timestamp parsing into aware UTC datetimes, shared by every reader."""
from __future__ import annotations

from datetime import datetime, timezone

UTC = timezone.utc

__all__ = ["UTC", "parse_iso", "from_epoch", "parse_any"]


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
