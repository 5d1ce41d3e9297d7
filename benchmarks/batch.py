"""Batch benchmark: `expert batch` and `expert.diagnose_many` against a plain in-process loop of expert.diagnose.

    python benchmarks/batch.py [--communities 10000] [--workers 2] [--plain 2000] [--seed 5]

Generated communities (each fact independently unknown or a valid value, as benchmarks/engine.py and the
property tests draw them) are written as a JSONL file with ids, then, in the same run:

- plain: ``expert.diagnose(situation)`` in a loop in this process, on the first ``--plain`` of them;
- library: ``expert.diagnose_many(pairs, workers=N)`` with each plan's JSON taken, in this process;
- cli: ``python -m expert batch IN -o OUT --workers N`` in a fresh process, its output checked: one line
  per community, in input order, and the plans byte-identical to ``diagnose()`` on a sample.

Each prints wall and CPU time per community; CPU is this process's and its children's (parent and pool
workers, from ``resource.getrusage``), so a batch's overhead shows as its CPU ratio to the plain loop.
The largest resident set of any child (the CLI's parent or a worker) shows whether memory stays flat.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from engine import random_situation  # noqa: E402

import expert  # noqa: E402
from expert.batch import BatchResult  # noqa: E402
from expert.knowledge import load_knowledge  # noqa: E402

TODAY = dt.date(2026, 1, 1)


def _cpu() -> float:
    """CPU seconds (user + system) of this process and of its children that have ended."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    """(wall s, CPU s of this process and its children) of one call."""
    cpu, wall = _cpu(), time.perf_counter()
    run()
    return time.perf_counter() - wall, _cpu() - cpu


def communities(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    """``count`` generated communities with ids."""
    kb = load_knowledge()
    rng = random.Random(seed)
    return [(f"community-{n:06d}", random_situation(kb, rng)) for n in range(count)]


def plain(pairs: list[tuple[str, dict[str, Any]]]) -> None:
    """expert.diagnose one at a time, in this process."""
    for _, situation in pairs:
        expert.diagnose(situation, today=TODAY)


def library(pairs: list[tuple[str, dict[str, Any]]], workers: int) -> None:
    """expert.diagnose_many with ``workers`` processes, every plan's JSON taken."""
    for result in expert.diagnose_many(pairs, workers=workers, today=TODAY):
        assert result.ok, result.error
        len(result.plan_json or "")


def cli(source: Path, out: Path, workers: int) -> None:
    """``expert batch`` in a fresh process."""
    subprocess.run([sys.executable, "-m", "expert", "batch", str(source), "-o", str(out), "--workers", str(workers),
                    "--today", TODAY.isoformat()], check=True, capture_output=True, cwd=ROOT)


def check_output(out: Path, pairs: list[tuple[str, dict[str, Any]]], sample: int) -> None:
    """One line per community in input order; a sample of plans byte-identical to diagnose()."""
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [ident for ident, _ in pairs], "order or count differs"
    step = max(1, len(pairs) // sample)
    for text, (ident, situation) in list(zip(lines, pairs, strict=True))[::step]:
        expected = BatchResult(ident, plan_json=expert.diagnose(situation, today=TODAY).to_json(indent=None))
        assert text + "\n" == expected.to_line(), f"{ident}: the batch's plan differs from diagnose()"


def line(name: str, wall: float, cpu: float, count: int, base: tuple[float, float] | None) -> str:
    """One row: ms per community, wall and CPU, and the ratios to the plain loop."""
    text = f"  {name:<28} wall {wall / count * 1000:6.2f} ms   CPU {cpu / count * 1000:6.2f} ms per community"
    if base is not None:
        text += f"   CPU / plain {cpu / count / base[1]:.2f}x   plain wall / wall {base[0] / (wall / count):.2f}x"
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--communities", type=int, default=10_000, help="generated communities (default 10000)")
    parser.add_argument("--workers", type=int, default=2, help="processes for the batch (default 2)")
    parser.add_argument("--plain", type=int, default=2000, help="communities the plain loop runs (default 2000)")
    parser.add_argument("--seed", type=int, default=5, help="random seed of the generated communities")
    parser.add_argument("--skip-library", action="store_true", help="time only the plain loop and the CLI")
    args = parser.parse_args()

    pairs = communities(args.communities, args.seed)
    sample = pairs[: args.plain]
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "communities.jsonl", Path(tmp) / "plans.jsonl"
        with source.open("w", encoding="utf-8") as stream:
            for ident, situation in pairs:
                stream.write(json.dumps({"id": ident, **situation}, ensure_ascii=False) + "\n")
        expert.diagnose(pairs[0][1])  # knowledge loaded and engine built outside the clock, as each worker does
        print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}, Python "
              f"{sys.version.split()[0]}; {len(pairs)} generated communities ({source.stat().st_size / 1e6:.1f} MB "
              f"of JSONL), {args.workers} workers")
        wall, cpu = _timed(lambda: plain(sample))
        base = (wall / len(sample), cpu / len(sample))
        print(line(f"plain loop ({len(sample)})", wall, cpu, len(sample), None))
        if not args.skip_library:
            wall, cpu = _timed(lambda: library(pairs, args.workers))
            print(line(f"diagnose_many, {args.workers} workers", wall, cpu, len(pairs), base))
        wall, cpu = _timed(lambda: cli(source, out, args.workers))
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(line(f"expert batch, {args.workers} workers", wall, cpu, len(pairs), base)
              + f"   (total {wall:.1f} s wall)")
        check_output(out, pairs, sample=200)
        print(f"  output: {len(pairs)} lines in input order, 200 sampled plans byte-identical to diagnose(); "
              f"largest child resident set {peak:.0f} MB")


if __name__ == "__main__":
    main()
