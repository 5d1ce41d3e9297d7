"""Load one JSON document with errors turned into IngestError (JSON exports are single documents)."""
from __future__ import annotations

import json
from pathlib import Path

from .model import IngestError

__all__ = ["load_json", "loads_json"]


def loads_json(path, data: bytes | str):
    """Decode JSON text, naming the file and the position when it is malformed."""
    try:
        return json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"invalid JSON: {exc}", "re-export the file; it looks truncated or corrupted") from exc


def load_json(path):
    """Read and decode one JSON file; one file at a time keeps memory at the size of one export file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IngestError(path, f"cannot read file: {exc.strerror or exc}", "check the path and permissions") from exc
    return loads_json(path, data)
