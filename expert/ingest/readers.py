"""Dispatch from a format name to its streaming reader; folders of JSON files are read file by file."""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from expert.ingest.csvlog import read_csv, read_jsonl
from expert.ingest.detect import FORMATS, detect_format
from expert.ingest.discord import read_discord
from expert.ingest.discourse import read_discourse
from expert.ingest.github import read_github
from expert.ingest.gitlog import read_git
from expert.ingest.identity import Identities
from expert.ingest.matrix import read_matrix
from expert.ingest.mboxlog import read_mbox
from expert.ingest.model import Event, IngestError, Text
from expert.ingest.slack import read_slack
from expert.ingest.telegram import read_telegram
from expert.ingest.zulip import read_zulip

__all__ = ["read_events", "READERS"]

READERS: dict[str, Callable[[Path, Identities], Iterator[Event]]] = {
    "csv": read_csv, "jsonl": read_jsonl, "git": read_git, "slack": read_slack, "discord": read_discord,
    "telegram": read_telegram, "discourse": read_discourse, "mbox": read_mbox,
    "github": read_github, "zulip": read_zulip, "matrix": read_matrix,  # these read a page or a folder of pages
}
_PER_FILE = ("discord", "telegram", "discourse", "csv", "jsonl", "mbox")


def read_events(path, fmt: str | None = None, bots: Iterable[str] = (), staff: Iterable[str] = (),
                *, salt: str = "", ids: Identities | None = None) -> Iterator[Event]:
    """Stream pseudonymised Events from an export, sniffing the format unless fmt is given.

    Pass your own `ids` (then bots, staff and salt are ignored) to read ids.excluded_bots() afterwards.
    """
    path = Path(path)
    fmt = fmt or detect_format(path)
    if fmt not in READERS:
        raise IngestError(path, Text("format_unknown", {"format": repr(fmt)}),
                          Text("hint_choose_format", {"formats": ", ".join(FORMATS)}))
    ids = ids if ids is not None else Identities(bots, staff, salt)
    if path.is_dir() and fmt in _PER_FILE:
        return _read_folder(path, fmt, ids)
    if not path.exists():
        raise IngestError(path, Text("path_missing"), Text("hint_check_path_spelling"))
    if not path.is_dir() and not path.is_file():  # /dev/zero, a FIFO, a socket: endless or not a file at all
        raise IngestError(path, Text("not_regular_file"), Text("hint_save_to_file"))
    return READERS[fmt](path, ids)


def _read_folder(path: Path, fmt: str, ids: Identities) -> Iterator[Event]:
    """Read every file of the folder that has the same format, one file at a time."""
    for file in sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith(".")):
        try:
            same = detect_format(file) == fmt
        except IngestError:
            same = False
        if same:
            yield from READERS[fmt](file, ids)
