"""Zulip REST API reader: saved `GET /messages` responses, one page or a folder of pages.

A stream topic is a thread (`stream/topic`): its earliest message opens it and every later one is a
reply. Pages overlap at their anchors, so a message id seen twice counts once. Private messages
carry no topic and count as activity only.
"""
from __future__ import annotations

from collections.abc import Iterator

from expert.ingest.fields import THE_PAGE, describe, epoch_time, field, load_pages
from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, Text

__all__ = ["read_zulip"]

_HINT = Text("hint_zulip")


def read_zulip(path, ids: Identities) -> Iterator[Event]:
    """Two passes over the pages: find each topic's first message id, then emit messages once each."""
    first: dict[str, int] = {}
    for file, doc in load_pages(path, "zulip"):
        for where, m in _messages(file, doc):
            topic = _topic(file, where, m)[1]
            mid = field(file, where, m, "id", "integer")
            if topic is not None and (topic not in first or mid < first[topic]):
                first[topic] = mid
    seen: set[int] = set()
    for file, doc in load_pages(path, "zulip"):
        for where, m in _messages(file, doc):
            if m["id"] not in seen:
                seen.add(m["id"])
                yield _event(file, where, m, first, ids)


def _messages(path, doc) -> Iterator[tuple[str, dict]]:
    """The message objects of one response, or an error naming what is wrong with it."""
    if not isinstance(doc, dict):
        raise IngestError(path, Text("page_not_response", {"value": describe(doc)}), _HINT)
    if doc.get("result", "success") != "success":
        raise IngestError(path, Text("page_api_error", {"service": "Zulip", "value": describe(doc.get("msg"))}),
                          Text("hint_retry_page"))
    messages = field(path, THE_PAGE, doc, "messages", "list")
    for i, m in enumerate(messages, start=1):
        where = f"messages[{i}]"
        if not isinstance(m, dict):
            raise IngestError(path, Text("item_not_object", {"where": where, "value": describe(m)}), _HINT)
        yield where, m


def _topic(path, where: str, m: dict) -> tuple[str, str] | tuple[None, None]:
    """(stream, `stream/topic`) for a stream message (topic is 'subject' on older servers); Nones if private."""
    if m.get("type", "stream") != "stream":
        return None, None
    stream = m.get("display_recipient")
    if not isinstance(stream, str):
        stream = str(field(path, where, m, "stream_id", "integer"))
    topic = m.get("subject", m.get("topic"))
    if not isinstance(topic, str):
        problem = Text("zulip_bad_subject", {"value": describe(topic)})
        raise IngestError(path, Text("in_record", {"where": where, "problem": problem}), _HINT)
    return stream, f"{stream}/{topic}"


def _event(path, where: str, m: dict, first: dict[str, int], ids: Identities) -> Event:
    """Map one message: the sender's id is the identity; e-mail and full name only feed bot detection."""
    sender = field(path, where, m, "sender_id", "integer")
    email, name = m.get("sender_email"), m.get("sender_full_name")
    email = email if isinstance(email, str) else ""
    name = name if isinstance(name, str) else ""
    pid, is_bot, is_staff = ids.resolve(f"zulip:{sender}", name, alias=email)
    stream, topic = _topic(path, where, m)
    reply = topic is not None and first.get(topic) != m["id"]
    return Event(epoch_time(path, where, m, "timestamp"), pid, "reply" if reply else "message", topic,
                 topic if reply else None, stream or "private", is_staff, is_bot, f"zulip/{m['id']}")
