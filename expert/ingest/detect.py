"""Sniff an export's format from its content and structure, with clear errors for bad inputs."""
from __future__ import annotations

import json
import os
import re
import zipfile
from pathlib import Path

from expert.ingest.model import IngestError, Text

__all__ = ["detect_format", "FORMATS"]

FORMATS = ("csv", "jsonl", "git", "slack", "discord", "telegram", "discourse", "mbox", "github", "zulip", "matrix")
_HEAD = 65536
_HINT = Text("hint_formats", {"formats": ", ".join(FORMATS)})
_JSON_KEYS = (
    # API pages first: their keys are structural, while the chat formats below match common words.
    ("github", re.compile(r'"[a-z_]*url"\s*:\s*"[^"]*/repos/[^/"]+/[^/"]+/(?:issues|pulls)\b')),
    ("zulip", re.compile(r'"sender_id"\s*:|"display_recipient"\s*:|"sender_full_name"\s*:')),
    ("matrix", re.compile(r'"origin_server_ts"\s*:|"next_batch"\s*:')),
    ("discord", re.compile(r'"guild"\s*:|"isBot"\s*:')),
    ("discourse", re.compile(r'"post_stream"\s*:|"topic_list"\s*:|"reply_to_post_number"\s*:')),
    ("telegram", re.compile(r'"personal_information"\s*:|"from_id"\s*:|"date_unixtime"\s*:|"update_id"\s*:|"chats"\s*:')),
)


def detect_format(path) -> str:
    """Return one of FORMATS for a file or folder, or raise IngestError saying why not."""
    path = Path(path)
    if not path.exists():
        raise IngestError(path, Text("path_missing"), Text("hint_check_path_spelling"))
    if not os.access(path, os.R_OK):
        raise IngestError(path, Text("path_unreadable"), Text("hint_check_permissions"))
    return _detect_dir(path) if path.is_dir() else _detect_file(path)


def _detect_dir(path: Path) -> str:
    """Folders: a git repo, an unpacked Slack export, or a folder of same-format JSON files."""
    if (path / ".git").exists() or ((path / "HEAD").is_file() and (path / "objects").is_dir()):
        return "git"
    if (path / "channels.json").is_file() or (path / "users.json").is_file():
        return "slack"
    files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in (".json", ".csv", ".jsonl", ".mbox"))
    # Saved API pages (GitHub, Zulip, Matrix) often have no extension: github_issue_1, message_page_2.
    files = files or sorted(p for p in path.iterdir() if p.is_file() and not p.suffix and not p.name.startswith("."))
    if not files:
        raise IngestError(path, Text("folder_no_exports"), _HINT)
    return _detect_file(files[0])


def _detect_file(path: Path) -> str:
    """Files: ZIP (Slack), mbox, JSON document, JSON lines or CSV event log."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(_HEAD)
    except OSError as exc:
        raise IngestError(path, Text("cannot_read", {"detail": exc.strerror or str(exc)}),
                          Text("hint_check_path_permissions")) from exc
    if not head.strip():
        raise IngestError(path, Text("file_empty"), Text("hint_export_again_empty"))
    if head.startswith(b"PK"):
        return _detect_zip(path)
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    if text.startswith("From "):
        return "mbox"
    if text.lstrip().startswith(("{", "[")):
        return _detect_json(path, text)
    return _detect_csv(path, text)


def _detect_zip(path: Path) -> str:
    """Only Slack exports come as ZIP here; they contain channels.json."""
    try:
        with zipfile.ZipFile(path) as zf:
            names = [n.rsplit("/", 1)[-1] for n in zf.namelist()]
    except zipfile.BadZipFile as exc:
        raise IngestError(path, Text("zip_corrupt", {"detail": str(exc)}), Text("hint_redownload")) from exc
    if "channels.json" in names or "users.json" in names:
        return "slack"
    raise IngestError(path, Text("zip_not_slack"), _HINT)


def _detect_json(path: Path, text: str) -> str:
    """JSON lines when the first line is a complete event object, else match platform keys."""
    first = text.lstrip().split("\n", 1)[0]
    try:
        obj = json.loads(first)
        if isinstance(obj, dict) and "timestamp" in obj and "actor" in obj:
            return "jsonl"
    except (ValueError, RecursionError):  # RecursionError: a hostile, deeply nested first line
        pass
    for fmt, pattern in _JSON_KEYS:
        if pattern.search(text):
            return fmt
    raise IngestError(path, Text("json_unrecognised"), _HINT)


def _detect_csv(path: Path, text: str) -> str:
    """A CSV event log needs a header naming at least timestamp and actor."""
    header = [c.strip().strip('"').lower() for c in text.split("\n", 1)[0].split(",")]
    if "timestamp" in header and "actor" in header:
        return "csv"
    raise IngestError(path, Text("format_unrecognised"), _HINT)
