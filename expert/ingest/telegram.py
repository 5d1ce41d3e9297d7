"""Telegram reader: Desktop JSON export (single chat or chats.list) and Bot API getUpdates dumps."""
from __future__ import annotations

from typing import Iterator

from .identity import Identities
from .jsonfile import load_json
from .model import Event, IngestError
from .timeparse import from_epoch, parse_iso

__all__ = ["read_telegram", "chats_of"]


def chats_of(doc) -> list[dict] | None:
    """Return the chats in a Desktop export: the document itself, or chats.list (+ left_chats.list)."""
    if not isinstance(doc, dict):
        return None
    if isinstance(doc.get("messages"), list):
        return [doc]
    chats = []
    for key in ("chats", "left_chats"):
        block = doc.get(key)
        if isinstance(block, dict) and isinstance(block.get("list"), list):
            chats.extend(c for c in block["list"] if isinstance(c, dict))
    return chats if chats or "chats" in doc else None


def read_telegram(path, ids: Identities) -> Iterator[Event]:
    """Read a Telegram export file (one JSON document) chat by chat."""
    doc = load_json(path)
    if isinstance(doc, dict) and isinstance(doc.get("result"), list):
        yield from _bot_updates(doc["result"], ids)
        return
    chats = chats_of(doc)
    if chats is None:
        raise IngestError(path, "no 'messages' or 'chats.list' found", "expected a Telegram Desktop JSON export")
    for chat in chats:
        yield from _chat_events(chat, ids)


def _chat_events(chat: dict, ids: Identities) -> Iterator[Event]:
    """Yield a chat's messages; service entries (joins, calls, pins) are skipped."""
    channel = str(chat.get("id", chat.get("name", "")))
    for m in chat.get("messages") or []:
        if isinstance(m, dict) and m.get("type", "message") == "message" and m.get("from_id"):
            yield _desktop_event(m, channel, ids)


def _when(m: dict):
    """Prefer date_unixtime (true UTC); the plain 'date' is exporter-local time, read as UTC."""
    if m.get("date_unixtime"):
        return from_epoch(m["date_unixtime"])
    return parse_iso(m["date"])


def _desktop_event(m: dict, channel: str, ids: Identities) -> Event:
    """Map one Desktop-export message; reply_to_message_id makes it a reply."""
    pid, is_bot, is_staff = ids.resolve(str(m["from_id"]), str(m.get("from") or ""))
    ref = m.get("reply_to_message_id")
    return Event(_when(m), pid, "reply" if ref else "message", None, f"{channel}/{ref}" if ref else None,
                 channel, is_staff, is_bot, f"{channel}/{m.get('id')}")


def _bot_updates(updates: list, ids: Identities) -> Iterator[Event]:
    """Map Bot API getUpdates results (message.from, message.reply_to_message)."""
    for u in updates:
        m = (u or {}).get("message") or (u or {}).get("channel_post")
        if not isinstance(m, dict) or not m.get("date"):
            continue
        sender = m.get("from") or {}
        channel = str((m.get("chat") or {}).get("id", ""))
        pid, is_bot, is_staff = ids.resolve(str(sender.get("id", channel)), sender.get("username") or "",
                                            bool(sender.get("is_bot")))
        ref = (m.get("reply_to_message") or {}).get("message_id")
        yield Event(from_epoch(m["date"]), pid, "reply" if ref else "message", None,
                    f"{channel}/{ref}" if ref else None, channel, is_staff, is_bot, f"{channel}/{m.get('message_id')}")
