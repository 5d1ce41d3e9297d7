"""Slack workspace export reader (ZIP or folder): channels.json plus one JSON file per channel per day."""
from __future__ import annotations

import re
import zipfile
from pathlib import Path, PurePosixPath
from typing import Iterator

from .identity import Identities
from .jsonfile import load_json, loads_json
from .model import Event, IngestError
from .timeparse import from_epoch

__all__ = ["read_slack"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
_META = ("channels.json", "groups.json", "mpims.json", "dms.json")
# Membership and housekeeping subtypes are not conversation.
_SKIP = frozenset({"channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
                   "channel_archive", "channel_unarchive", "group_join", "group_leave", "group_topic",
                   "group_purpose", "group_name", "bot_add", "bot_remove", "pinned_item", "unpinned_item",
                   "reminder_add", "tombstone"})


class _Source:
    """Uniform access to a Slack export stored as a folder or as a ZIP archive."""

    def __init__(self, path: Path) -> None:
        """Open the ZIP (if any) and index day files by channel folder."""
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        names = self.zip.namelist() if self.zip else [
            p.relative_to(path).as_posix() for p in path.rglob("*.json")]
        self.prefix = self._prefix(names)
        self.days: dict[str, list[str]] = {}
        for name in names:
            rel = PurePosixPath(name[len(self.prefix):])
            if len(rel.parts) == 2 and _DAY.match(rel.parts[1]):
                self.days.setdefault(rel.parts[0], []).append(name)

    @staticmethod
    def _prefix(names: list[str]) -> str:
        """Find the folder inside the ZIP that holds channels.json (exports are sometimes nested)."""
        for name in names:
            if PurePosixPath(name).name in _META:
                parent = str(PurePosixPath(name).parent)
                return "" if parent == "." else parent + "/"
        return ""

    def load(self, name: str):
        """Load one JSON member; only one day file is ever in memory."""
        if self.zip:
            return loads_json(f"{self.path}!{name}", self.zip.read(name))
        return load_json(self.path / name)

    def has(self, name: str) -> bool:
        """True when the export contains this top-level file."""
        full = self.prefix + name
        return full in self.zip.namelist() if self.zip else (self.path / full).is_file()

    def close(self) -> None:
        """Release the ZIP handle."""
        if self.zip:
            self.zip.close()


def _users(src: _Source) -> dict[str, dict]:
    """Map user id -> {name, is_bot, is_staff} from users.json (admins/owners count as staff)."""
    if not src.has("users.json"):
        return {}
    out = {}
    for u in src.load(src.prefix + "users.json") or []:
        if isinstance(u, dict) and u.get("id"):
            staff = bool(u.get("is_admin") or u.get("is_owner") or u.get("is_primary_owner"))
            out[u["id"]] = {"name": u.get("name") or "", "is_bot": bool(u.get("is_bot")), "is_staff": staff}
    return out


def read_slack(path, ids: Identities) -> Iterator[Event]:
    """Stream messages channel by channel, day file by day file."""
    path = Path(path)
    try:
        src = _Source(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(path, f"cannot open Slack export: {exc}", "pass the export ZIP or its unpacked folder") from exc
    try:
        if not src.days:
            raise IngestError(path, "no channel day files (<channel>/<YYYY-MM-DD>.json) found",
                              "this does not look like a Slack workspace export")
        users = _users(src)
        for channel in sorted(src.days):
            for name in sorted(src.days[channel]):
                yield from _day_events(src.load(name), channel, users, ids)
    finally:
        src.close()


def _day_events(messages, channel: str, users: dict, ids: Identities) -> Iterator[Event]:
    """Convert one day's message list, skipping joins/leaves and other housekeeping."""
    for m in messages if isinstance(messages, list) else []:
        if not isinstance(m, dict) or m.get("type", "message") != "message" or m.get("subtype") in _SKIP:
            continue
        ev = _message_event(m, channel, users, ids)
        if ev is not None:
            yield ev


def _message_event(m: dict, channel: str, users: dict, ids: Identities) -> Event | None:
    """Map one Slack message: thread_ts groups replies, bot_message/bot_id mark bots."""
    ts = m.get("ts")
    who = m.get("user") or m.get("bot_id") or m.get("username")
    if not ts or not who:
        return None
    info = users.get(m.get("user") or "", {})
    bot = m.get("subtype") == "bot_message" or bool(m.get("bot_id")) or info.get("is_bot", False)
    name = info.get("name") or m.get("username") or ""
    pid, is_bot, is_staff = ids.resolve(who, name, bot, info.get("is_staff", False))
    thread_ts = m.get("thread_ts")
    thread = f"{channel}/{thread_ts}" if thread_ts else None
    is_reply = bool(thread_ts) and thread_ts != ts
    return Event(from_epoch(ts), pid, "reply" if is_reply else "message", thread,
                 thread if is_reply else None, channel, is_staff, is_bot, f"{channel}/{ts}")
