"""Same input, same bytes: across processes whose string hashing (and so set and dict order) differs."""
from __future__ import annotations

import os
import subprocess
import sys

from .conftest import ROOT, SCENARIOS

# Prints every scenario's JSON plan in both languages, then its markdown report: all of it on experta,
# the engine a user runs.
PLANS = """
import sys
import expert
from expert.knowledge import cached_knowledge
from expert.render import render
kb = cached_knowledge()
for path in sys.argv[1:]:
    for lang in ("en", "zh"):
        plan = expert.diagnose(path, lang=lang, knowledge=kb)
        sys.stdout.write(plan.to_json() + "\\n" + render(plan, "markdown", kb) + "\\n")
"""


def _plans(seed: str) -> bytes:
    """The output of PLANS in a fresh interpreter whose PYTHONHASHSEED is ``seed``."""
    env = {**os.environ, "PYTHONHASHSEED": seed}
    proc = subprocess.run([sys.executable, "-c", PLANS, *map(str, SCENARIOS)], capture_output=True, cwd=ROOT,
                          env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr.decode(errors="replace")[-2000:]
    return proc.stdout


def test_plans_are_byte_identical_across_processes_with_different_hash_seeds():
    first, second = _plans("1"), _plans("2")
    assert first.count(b'"schema_version"') == 2 * len(SCENARIOS)
    assert first == second
