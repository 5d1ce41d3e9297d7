"""Benchmark rendering a plan flooded with unrecognised tactics: 1x, 2x and 4x the input, and the ratio.

Run: .venv/bin/python benchmarks/render.py [--base-mb 3.3] [--repeat-share 0.5]
The situation holds about ``--base-mb`` MB of proposed tactics that match no catalogue entry (half of
them repeats of a few, by default), as in the issue where 3.3 MB took 18 s and 6.7 MB 101 s. For each
size it prints wall and CPU time of diagnose() (parsing, tactic matching, reasoning) and of rendering
the terminal and markdown reports, and the CPU ratios to the 1x size: rendering shows at most 20
distinct warnings, so its ratio stays near 1; the whole run is linear (near 2 and 4; quadratic
work would show 4 and 16).
"""
from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import expert  # noqa: E402
from expert.knowledge import cached_knowledge  # noqa: E402
from expert.render import render  # noqa: E402

TACTIC_BYTES = 32  # about the length of one generated tactic


def situation(megabytes: float, repeat_share: float) -> dict[str, Any]:
    """A situation with about ``megabytes`` MB of unrecognised tactics, a share of them repeated."""
    count = int(megabytes * 1_000_000 / TACTIC_BYTES)
    repeats = int(count * repeat_share)
    tactics = [f"repeated idea {i % 10} ........." for i in range(repeats)]
    tactics += [f"unheard-of tactic number {i:07d}" for i in range(count - repeats)]
    return {"community": {"name": "Flood"}, "pressure": {"proposed_tactics": tactics}}


def timed(work: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``work``: its result, wall seconds and CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = work()
    return result, time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    """Print one row per size and the ratio of each to the 1x size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-mb", type=float, default=3.3)
    parser.add_argument("--repeat-share", type=float, default=0.5)
    args = parser.parse_args()
    kb = cached_knowledge()
    rows = []
    for factor in (1, 2, 4):
        data = situation(args.base_mb * factor, args.repeat_share)
        plan, d_wall, d_cpu = timed(lambda: expert.diagnose(data, knowledge=kb))
        _, t_wall, t_cpu = timed(lambda: render(plan, "terminal", kb))
        _, m_wall, m_cpu = timed(lambda: render(plan, "markdown", kb))
        rows.append((factor, len(plan.warnings), d_wall, d_cpu, t_wall, t_cpu, m_wall, m_cpu))
    print(f"{'size':>9} {'warnings':>9} {'diagnose wall/cpu s':>20} {'terminal wall/cpu s':>20} "
          f"{'markdown wall/cpu s':>20} {'ratio cpu: render':>18} {'all':>6}")
    base, base_all = rows[0][5] + rows[0][7], rows[0][3] + rows[0][5] + rows[0][7]
    for factor, warnings, dw, dc, tw, tc, mw, mc in rows:
        print(f"{args.base_mb * factor:>6.1f} MB {warnings:>9,} {dw:>9.3f} / {dc:<8.3f} {tw:>9.3f} / {tc:<8.3f} "
              f"{mw:>9.3f} / {mc:<8.3f} {(tc + mc) / base:>18.2f} {(dc + tc + mc) / base_all:>6.2f}")


if __name__ == "__main__":
    main()
