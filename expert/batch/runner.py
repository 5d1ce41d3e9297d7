"""Many diagnoses in a process pool: one knowledge base per worker, results in input order, memory flat.

Work is sent in chunks and at most a few chunks per worker are in flight, so a million
situations never sit in memory at once; each result comes back as a JSON line (its id and the
plan, or its id and the reason it failed). A failure is recorded and never stops the rest.
"""
from __future__ import annotations

import collections
import datetime as dt
import gc
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from expert.errors import ExpertError, OptionError, Problem

__all__ = ["BatchItem", "BatchResult", "diagnose_many", "run_items", "default_workers"]

_CHUNK = 16
_IN_FLIGHT_PER_WORKER = 3


@dataclass(frozen=True)
class BatchItem:
    """One unit of work: a situation (a mapping or a file's path), an export to analyze (its path), or an
    input record that could not even be read (``kind="error"``, ``payload`` the reason)."""

    id: str
    kind: str  # "data" | "export" | "error"
    payload: Any


@dataclass(frozen=True)
class BatchResult:
    """The outcome for one id: the plan as one line of JSON, or why there is none."""

    id: str
    plan_json: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether a plan was made."""
        return self.plan_json is not None

    @property
    def plan(self) -> Any:
        """The Plan (parsed on demand; raises ValueError for a failed item)."""
        if self.plan_json is None:
            raise ValueError(f"{self.id}: no plan ({self.error})")
        from expert.model.plan import Plan  # noqa: PLC0415

        return Plan.model_validate_json(self.plan_json)

    def to_line(self) -> str:
        """The JSONL record: ``{"id": ..., "plan": {...}}`` or ``{"id": ..., "error": "..."}``."""
        key = json.dumps(self.id, ensure_ascii=False)
        if self.plan_json is not None:
            return f'{{"id": {key}, "plan": {self.plan_json.rstrip()}}}\n'
        return json.dumps({"id": self.id, "error": self.error}, ensure_ascii=False) + "\n"


_WORKER: dict[str, Any] = {}


def _start_worker(knowledge: str | None, lang: str, today: str | None) -> None:
    """Load this process's knowledge base once (the compiled engine is built on its first diagnosis)."""
    from expert.knowledge import cached_knowledge  # noqa: PLC0415

    _WORKER.update(kb=cached_knowledge(knowledge), lang=lang, today=dt.date.fromisoformat(today) if today else None)


def _start_pool_worker(knowledge: str | None, lang: str, today: str | None) -> None:
    """A pool process: load the knowledge base and build the engine, then freeze what was built so the
    garbage collector's full passes skip it (what a diagnosis keeps afterwards is a few bounded memos)."""
    _start_worker(knowledge, lang, today)
    _one(BatchItem("warm-up", "data", {"community": {"name": "warm-up"}}))
    gc.freeze()


def _situation(item: BatchItem) -> Any:
    """The item's situation: the data itself, a file read, or an export analyzed into one."""
    if item.kind == "export":
        from expert.analysis.situation import situation_from_analysis  # noqa: PLC0415
        from expert.ingest import analyze_export  # noqa: PLC0415

        path = Path(item.payload)
        return situation_from_analysis(analyze_export(path), _WORKER["kb"], path.resolve().stem or "community")
    return item.payload


def _one(item: BatchItem) -> BatchResult:
    """Diagnose one item; any failure becomes its recorded reason."""
    from expert.planning.pipeline import diagnose  # noqa: PLC0415

    if item.kind == "error":
        return BatchResult(item.id, error=str(item.payload))
    try:
        plan = diagnose(_situation(item), lang=_WORKER["lang"], knowledge=_WORKER["kb"], today=_WORKER["today"])
    except ExpertError as exc:
        return BatchResult(item.id, error=str(exc))
    except Exception as exc:  # noqa: BLE001  (one bad record must never stop the batch: it is recorded)
        return BatchResult(item.id, error=f"internal error ({type(exc).__name__}): {exc}")
    return BatchResult(item.id, plan_json=plan.to_json(indent=None))


def _chunk(items: list[BatchItem]) -> list[BatchResult]:
    """A worker's share: one chunk of items, in order."""
    return [_one(item) for item in items]


def _chunks(items: Iterable[BatchItem], size: int) -> Iterator[list[BatchItem]]:
    """Consecutive lists of ``size`` items, read lazily."""
    chunk: list[BatchItem] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def default_workers() -> int:
    """One worker per CPU this process may use."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_items(items: Iterable[BatchItem], *, workers: int = 1, lang: str = "en", knowledge: str | None = None,
              today: dt.date | None = None, chunk: int = _CHUNK) -> Iterator[BatchResult]:
    """Diagnose items in order with ``workers`` processes (1: in this process), streaming the results."""
    if workers < 1:
        raise OptionError(Problem("workers", f"{workers} is not a number of workers", "give 1 or more"))
    init = (knowledge, lang, today.isoformat() if today else None)
    if workers == 1:
        _start_worker(*init)
        yield from (_one(item) for item in items)
        return
    with ProcessPoolExecutor(workers, initializer=_start_pool_worker, initargs=init) as pool:
        pending: collections.deque[Future[list[BatchResult]]] = collections.deque()
        for part in _chunks(items, chunk):
            pending.append(pool.submit(_chunk, part))
            while len(pending) >= workers * _IN_FLIGHT_PER_WORKER:
                yield from pending.popleft().result()
        while pending:
            yield from pending.popleft().result()


def _as_item(n: int, entry: Any) -> BatchItem:
    """A library argument as an item: (id, situation) pairs keep their id, others are numbered from 1."""
    from expert.model.situation import Situation  # noqa: PLC0415

    ident, situation = entry if isinstance(entry, tuple) and len(entry) == 2 else (str(n + 1), entry)
    if isinstance(situation, Situation):
        return BatchItem(str(ident), "data", situation.to_dict())
    if isinstance(situation, Mapping):
        return BatchItem(str(ident), "data", dict(situation))
    if isinstance(situation, (str, Path)):
        return BatchItem(str(ident), "data", str(situation))
    return BatchItem(str(ident), "error", f"expected a situation (mapping, Situation or path), got {type(situation).__name__}")


def diagnose_many(situations: Iterable[Any], *, workers: int = 1, lang: str = "en", knowledge: str | Path | None = None,
                  today: dt.date | None = None, progress: Callable[[int], object] | None = None) -> Iterator[BatchResult]:
    """Diagnose many situations (mappings, Situations, paths, or (id, situation) pairs) with ``workers``
    processes; yields a BatchResult per situation in input order, failures included, as soon as it is ready."""
    items = (_as_item(n, entry) for n, entry in enumerate(situations))
    for done, result in enumerate(run_items(items, workers=workers, lang=lang,
                                            knowledge=str(knowledge) if knowledge else None, today=today), 1):
        if progress is not None:
            progress(done)
        yield result
