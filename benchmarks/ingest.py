"""Benchmark analyze_export on generated 250k and 1M event CSV logs: throughput and peak memory.

Run: .venv/bin/python benchmarks/ingest.py [--sizes 250000 1000000] [--no-tracemalloc]
Peak memory is measured with tracemalloc (Python allocations during analysis); the ratio of the
two peaks shows whether memory grows with file size (it should stay near 1).
"""
from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
import tracemalloc
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from expert.ingest import analyze_export  # noqa: E402

SEED = 20240601
ACTORS = 3000
START = datetime(2023, 1, 1, tzinfo=timezone.utc)
# Constant activity density: bigger logs cover more history, as real exports do, so the windows hold
# the same number of actors/threads whatever the file size (250k events ~ 2 years, 1M ~ 8 years).
EVENTS_PER_DAY = 342


def generate(path: Path, n: int, seed: int = SEED) -> None:
    """Write n time-ordered events: Zipf-ish actors, threads of posts and replies, a few staff and bots."""
    rnd = random.Random(seed)
    weights = [1.0 / (i + 1) for i in range(ACTORS)]
    actors = rnd.choices(range(ACTORS), weights=weights, k=n)
    step = 86400 / EVENTS_PER_DAY
    open_threads: list[tuple[str, int]] = []
    with open(path, "w", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["timestamp", "actor", "kind", "thread", "reply_to", "channel", "is_staff", "is_bot"])
        for i, a in enumerate(actors):
            ts = (START + timedelta(seconds=i * step)).strftime("%Y-%m-%dT%H:%M:%SZ")
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


def measure(path: Path, n: int, trace: bool) -> tuple[float, int]:
    """Return (events/second, peak traced bytes) for one analyze_export run."""
    if trace:
        tracemalloc.start()
    t0 = time.perf_counter()
    analysis = analyze_export(path)
    elapsed = time.perf_counter() - t0
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    assert analysis.events_read == n, (analysis.events_read, n)
    return n / elapsed, peak


def main(argv: list[str] | None = None) -> None:
    """Generate the logs, time them, and print throughput, peak memory and the memory ratio."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--no-tracemalloc", action="store_true", help="skip tracemalloc (it slows Python down ~2x)")
    args = ap.parse_args(argv)
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"events_{n}.csv"
            generate(path, n)
            rate = max(measure(path, n, trace=False)[0] for _ in range(2))
            peak = 0 if args.no_tracemalloc else measure(path, n, trace=True)[1]
            peaks[n] = peak
            size_mb = path.stat().st_size / 1e6
            print(f"{n:>9,} events ({size_mb:6.1f} MB): {rate:>10,.0f} events/s; peak traced memory {peak / 1e6:7.1f} MB")
    if len(peaks) >= 2 and not args.no_tracemalloc:
        small, large = min(peaks), max(peaks)
        print(f"memory ratio {large:,}/{small:,} events: {peaks[large] / peaks[small]:.2f}x "
              f"for {large / small:.0f}x the events")


if __name__ == "__main__":
    main()
