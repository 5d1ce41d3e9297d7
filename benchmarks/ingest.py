"""Benchmark analyze_export on generated CSV logs: throughput, peak memory, and memory per distinct actor.

Run: .venv/bin/python benchmarks/ingest.py [--sizes 250000 1000000] [--actors 20000 80000] [--no-tracemalloc]

Both readers are measured when pyarrow is installed (the `fast` extra): the streaming reader and
the columnar one. Figures are printed beside a baseline measured in the same run on the same file:
a bare ``csv.reader`` pass (the floor any streaming CSV analysis pays), so the ratios survive a
noisy, shared machine. CPU time (``time.process_time``) is printed beside wall time. Peak memory is measured with
tracemalloc (Python allocations during analysis): across sizes it should stay flat, since memory
grows with distinct actors, threads and months of history, never with the number of events; the
distinct-actor run states that bound in bytes per actor.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expert.ingest import analyze_export  # noqa: E402

SEED = 20240601
ACTORS = 3000
END = datetime(2026, 1, 1, tzinfo=UTC)  # every log ends here, before the wall clock (no future-dated events)
# Constant activity density: bigger logs cover more history, as real exports do, so the windows hold
# the same number of actors/threads whatever the file size (250k events ~ 2 years, 1M ~ 8 years).
EVENTS_PER_DAY = 342
TARGET_EVENTS_PER_CPU_SECOND = 500_000
READERS = ("stream", "columnar") if importlib.util.find_spec("pyarrow") else ("stream",)


def generate(path: Path, n: int, seed: int = SEED, actors: int = ACTORS, zipf: bool = True) -> None:
    """Write n time-ordered events: Zipf-ish (or all distinct) actors, threads of posts and replies, staff and bots."""
    rnd = random.Random(seed)
    if zipf:
        weights = [1.0 / (i + 1) for i in range(actors)]
        who = rnd.choices(range(actors), weights=weights, k=n)
    else:
        who = [i % actors for i in range(n)]
    step = 86400 / EVENTS_PER_DAY
    start = END - timedelta(seconds=n * step)
    open_threads: list[tuple[str, int]] = []
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["timestamp", "actor", "kind", "thread", "reply_to", "channel", "is_staff", "is_bot"])
        for i, a in enumerate(who):
            ts = (start + timedelta(seconds=i * step)).strftime("%Y-%m-%dT%H:%M:%SZ")
            actor = f"user{a}@example.org"
            staff = "1" if a < 5 else ""
            bot = "1" if a == 7 else ""
            if open_threads and rnd.random() < 0.7:
                thread, owner = open_threads[rnd.randrange(len(open_threads))]
                out.writerow([ts, actor, "reply", thread, f"user{owner}@example.org", f"c{a % 8}", staff, bot])
            else:
                thread = f"t{i}"
                open_threads.append((thread, a))
                if len(open_threads) > 500:
                    open_threads.pop(0)
                out.writerow([ts, actor, "post", thread, "", f"c{a % 8}", staff, bot])


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one call."""
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def bare_csv_pass(path: Path) -> None:
    """The baseline: read every row of the file with csv.reader and do nothing else."""
    with open(path, newline="", encoding="utf-8") as fh:
        for _ in csv.reader(fh):
            pass


def peak_memory(path: Path, reader: str = "stream") -> int:
    """Peak traced bytes of one analyze_export run (Python allocations; arrow's own buffers are not traced)."""
    tracemalloc.start()
    analyze_export(path, reader=reader)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak


def throughput(path: Path, n: int, rounds: int = 3) -> None:
    """Best of `rounds` for each reader and for the bare pass, printed as rates and as ratios."""
    bare = min((timed(lambda: bare_csv_pass(path)) for _ in range(rounds)), key=lambda t: t[1])
    cpu: dict[str, float] = {}
    for reader in READERS:
        wall, cpu[reader] = min((timed(lambda: analyze_export(path, reader=reader)) for _ in range(rounds)),
                                key=lambda t: t[1])
        rate = n / cpu[reader]
        verdict = "meets" if rate >= TARGET_EVENTS_PER_CPU_SECOND else "below"
        print(f"  analyze ({reader:>8}): {n / wall:>10,.0f} events/s wall, {rate:>10,.0f} events per CPU-second "
              f"({verdict} the {TARGET_EVENTS_PER_CPU_SECOND:,} aim); {cpu[reader] / bare[1]:.1f}x the bare pass (CPU)")
    print(f"  bare csv.reader pass: {n / bare[1]:>10,.0f} events per CPU-second")
    if "columnar" in cpu:
        print(f"  columnar vs streaming: {cpu['stream'] / cpu['columnar']:.1f}x faster (CPU)")
    if len(READERS) == 1:
        print("  (pyarrow absent: pip install '.[fast]' to measure the columnar reader)")


def main(argv: list[str] | None = None) -> None:
    """Generate the logs, time them, and print throughput, peak memory and the memory ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--actors", type=int, nargs="+", default=[20_000, 80_000],
                    help="distinct-actor counts for the memory-per-actor run")
    ap.add_argument("--no-tracemalloc", action="store_true", help="skip the memory runs (tracemalloc slows Python ~2x)")
    args = ap.parse_args(argv)
    peaks: dict[int, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"events_{n}.csv"
            generate(path, n)
            print(f"{n:,} events ({path.stat().st_size / 1e6:.1f} MB, {ACTORS:,} actors, Zipf):")
            throughput(path, n)
            if not args.no_tracemalloc:
                peaks[n] = peak_memory(path)
                print(f"  peak traced memory {peaks[n] / 1e6:.1f} MB (streaming)", end="")
                if "columnar" in READERS:
                    print(f", {peak_memory(path, 'columnar') / 1e6:.1f} MB Python-side (columnar)", end="")
                print()
        if len(peaks) >= 2:
            small, large = min(peaks), max(peaks)
            print(f"memory ratio {large:,}/{small:,} events: {peaks[large] / peaks[small]:.2f}x "
                  f"for {large / small:.0f}x the events (flat means ~1x)")
        if args.no_tracemalloc:
            return
        per_actor = {}
        for actors in args.actors:
            path = Path(tmp) / f"actors_{actors}.csv"
            generate(path, actors * 2, actors=actors, zipf=False)
            per_actor[actors] = peak_memory(path) / actors
            print(f"{actors:,} distinct actors (2 events each): {per_actor[actors]:,.0f} bytes per actor at peak")
        if len(per_actor) >= 2:
            lo, hi = min(per_actor), max(per_actor)
            print(f"bytes per actor, {hi:,} vs {lo:,} actors: {per_actor[hi] / per_actor[lo]:.2f}x "
                  "(memory is linear in distinct actors: budget ~1 KB each)")


if __name__ == "__main__":
    main()
