"""Golden results: analyze_export's whole Analysis (facts, metrics with evidence, notes, history, bots)
for every export shape, recorded before the one-pass ingest, so any change to a result shows here.

Regenerate only when a result is meant to change: EXPERT_UPDATE_GOLDEN=1 pytest tests/test_analyze_golden.py
(inputs that are absent, such as ../shared/realdata, keep their recorded results and are skipped).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from expert.errors import ExpertError
from expert.ingest import analyze_export
from tests.analyze_cases import fixture_inputs, generated, normalised, option_sets

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden" / "analyze.json"
UPDATE = os.environ.get("EXPERT_UPDATE_GOLDEN") == "1"
GENERATED = [f"generated/{seed}.{ext}" for seed in (1, 2, 3) for ext in ("csv", "jsonl")]
INPUTS = fixture_inputs()
_results: dict[str, dict] = {}


@pytest.fixture(scope="module")
def paths(tmp_path_factory) -> dict[str, Path]:
    """Every input by name, the generated logs written to a temporary folder."""
    return {**INPUTS, **generated(tmp_path_factory.mktemp("golden"))}


@pytest.fixture(scope="module")
def golden():
    """The recorded results (written back at the end when updating)."""
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8")) if GOLDEN.is_file() else {}
    yield recorded
    if UPDATE:
        recorded.update(_results)
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        lines = [f"{json.dumps(k)}: {json.dumps(recorded[k], sort_keys=True, separators=(',', ':'))}" for k in sorted(recorded)]
        GOLDEN.write_text("{\n" + ",\n".join(lines) + "\n}\n", encoding="utf-8")  # one result a line: diffs name it


def run(path: Path, options: dict) -> dict:
    """One analysis as JSON data, or the error it ends with."""
    try:
        return normalised(analyze_export(path, **options))
    except ExpertError as exc:
        return {"error": str(exc)}


@pytest.mark.parametrize("name", sorted(INPUTS) + GENERATED)
def test_analysis_matches_the_recorded_result(name, paths, golden):
    for options in option_sets(name):
        key = f"{name} {json.dumps(options, sort_keys=True)}"
        got = run(paths[name], options)
        if UPDATE:
            _results[key] = got
            continue
        assert key in golden, f"no recorded result for {key}: run with EXPERT_UPDATE_GOLDEN=1"
        assert got == golden[key], key


def test_the_golden_file_covers_every_format():
    recorded = json.loads(GOLDEN.read_text(encoding="utf-8"))
    formats = {value["format"] for value in recorded.values() if "format" in value}
    assert {"csv", "jsonl", "slack", "discord", "telegram", "discourse", "mbox", "github", "zulip", "matrix"} <= formats
    assert sum("error" not in value for value in recorded.values()) >= 60
