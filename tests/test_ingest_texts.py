"""Ingest notes and metric definitions are data: every key has English and Chinese in knowledge/ingest.yaml."""
from __future__ import annotations

import ast
import re

import pytest

from expert.errors import KnowledgeError
from expert.ingest import analyze_export
from expert.ingest import facts as facts_module
from expert.ingest.facts import NOTE_KEYS
from expert.ingest.metrics import DEFINITIONS
from expert.ingest.report import Metric, Note, ingest_text, ingest_texts

from .conftest import ROOT

FIX = ROOT / "tests" / "fixtures" / "ingest"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def _note_calls() -> dict[str, set[str]]:
    """Every out.note("key", name=...) call in facts.py: key -> placeholder names passed."""
    tree = ast.parse(open(facts_module.__file__, encoding="utf-8").read())
    calls: dict[str, set[str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "note" \
                and node.args and isinstance(node.args[0], ast.Constant):
            calls.setdefault(node.args[0].value, set()).update(kw.arg for kw in node.keywords)
    return calls


def test_note_keys_constant_lists_every_note_call():
    assert set(_note_calls()) == set(NOTE_KEYS) and len(NOTE_KEYS) == len(set(NOTE_KEYS))


def test_every_note_and_definition_has_english_and_chinese():
    texts = ingest_texts()
    assert set(texts["notes"]) == set(NOTE_KEYS)
    assert set(texts["definitions"]) == set(DEFINITIONS)
    for section in texts.values():
        for entry in section.values():
            assert entry["en"].strip() and entry["zh"].strip()
            assert re.search(r"[\u4e00-\u9fff]", entry["zh"])


def test_placeholders_match_the_values_supplied():
    texts = ingest_texts()
    calls = _note_calls()
    for key, entry in texts["notes"].items():
        assert set(PLACEHOLDER.findall(entry["en"])) == set(PLACEHOLDER.findall(entry["zh"])) == calls[key], key
    for fact, entry in texts["definitions"].items():
        assert set(PLACEHOLDER.findall(entry["en"])) == set(PLACEHOLDER.findall(entry["zh"])) == set(DEFINITIONS[fact])


def test_texts_render_in_both_languages():
    note = Note(key="bots_excluded", values={"count": 3})
    assert note.text("en") == "3 bot events were excluded from all metrics."
    assert note.text("zh") == "已从所有指标中排除 3 条机器人事件。"
    metric = Metric(fact="contributors.core_total", value=2, definition_key="contributors.core_total",
                    definition_values=DEFINITIONS["contributors.core_total"])
    assert "3 distinct months" in metric.definition("en") and "3 个不同月份" in metric.definition("zh") and "4 months" in metric.definition("en")


def test_missing_key_is_a_clear_error():
    with pytest.raises(KnowledgeError, match=r"ingest\.yaml.*no text for notes\.no_such_note"):
        ingest_text("notes", "no_such_note", "zh")


def test_incomplete_custom_texts_are_rejected(tmp_path):
    (tmp_path / "ingest.yaml").write_text("notes:\n  a: {en: A}\ndefinitions: {}\n", encoding="utf-8")
    with pytest.raises(KnowledgeError, match="notes.a needs non-empty 'en' and 'zh'"):
        ingest_texts(tmp_path)


def test_texts_are_loaded_once_and_fall_back_to_the_bundled_file(tmp_path):
    assert ingest_texts() is ingest_texts()
    assert ingest_texts(tmp_path) is ingest_texts()  # no ingest.yaml of its own


def test_emitted_notes_are_structured_and_all_known():
    a = analyze_export(FIX / "events.csv", since="2024-04-01")
    keys = [n.key for n in a.notes]
    assert {"bots_excluded", "no_baseline_events", "no_year_ago_events", "no_history_before_window"} <= set(keys)
    assert set(keys) <= set(NOTE_KEYS)
    assert all(m.definition_key in DEFINITIONS for m in a.metrics)


def test_singular_texts_use_no_placeholder_the_plural_lacks():
    """en_one (the text when the leading count is 1) may drop the count, never invent a placeholder."""
    for section in ingest_texts().values():
        for key, entry in section.items():
            if "en_one" in entry:
                assert set(PLACEHOLDER.findall(entry["en_one"])) <= set(PLACEHOLDER.findall(entry["en"])), key
