"""Engine benchmark: experta (shipped, indexed matcher) against CLIPS running the same rules, and the plain
evaluator, after checking all three agree bit for bit; then a scaling run on generated knowledge.

    python benchmarks/engine.py [--rounds 3] [--generated 2000] [--against REV] [--factors 1,10,100]

- Agreement: on every scenario and ``--generated`` random situations, the three engines give
  the same certainties (==), the same fired rules, and byte-identical plans.
- Per diagnosis: CPU time (``time.thread_time``) beside wall time; the engines take turns on
  each situation (interleaved, the order rotating), and ratios are paired per round.
- Scaling: the rules cloned x1/x10/x100 (``inert``: clones on facts no situation knows; ``live``:
  clones that fire with their original), and each engine's growth exponent
  (cost ~ rules^k; k = 0 is constant, 1 linear).
- ``--against REV``: the same per-scenario timings for an earlier commit of this repository
  (extracted with ``git archive``), in alternating subprocesses, as paired ratios; and make_plan per
  plan on the scenarios and ``--plan-generated`` generated situations (those REV can read), each
  planned once in each process.

CLIPS needs clipspy (``pip install '.[bench]'``); without it those columns are skipped with a message.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import random
import statistics
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

from clips_rules import ClipsReasoner, available  # noqa: E402
from revisions import source_tree  # noqa: E402

from expert.knowledge import KnowledgeBase, load_knowledge  # noqa: E402
from expert.model.scenario import load_scenario  # noqa: E402
from expert.model.situation import Situation  # noqa: E402
from expert.planning.planner import make_plan  # noqa: E402
from expert.reasoning.derive import derive  # noqa: E402
from expert.reasoning.engine import reason, reason_plain  # noqa: E402
from expert.reasoning.scaled import scaled_knowledge  # noqa: E402

Engine = Callable[[dict[str, Any]], Any]


def random_situation(kb: KnowledgeBase, rng: random.Random) -> dict[str, Any]:
    """A random valid situation: each fact independently unknown or a valid value (as the property tests draw)."""
    data: dict[str, Any] = {"community": {"name": "Random"}}
    for spec in kb.facts.values():
        if spec.name == "name" or rng.random() < 0.5:
            continue
        if spec.type == "bool":
            value: Any = rng.random() < 0.5
        elif spec.type == "enum":
            value = rng.choice(spec.values)
        elif spec.type == "list":
            choices = list(spec.values or tuple(kb.tactics) + ("free text nobody knows",))
            value = rng.sample(choices, rng.randint(0, min(4, len(choices))))
        elif spec.type == "integer":
            value = rng.randint(int(spec.min or 0), int(min(spec.max or 10_000, 10_000)))
        elif spec.type == "number":
            value = round(rng.uniform(spec.min or 0.0, min(spec.max or 1000.0, 1000.0)), 2)
        else:
            value = rng.choice(["grow a helpful community", "weekly questions solved"])
        if spec.scalar_group:
            data[spec.group] = value
        else:
            data.setdefault(spec.group, {})[spec.name] = value
    contributors = data.get("contributors", {})
    if "core_inactive_4w" in contributors and "core_total" in contributors:
        contributors["core_inactive_4w"] = min(contributors["core_inactive_4w"], contributors["core_total"])
    return data


def check_agreement(kb: KnowledgeBase, situations: list[Situation], engines: dict[str, Engine]) -> int:
    """Assert every engine gives the plain evaluator's certainties, firings and plan bytes; return how many."""
    for n, situation in enumerate(situations):
        facts = derive(kb, situation.facts())
        plain = reason_plain(kb, facts)
        expected = make_plan(kb, situation, plain, "en").to_json()
        for name, run in engines.items():
            got = run(facts)
            where = f"{name} differs from plain on situation {n}"
            assert got.cf == plain.cf, where
            assert sorted(f.rule for f in got.firings) == sorted(f.rule for f in plain.firings), where
            assert make_plan(kb, situation, got, "en").to_json() == expected, where
    return len(situations)


def interleaved(items: list[Any], engines: dict[str, Callable[[Any], Any]], rounds: int,
                untimed: Callable[[], None] | None = None) -> dict[str, list[tuple[float, float]]]:
    """Per engine, per round: (CPU s, wall s) summed over items; engines take turns on each item, order rotating.
    ``untimed`` runs before each item, outside the clock (CLIPS recycles its environment there)."""
    names = list(engines)
    totals = {name: [(0.0, 0.0)] * rounds for name in names}
    for r in range(rounds):
        for i, item in enumerate(items):
            k = (i + r) % len(names)
            if untimed is not None:
                untimed()
            for name in names[k:] + names[:k]:
                cpu, wall = time.thread_time(), time.perf_counter()
                engines[name](item)
                cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
                c, w = totals[name][r]
                totals[name][r] = (c + cpu, w + wall)
    return totals


def report(title: str, totals: dict[str, list[tuple[float, float]]], count: int, base: str = "clips") -> None:
    """Per-diagnosis ms (CPU and wall: min-max over rounds) and paired CPU ratios against ``base``."""
    print(f"\n{title} (per diagnosis; min-max over {len(next(iter(totals.values())))} rounds)")
    for name, rounds in totals.items():
        cpu = [c / count * 1000 for c, _ in rounds]
        wall = [w / count * 1000 for _, w in rounds]
        line = f"  {name:<8} CPU {min(cpu):7.3f}-{max(cpu):7.3f} ms   wall {min(wall):7.3f}-{max(wall):7.3f} ms"
        if base in totals and name != base:
            ratios = [c / b for (c, _), (b, _) in zip(rounds, totals[base], strict=True)]
            line += f"   CPU / {base}: {min(ratios):.2f}-{max(ratios):.2f}x"
        print(line)


def growth_exponent(factors: list[int], times: list[float]) -> float:
    """Least-squares slope of log(time) on log(factor): cost ~ factor^k."""
    xs, ys = [math.log(f) for f in factors], [math.log(t) for t in times]
    mx, my = statistics.fmean(xs), statistics.fmean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum((x - mx) ** 2 for x in xs)


def scaling(base: KnowledgeBase, facts: list[dict[str, Any]], factors: list[int], kind: str, with_clips: bool,
            rounds: int) -> None:
    """Per-diagnosis CPU time of each engine on knowledge cloned x factor, and the growth exponents."""
    per: dict[str, list[float]] = {}
    for factor in factors:
        kb = scaled_knowledge(base, factor, kind)  # type: ignore[arg-type]
        engines: dict[str, Engine] = {"experta": lambda f, kb=kb: reason(kb, f),
                                      "plain": lambda f, kb=kb: reason_plain(kb, f)}
        build = time.thread_time()
        reason(kb, facts[0])
        build = time.thread_time() - build
        if with_clips:
            clips = ClipsReasoner(kb)
            clips_build = time.thread_time()
            clips.build()
            clips_build = time.thread_time() - clips_build
            engines["clips"] = clips.reason
        totals = interleaved(facts, engines, rounds, clips.recycle_if_due if with_clips else None)
        cells = []
        for name, rounds_ in totals.items():
            ms = statistics.median(c for c, _ in rounds_) / len(facts) * 1000
            per.setdefault(name, []).append(ms)
            cells.append(f"{name} {ms:8.3f} ms")
        builds = f"build: experta {build:.1f} s" + (f", clips {clips_build:.1f} s" if with_clips else "")
        print(f"  {kind} x{factor:<4} {len(kb.rules):6} rules   " + "   ".join(cells) + f"   ({builds})")
    if len(factors) > 1:
        print("  growth exponent: " + ", ".join(f"{n} {growth_exponent(factors, t):.2f}" for n, t in per.items()))


_AGAINST = """
import json, sys, time
from pathlib import Path
from expert.knowledge import load_knowledge
from expert.model.scenario import load_scenario
from expert.model.situation import Situation
from expert.planning.pipeline import consult_facts, diagnose
from expert.planning.planner import make_plan
kb = load_knowledge()
sits = [Situation.parse(load_scenario(p).situation, kb) for p in sorted(Path(sys.argv[1]).glob("*.yaml"))]
more = [Situation.parse(data, kb) for data in json.loads(Path(sys.argv[3]).read_text())]
work = [(s, consult_facts(s, kb)) for s in sits + more]
make_plan(kb, *work[0])  # knowledge-base tables are built once, as the engine is
cpu = time.thread_time()
for s, r in work:  # one pass, each plan seen for the first time: nothing a repeat could remember
    make_plan(kb, s, r, "en")
out = {"make_plan": (time.thread_time() - cpu) / len(work) * 1000}
for s in sits:
    diagnose(s, knowledge=kb)
for name, run in (("reasoning", lambda s: consult_facts(s, kb)), ("diagnose", lambda s: diagnose(s, knowledge=kb))):
    cpu = time.thread_time()
    for _ in range(int(sys.argv[2])):
        for s in sits:
            run(s)
    out[name] = (time.thread_time() - cpu) / (len(sits) * int(sys.argv[2])) * 1000
print(json.dumps(out))
"""


_PARSES = """
import json, sys
from pathlib import Path
from expert.knowledge import load_knowledge
from expert.model.situation import Situation
kb = load_knowledge()
ok = []
for n, data in enumerate(json.loads(Path(sys.argv[1]).read_text())):
    try:
        Situation.parse(data, kb)
    except Exception:  # a fact or value this revision does not know yet
        continue
    ok.append(n)
print(json.dumps(ok))
"""




def _timed_tree(tree: Path, passes: int, generated: Path) -> dict[str, float]:
    """Per-scenario CPU ms of reasoning and diagnose(), and per-plan CPU ms of make_plan on the scenarios and
    the ``generated`` situations (JSON), in a fresh process running ``tree``'s code."""
    env = {**os.environ, "PYTHONPATH": str(tree), "EXPERT_KNOWLEDGE": str(tree / "knowledge")}
    done = subprocess.run([sys.executable, "-c", _AGAINST, str(ROOT / "scenarios"), str(passes), str(generated)],
                          env=env, cwd=tree, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def against(rev: str, rounds: int, generated: list[dict[str, Any]]) -> None:
    """Paired rounds of this tree and commit ``rev`` in alternating subprocesses; CPU ratios old / new."""
    with tempfile.TemporaryDirectory() as tmp:
        old, new = source_tree(rev, Path(tmp)), ROOT
        data = Path(tmp) / "generated.json"
        data.write_text(json.dumps(generated))
        env = {**os.environ, "PYTHONPATH": str(old), "EXPERT_KNOWLEDGE": str(old / "knowledge")}
        known = json.loads(subprocess.run([sys.executable, "-c", _PARSES, str(data)], env=env, cwd=old, check=True,
                                          capture_output=True, text=True).stdout)
        generated = [generated[n] for n in known]  # both revisions plan the same situations
        data.write_text(json.dumps(generated))
        pairs = []
        for r in range(rounds):
            order = [(old, "old"), (new, "new")] if r % 2 == 0 else [(new, "new"), (old, "old")]
            got = {label: _timed_tree(tree, 3, data) for tree, label in order}
            pairs.append(got)
    print(f"\nagainst {rev} (CPU, {rounds} alternating rounds of fresh processes; reasoning and diagnose per "
          f"scenario, make_plan per plan on the scenarios and {len(generated)} generated situations, each planned once)")
    for measure in ("reasoning", "diagnose", "make_plan"):
        olds = [p["old"][measure] for p in pairs]
        news = [p["new"][measure] for p in pairs]
        ratios = [o / n for o, n in zip(olds, news, strict=True)]
        print(f"  {measure:<10} {rev}: {min(olds):.2f}-{max(olds):.2f} ms   now: {min(news):.2f}-{max(news):.2f} ms"
              f"   {min(ratios):.1f}-{max(ratios):.1f}x faster")


def cli_wall(args: list[str], runs: int = 5) -> list[float]:
    """Wall seconds of ``python -m expert ARGS`` in a fresh process."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "expert", *args], check=True, capture_output=True, cwd=ROOT)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds of every scenario per engine (default 3)")
    parser.add_argument("--generated", type=int, default=2000, help="random situations checked for agreement")
    parser.add_argument("--factors", default="1,10,100", help="scaling factors for inert clones (default 1,10,100)")
    parser.add_argument("--live-factors", default="1,10", help="scaling factors for live clones (default 1,10)")
    parser.add_argument("--scale-scenarios", type=int, default=12, help="scenarios used in the scaling run")
    parser.add_argument("--against", metavar="REV", help="also time this earlier commit (paired, fresh processes)")
    parser.add_argument("--plan-generated", type=int, default=1000,
                        help="generated situations whose make_plan --against also times (default 1000)")
    args = parser.parse_args()

    with_clips = available()
    if not with_clips:
        print("clipspy is not installed: CLIPS columns skipped (pip install '.[bench]')")
    build = time.perf_counter()
    kb = load_knowledge()
    reason(kb, {})  # compiles the rules and builds the Rete network
    build = time.perf_counter() - build
    situations = [Situation.parse(load_scenario(p).situation, kb) for p in sorted((ROOT / "scenarios").glob("*.yaml"))]
    facts = [derive(kb, s.facts()) for s in situations]
    clips = ClipsReasoner(kb) if with_clips else None
    engines: dict[str, Engine] = {"experta": lambda f: reason(kb, f)}
    if clips:
        engines["clips"] = clips.reason
    rng = random.Random(12)
    generated = [Situation.parse(random_situation(kb, rng), kb) for _ in range(args.generated)]
    checked = check_agreement(kb, situations + generated, engines)
    print(f"machine: {os.cpu_count()} cores, Python {sys.version.split()[0]}; knowledge: {len(kb.rules)} rules, "
          f"{len(kb.diagnoses)} diagnoses, {len(kb.actions)} actions")
    print(f"agreement: {' and '.join(engines)} give the plain evaluator's certainties (==), firings and plan bytes "
          f"on {len(situations)} scenarios + {len(generated)} generated situations ({checked} in all)")
    print(f"engine build (load + validate + compile + Rete network): {build * 1000:.0f} ms")

    engines["plain"] = lambda f: reason_plain(kb, f)
    untimed = clips.recycle_if_due if clips else None
    report(f"reasoning only, {len(facts)} scenarios", interleaved(facts, engines, args.rounds, untimed), len(facts))

    def plan_with(run: Engine) -> Callable[[Situation], Any]:
        """diagnose() end to end (derive, reason, plan) with the given reasoning engine."""
        return lambda s: make_plan(kb, s, run(derive(kb, s.facts())), "en")

    report(f"diagnose() end to end, {len(situations)} scenarios",
           interleaved(situations, {name: plan_with(run) for name, run in engines.items()}, args.rounds, untimed),
           len(situations))

    picked = facts[:: max(1, len(facts) // args.scale_scenarios)][: args.scale_scenarios]
    print(f"\nscaling (CPU per diagnosis, median of {args.rounds} rounds over {len(picked)} scenarios)")
    scaling(kb, picked, [int(f) for f in args.factors.split(",")], "inert", with_clips, args.rounds)
    scaling(kb, picked, [int(f) for f in args.live_factors.split(",")], "live", with_clips, args.rounds)

    demo = ["diagnose", str(ROOT / "scenarios" / "demo.yaml"), "--format", "json"]
    print(f"\nCLI wall: `expert diagnose demo.yaml` median {statistics.median(cli_wall(demo)):.3f} s, "
          f"`expert --help` median {statistics.median(cli_wall(['--help'])):.3f} s")
    if args.against:
        rng = random.Random(13)
        against(args.against, args.rounds, [random_situation(kb, rng) for _ in range(args.plan_generated)])


if __name__ == "__main__":
    main()
