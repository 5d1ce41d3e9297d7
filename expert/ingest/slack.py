"""Slack workspace export reader (ZIP or folder): channels.json plus one JSON file per channel per day."""
from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from expert.ingest.identity import Identities
from expert.ingest.jsonfile import MIB, load_json, loads_json, read_capped, too_big
from expert.ingest.model import Event, IngestError, Text, printable
from expert.ingest.records import epoch_time, records, text

__all__ = ["read_slack", "MAX_MEMBER_BYTES", "MAX_DAY_BYTES", "MAX_ARCHIVE_BYTES", "member_cap"]

_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}\.json$")
# Caps against zip bombs: a real day file is a few MiB at most and a users.json of 100k people ~ 200 MiB
# would be extraordinary; the total bounds the time spent unpacking, not memory (members are read one by one).
# Decoding JSON takes ~10x its size in memory, so the caps bound memory too: a day file (one channel,
# one day) is refused past 32 MiB (~100k messages), any other member past 128 MiB.
MAX_MEMBER_BYTES = 128 * MIB
MAX_DAY_BYTES = 32 * MIB
MAX_ARCHIVE_BYTES = 16 * 1024 * MIB
_HINT = Text("hint_slack")
_META = ("channels.json", "groups.json", "mpims.json", "dms.json")
# Membership and housekeeping subtypes are not conversation.
_SKIP = frozenset({"channel_join", "channel_leave", "channel_topic", "channel_purpose", "channel_name",
                   "channel_archive", "channel_unarchive", "group_join", "group_leave", "group_topic",
                   "group_purpose", "group_name", "bot_add", "bot_remove", "pinned_item", "unpinned_item",
                   "reminder_add", "tombstone"})


def member_cap(name: str) -> int:
    """The size cap of one export file: day files are small, metadata (users.json) may be larger."""
    return MAX_DAY_BYTES if _DAY.match(PurePosixPath(name).name) else MAX_MEMBER_BYTES


class _Source:
    """Uniform access to a Slack export stored as a folder or as a ZIP archive (its index read once)."""

    def __init__(self, path: Path) -> None:
        """Open the ZIP (if any), index day files by channel folder and check the archive's declared sizes."""
        self.path = path
        self.zip = zipfile.ZipFile(path) if path.is_file() else None
        # Declared sizes of the archive's members; a folder has none to check.
        self.sizes: dict[str, int] = {i.filename: i.file_size for i in self.zip.infolist()} if self.zip else {}
        names = list(self.sizes) if self.zip else [p.relative_to(path).as_posix() for p in path.rglob("*.json")]
        self.names = frozenset(names)
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

    def check_sizes(self, members: list[str]) -> None:
        """Refuse an archive whose members to be read are over the per-member or the total cap (a zip bomb)."""
        if self.zip is None:
            return
        total = 0
        for name in members:
            size = self.sizes[name]
            if size > member_cap(name):
                raise too_big(self.member(name), size, member_cap(name), "archive member")
            total += size
        if total > MAX_ARCHIVE_BYTES:
            values = {"count": f"{len(members):,}", "size": f"{total / MIB:,.0f}", "cap": f"{MAX_ARCHIVE_BYTES // MIB:,}"}
            raise IngestError(self.path, Text("slack_too_big", values), Text("hint_slack_unpack"))

    def member(self, name: str) -> str:
        """How a member is named in messages: archive!member, with control characters escaped."""
        return f"{self.path}!{printable(name)}"

    def load(self, name: str):
        """Load one JSON member, streamed and capped; only one day file is ever in memory."""
        if self.zip is None:
            return load_json(self.path / name, member_cap(name))
        where = self.member(name)
        try:
            with self.zip.open(name) as fh:
                data = read_capped(where, fh, member_cap(name), "archive member")
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError) as exc:
            raise IngestError(where, Text("slack_cannot_unpack", {"detail": str(exc)}), Text("hint_redownload")) from None
        return loads_json(where, data)

    def where(self, name: str) -> str:
        """The path of a member or file, for messages."""
        return self.member(name) if self.zip else str(self.path / name)

    def has(self, name: str) -> bool:
        """True when the export contains this top-level file."""
        full = self.prefix + name
        return full in self.names if self.zip else (self.path / full).is_file()

    def close(self) -> None:
        """Release the ZIP handle."""
        if self.zip:
            self.zip.close()


def _users(src: _Source) -> dict[str, dict]:
    """Map user id -> {name, is_bot, is_staff} from users.json (admins/owners count as staff)."""
    if not src.has("users.json"):
        return {}
    name = src.prefix + "users.json"
    doc = src.load(name)
    out: dict[str, dict] = {}
    if not isinstance(doc, list):
        raise IngestError(src.where(name), Text("slack_users_not_list", {"kind": type(doc).__name__}),
                          Text("hint_slack_users"))
    for _ in records(src.where(name), "users", doc, lambda u: _user(u, out), _HINT):
        pass
    return out


def _user(u: dict, out: dict[str, dict]) -> None:
    """Record one users.json entry in `out` (returns None: users are not events)."""
    uid = text(u, "id")
    if uid:
        staff = bool(u.get("is_admin") or u.get("is_owner") or u.get("is_primary_owner"))
        out[uid] = {"name": text(u, "name") or "", "is_bot": bool(u.get("is_bot")), "is_staff": staff}


def read_slack(path, ids: Identities) -> Iterator[Event]:
    """Stream messages channel by channel, day file by day file."""
    path = Path(path)
    try:
        src = _Source(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise IngestError(path, Text("slack_cannot_open", {"detail": str(exc)}), Text("hint_slack_open")) from exc
    try:
        if not src.days:
            raise IngestError(path, Text("slack_no_days"), Text("hint_slack_workspace"))
        users_file = [src.prefix + "users.json"] if src.has("users.json") else []
        src.check_sizes(users_file + [n for days in src.days.values() for n in days])
        users = _users(src)
        for channel in sorted(src.days):
            for name in sorted(src.days[channel]):
                yield from _day_events(src.where(name), src.load(name), channel, users, ids)
    finally:
        src.close()


def _day_events(where: str, messages, channel: str, users: dict, ids: Identities) -> Iterator[Event]:
    """Convert one day's message list, skipping joins/leaves and other housekeeping."""
    if not isinstance(messages, list):
        raise IngestError(where, Text("slack_messages_not_list", {"kind": type(messages).__name__}), _HINT)
    channel = printable(channel)
    yield from records(where, "messages", messages, lambda m: _message_event(m, channel, users, ids), _HINT)


def _message_event(m: dict, channel: str, users: dict, ids: Identities) -> Event | None:
    """Map one Slack message: thread_ts groups replies, bot_message/bot_id mark bots."""
    if (text(m, "type") or "message") != "message" or text(m, "subtype") in _SKIP:
        return None
    user, bot_id = text(m, "user"), text(m, "bot_id")
    who = user or bot_id or text(m, "username")
    if m.get("ts") in (None, "") or not who:
        return None
    ts = text(m, "ts")
    when = epoch_time(m, "ts")
    info = users.get(user or "", {})
    bot = m.get("subtype") == "bot_message" or bool(bot_id) or info.get("is_bot", False)
    name = info.get("name") or text(m, "username") or ""
    pid, is_bot, is_staff = ids.resolve(who, name, bot, info.get("is_staff", False))
    thread_ts = text(m, "thread_ts")
    thread = f"{channel}/{thread_ts}" if thread_ts else None
    is_reply = bool(thread_ts) and thread_ts != ts
    return Event(when, pid, "reply" if is_reply else "message", thread,
                 thread if is_reply else None, channel, is_staff, is_bot, f"{channel}/{ts}")
