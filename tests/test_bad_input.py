"""Bad and odd input across commands: a clear message naming field, value and what is allowed, a
non-zero exit, no traceback, and nothing already saved lost or half-written."""
from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from expert.cli import main

from .conftest import ROOT

DEMO = str(ROOT / "scenarios" / "demo.yaml")
EVENTS = str(ROOT / "tests" / "fixtures" / "ingest" / "events.csv")


def run_main(argv, capsys):
    """Run the console entry point and return (exit code, stdout, stderr)."""
    try:
        main([str(a) for a in argv])
        code = 0
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def assert_clean_error(code, err, *needles):
    """A non-zero exit with our message, every needle in it, and no traceback."""
    assert code not in (0, None), err
    assert "Traceback" not in err, err
    for needle in needles:
        assert needle in err, err


# --- YAML/JSON reading (expert/yamlio.py) -----------------------------------------------------------

BOMB = "".join(
    f"{name}: &{name} [{', '.join([f'*{prev}'] * 9) if prev else ', '.join(['x'] * 9)}]\n"
    for prev, name in zip([None, "a", "b", "c", "d", "e", "f", "g"], "abcdefgh")
)


def test_yaml_alias_bomb_is_refused_quickly_not_expanded(tmp_path, capsys):
    path = tmp_path / "bomb.yaml"
    path.write_text(BOMB + "community: {name: X, concerns: *h}\n", encoding="utf-8")
    start = time.monotonic()
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "anchors", "aliases", "bomb.yaml")
    assert time.monotonic() - start < 5


def test_duplicate_yaml_key_is_an_error_not_a_silent_overwrite(tmp_path, capsys):
    path = tmp_path / "dup.yaml"
    path.write_text("community: {name: X}\ncommunity: {name: Y}\n", encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "dup.yaml:2", "duplicate key 'community'", "line 1")


def test_duplicate_json_key_is_an_error_not_a_silent_overwrite(tmp_path, capsys):
    path = tmp_path / "dup.json"
    path.write_text('{"community": {"name": "X"}, "community": {"name": "Y"}}', encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "duplicate key 'community'")


def test_yaml_merge_keys_may_still_be_overridden():
    from expert.yamlio import load_mapping_text

    data = load_mapping_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  x: 3\n", "t.yaml")
    assert data["other"] == {"x": 3, "y": 2}


def test_top_level_list_is_named_in_words_not_as_a_python_class(tmp_path, capsys):
    path = tmp_path / "list.yaml"
    path.write_text("- community\n", encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "got a list")
    assert "LineList" not in err


# --- writing outputs (atomic_write_text) ------------------------------------------------------------

def test_output_into_missing_folder_is_a_message_for_every_writer(tmp_path, capsys):
    missing = tmp_path / "nodir"
    code, _, err = run_main(["diagnose", DEMO, "-o", missing / "r.md"], capsys)
    assert_clean_error(code, err, "cannot write output", "r.md")
    code, _, err = run_main(["analyze", EVENTS, "--situation-out", missing / "s.yaml"], capsys)
    assert_clean_error(code, err, "cannot write situation file", "s.yaml")
    assert not missing.exists()


def test_output_through_a_symlink_writes_the_target_and_keeps_the_link(tmp_path, capsys):
    target = tmp_path / "target.md"
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(target)
    code, _, err = run_main(["diagnose", DEMO, "--format", "markdown", "-o", link], capsys)
    assert code == 0, err
    assert link.is_symlink()
    assert target.read_text(encoding="utf-8").startswith("# ")


def test_output_to_a_fifo_writes_into_it_instead_of_replacing_it(tmp_path):
    from expert.yamlio import atomic_write_text

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        atomic_write_text(fifo, "hello")
        assert os.read(reader, 100) == b"hello"
    finally:
        os.close(reader)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_rewritten_output_keeps_its_permissions(tmp_path):
    from expert.yamlio import atomic_write_text

    path = tmp_path / "r.md"
    path.write_text("old", encoding="utf-8")
    path.chmod(0o644)
    atomic_write_text(path, "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert path.read_text(encoding="utf-8") == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["r.md"]


def test_deeply_nested_json_is_a_message_not_a_recursion_error(tmp_path, capsys):
    path = tmp_path / "deep.json"
    path.write_text('{"community": {"name": "X", "concerns": ' + "[" * 100_000 + "]" * 100_000 + "}}",
                    encoding="utf-8")
    code, _, err = run_main(["diagnose", path], capsys)
    assert_clean_error(code, err, "deep.json", "nested too deeply")


def test_binary_stdin_is_a_message_naming_the_byte(capsys, monkeypatch):
    import io
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"community: {name: \xcc\xff}\n")))
    code, _, err = run_main(["diagnose", "-"], capsys)
    assert_clean_error(code, err, "<stdin>:1", "not UTF-8 text (byte 0xcc)")


@pytest.mark.parametrize("argv", [["diagnose", "{f}"], ["whatif", "{f}", "members=3"], ["consult", "--from", "{f}"],
                                  ["consult", "--resume", "{f}"]])
def test_non_utf8_file_names_line_and_byte_for_every_reader(tmp_path, capsys, argv):
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"community:\n  name: caf\xe9\n")
    code, _, err = run_main([a.format(f=path) for a in argv], capsys)
    assert_clean_error(code, err, "latin1.yaml:2", "not UTF-8 text (byte 0xe9)")


def test_folder_given_as_situation_says_it_is_a_folder(tmp_path, capsys):
    code, _, err = run_main(["diagnose", tmp_path], capsys)
    assert_clean_error(code, err, "it is a folder, not a file")
