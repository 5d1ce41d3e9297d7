"""Matrix client-server API reader: saved /rooms/{id}/messages, /sync and /context responses, a page or a folder.

A message that others reply to (rich reply or m.thread) opens a thread; every reply joins the thread
of the message its chain starts from, so the accumulator's first reply by someone else is the time
to first response. Room moderators (power level >= 50 in m.room.power_levels) count as staff; edits
(m.replace) and state events (joins, names, topics) are not conversation.
"""
from __future__ import annotations

from collections.abc import Iterator

from expert.ingest.fields import THE_PAGE, describe, epoch_time, field, load_pages
from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, Text

__all__ = ["read_matrix", "MODERATOR_LEVEL"]

MODERATOR_LEVEL = 50
_MESSAGES = frozenset({"m.room.message", "m.room.encrypted", "m.sticker"})
_HINT = Text("hint_matrix")


def read_matrix(path, ids: Identities) -> Iterator[Event]:
    """Two passes: collect reply links and moderators, then emit each message once."""
    parents: dict[str, str] = {}
    levels: dict[tuple[str | None, str], int] = {}
    for file, doc in load_pages(path, "matrix"):
        for where, room, ev in _room_events(file, doc):
            _learn(file, where, room, ev, parents, levels)
    roots = set(parents.values())
    seen: set[str] = set()
    for file, doc in load_pages(path, "matrix"):
        for where, room, ev in _room_events(file, doc):
            if ev.get("type") not in _MESSAGES or _is_edit(ev):
                continue
            eid = ev.get("event_id")
            if isinstance(eid, str):
                if eid in seen:
                    continue
                seen.add(eid)
            yield _event(file, where, room, ev, parents, roots, levels, ids)  # refuses an event_id that is not text


def _room_events(path, doc) -> Iterator[tuple[str, str | None, dict]]:
    """(where, room id, event) for every event of a /messages, /context or /sync response."""
    if not isinstance(doc, dict):
        raise IngestError(path, Text("page_not_response", {"value": describe(doc)}), _HINT)
    if "errcode" in doc:
        error = describe(doc.get("error") or doc["errcode"])
        raise IngestError(path, Text("page_api_error", {"service": "Matrix", "value": error}), Text("hint_retry_page"))
    if "rooms" in doc or "next_batch" in doc:
        yield from _sync_events(path, doc)
        return
    if not any(k in doc for k in ("chunk", "event", "events_before", "events_after")):
        raise IngestError(path, Text("matrix_nothing"), _HINT)
    for key in ("state", "events_before", "chunk", "events_after"):
        yield from _listed(path, key, field(path, THE_PAGE, doc, key, "list", required=False) or [], None)
    if "event" in doc:
        yield from _listed(path, "event", [field(path, THE_PAGE, doc, "event", "object")], None)


def _sync_events(path, doc: dict) -> Iterator[tuple[str, str | None, dict]]:
    """Timeline and state events of the joined and left rooms of a /sync response."""
    rooms = field(path, THE_PAGE, doc, "rooms", "object", required=False) or {}
    for section in ("join", "leave"):
        for room, body in (field(path, "rooms", rooms, section, "object", required=False) or {}).items():
            where = f"rooms.{section}[{describe(room)}]"
            if not isinstance(body, dict):
                raise IngestError(path, Text("item_not_object", {"where": where, "value": describe(body)}), _HINT)
            for part in ("state", "timeline"):
                block = field(path, where, body, part, "object", required=False) or {}
                events = field(path, f"{where}.{part}", block, "events", "list", required=False) or []
                yield from _listed(path, f"{where}.{part}.events", events, room)


def _listed(path, label: str, events: list, room: str | None) -> Iterator[tuple[str, str | None, dict]]:
    """Number the events of one list for messages and check each is an object with a type."""
    for i, ev in enumerate(events, start=1):
        where = f"{label}[{i}]" if label != "event" else "event"
        if not isinstance(ev, dict):
            raise IngestError(path, Text("item_not_event", {"where": where, "value": describe(ev)}), _HINT)
        field(path, where, ev, "type", "text")
        rid = ev.get("room_id") if isinstance(ev.get("room_id"), str) else room
        yield where, rid, ev


def _relation(ev: dict) -> dict:
    """The m.relates_to object of an event's content ({} when there is none or it is malformed)."""
    content = ev.get("content")
    rel = content.get("m.relates_to") if isinstance(content, dict) else None
    return rel if isinstance(rel, dict) else {}


def _is_edit(ev: dict) -> bool:
    """An edit (m.replace) re-sends an earlier message: not new activity."""
    return _relation(ev).get("rel_type") == "m.replace"


def _parent(ev: dict) -> str | None:
    """The event a message answers: its thread root (m.thread) or the message it replies to."""
    rel = _relation(ev)
    if rel.get("rel_type") == "m.thread" and isinstance(rel.get("event_id"), str):
        return rel["event_id"]
    reply = rel.get("m.in_reply_to")
    target = reply.get("event_id") if isinstance(reply, dict) else None
    return target if isinstance(target, str) else None


def _learn(path, where: str, room: str | None, ev: dict, parents: dict, levels: dict) -> None:
    """First pass: remember reply links of messages and the power levels of each room."""
    if ev["type"] == "m.room.power_levels":
        users = (ev.get("content") or {}).get("users") if isinstance(ev.get("content"), dict) else None
        for user, level in (users or {}).items() if isinstance(users, dict) else ():
            if isinstance(level, int):
                levels[(room, user)] = level
    elif ev["type"] in _MESSAGES:
        parent = _parent(ev)
        if parent is not None:
            parents[field(path, where, ev, "event_id", "text")] = parent


def _root(event_id: str, parents: dict[str, str]) -> str:
    """Follow reply links up to the message the chain starts from (loops in bad data stop safely)."""
    seen = {event_id}
    while event_id in parents and parents[event_id] not in seen:
        event_id = parents[event_id]
        seen.add(event_id)
    return event_id


def _event(path, where: str, room: str | None, ev: dict, parents: dict, roots: set, levels: dict,
           ids: Identities) -> Event:
    """Map one message event; the user id (@local:server) is the identity."""
    eid = field(path, where, ev, "event_id", "text")
    sender = field(path, where, ev, "sender", "text")
    when = epoch_time(path, where, ev, "origin_server_ts", 1000.0)
    staff = levels.get((room, sender), 0) >= MODERATOR_LEVEL
    pid, is_bot, is_staff = ids.resolve(sender, "", False, staff)
    parent = parents.get(eid)
    thread = _root(eid, parents) if parent is not None else (eid if eid in roots else None)
    return Event(when, pid, "reply" if parent is not None else "message", thread, parent, room,
                 is_staff, is_bot, eid)
