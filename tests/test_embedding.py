"""Embedding: importing and using the library leaves the host's logging and stdlib alone."""
from __future__ import annotations

import subprocess
import sys
import textwrap


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=120)


def test_import_leaves_root_logger_and_collections_untouched():
    proc = run_python("""
        import collections, logging
        root = logging.getLogger()
        before = (list(root.handlers), root.level, logging.basicConfig, hasattr(collections, "Mapping"))
        import expert
        expert.diagnose({"community": {"name": "E"}, "activity": {"activity_change_pct": -30}})
        after = (list(root.handlers), root.level, logging.basicConfig, hasattr(collections, "Mapping"))
        assert before == after, (before, after)
        assert not hasattr(collections, "Mapping")
        print("ok")
    """)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_host_logging_config_still_works_after_import():
    proc = run_python("""
        import logging, expert
        logging.basicConfig(level=logging.INFO, format="HOST %(message)s")
        logging.getLogger("host").info("configured")
    """)
    assert "HOST configured" in proc.stderr


def test_experta_is_imported_in_one_module_only():
    from pathlib import Path

    package = Path(__file__).resolve().parents[1] / "expert"
    importers = sorted(p.name for p in package.rglob("*.py")
                       if "import experta" in p.read_text() or "from experta" in p.read_text())
    assert importers == ["rete.py"]


def test_library_api_accepts_dict_path_and_situation(tmp_path):
    import expert
    from expert.model.situation import Situation

    data = {"community": {"name": "Lib"}, "conflict": {"severity": "high"}}
    path = tmp_path / "s.yaml"
    path.write_text("community: {name: Lib}\nconflict: {severity: high}\n")
    kb = expert.load_knowledge()
    plans = [expert.diagnose(data), expert.diagnose(path), expert.diagnose(str(path)),
             expert.diagnose(Situation.parse(data, kb))]
    assert len({p.to_json() for p in plans}) == 1
    assert plans[0].actions[0].kind == "stop_loss"


HOST_LOGGING_AT_DEBUG = """
    import logging, os
    records = []
    class Keep(logging.Handler):
        def emit(self, record):
            records.append((record.name, record.getMessage()))
    logging.basicConfig(level=logging.DEBUG, handlers=[Keep()])
    import expert
    expert.diagnose({"community": {"name": "Zanzibar Knitters", "objective": "Secret objective 42"},
                     "activity": {"activity_change_pct": -30},
                     "pressure": {"target_metric": "daily actives", "proposed_tactics": ["sock puppets"]}})
    words = ("Zanzibar", "Secret objective", "daily actives")
    print(len(records), sum(n.startswith("experta") for n, _ in records),
          sum(any(w in m for w in words) for _, m in records))
"""


def _host_run(debug_engine: str | None) -> list[int]:
    """Run a diagnosis in a fresh interpreter whose logging is at DEBUG: [records, experta records, leaking]."""
    import os

    env = {k: v for k, v in os.environ.items() if k != "EXPERT_DEBUG_ENGINE"}
    if debug_engine is not None:
        env["EXPERT_DEBUG_ENGINE"] = debug_engine
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(HOST_LOGGING_AT_DEBUG)], capture_output=True,
                          text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    return [int(n) for n in proc.stdout.split()]


def test_diagnose_logs_nothing_into_a_host_logging_at_debug():
    """Regression: experta logged ~4,700 records per diagnosis (names and objectives in them) into the host."""
    records, from_experta, leaking = _host_run(None)
    assert (from_experta, leaking) == (0, 0)
    assert records == 0


def test_engine_logging_is_an_explicit_opt_in():
    records, from_experta, leaking = _host_run("1")
    assert from_experta > 100 and from_experta == records and leaking > 0


def test_engine_logging_can_be_switched_on_and_off_by_the_host(caplog):
    import logging

    import expert
    from expert.reasoning.rete import engine_logging

    data = {"community": {"name": "Toggle"}, "activity": {"activity_change_pct": -30}}
    try:
        engine_logging(True)
        with caplog.at_level(logging.DEBUG):
            expert.diagnose(data)
        assert any(r.name.startswith("experta") for r in caplog.records)
    finally:
        engine_logging(False)
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        expert.diagnose(data)
    assert not [r for r in caplog.records if r.name.startswith("experta")]
