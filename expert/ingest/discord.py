"""DiscordChatExporter JSON reader: messages[] with author.isBot and reference.messageId."""
from __future__ import annotations

from pathlib import Path
from typing import Iterator

from .identity import Identities
from .jsonfile import load_json
from .model import Event, IngestError
from .timeparse import parse_iso

__all__ = ["read_discord", "events_from_discord"]

# System messages (joins, pins, calls, renames) are not conversation.
_CONVERSATION = frozenset({"Default", "Reply", "ThreadStarterMessage"})


def read_discord(path, ids: Identities) -> Iterator[Event]:
    """Read one exported channel file (a single JSON document)."""
    doc = load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        raise IngestError(path, "no 'messages' list", "expected a DiscordChatExporter JSON export")
    yield from events_from_discord(doc, ids)


def _channel_label(channel: dict) -> str | None:
    """Guild channel names are public; DM/group names may be personal names, so use the id."""
    if str(channel.get("type", "")).startswith("Guild"):
        return channel.get("name") or channel.get("id")
    return channel.get("id")


def events_from_discord(doc: dict, ids: Identities) -> Iterator[Event]:
    """Yield conversation messages once each (exports can repeat a message id)."""
    channel = _channel_label(doc.get("channel") or {})
    seen: set[str] = set()
    for m in doc["messages"]:
        if not isinstance(m, dict) or m.get("type", "Default") not in _CONVERSATION:
            continue
        mid = str(m.get("id"))
        if mid in seen:
            continue
        seen.add(mid)
        ev = _message_event(m, channel, ids)
        if ev is not None:
            yield ev


def _message_event(m: dict, channel: str | None, ids: Identities) -> Event | None:
    """Map one Discord message; a reference.messageId makes it a reply."""
    author = m.get("author") or {}
    if not author.get("id") or not m.get("timestamp"):
        return None
    pid, is_bot, is_staff = ids.resolve(str(author["id"]), author.get("name") or "", bool(author.get("isBot")))
    ref = (m.get("reference") or {}).get("messageId")
    return Event(parse_iso(m["timestamp"]), pid, "reply" if ref else "message", None,
                 str(ref) if ref else None, channel, is_staff, is_bot, str(m["id"]))
