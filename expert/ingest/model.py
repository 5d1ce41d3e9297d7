"""Core data types of the ingest layer: the Event record and the IngestError exception."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from ..errors import InputFileError, Problem

__all__ = ["Event", "IngestError"]


@dataclass(frozen=True, slots=True)
class Event:
    """One pseudonymised community action; slots + frozen keep millions of them cheap and safe."""

    timestamp: datetime
    actor: str
    kind: str
    thread: str | None = None
    reply_to: str | None = None
    channel: str | None = None
    is_staff: bool = False
    is_bot: bool = False
    msg_id: str | None = None


class IngestError(InputFileError):
    """An export could not be read; carries the path, the reason and a hint for the user."""

    def __init__(self, path, reason: str, hint: str = "") -> None:
        self.path = str(path)
        self.reason = reason
        self.hint = hint
        super().__init__(Problem(self.path, reason, f"hint: {hint}" if hint else None))
