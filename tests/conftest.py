"""Shared fixtures: the bundled knowledge base, a CLI runner, scenario paths."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from expert.knowledge import cached_knowledge
from expert.planning.pipeline import consult_facts, load_situation
from expert.planning.planner import make_plan

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
REALDATA = ROOT.parent / "shared" / "realdata"


def pytest_configure(config):
    """Never the user's cache folder: the run's cached knowledge goes to a temporary folder of its own.

    A hook, not a fixture, because test modules load the knowledge while they are collected.
    """
    folder = tempfile.mkdtemp(prefix="expert-test-cache-")
    os.environ["EXPERT_CACHE_DIR"] = folder
    config.add_cleanup(lambda: shutil.rmtree(folder, ignore_errors=True))


@pytest.fixture(scope="session")
def kb():
    """The bundled knowledge base, loaded once."""
    return cached_knowledge()


@pytest.fixture
def runner():
    """A click runner that keeps stderr apart from stdout."""
    try:
        return CliRunner(mix_stderr=False)
    except TypeError:  # click >= 8.2 always separates them
        return CliRunner()


def diagnose_plain(situation, kb, lang: str = "en"):
    """expert.diagnose on the plain evaluator: the same plan to the byte (the experta_and_plain tests check
    it on every scenario and on generated situations), ten times faster, so properties and scenarios use it."""
    validated = load_situation(situation, kb, lang)
    return make_plan(kb, validated, consult_facts(validated, kb, engine="plain"), lang)
