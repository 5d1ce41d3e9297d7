"""GitHub REST API JSON reader: issues, pull requests, their comments and reviews, one page or a folder of pages.

Each issue or pull request is a thread (`owner/repo#number`) opened by its author; comments, review
comments and reviews are replies to it, so the accumulator's first reply by someone other than the
author is CHAOSS Time to First Response. A closed one also yields a "close" event at closed_at (by
closed_by or merged_by when the page says, else the author) for resolution duration.
"""
from __future__ import annotations

import re
from collections.abc import Iterator

from expert.ingest.fields import describe, field, iso_time, load_pages
from expert.ingest.identity import Identities
from expert.ingest.model import Event, IngestError, Text

__all__ = ["read_github", "STAFF_ASSOCIATIONS"]

# author_association values of people with write access to the repository.
STAFF_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
_THREAD = re.compile(r"/repos/([^/]+/[^/]+)/(?:issues|pulls)/(\d+)(?:$|[/?#])")
_HINT = Text("hint_github")


def read_github(path, ids: Identities) -> Iterator[Event]:
    """Stream events from one saved API page or a folder of them; a record seen on two pages counts once."""
    seen: set[str] = set()
    for file, doc in load_pages(path, "github"):
        for where, record in _records(file, doc):
            for ev in _events(file, where, record, ids):
                key = ev.msg_id or f"{ev.thread}/{ev.kind}"
                if key not in seen:
                    seen.add(key)
                    yield ev


def _records(path, doc) -> Iterator[tuple[Text, dict]]:
    """The records of a page: a list, a search result's items, or one object; API errors are reported."""
    if isinstance(doc, dict) and isinstance(doc.get("items"), list):
        doc = doc["items"]
    elif isinstance(doc, dict) and "message" in doc and "url" not in doc and "number" not in doc:
        raise IngestError(path, Text("page_api_error", {"service": "GitHub", "value": describe(doc["message"])}),
                          Text("hint_retry_page"))
    if isinstance(doc, dict):
        yield Text("where_record_n", {"index": 1}), doc
        return
    if not isinstance(doc, list):
        raise IngestError(path, Text("page_not_records", {"value": describe(doc)}), _HINT)
    for i, record in enumerate(doc, start=1):
        if not isinstance(record, dict):
            raise IngestError(path, Text("item_not_object", {"where": Text("where_record_n", {"index": i}),
                                                             "value": describe(record)}), _HINT)
        yield Text("where_record_n", {"index": i}), record


def _thread(path, where: Text, record: dict, key: str) -> tuple[str, str]:
    """(thread, repository) from an API url such as .../repos/owner/repo/issues/12."""
    url = field(path, where, record, key, "text")
    m = _THREAD.search(url)
    if m is None:
        raise IngestError(path, Text("at_place", {"where": where, "problem": Text("github_bad_url", {
            "field": key, "value": describe(url)})}), _HINT)
    return f"{m.group(1)}#{m.group(2)}", m.group(1)


def _who(path, where: Text, record: dict, key: str, ids: Identities):
    """(pseudonym, is_bot, is_staff) of a user object; a deleted account (null) is GitHub's 'ghost'."""
    user = field(path, where, record, key, "object", required=False) or {"login": "ghost"}
    login = field(path, Text("where_member", {"where": where, "field": key}), user, "login", "text")
    staff = record.get("author_association") in STAFF_ASSOCIATIONS
    return ids.resolve(login, login, user.get("type") == "Bot", staff)


def _events(path, where: Text, record: dict, ids: Identities) -> Iterator[Event]:
    """Dispatch one record by shape: issue/pull request, issue comment, review comment or review."""
    if "number" in record:
        yield from _opened(path, where, record, ids)
    elif "issue_url" in record:
        yield _reply(path, where, record, ids, "issue_url", "created_at", "c")
    elif "pull_request_url" in record and "created_at" not in record:  # a review, not a review comment
        if record.get("submitted_at") is not None:  # a pending review has no time yet
            yield _reply(path, where, record, ids, "pull_request_url", "submitted_at", "v")
    elif "pull_request_url" in record:
        yield _reply(path, where, record, ids, "pull_request_url", "created_at", "r")
    else:
        raise IngestError(path, Text("at_place", {"where": where, "problem": Text("github_unknown_record")}), _HINT)


def _opened(path, where: Text, record: dict, ids: Identities) -> Iterator[Event]:
    """An issue or pull request opens its thread; a closed one also yields its close event."""
    field(path, where, record, "number", "integer")
    thread, repo = _thread(path, where, record, "url")
    pid, bot, staff = _who(path, where, record, "user", ids)
    pull = "pull_request" in record or "head" in record
    yield Event(iso_time(path, where, record, "created_at"), pid, "pull_request" if pull else "issue", thread,
                None, repo, staff, bot, thread)
    closed = iso_time(path, where, record, "closed_at", required=False)
    if closed is not None:
        closer = next((k for k in ("closed_by", "merged_by") if isinstance(record.get(k), dict)), None)
        if closer is not None:
            pid, bot, staff = _who(path, where, {closer: record[closer]}, closer, ids)
        yield Event(closed, pid, "close", thread, None, repo, staff, bot, None)


def _reply(path, where: Text, record: dict, ids: Identities, url_key: str, time_key: str, tag: str) -> Event:
    """A comment, review comment or review: a reply in its issue's or pull request's thread."""
    thread, repo = _thread(path, where, record, url_key)
    rid = field(path, where, record, "id", "text or integer")
    pid, bot, staff = _who(path, where, record, "user", ids)
    parent = record.get("in_reply_to_id")
    reply_to = f"{thread}/r{parent}" if tag == "r" and isinstance(parent, int) else thread
    return Event(iso_time(path, where, record, time_key), pid, "reply", thread, reply_to, repo, staff, bot,
                 f"{thread}/{tag}{rid}")
