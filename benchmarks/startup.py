"""Start-up benchmark: `expert --help` and `expert diagnose scenarios/demo.yaml` in fresh processes.

Run: python benchmarks/startup.py [--rounds 9] [--against REV] [--breakdown]

Each round runs every case once, in turn, as a new process (``python -m expert``), and times it by
wall clock and by the child's CPU (user + system, from ``resource.getrusage(RUSAGE_CHILDREN)``). The
cases:

- ``--help``;
- ``diagnose, no cache``: EXPERT_NO_CACHE=1, the knowledge parsed from YAML and validated (the
  baseline every ratio is taken against, measured in the same rounds);
- ``diagnose, cold cache``: the cache folder emptied first, so the run parses and also writes it;
- ``diagnose, warm cache``: the validated knowledge read from the cache;
- with ``--against REV``: ``diagnose`` and ``--help`` of an earlier commit (extracted with ``git archive``).

Medians over the rounds; ratios are the medians of each round's paired ratio. The children get a
cache folder and a bytecode folder (PYTHONPYCACHEPREFIX) of their own, both in a temporary folder,
and one untimed warm-up run fills the bytecode, as an installed package has it (a shell with
PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module of ours on every start, ~40 ms).
``--breakdown`` also prints where one warm-cache diagnose spends its time, stage by stage.
"""
from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from revisions import source_tree  # noqa: E402  (benchmarks/ is this script's own folder)

ROOT = Path(__file__).resolve().parents[1]
DEMO = "scenarios/demo.yaml"
AIM_SECONDS = 0.3

_BREAKDOWN = r"""
import gc, sys, time
gc.disable()  # as the CLI does while diagnose runs
marks = [(time.perf_counter(), time.process_time())]
def mark(label):
    now = (time.perf_counter(), time.process_time())
    wall, cpu = now[0] - marks[-1][0], now[1] - marks[-1][1]
    print(f"  {label:<34} {1000 * wall:6.1f} ms wall {1000 * cpu:6.1f} ms CPU")
    marks.append(now)
import expert; mark("import expert")
import expert.cli.main, expert.cli.diagnose; mark("import the CLI and diagnose")
from expert.planning import pipeline; mark("import the pipeline")
from expert.render import render
import expert.render.terminal; mark("import the terminal report")
from expert.cli.common import knowledge_base, knowledge_notice
kb = knowledge_base(None); knowledge_notice(kb.root, "en", always=False); mark("knowledge (from the cache)")
situation = pipeline.load_situation(sys.argv[1], kb, "en"); mark("read the situation")
from expert.reasoning.engine import reason
reason(kb, {}); mark("engine: build the network")
import datetime
plan = pipeline.diagnose(situation, lang="en", knowledge=kb, today=datetime.date(2026, 1, 5)); mark("diagnose")
render(plan, "terminal", kb, color=False, width=100); mark("render the report")
print(f"  {'total (after interpreter start)':<34} {1000 * (marks[-1][0] - marks[0][0]):6.1f} ms wall "
      f"{1000 * (marks[-1][1] - marks[0][1]):6.1f} ms CPU")
"""




def _timed(args: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall and CPU seconds of one ``python -m expert ARGS`` in a fresh process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "expert", *args], env=env, cwd=cwd, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def _cases(tmp: Path, against: str | None) -> list[tuple[str, list[str], dict[str, str], Path, Path | None]]:
    """(label, arguments, environment, working folder, cache folder emptied before each run) of every case."""
    base = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "EXPERT_NO_CACHE")}
    base["PYTHONPYCACHEPREFIX"] = str(tmp / "bytecode")
    warm, cold = tmp / "cache-warm", tmp / "cache-cold"
    now = {**base, "PYTHONPATH": str(ROOT)}
    cases = [
        ("--help", ["--help"], {**now, "EXPERT_CACHE_DIR": str(warm)}, ROOT, None),
        ("diagnose, no cache", ["diagnose", DEMO], {**now, "EXPERT_NO_CACHE": "1"}, ROOT, None),
        ("diagnose, cold cache", ["diagnose", DEMO], {**now, "EXPERT_CACHE_DIR": str(cold)}, ROOT, cold),
        ("diagnose, warm cache", ["diagnose", DEMO], {**now, "EXPERT_CACHE_DIR": str(warm)}, ROOT, None),
    ]
    if against:
        tree = source_tree(against, tmp)
        old = {**base, "PYTHONPATH": str(tree), "EXPERT_CACHE_DIR": str(tmp / "cache-old")}
        cases += [(f"--help at {against}", ["--help"], old, tree, None),
                  (f"diagnose at {against}", ["diagnose", DEMO], old, tree, None)]
    return cases


def run(rounds: int, against: str | None) -> dict[str, list[tuple[float, float]]]:
    """Every case once per round, in turn; one untimed warm-up run of each first."""
    results: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        cases = _cases(Path(folder), against)
        for label, args, env, cwd, _ in cases:
            _timed(args, env, cwd)
            results[label] = []
        for _ in range(rounds):
            for label, args, env, cwd, emptied in cases:
                if emptied is not None:
                    shutil.rmtree(emptied, ignore_errors=True)
                results[label].append(_timed(args, env, cwd))
    return results


def report(results: dict[str, list[tuple[float, float]]], rounds: int) -> None:
    """Medians, and each case's paired ratio against the no-cache diagnose of the same round."""
    baseline = results["diagnose, no cache"]
    print(f"start-up, {rounds} rounds of fresh processes (median; ratio: time / no-cache diagnose, paired per round)")
    print(f"  {'case':<30} {'wall':>8} {'CPU':>8} {'wall ratio':>11} {'CPU ratio':>10}")
    for label, times in results.items():
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        wall_ratio = statistics.median(t[0] / b[0] for t, b in zip(times, baseline))
        cpu_ratio = statistics.median(t[1] / b[1] for t, b in zip(times, baseline))
        print(f"  {label:<30} {wall:7.3f}s {cpu:7.3f}s {wall_ratio:10.2f}x {cpu_ratio:9.2f}x")
    warm = statistics.median(t[0] for t in results["diagnose, warm cache"])
    verdict = "reached" if warm <= AIM_SECONDS else "not reached"
    print(f"aim: diagnose <= {AIM_SECONDS} s wall with a warm cache: {verdict} ({warm:.3f} s median)")


def breakdown() -> None:
    """Stage by stage, one warm-cache diagnose in a fresh process (after an untimed run fills the cache)."""
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "EXPERT_NO_CACHE")}
        env.update(PYTHONPATH=str(ROOT), EXPERT_CACHE_DIR=str(Path(folder) / "cache"),
                   PYTHONPYCACHEPREFIX=str(Path(folder) / "bytecode"))
        for _ in range(2):
            done = subprocess.run([sys.executable, "-c", _BREAKDOWN, DEMO], env=env, cwd=ROOT, check=True,
                                  capture_output=True, text=True)
    print("one warm-cache diagnose, stage by stage:")
    print(done.stdout, end="")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=9, help="rounds of every case (default 9)")
    parser.add_argument("--against", metavar="REV", help="also time this earlier commit")
    parser.add_argument("--breakdown", action="store_true", help="also print one diagnose stage by stage")
    args = parser.parse_args()
    report(run(args.rounds, args.against), args.rounds)
    if args.breakdown:
        breakdown()


if __name__ == "__main__":
    main()
