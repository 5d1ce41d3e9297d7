"""Telegram reader: Desktop JSON export (single chat or chats.list) and Bot API getUpdates dumps."""
from __future__ import annotations

from collections.abc import Iterator

from expert.ingest.identity import Identities
from expert.ingest.jsonfile import load_json
from expert.ingest.model import Event, IngestError, Text, printable
from expert.ingest.records import FieldError, epoch_time, iso_time, mapping, records, sequence, text

__all__ = ["read_telegram", "chats_of"]

_HINT = Text("hint_telegram")


def chats_of(doc) -> list[dict] | None:
    """Return the chats in a Desktop export: the document itself, or chats.list (+ left_chats.list)."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("messages"), list):
        return [doc]
    chats: list[dict] = []
    for key in ("chats", "left_chats"):
        block = doc.get(key)
        if isinstance(block, dict) and isinstance(block.get("list"), list):
            chats.extend(c for c in block["list"] if isinstance(c, dict))
    return chats if chats or "chats" in doc else None


def read_telegram(path, ids: Identities) -> Iterator[Event]:
    """Read a Telegram export file (one JSON document) chat by chat."""
    doc = load_json(path)
    if isinstance(doc, dict) and isinstance(doc.get("result"), list):
        yield from records(path, "result", doc["result"], lambda u: _bot_update(u, ids), _HINT)
        return
    chats = chats_of(doc)
    if chats is None:
        raise IngestError(path, Text("telegram_nothing"), Text("hint_telegram_json"))
    for number, chat in enumerate(chats):
        yield from _chat_events(path, number if len(chats) > 1 else None, chat, ids)


def _chat_events(path, number: int | None, chat: dict, ids: Identities) -> Iterator[Event]:
    """Yield a chat's messages; service entries (joins, calls, pins) are skipped."""
    prefix = "" if number is None else f"chats[{number}]."
    try:
        channel = printable(text(chat, "id", f"{prefix}id") or text(chat, "name", f"{prefix}name") or "")
        messages = sequence(chat, "messages", f"{prefix}messages")
    except FieldError as exc:
        raise IngestError(path, exc.text, _HINT) from None
    yield from records(path, f"{prefix}messages", messages, lambda m: _desktop_event(m, channel, ids), _HINT)


def _when(m: dict):
    """Prefer date_unixtime (true UTC); the plain 'date' is exporter-local time, read as UTC."""
    if m.get("date_unixtime") not in (None, ""):
        return epoch_time(m, "date_unixtime")
    return iso_time(m, "date")


def _desktop_event(m: dict, channel: str, ids: Identities) -> Event | None:
    """Map one Desktop-export message; reply_to_message_id makes it a reply."""
    sender = text(m, "from_id")
    if m.get("type", "message") != "message" or not sender:
        return None
    when = _when(m)
    pid, is_bot, is_staff = ids.resolve(sender, text(m, "from") or "")
    ref = text(m, "reply_to_message_id")
    return Event(when, pid, "reply" if ref else "message", None, f"{channel}/{ref}" if ref else None,
                 channel, is_staff, is_bot, f"{channel}/{text(m, 'id')}")


def _bot_update(u: dict, ids: Identities) -> Event | None:
    """Map one Bot API getUpdates result (message.from, message.reply_to_message)."""
    key = "message" if u.get("message") else "channel_post"
    m = mapping(u, key)
    if m.get("date") in (None, "", 0):
        return None
    when = epoch_time(m, "date", f"{key}.date")
    sender = mapping(m, "from", f"{key}.from")
    channel = printable(text(mapping(m, "chat", f"{key}.chat"), "id", f"{key}.chat.id") or "")
    pid, is_bot, is_staff = ids.resolve(text(sender, "id", f"{key}.from.id") or channel,
                                        text(sender, "username", f"{key}.from.username") or "",
                                        bool(sender.get("is_bot")))
    ref = text(mapping(m, "reply_to_message", f"{key}.reply_to_message"), "message_id",
               f"{key}.reply_to_message.message_id")
    return Event(when, pid, "reply" if ref else "message", None, f"{channel}/{ref}" if ref else None,
                 channel, is_staff, is_bot, f"{channel}/{text(m, 'message_id', f'{key}.message_id')}")
