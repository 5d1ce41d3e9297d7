"""Past one machine: the batch as a Dask map over partitions (the optional ``dask`` extra).

Each partition is diagnosed by ``run_items`` in the worker process that holds it, with that
process's knowledge base loaded once and reused by every later partition there; records come
back as the same JSON lines ``expert batch`` writes (without their newlines), so a Dask run and a local run of the same
input give the same lines. Dask is imported only by the caller (``dask.bag``); this module
needs nothing from it but the Bag's ``map_partitions``.

    import dask.bag as db
    from dask.distributed import Client
    from expert.batch.distributed import diagnose_bag, item_from_json
    client = Client("scheduler-address:8786")
    lines = db.read_text("communities-*.jsonl", blocksize="64MiB")
    diagnose_bag(lines.map(item_from_json)).to_textfiles("plans/part-*.jsonl", last_endline=True)
"""
from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

from expert.batch.runner import BatchItem, run_items

__all__ = ["diagnose_bag", "item_from_json", "diagnose_partition"]


def item_from_json(line: str) -> BatchItem:
    """One JSONL line (a situation with an "id") as a batch item; a line that is not one becomes a failure."""
    text = line.strip()
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        return BatchItem(f"(not JSON) {text[:40]}", "error", f"a line is not JSON ({str(exc)[:200]})")
    if not isinstance(data, dict) or not isinstance(data.get("id"), (str, int)) or isinstance(data.get("id"), bool):
        return BatchItem(f"(no id) {text[:40]}", "error", "every line must be a JSON object with an \"id\" "
                                                          "(a string or a whole number)")
    ident = str(data.pop("id"))
    return BatchItem(ident, "data", data)


def diagnose_partition(items: Iterable[BatchItem | tuple[str, Any]], lang: str = "en", knowledge: str | None = None,
                       today: str | None = None) -> list[str]:
    """Diagnose one partition in this process, in order: its JSON lines, without newlines (Dask's
    ``to_textfiles`` puts one between elements)."""
    batch = [item if isinstance(item, BatchItem) else BatchItem(str(item[0]), "data", item[1]) for item in items]
    day = dt.date.fromisoformat(today) if today else None
    return [result.to_line().rstrip("\n") for result in run_items(batch, workers=1, lang=lang, knowledge=knowledge, today=day)]


def diagnose_bag(bag: Any, *, lang: str = "en", knowledge: str | None = None, today: dt.date | None = None) -> Any:
    """A Dask Bag of BatchItems or (id, situation) pairs -> a Bag of JSON lines, one per item, in bag order."""
    return bag.map_partitions(diagnose_partition, lang, knowledge, today.isoformat() if today else None)
