"""Benchmark analyze_export on generated CSV logs: throughput, peak memory, and memory per distinct actor.

Run: .venv/bin/python benchmarks/ingest.py [--sizes 250000 1000000] [--dense 4] [--actors 20000 80000]
     [--against /tmp/old:325d65b ...] [--no-tracemalloc]

Both readers are measured when pyarrow is installed (the `fast` extra): the streaming reader and
the columnar one. Figures are printed beside a baseline measured in the same run on the same file:
a bare ``csv.reader`` pass (the floor any streaming CSV analysis pays), so the ratios survive a
noisy, shared machine. CPU time (``time.process_time``) is printed beside wall time. Peak memory is measured with
tracemalloc (Python allocations during analysis): across sizes it should stay flat, since memory
grows with days x active actors (and threads) and months of history, never with the number of
events; the dense log (--dense times the events per day over the 250k log's span) checks that more
events a day do not grow it, and the distinct-actor run states the bound in bytes per actor.

--against DIR[:LABEL] also measures the streaming reader of another checkout of the project (for
example `git worktree add /tmp/old 325d65b`, the commit before the one-pass ingest) on the same
files in the same run, in a child process that imports that checkout: CPU seconds and peak memory
side by side, as ratios against this checkout.
"""
from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import random
import subprocess
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


def generate(path: Path, n: int, seed: int = SEED, actors: int = ACTORS, zipf: bool = True,
             per_day: int = EVENTS_PER_DAY) -> None:
    """Write n time-ordered events, `per_day` a day: Zipf-ish (or all distinct) actors, threads of posts and
    replies, staff and bots."""
    rnd = random.Random(seed)
    if zipf:
        weights = [1.0 / (i + 1) for i in range(actors)]
        who = rnd.choices(range(actors), weights=weights, k=n)
    else:
        who = [i % actors for i in range(n)]
    step = 86400 / per_day
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


# The child that measures another checkout: it imports that checkout's expert package (first on sys.path).
_CHILD = """
import json, sys, time, tracemalloc, inspect
sys.path.insert(0, sys.argv[1])
import expert
from expert.ingest import analyze_export
path, rounds, memory = sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1"
kw = {"reader": "stream"} if "reader" in inspect.signature(analyze_export).parameters else {}
cpu = []
for _ in range(rounds):
    c0 = time.process_time(); analyze_export(path, **kw); cpu.append(time.process_time() - c0)
peak = None
if memory:
    tracemalloc.start(); analyze_export(path, **kw); peak = tracemalloc.get_traced_memory()[1]; tracemalloc.stop()
print(json.dumps({"cpu": min(cpu), "peak": peak, "module": expert.__file__}))
"""


def other_checkout(tree: str, path: Path, rounds: int, memory: bool) -> dict:
    """Best CPU seconds and peak traced memory of another checkout's streaming reader on `path`."""
    env = {k: v for k, v in os.environ.items() if k != "EXPERT_READER"}
    out = subprocess.run([sys.executable, "-c", _CHILD, tree, str(path), str(rounds), "1" if memory else "0"],
                         capture_output=True, text=True, check=True, env=env)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if not result["module"].startswith(str(Path(tree).resolve())):
        raise SystemExit(f"{tree}: imported {result['module']} instead of that checkout")
    return result


def throughput(path: Path, n: int, rounds: int = 3) -> dict[str, float]:
    """Best of `rounds` for each reader and for the bare pass, printed as rates and as ratios; CPU seconds per reader."""
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
    return cpu


def measure(path: Path, n: int, against: list[tuple[str, str]], memory: bool, rounds: int = 3) -> int | None:
    """Throughput of both readers, the other checkouts beside them, and peak memory; returns the streaming peak."""
    cpu = throughput(path, n, rounds)
    peak = None
    if memory:
        peak = peak_memory(path)
        print(f"  peak traced memory {peak / 1e6:.1f} MB (streaming)", end="")
        if "columnar" in READERS:
            print(f", {peak_memory(path, 'columnar') / 1e6:.1f} MB Python-side (columnar)", end="")
        print()
    for tree, label in against:
        other = other_checkout(tree, path, rounds, memory)
        line = (f"  {label} (streaming): {n / other['cpu']:>10,.0f} events per CPU-second; this checkout's streaming "
                f"reader {other['cpu'] / cpu['stream']:.2f}x its speed")
        if memory and peak:
            line += f"; its peak {other['peak'] / 1e6:.1f} MB ({peak / other['peak']:.2f}x here)"
        print(line)
    return peak


def main(argv: list[str] | None = None) -> None:
    """Generate the logs, time them, and print throughput, peak memory and the memory ratios."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[250_000, 1_000_000])
    ap.add_argument("--dense", type=int, default=4,
                    help="also a log this many times as dense over the smallest size's span (0: skip)")
    ap.add_argument("--actors", type=int, nargs="*", default=[20_000, 80_000],
                    help="distinct-actor counts for the memory-per-actor run")
    ap.add_argument("--against", nargs="*", default=[], metavar="DIR[:LABEL]",
                    help="other checkouts whose streaming reader to measure side by side")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--no-tracemalloc", action="store_true", help="skip the memory runs (tracemalloc slows Python ~2x)")
    args = ap.parse_args(argv)
    against = [(d.split(":", 1)[0], d.split(":", 1)[1] if ":" in d else d) for d in args.against]
    memory = not args.no_tracemalloc
    peaks: dict[str, int | None] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            path = Path(tmp) / f"events_{n}.csv"
            generate(path, n)
            print(f"{n:,} events ({path.stat().st_size / 1e6:.1f} MB, {ACTORS:,} actors, Zipf, "
                  f"{EVENTS_PER_DAY} a day over {n / EVENTS_PER_DAY:,.0f} days):")
            peaks[f"{n:,}"] = measure(path, n, against, memory, args.rounds)
        if args.dense > 1:
            small = min(args.sizes)
            n = small * args.dense
            path = Path(tmp) / f"dense_{n}.csv"
            generate(path, n, per_day=EVENTS_PER_DAY * args.dense)
            print(f"{n:,} events, {args.dense}x as dense ({path.stat().st_size / 1e6:.1f} MB, "
                  f"{EVENTS_PER_DAY * args.dense} a day over the {small:,} log's {small / EVENTS_PER_DAY:,.0f} days):")
            peaks[f"{n:,} dense"] = measure(path, n, against, memory, args.rounds)
            if memory and peaks[f"{n:,} dense"] and peaks[f"{small:,}"]:
                print(f"memory, {args.dense}x the events over the same days: "
                      f"{peaks[f'{n:,} dense'] / peaks[f'{small:,}']:.2f}x (flat means ~1x)")  # type: ignore[operator]
        sized = [n for n in args.sizes if peaks.get(f"{n:,}")]
        if len(sized) >= 2:
            small, large = min(sized), max(sized)
            print(f"memory ratio {large:,}/{small:,} events (more days of history): "
                  f"{peaks[f'{large:,}'] / peaks[f'{small:,}']:.2f}x for {large / small:.0f}x the events")  # type: ignore[operator]
        if not memory:
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
