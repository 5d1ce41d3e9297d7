"""The analyzer's minimum evidence is knowledge (knowledge/ingest.yaml `minimum:`), not Python constants."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from expert.errors import KnowledgeError
from expert.ingest import facts, history
from expert.ingest.report import minimum_evidence

ROOT = Path(__file__).resolve().parents[1]


def test_every_threshold_the_analyzer_reads_is_in_the_knowledge():
    used = set()
    for module in (history, facts):
        used |= set(re.findall(r'MINIMUM\["([a-z_]+)"\]', Path(module.__file__).read_text(encoding="utf-8")))
    assert used and used <= set(minimum_evidence())
    assert minimum_evidence() == history.MINIMUM
    assert tuple(
        minimum_evidence()[k] for k in ("replies", "threads", "joined")) == (facts.MINIMUM_REPLIES, facts.MINIMUM_THREADS, facts.MINIMUM_JOINED)


@pytest.mark.parametrize("bad", ["value: -1", "value: lots", "value: true"])
def test_a_malformed_threshold_is_a_knowledge_error_naming_the_line(tmp_path, bad):
    shutil.copytree(ROOT / "knowledge", tmp_path / "k")
    path = tmp_path / "k" / "ingest.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("dormant_days: {value: 30,", f"dormant_days: {{{bad},"), encoding="utf-8")
    line = next(i for i, row in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if "dormant_days:" in row)
    with pytest.raises(KnowledgeError) as err:
        minimum_evidence(tmp_path / "k")
    assert f"ingest.yaml:{line}" in str(err.value) and "minimum.dormant_days" in str(err.value)
