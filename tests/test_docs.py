"""The generated catalogue: deterministic, complete, and never drifting from the knowledge."""
from __future__ import annotations

import pytest

from expert.cli import cli
from expert.knowledge.docs import catalogue_name, render_catalogue

from .conftest import ROOT


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_committed_catalogue_equals_a_fresh_generation(kb, lang):
    committed = ROOT / "docs" / catalogue_name(lang)
    assert committed.exists(), f"run `expert knowledge docs --lang {lang}` and commit {committed.name}"
    assert committed.read_text(encoding="utf-8") == render_catalogue(kb, lang), (
        f"docs/{committed.name} is stale: run `expert knowledge docs --lang {lang}`")


def test_catalogue_covers_every_diagnosis_rule_and_action(kb):
    text = render_catalogue(kb, "en")
    for ident in [*kb.diagnoses, *(r.id for r in kb.rules), *kb.actions, *kb.tactics]:
        assert f"`{ident}`" in text, ident


def test_cli_writes_into_the_output_folder(runner, tmp_path):
    result = runner.invoke(cli, ["knowledge", "docs", "--output", str(tmp_path), "--lang", "zh"])
    assert result.exit_code == 0
    written = (tmp_path / "knowledge.zh.md").read_text(encoding="utf-8")
    assert written.startswith("# 知识目录")


def test_cli_stdout(runner):
    result = runner.invoke(cli, ["knowledge", "docs", "--stdout"])
    assert result.exit_code == 0 and result.output.startswith("# Knowledge catalogue")
