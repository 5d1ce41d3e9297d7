"""Start-up: what `expert --help` and `expert diagnose` import and load, and that the shortcuts taken change nothing."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from expert.knowledge import conditions as C
from expert.reasoning.compiler import compile_pattern, engine_class
from expert.reasoning.matcher import IndexedMatcher
from expert.reasoning.rete import KnowledgeEngine, build_engine_class, shimmed_import

from .conftest import ROOT

ReteMatcher = shimmed_import("experta.matchers.rete").ReteMatcher


def _python(code: str, *, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a fresh interpreter in the project folder; its stdout."""
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **(env or {})},
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


_IMPORTED_BY = """
import json, sys
from expert.cli.main import main
try:
    main({args!r})
except SystemExit:
    pass
print(json.dumps(sorted(sys.modules)))
"""


def _imported(args: list[str]) -> set[str]:
    """Every module loaded by one `expert ARGS` in a fresh process."""
    return set(json.loads(_python(_IMPORTED_BY.format(args=args)).splitlines()[-1]))


def test_help_imports_no_command_work():
    modules = _imported(["--help"])
    heavy = {"experta", "pydantic", "rich", "yaml", "expert.knowledge", "expert.planning", "expert.reasoning",
             "expert.consult", "expert.render.terminal", "expert.history"}
    assert not modules & heavy


def test_diagnose_imports_neither_ingest_nor_consult_nor_progress_bars():
    modules = _imported(["diagnose", "scenarios/demo.yaml"])
    assert "expert.planning.pipeline" in modules
    unwanted = sorted(m for m in modules if m.startswith(("expert.ingest", "expert.consult", "expert.batch",
                                                          "expert.analysis", "expert.history", "tqdm", "rich.progress",
                                                          "jinja2", "pygal")))
    assert unwanted == []


_LOADS = """
from expert.cli.main import main
from expert.knowledge import loader
calls = []
parse = loader.load_knowledge_with_problems
loader.load_knowledge_with_problems = lambda root=None: calls.append(root) or parse(root)
for args in ({runs}):
    try:
        main(args)
    except SystemExit:
        pass
print("loads:", len(calls))
"""


@pytest.mark.parametrize("cache", ["none", "warm"])
def test_diagnose_reads_the_knowledge_once(tmp_path, cache):
    demo = ["diagnose", "scenarios/demo.yaml"]
    env = {"EXPERT_CACHE_DIR": str(tmp_path / "cache"), "EXPERT_NO_CACHE": "1" if cache == "none" else "0"}
    if cache == "warm":
        _python(_LOADS.format(runs=[demo]), env=env)
    out = _python(_LOADS.format(runs=[demo, demo + ["--format", "json"]]), env=env)
    assert out.splitlines()[-1] == ("loads: 1" if cache == "none" else "loads: 0")


def _expert(args: list[str], env: dict[str, str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `python -m expert ARGS` in a fresh process."""
    done = subprocess.run([sys.executable, "-m", "expert", *args], cwd=ROOT, env={**os.environ, **env},
                          capture_output=True, text=True, timeout=120)
    return done.returncode, done.stdout, done.stderr


@pytest.mark.parametrize("args", [["diagnose", "scenarios/demo.yaml"], ["diagnose", "scenarios/demo.yaml", "--lang", "zh",
                                                                      "--format", "json"], ["--version"]])
def test_the_cache_changes_no_output(tmp_path, args):
    folder = str(tmp_path / "cache")
    runs = [_expert(args, {"EXPERT_NO_CACHE": "1"}),
            _expert(args, {"EXPERT_CACHE_DIR": folder, "EXPERT_NO_CACHE": ""}),  # cold: writes the cache
            _expert(args, {"EXPERT_CACHE_DIR": folder, "EXPERT_NO_CACHE": ""})]  # warm: reads it
    assert list((tmp_path / "cache").glob("knowledge-*.json"))
    assert runs[0][0] == 0 and runs[0] == runs[1] == runs[2]


def _same_preparation(engine) -> None:
    """The indexed matcher prepares the engine's rules exactly as experta's own matcher does."""
    ours, theirs = IndexedMatcher.prepare_ruleset(engine), ReteMatcher.prepare_ruleset(engine)
    assert ours == theirs and len(ours) == len(engine.get_rules())
    by_name = {rule.__name__: rule for rule in theirs}
    for rule in ours:
        twin = by_name[rule.__name__]
        assert tuple(rule) == tuple(twin) and type(rule) is type(twin)
        assert (rule.salience, rule._wrapped, rule._wrapped_args) == (twin.salience, twin._wrapped, twin._wrapped_args)


def test_the_network_is_built_from_the_rules_experta_would_prepare(kb):
    _same_preparation(engine_class(kb, KnowledgeEngine)())


_FACTS = ("a", "b", "c")
leaves = st.one_of(
    st.builds(C.Leaf, st.sampled_from(_FACTS), st.sampled_from(["ge", "lt", "eq", "in"]), st.integers(0, 3)),
    st.builds(C.Concluded, st.sampled_from(["x.one", "x.two"]), st.just(0.2), st.booleans()))
trees = st.recursive(leaves, lambda kids: st.one_of(
    st.builds(C.All, st.lists(kids, min_size=1, max_size=3).map(tuple)),
    st.builds(C.Any_, st.lists(kids, min_size=1, max_size=3).map(tuple)),
    kids.map(C.negate)), max_leaves=8)


def _action(name: str):
    """A rule action of its own name (never run here)."""
    def fire(engine):
        """Nothing."""
    fire.__name__ = name
    return fire


@settings(max_examples=100, deadline=None)
@given(conditions=st.lists(trees, min_size=1, max_size=3), salience=st.integers(0, 1000))
def test_any_condition_is_prepared_as_experta_prepares_it(conditions, salience):
    rules = {f"rule_{i}": (compile_pattern(tree), salience, _action(f"fire_{i}")) for i, tree in enumerate(conditions)}
    _same_preparation(build_engine_class("Generated", rules, KnowledgeEngine)())


def test_a_brief_command_pauses_the_garbage_collector_only_while_it_runs(capsys):
    import gc

    from expert.cli.main import main

    seen = []

    def watch(phase, info):
        seen.append(phase)

    gc.callbacks.append(watch)
    try:
        main(["diagnose", str(ROOT / "scenarios" / "demo.yaml"), "--knowledge", str(ROOT / "knowledge"),
              "--format", "json"])
        gc.collect()
    finally:
        gc.callbacks.remove(watch)
    assert gc.isenabled() and json.loads(capsys.readouterr().out)["diagnoses"] is not None
    assert seen.count("start") == 1, "no automatic collection while diagnose ran"
