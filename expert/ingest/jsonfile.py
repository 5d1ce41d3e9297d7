"""Load one JSON document with errors turned into IngestError (JSON exports are single documents).

A JSON document is decoded whole, so its size is capped: decoding takes several times the file's
size in memory, and a hostile or corrupted file must not take the machine's memory with it.
"""
from __future__ import annotations

import json
from pathlib import Path

from expert.ingest.model import IngestError

__all__ = ["load_json", "loads_json", "read_capped", "too_big", "MAX_JSON_BYTES", "MIB"]

MIB = 1 << 20
# Largest JSON document read: ~250k chat messages. Decoding takes ~10x the size in memory, so a
# larger export is refused with a hint to split it (DiscordChatExporter --partition, a date range).
MAX_JSON_BYTES = 128 * MIB
_TOO_BIG_HINT = "split the export into smaller files (e.g. by channel or by date range) and analyze the folder"


def too_big(path, size: int | None, cap: int, what: str = "file") -> IngestError:
    """The error for a document over its size cap, naming its size (when known) and the cap."""
    amount = f"{size / MIB:,.1f} MiB" if size is not None else f"more than {cap // MIB:,} MiB"
    return IngestError(path, f"{what} is {amount}, over the {cap // MIB:,} MiB limit for one JSON document",
                       _TOO_BIG_HINT)


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
        raise IngestError(path, "invalid JSON: nested too deeply to read",
                          "no real export nests objects this deep; re-export the file") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"invalid JSON: {exc}", "re-export the file; it looks truncated or corrupted") from None


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
        raise IngestError(path, f"cannot read file: {exc.strerror or exc}", "check the path and permissions") from exc
    return loads_json(path, data)
