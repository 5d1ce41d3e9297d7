"""Discourse JSON API reader: /t/<id>.json topics, /posts/<id>.json posts and /latest.json topic lists."""
from __future__ import annotations

from typing import Iterator

from .identity import Identities
from .jsonfile import load_json
from .model import Event, IngestError
from .timeparse import parse_iso

__all__ = ["read_discourse", "is_discourse"]

# Discourse's own accounts: system (-1) and discobot (-2) have non-positive user ids.
_SYSTEM_NAMES = frozenset({"system", "discobot"})


def is_discourse(doc) -> bool:
    """True for a topic (post_stream), a single post (topic_id + post_number) or a topic list."""
    if not isinstance(doc, dict):
        return False
    return "post_stream" in doc or "topic_list" in doc or ("topic_id" in doc and "post_number" in doc)


def read_discourse(path, ids: Identities) -> Iterator[Event]:
    """Read one Discourse API JSON document."""
    doc = load_json(path)
    if not is_discourse(doc):
        raise IngestError(path, "no post_stream, topic_list or post found", "expected Discourse API JSON")
    if "post_stream" in doc:
        for post in (doc["post_stream"] or {}).get("posts") or []:
            yield _post_event({"category_id": doc.get("category_id"), **post}, ids, doc.get("id"))
    elif "topic_list" in doc:
        yield from _topic_list(doc, ids)
    else:
        yield _post_event(doc, ids, doc.get("topic_id"))


def _post_event(post: dict, ids: Identities, topic_id) -> Event:
    """Map a post: number 1 opens the topic; later posts reply to reply_to_post_number or the opener."""
    topic = post.get("topic_id", topic_id)
    number = int(post.get("post_number") or 1)
    name = post.get("username") or ""
    bot = name.lower() in _SYSTEM_NAMES or int(post.get("user_id") or 0) < 0
    staff = bool(post.get("staff") or post.get("admin") or post.get("moderator"))
    pid, is_bot, is_staff = ids.resolve(name or f"user_id:{post.get('user_id')}", name, bot, staff)
    thread = f"topic/{topic}"
    target = post.get("reply_to_post_number") or (1 if number > 1 else None)
    return Event(parse_iso(post["created_at"]), pid, "post" if number == 1 else "reply", thread,
                 f"{thread}#{target}" if target else None, _category(post), is_staff, is_bot, f"{thread}#{number}")


def _category(post: dict) -> str | None:
    """Use the category id as channel when the API includes it."""
    cat = post.get("category_id")
    return str(cat) if cat is not None else None


def _topic_list(doc: dict, ids: Identities) -> Iterator[Event]:
    """A topic list only says who opened each topic and when: one 'topic' event per topic."""
    users = {u.get("id"): u.get("username") for u in doc.get("users") or [] if isinstance(u, dict)}
    for t in (doc["topic_list"] or {}).get("topics") or []:
        opener = next((p.get("user_id") for p in t.get("posters") or []
                       if "Original Poster" in str(p.get("description", ""))), None)
        if opener is None or not t.get("created_at"):
            continue
        name = users.get(opener) or ""
        pid, is_bot, is_staff = ids.resolve(name or f"user_id:{opener}", name, int(opener) < 0)
        yield Event(parse_iso(t["created_at"]), pid, "topic", f"topic/{t.get('id')}", None,
                    _category(t), is_staff, is_bot, f"topic/{t.get('id')}#1")
