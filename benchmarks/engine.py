"""Engine benchmark: build time, per-diagnosis latency (median, p95), peak memory, CLI start-to-plan,
and the same conditions evaluated in plain Python as a baseline ratio, all in one run.

    python benchmarks/engine.py [--rounds N]
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from expert.knowledge import load_knowledge  # noqa: E402
from expert.model.scenario import load_scenario  # noqa: E402
from expert.model.situation import Situation  # noqa: E402
from expert.planning.pipeline import consult_facts, diagnose  # noqa: E402
from expert.reasoning.compiler import engine_class  # noqa: E402
from expert.reasoning.engine import _TracingEngine  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0..100) by nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


def build_time() -> tuple[float, object]:
    """Seconds to load and validate the knowledge, compile the rules and build the Rete network."""
    start = time.perf_counter()
    kb = load_knowledge()
    engine_class(kb, _TracingEngine)()
    return time.perf_counter() - start, kb


def time_each(func, items, rounds: int) -> list[float]:
    """Per-call wall time in ms of func(item) over rounds passes of items."""
    out = []
    for _ in range(rounds):
        for item in items:
            start = time.perf_counter()
            func(item)
            out.append((time.perf_counter() - start) * 1000)
    return out


def cli_start_to_plan(runs: int = 5) -> list[float]:
    """Wall seconds of `python -m expert diagnose scenarios/demo.yaml --format json` in a fresh process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "expert", "diagnose", str(ROOT / "scenarios" / "demo.yaml"),
                        "--format", "json"], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=0, help="passes over all scenarios (default: enough for 1,000)")
    args = parser.parse_args()
    seconds, kb = build_time()
    scenarios = [load_scenario(p) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    situations = [Situation.parse(s.situation, kb) for s in scenarios]
    rounds = args.rounds or -(-1000 // len(situations))
    for s in situations:  # warm up: the per-thread engine instance and caches
        diagnose(s, knowledge=kb)
    gc.collect()
    full = time_each(lambda s: diagnose(s, knowledge=kb), situations, rounds)
    rete = time_each(lambda s: consult_facts(s, kb), situations, rounds)
    plain = time_each(lambda s: consult_facts(s, kb, engine="plain"), situations, rounds)
    tracemalloc.start()
    for s in situations:
        diagnose(s, knowledge=kb)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    cli = cli_start_to_plan()
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"knowledge: {len(kb.rules)} rules, {len(kb.diagnoses)} diagnoses, {len(kb.actions)} actions; "
          f"{len(situations)} scenarios x {rounds} rounds = {len(full)} diagnoses")
    print(f"engine build (load + validate + compile + Rete network): {seconds * 1000:.0f} ms")
    print(f"diagnose() end to end per situation: median {statistics.median(full):.2f} ms, p95 {percentile(full, 95):.2f} ms")
    print(f"reasoning only, experta Rete:          median {statistics.median(rete):.3f} ms, p95 {percentile(rete, 95):.3f} ms")
    print(f"reasoning only, plain-Python baseline: median {statistics.median(plain):.3f} ms, p95 {percentile(plain, 95):.3f} ms")
    print(f"ratio experta / plain (median): {statistics.median(rete) / statistics.median(plain):.1f}x")
    print(f"peak traced memory over one pass of all scenarios: {peak / 1024:.0f} KiB")
    print(f"CLI start-to-plan (fresh process, demo scenario): median {statistics.median(cli):.3f} s, max {max(cli):.3f} s")


if __name__ == "__main__":
    main()
