"""Load one JSON document with errors turned into IngestError (JSON exports are single documents).

A JSON document is decoded whole, so its size is capped: decoding takes several times the file's
size in memory, and a hostile or corrupted file must not take the machine's memory with it.
"""
from __future__ import annotations

import json
from pathlib import Path

from expert.ingest.model import IngestError, Text

__all__ = ["load_json", "loads_json", "read_capped", "too_big", "MAX_JSON_BYTES", "MIB"]

MIB = 1 << 20
# Largest JSON document read: ~250k chat messages. Decoding takes ~10x the size in memory, so a
# larger export is refused with a hint to split it (DiscordChatExporter --partition, a date range).
MAX_JSON_BYTES = 128 * MIB
_TOO_BIG_HINT = Text("hint_split_export")
_WHAT = {"file": Text("what_file"), "archive member": Text("what_archive_member")}


def too_big(path, size: int | None, cap: int, what: str = "file") -> IngestError:
    """The error for a document over its size cap, naming its size (when known) and the cap."""
    values = {"what": _WHAT.get(what, what), "cap": f"{cap // MIB:,}"}
    if size is None:
        return IngestError(path, Text("json_too_big_unknown", values), _TOO_BIG_HINT)
    return IngestError(path, Text("json_too_big", {**values, "amount": f"{size / MIB:,.1f} MiB"}), _TOO_BIG_HINT)


def read_capped(path, stream, cap: int, what: str = "file") -> bytes:
    """Read a stream whole, refusing it as soon as it proves longer than `cap` bytes."""
    data = stream.read(cap + 1)
    if len(data) > cap:
        raise too_big(path, None, cap, what)
    return data


def loads_json(path, data: bytes | str):
    """Decode JSON text, naming the file and the position when it is malformed."""
    try:
        return json.loads(data)
    except RecursionError:
        raise IngestError(path, Text("json_too_deep"), Text("hint_too_deep")) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(path, Text("json_invalid", {"detail": str(exc)}), Text("hint_reexport_truncated")) from None


def load_json(path, cap: int = MAX_JSON_BYTES):
    """Read and decode one JSON file of at most `cap` bytes; one file at a time bounds memory."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            size = path.stat().st_size
            if size > cap:
                raise too_big(path, size, cap)
            data = read_capped(path, fh, cap)
    except OSError as exc:
        raise IngestError(path, Text("cannot_read", {"detail": exc.strerror or str(exc)}),
                          Text("hint_check_path_permissions")) from exc
    return loads_json(path, data)
