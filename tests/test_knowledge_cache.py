"""The on-disk knowledge cache: a hit is the same knowledge, any change rebuilds it, damage is never trusted."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from expert.errors import KnowledgeError
from expert.knowledge import cache, load_knowledge
from expert.knowledge import loader as loader_module
from expert.knowledge.cache import same_knowledge
from expert.model.scenario import load_scenario
from expert.planning.pipeline import diagnose
from expert.render import render

from .conftest import ROOT, SCENARIOS

KNOWLEDGE = ROOT / "knowledge"
TODAY = dt.date(2026, 1, 5)


@pytest.fixture
def cache_folder(tmp_path, monkeypatch):
    """An empty cache folder of this test's own."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("EXPERT_CACHE_DIR", str(folder))
    monkeypatch.delenv("EXPERT_NO_CACHE", raising=False)
    return folder


@pytest.fixture
def knowledge(tmp_path):
    """A copy of the bundled knowledge that a test may edit."""
    return Path(shutil.copytree(KNOWLEDGE, tmp_path / "knowledge"))


_PARSE = loader_module.load_knowledge_with_problems


@pytest.fixture
def fresh():
    """Load by parsing the YAML, without the cache (the reference each cached result is compared with)."""
    def load(root):
        kb, problems = _PARSE(root)
        assert not problems
        return kb
    return load


@pytest.fixture
def parses(monkeypatch):
    """Count the loads that parse YAML (a cache hit parses none)."""
    calls = []
    def counting(root=None):
        calls.append(root)
        return _PARSE(root)

    monkeypatch.setattr(loader_module, "load_knowledge_with_problems", counting)
    return calls


def cache_files(folder: Path) -> list[Path]:
    """The cache files in a folder (temporaries left out)."""
    return sorted(folder.glob("knowledge-*.json")) if folder.is_dir() else []


def test_a_cache_hit_is_the_same_knowledge_without_parsing_yaml(cache_folder, knowledge, fresh, parses):
    first = load_knowledge(knowledge)
    assert len(parses) == 1 and len(cache_files(cache_folder)) == 1
    second = load_knowledge(knowledge)
    assert len(parses) == 1, "the second load read the cache"
    reference = fresh(knowledge)
    assert same_knowledge(second, reference) and same_knowledge(first, reference)
    assert second.root == knowledge
    for name in ("facts", "groups", "derived", "diagnoses", "actions", "tactics", "messages", "families"):
        assert list(getattr(second, name).items()) == list(getattr(reference, name).items()), name
    assert second.rules == reference.rules and [r.level for r in second.rules] == [r.level for r in reference.rules]


def test_every_scenario_plans_and_renders_the_same_from_the_cache(cache_folder, knowledge, fresh):
    load_knowledge(knowledge)
    cached, reference = load_knowledge(knowledge), fresh(knowledge)
    assert cached is not reference
    for path in SCENARIOS:
        situation = load_scenario(path).situation
        plans = [diagnose(situation, knowledge=kb, today=TODAY) for kb in (cached, reference)]
        for fmt in ("json", "markdown"):
            assert render(plans[0], fmt, cached) == render(plans[1], fmt, reference), (path.name, fmt)


def test_editing_any_knowledge_file_rebuilds_the_cache(cache_folder, knowledge, parses):
    load_knowledge(knowledge)
    rules = sorted((knowledge / "rules").glob("*.yaml"))[0]
    text = rules.read_text(encoding="utf-8")
    edited = text.replace("cf: 0.", "cf: 0.0", 1)  # one digit more: a new certainty
    assert edited != text
    rules.write_text(edited, encoding="utf-8")
    kb = load_knowledge(knowledge)
    assert len(parses) == 2
    assert kb.rules == load_knowledge(knowledge).rules and len(parses) == 2  # the new state is cached in turn
    messages = knowledge / "messages.yaml"
    messages.write_text(messages.read_text(encoding="utf-8").replace("en: \"", "en: \"X", 1), encoding="utf-8")
    assert any(text.en.startswith("X") for text in load_knowledge(knowledge).messages.values())
    assert len(parses) == 3
    shutil.copy(rules, knowledge / "rules" / "zz_copy.yaml")  # a new file (duplicate ids: refused, not cached)
    with pytest.raises(KnowledgeError, match="duplicate rule id"):
        load_knowledge(knowledge)
    with pytest.raises(KnowledgeError, match="duplicate rule id"):
        load_knowledge(knowledge)


def test_knowledge_with_problems_is_never_cached(cache_folder, knowledge):
    (knowledge / "diagnoses.yaml").write_text("not: [a mapping of diagnoses", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(Exception) as caught:
            load_knowledge(knowledge)
        assert "diagnoses.yaml" in str(caught.value)
    assert cache_files(cache_folder) == []


def _file(header: dict, body: bytes) -> bytes:
    """A cache file as the cache writes one, its checksum right (what only a deliberate edit makes)."""
    return json.dumps({**header, "sha256": hashlib.sha256(body).hexdigest()}).encode() + b"\n" + body


def _damaged(good: bytes, how: str) -> bytes:
    """A cache file spoiled in one way."""
    head, _, body = good.partition(b"\n")
    header, knowledge = json.loads(head), json.loads(body)
    if how == "truncated":
        return good[: len(good) // 2]
    if how == "empty":
        return b""
    if how == "not utf-8":
        return b"\xff\xfe" + good
    if how == "not json":
        return b"\x80\x04K\x01."  # a pickle: never unpickled
    if how == "a list":
        return b"[]\n[]"
    if how == "another key":
        return _file({**header, "key": "0" * 64}, body)
    if how == "another format":
        return _file({**header, "version": cache.CACHE_FORMAT + 1}, body)
    if how == "foreign":
        return _file({"format": "something else", "key": header["key"]}, body)
    if how == "wrong checksum":
        spoiled = body.replace(b'"cf":0.', b'"cf":0.0', 1)
        assert spoiled != body
        return head + b"\n" + spoiled
    if how == "invalid entry under the right key":
        knowledge["rules"][0]["cf"] = 7
        return _file(header, json.dumps(knowledge).encode())
    if how == "bad condition under the right key":
        knowledge["rules"][0]["when"] = ["leaf", "x", "__import__", ["plain", 1], None, 0]
        return _file(header, json.dumps(knowledge).encode())
    if how == "huge number under the right key":
        knowledge["rules"][0]["when"] = ["concluded", "x.y", 10 ** 400, False, 0]
        return _file(header, json.dumps(knowledge).encode())
    if how == "missing part under the right key":
        del knowledge["messages"]
        return _file(header, json.dumps(knowledge).encode())
    if how == "deeply nested":
        return _file(header, b"[" * 100_000)
    raise AssertionError(how)


@pytest.mark.parametrize("how", ["truncated", "empty", "not utf-8", "not json", "a list", "another key",
                                 "another format", "foreign", "wrong checksum", "invalid entry under the right key",
                                 "bad condition under the right key", "huge number under the right key",
                                 "missing part under the right key",
                                 "deeply nested"])
def test_a_damaged_or_tampered_cache_file_is_ignored_and_rebuilt(cache_folder, knowledge, fresh, parses, how):
    load_knowledge(knowledge)
    [path] = cache_files(cache_folder)
    good = path.read_bytes()
    path.write_bytes(_damaged(good, how))
    os.chmod(path, 0o600)
    kb = load_knowledge(knowledge)
    assert len(parses) == 2, "the damaged file was not used"
    assert same_knowledge(kb, fresh(knowledge))
    assert path.read_bytes() == good, "rewritten"
    load_knowledge(knowledge)
    assert len(parses) == 2


def test_a_cache_file_others_may_write_is_not_trusted(cache_folder, knowledge, parses):
    load_knowledge(knowledge)
    [path] = cache_files(cache_folder)
    os.chmod(path, 0o666)
    load_knowledge(knowledge)
    assert len(parses) == 2
    target = cache_folder / "elsewhere.json"
    path.rename(target)
    path.symlink_to(target)  # a symlink is not followed
    load_knowledge(knowledge)
    assert len(parses) == 3 and not path.is_symlink() and target.exists()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(position=st.floats(min_value=0, max_value=1, exclude_max=True), byte=st.integers(0, 255))
def test_any_one_byte_changed_or_cut_never_changes_the_knowledge(cache_folder, knowledge, fresh, position, byte):
    load_knowledge(knowledge)
    [path] = cache_files(cache_folder)
    good = path.read_bytes()
    at = int(position * len(good))
    for spoiled in (good[:at] + bytes([byte]) + good[at + 1:], good[:at]):
        path.write_bytes(spoiled)
        assert same_knowledge(load_knowledge(knowledge), fresh(knowledge))
    path.write_bytes(good)


@pytest.mark.parametrize("change", ["program version", "cache format", "python", "pydantic", "loader code"])
def test_a_new_version_of_anything_that_reads_knowledge_is_a_new_key(cache_folder, monkeypatch, change):
    files = loader_module._source_files(KNOWLEDGE)
    before = cache.cache_key(KNOWLEDGE, files)
    if change == "program version":
        monkeypatch.setattr(cache, "_program_version", lambda: "999.0")
    elif change == "cache format":
        monkeypatch.setattr(cache, "CACHE_FORMAT", cache.CACHE_FORMAT + 1)
    elif change == "python":
        monkeypatch.setattr(sys, "version", sys.version + " (another build)")
    elif change == "pydantic":
        monkeypatch.setattr(cache.pydantic, "VERSION", "0.0")
    else:
        monkeypatch.setattr(cache, "_CODE", (*cache._CODE, "errors.py"))
    assert cache.cache_key(KNOWLEDGE, files) != before


def test_a_new_program_version_rebuilds(cache_folder, knowledge, parses, monkeypatch):
    load_knowledge(knowledge)
    monkeypatch.setattr(cache, "_program_version", lambda: "999.0")
    load_knowledge(knowledge)
    assert len(parses) == 2
    load_knowledge(knowledge)
    assert len(parses) == 2


def test_an_unwritable_cache_folder_only_means_no_cache(tmp_path, monkeypatch, knowledge, fresh, parses):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("EXPERT_CACHE_DIR", str(blocker / "cache"))
    for _ in range(2):
        assert same_knowledge(load_knowledge(knowledge), fresh(knowledge))
    assert len(parses) == 2


def test_no_cache_when_turned_off(cache_folder, knowledge, monkeypatch, parses):
    monkeypatch.setenv("EXPERT_NO_CACHE", "1")
    load_knowledge(knowledge)
    load_knowledge(knowledge)
    assert len(parses) == 2 and cache_files(cache_folder) == []


def test_the_cache_folder_follows_the_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("EXPERT_NO_CACHE", raising=False)
    monkeypatch.setenv("EXPERT_CACHE_DIR", str(tmp_path / "mine"))
    assert cache.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("EXPERT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache.cache_dir() == tmp_path / "xdg" / "community-expert"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "community-expert"
    monkeypatch.setenv("EXPERT_NO_CACHE", "1")
    assert cache.cache_dir() is None
    monkeypatch.setenv("EXPERT_NO_CACHE", "0")
    assert cache.cache_dir() is not None


def test_two_folders_with_the_same_files_each_keep_their_own_root(cache_folder, tmp_path, knowledge):
    other = Path(shutil.copytree(knowledge, tmp_path / "other"))
    for _ in range(2):
        assert load_knowledge(knowledge).root == knowledge and load_knowledge(other).root == other


def test_a_value_json_cannot_carry_exactly_is_not_cached(cache_folder, knowledge, fresh):
    rules = sorted((knowledge / "rules").glob("*.yaml"))[0]
    text = rules.read_text(encoding="utf-8")
    marker = "why: {en: "
    assert marker in text
    rules.write_text(text.replace(marker, "why: {1: one, en: ", 1), encoding="utf-8")  # a number as a key
    kb = load_knowledge(knowledge)
    assert cache_files(cache_folder) == []
    assert same_knowledge(kb, fresh(knowledge))


def test_the_cache_file_is_plain_json_readable_only_by_its_owner(cache_folder):
    load_knowledge(KNOWLEDGE)
    [path] = cache_files(cache_folder)
    head, body = path.read_text(encoding="utf-8").split("\n")
    header = json.loads(head)
    assert header["format"] == "community-expert knowledge cache" and header["version"] == cache.CACHE_FORMAT
    assert set(json.loads(body)) >= {"facts", "rules", "diagnoses", "actions", "tactics", "messages"}
    assert os.stat(path).st_mode & 0o077 == 0


_WORKER = """
import hashlib, json, sys
from expert.knowledge import load_knowledge
from expert.knowledge.cache import encode
digests = set()
for _ in range(int(sys.argv[2])):
    digests.add(hashlib.sha256(json.dumps(encode(load_knowledge(sys.argv[1]))).encode()).hexdigest())
print(" ".join(sorted(digests)))
"""


def test_processes_loading_at_once_never_see_or_leave_a_broken_cache(cache_folder, knowledge, fresh):
    env = {**os.environ, "EXPERT_CACHE_DIR": str(cache_folder)}
    env.pop("EXPERT_NO_CACHE", None)
    expected = hashlib.sha256(json.dumps(cache.encode(fresh(knowledge))).encode()).hexdigest()
    for _ in range(2):
        shutil.rmtree(cache_folder, ignore_errors=True)
        workers = [subprocess.Popen([sys.executable, "-c", _WORKER, str(knowledge), "4"], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
        for worker in workers:
            out, err = worker.communicate(timeout=120)
            assert worker.returncode == 0, err
            assert out.split() == [expected]
        [path] = cache_files(cache_folder)
        head, _, body = path.read_bytes().partition(b"\n")
        assert json.loads(head)["sha256"] == hashlib.sha256(body).hexdigest()
        assert not list(cache_folder.glob(".knowledge-*.tmp"))
