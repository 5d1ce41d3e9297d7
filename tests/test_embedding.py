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
    from expert.situation import Situation

    data = {"community": {"name": "Lib"}, "conflict": {"severity": "high"}}
    path = tmp_path / "s.yaml"
    path.write_text("community: {name: Lib}\nconflict: {severity: high}\n")
    kb = expert.load_knowledge()
    plans = [expert.diagnose(data), expert.diagnose(path), expert.diagnose(str(path)),
             expert.diagnose(Situation.parse(data, kb))]
    assert len({p.to_json() for p in plans}) == 1
    assert plans[0].actions[0].kind == "stop_loss"
