"""Discourse JSON API reader: /t/<id>.json topics, /posts/<id>.json posts and /latest.json topic lists."""
from __future__ import annotations

from collections.abc import Iterator

from expert.ingest.identity import Identities
from expert.ingest.jsonfile import load_json
from expert.ingest.model import Event, IngestError, Text
from expert.ingest.records import FieldError, iso_time, mapping, records, sequence, text, whole

__all__ = ["read_discourse", "is_discourse"]

# Discourse's own accounts: system (-1) and discobot (-2) have non-positive user ids.
_SYSTEM_NAMES = frozenset({"system", "discobot"})
_HINT = Text("hint_discourse")


def is_discourse(doc) -> bool:
    """True for a topic (post_stream), a single post (topic_id + post_number) or a topic list."""
    if not isinstance(doc, dict):
        return False
    return "post_stream" in doc or "topic_list" in doc or ("topic_id" in doc and "post_number" in doc)


def read_discourse(path, ids: Identities) -> Iterator[Event]:
    """Read one Discourse API JSON document."""
    doc = load_json(path)
    if not is_discourse(doc):
        raise IngestError(path, Text("discourse_nothing"), Text("hint_discourse_json"))
    try:
        if "post_stream" in doc:
            topic = {"topic_id": text(doc, "id"), "category_id": text(doc, "category_id")}
            posts = sequence(mapping(doc, "post_stream"), "posts", "post_stream.posts")
            yield from records(path, "post_stream.posts", posts, lambda p: _post_event({**topic, **p}, ids), _HINT)
        elif "topic_list" in doc:
            yield from _topic_list(path, doc, ids)
        else:
            yield from records(path, "post", [doc], lambda p: _post_event(p, ids), _HINT)
    except FieldError as exc:
        raise IngestError(path, exc.text, _HINT) from None


def _post_event(post: dict, ids: Identities) -> Event:
    """Map a post: number 1 opens the topic; later posts reply to reply_to_post_number or the opener."""
    topic = text(post, "topic_id")
    number = whole(post, "post_number", 1)
    if number < 1:
        raise FieldError("post_number", post.get("post_number"), Text("expected_whole_from_one"))
    name = text(post, "username") or ""
    user_id = whole(post, "user_id", 0)
    bot = name.lower() in _SYSTEM_NAMES or user_id < 0
    staff = bool(post.get("staff") or post.get("admin") or post.get("moderator"))
    pid, is_bot, is_staff = ids.resolve(name or f"user_id:{user_id}", name, bot, staff)
    thread = f"topic/{topic}"
    target = whole(post, "reply_to_post_number", None) or (1 if number > 1 else None)
    return Event(iso_time(post, "created_at"), pid, "post" if number == 1 else "reply", thread,
                 f"{thread}#{target}" if target else None, _category(post), is_staff, is_bot, f"{thread}#{number}")


def _category(post: dict) -> str | None:
    """Use the category id as channel when the API includes it."""
    return text(post, "category_id")


def _topic_list(path, doc: dict, ids: Identities) -> Iterator[Event]:
    """A topic list only says who opened each topic and when: one 'topic' event per topic."""
    users = {u["id"]: u.get("username") for u in sequence(doc, "users")
             if isinstance(u, dict) and isinstance(u.get("id"), int) and not isinstance(u["id"], bool)}
    topics = sequence(mapping(doc, "topic_list"), "topics", "topic_list.topics")
    yield from records(path, "topic_list.topics", topics, lambda t: _topic_event(t, users, ids), _HINT)


def _topic_event(t: dict, users: dict, ids: Identities) -> Event | None:
    """One topic of a topic list: its opener (the 'Original Poster') and its creation time."""
    opener = next((whole(p, "user_id", None, "posters.user_id") for p in sequence(t, "posters")
                   if isinstance(p, dict) and "Original Poster" in str(p.get("description", ""))), None)
    if opener is None or not t.get("created_at"):
        return None
    name = users.get(opener)
    name = name if isinstance(name, str) else ""
    pid, is_bot, is_staff = ids.resolve(name or f"user_id:{opener}", name, opener < 0)
    topic = text(t, "id")
    return Event(iso_time(t, "created_at"), pid, "topic", f"topic/{topic}", None,
                 _category(t), is_staff, is_bot, f"topic/{topic}#1")
