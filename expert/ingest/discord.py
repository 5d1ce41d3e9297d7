"""DiscordChatExporter JSON reader: messages[] with author.isBot and reference.messageId."""
from __future__ import annotations

from collections.abc import Iterator

from expert.ingest.identity import Identities
from expert.ingest.jsonfile import load_json
from expert.ingest.model import Event, IngestError, Skipped, Text
from expert.ingest.records import FieldError, iso_time, mapping, records, text

__all__ = ["read_discord", "events_from_discord"]

# System messages (joins, pins, calls, renames) are not conversation.
_CONVERSATION = frozenset({"Default", "Reply", "ThreadStarterMessage"})
_HINT = Text("hint_discord")


def read_discord(path, ids: Identities) -> Iterator[Event]:
    """Read one exported channel file (a single JSON document)."""
    doc = load_json(path)
    if not isinstance(doc, dict) or not isinstance(doc.get("messages"), list):
        raise IngestError(path, Text("discord_no_messages"), Text("hint_discord_json"))
    yield from events_from_discord(doc, ids, path)


def _channel_label(channel: dict) -> str | None:
    """Guild channel names are public; DM/group names may be personal names, so use the id."""
    if str(channel.get("type", "")).startswith("Guild"):
        return text(channel, "name", "channel.name") or text(channel, "id", "channel.id")
    return text(channel, "id", "channel.id")


def events_from_discord(doc: dict, ids: Identities, path="") -> Iterator[Event]:
    """Yield conversation messages once each (exports can repeat a message id)."""
    try:
        channel = _channel_label(mapping(doc, "channel"))
    except FieldError as exc:
        raise IngestError(path, exc.text, _HINT) from None
    seen: set[str] = set()
    skipped = Skipped()
    yield from records(path, "messages", doc["messages"], lambda m: _message_event(m, channel, ids, seen, skipped), _HINT)
    skipped.report("discord_messages_skipped", getattr(path, "name", str(path)))


def _message_event(m: dict, channel: str | None, ids: Identities, seen: set[str], skipped: Skipped) -> Event | None:
    """Map one Discord message (once per id); a reference.messageId makes it a reply; one without an
    author (a deleted account) or a time is counted as skipped."""
    if (text(m, "type") or "Default") not in _CONVERSATION:
        return None
    mid = text(m, "id")
    if mid is not None:
        if mid in seen:
            return None
        seen.add(mid)
    author = mapping(m, "author")
    author_id = text(author, "id", "author.id")
    if not author_id or m.get("timestamp") in (None, ""):
        skipped.add(mid or "?")  # the message id, in no language
        return None
    when = iso_time(m, "timestamp")
    pid, is_bot, is_staff = ids.resolve(author_id, text(author, "name", "author.name") or "", bool(author.get("isBot")))
    ref = text(mapping(m, "reference"), "messageId", "reference.messageId")
    return Event(when, pid, "reply" if ref else "message", None, ref, channel, is_staff, is_bot, mid)
